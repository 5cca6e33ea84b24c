//! The recorded actions, compact (issue 9, outside tester 13: an `Rc<Recorded>` per call held
//! about 135 B, so 1,000,000 calls alone went over the 128 MB ceiling).
//!
//! A [`Tape`] is a list of immutable chunks of [`CHUNK`] fixed-size entries (12 B): an invocation
//! of a built-in operation without an input (`increment`, `get`, `delete`, …) is its point as
//! deltas from its chunk's first action, its proposer, its operation's code
//! ([`OpKind::link_code`]) and its key's id in the chunk's key table. Any other action (an
//! operation with an input, `put`'s value, a fault, a setting), or one whose point does not fit
//! the deltas, is kept whole in the chunk's table of rare actions, stored once, its input as
//! compact JSON text (outside tester 20b: a 45 KB object of 2,500 fields is about 450 KB in
//! wasm memory, 700 KB natively, so a tape of them within the session's 128 MB of JSON held GBs;
//! as text it holds what a session document does, parsed again when played). Copies of a tape (a seek's) share their
//! chunks; writing to a shared chunk copies it first. Entries are numbered as the run's actions:
//! a tape may start after its chunks' first entry (the actions still to play after a seek).

use super::{Recorded, UserAction};
use crate::driver::KeyTable;
use crate::ops::OpKind;
use serde_json::Value as Json;
use std::rc::Rc;

/// Entries per chunk.
pub(super) const CHUNK: usize = 1024;

/// The code of an entry whose `arg` names a rare action.
const RARE: u8 = 0xFF;

/// One recorded action: 12 bytes.
#[derive(Clone, Copy)]
pub(super) struct Entry {
    /// Events run before it, past its chunk's first action.
    steps: u32,
    /// Virtual time past its chunk's first action.
    at: u32,
    /// A key's or a rare action's index in its chunk (see `code`).
    arg: u16,
    proposer: u8,
    /// [`OpKind::link_code`], or [`RARE`].
    code: u8,
}

/// Up to [`CHUNK`] entries and the tables they refer to.
#[derive(Default)]
struct Chunk {
    /// The point (steps, ms) the entries' deltas count from: its first action's.
    base: (u64, u64),
    entries: Vec<Entry>,
    keys: KeyTable,
    /// Its invocations with an input hold `null` here, the input's text in `inputs`.
    rare: Vec<Recorded>,
    /// Each rare action's input as compact JSON text (as a session document writes it), if it
    /// is an invocation with an input.
    inputs: Vec<Option<Box<str>>>,
}

/// The bytes of the value an action carries, JSON-encoded (`put`'s, `write`'s, a lock's input):
/// what a session document and a link hold of it beyond a few bytes, and the tape too.
pub(super) fn value_bytes(action: &UserAction) -> usize {
    input_text(action).map_or(0, |text| text.len())
}

/// An invocation's input as compact JSON text, if it has one.
fn input_text(action: &UserAction) -> Option<String> {
    match action {
        UserAction::Invoke { input, .. } if !input.is_null() => Some(input.to_string()),
        _ => None,
    }
}

impl Chunk {
    fn new(base: (u64, u64)) -> Chunk {
        Chunk { base, entries: Vec::with_capacity(CHUNK), ..Chunk::default() }
    }

    /// A copy of its first `n` entries, to write to.
    fn prefix(&self, n: usize) -> Chunk {
        let mut entries = Vec::with_capacity(CHUNK);
        entries.extend_from_slice(&self.entries[..n]);
        let (keys, rare, inputs) = (self.keys.clone(), self.rare.clone(), self.inputs.clone());
        Chunk { base: self.base, entries, keys, rare, inputs }
    }

    /// `key`'s index in the chunk (a chunk has fewer keys than entries: it fits).
    fn key_id(&mut self, key: &str) -> u16 {
        let id = self.keys.get(key).unwrap_or_else(|| self.keys.intern(&key.into()));
        id as u16
    }

    /// Appends `r`'s entry (there is room).
    fn push(&mut self, r: &Recorded) {
        debug_assert!(self.entries.len() < CHUNK);
        let entry = self.compact(r).unwrap_or_else(|| {
            let input = input_text(&r.action);
            let action = match &r.action {
                UserAction::Invoke { proposer, key, name, .. } if input.is_some() => {
                    UserAction::Invoke { proposer: *proposer, key: key.clone(), name: name.clone(), input: Json::Null }
                }
                other => other.clone(),
            };
            self.rare.push(Recorded { action, ..*r });
            self.inputs.push(input.map(String::into_boxed_str));
            Entry { steps: 0, at: 0, arg: (self.rare.len() - 1) as u16, proposer: 0, code: RARE }
        });
        self.entries.push(entry);
    }

    /// `r`'s compact entry, if it has one: an invocation of a built-in operation without an
    /// input whose point fits.
    fn compact(&mut self, r: &Recorded) -> Option<Entry> {
        let UserAction::Invoke { proposer, key, name, input: Json::Null } = &r.action else { return None };
        let code = OpKind::parse(name)?.link_code()?;
        let steps = u32::try_from(r.steps.checked_sub(self.base.0)?).ok()?;
        let at = u32::try_from(r.at_ms.checked_sub(self.base.1)?).ok()?;
        Some(Entry { steps, at, arg: self.key_id(key), proposer: *proposer, code })
    }

    fn point(&self, offset: usize) -> (u64, u64) {
        let e = &self.entries[offset];
        match e.code {
            RARE => {
                let r = &self.rare[usize::from(e.arg)];
                (r.steps, r.at_ms)
            }
            _ => (self.base.0 + u64::from(e.steps), self.base.1 + u64::from(e.at)),
        }
    }

    /// Entry `offset` as the document writes it, without decoding it into an action.
    fn written(&self, offset: usize) -> Written<'_> {
        let e = self.entries[offset];
        if e.code == RARE {
            let r = &self.rare[usize::from(e.arg)];
            return match (&r.action, &self.inputs[usize::from(e.arg)]) {
                (UserAction::Invoke { proposer, key, name, .. }, Some(input)) => {
                    Written::Invoke { steps: r.steps, at_ms: r.at_ms, proposer: *proposer, key, op: name, input }
                }
                _ => Written::Whole(r),
            };
        }
        let op = OpKind::of_link_code(e.code).expect("a recorded operation's code").name();
        let (steps, at_ms) = self.point(offset);
        Written::Invoke { steps, at_ms, proposer: e.proposer, key: self.keys.key(u32::from(e.arg)), op, input: "null" }
    }

    fn get(&self, offset: usize) -> Recorded {
        let e = self.entries[offset];
        if e.code == RARE {
            let mut r = self.rare[usize::from(e.arg)].clone();
            if let (UserAction::Invoke { input, .. }, Some(text)) = (&mut r.action, &self.inputs[usize::from(e.arg)]) {
                // The text `Json`'s own printing wrote: it parses back to the same value.
                *input = crate::json_text::parse(text).expect("a recorded input's JSON text");
            }
            return r;
        }
        let kind = OpKind::of_link_code(e.code).expect("a recorded operation's code");
        let (steps, at_ms) = self.point(offset);
        let action = UserAction::Invoke {
            proposer: e.proposer,
            key: String::from(&**self.keys.key(u32::from(e.arg))),
            name: kind.name().to_owned(),
            input: Json::Null,
        };
        Recorded { steps, at_ms, action }
    }
}

/// A recorded action as the session document writes it ([`super::document_text`]): an
/// invocation without an input straight from its compact entry, any other action whole.
pub enum Written<'a> {
    /// An invocation; `input` its input's JSON text (`null`: none).
    Invoke {
        steps: u64,
        at_ms: u64,
        proposer: u8,
        key: &'a str,
        op: &'a str,
        input: &'a str,
    },
    Whole(&'a Recorded),
}

/// Recorded actions `start..end` of a run, in chunks shared with its copies.
#[derive(Clone, Default)]
pub(super) struct Tape {
    /// Chunk `c` holds actions `c * CHUNK..`; exactly the chunks up to `end`.
    chunks: Vec<Rc<Chunk>>,
    start: usize,
    end: usize,
}

impl Tape {
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// The number of its first action.
    pub fn first(&self) -> usize {
        self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Action `i` of the run: one of its actions, or one taken off its front.
    pub fn get(&self, i: usize) -> Recorded {
        debug_assert!(i < self.end, "action {i} of {}..{}", self.start, self.end);
        self.chunks[i / CHUNK].get(i % CHUNK)
    }

    /// The point (steps, ms) of action `i` ([`Tape::get`]).
    pub fn point(&self, i: usize) -> (u64, u64) {
        debug_assert!(i < self.end, "action {i} of {}..{}", self.start, self.end);
        self.chunks[i / CHUNK].point(i % CHUNK)
    }

    /// The point of the first action.
    pub fn front_point(&self) -> Option<(u64, u64)> {
        (!self.is_empty()).then(|| self.point(self.start))
    }

    /// The point of the last action.
    pub fn back_point(&self) -> Option<(u64, u64)> {
        (!self.is_empty()).then(|| self.point(self.end - 1))
    }

    /// Takes the first action off; returns its number.
    pub fn pop_front(&mut self) -> Option<usize> {
        let i = self.start;
        (i < self.end).then(|| {
            self.start += 1;
            i
        })
    }

    pub fn clear(&mut self) {
        *self = Tape::default();
    }

    /// The actions up to `n` (`n <= end`), sharing the chunks.
    pub fn truncated(&self, n: usize) -> Tape {
        let n = n.clamp(self.start, self.end);
        Tape { chunks: self.chunks[..n.div_ceil(CHUNK)].to_vec(), start: self.start, end: n }
    }

    /// The actions from `n` on, sharing the chunks.
    pub fn from(&self, n: usize) -> Tape {
        Tape { start: n.clamp(self.start, self.end), ..self.clone() }
    }

    /// Appends `r` as action `end`.
    pub fn push(&mut self, r: &Recorded) {
        let (c, offset) = (self.end / CHUNK, self.end % CHUNK);
        if offset == 0 {
            debug_assert_eq!(self.chunks.len(), c, "exactly the chunks up to the end");
            self.chunks.push(Rc::new(Chunk::new((r.steps, r.at_ms))));
        } else if Rc::get_mut(&mut self.chunks[c]).is_none() {
            self.chunks[c] = Rc::new(self.chunks[c].prefix(offset));
        }
        let chunk = Rc::get_mut(&mut self.chunks[c]).expect("a chunk of its own");
        // A chunk this tape alone holds may still have the entries of a tape it was cut from.
        chunk.entries.truncate(offset);
        chunk.push(r);
        self.end += 1;
    }

    /// Appends `src`'s actions `from..to`. Where they keep their numbers (`from` is this tape's
    /// end) and `src`'s chunks are this tape's, the chunks are shared, not copied.
    pub fn extend_from(&mut self, src: &Tape, from: usize, to: usize) {
        let mut i = from;
        while i < to {
            let c = i / CHUNK;
            let aligned = i == self.end;
            let shared = aligned
                && if i % CHUNK == 0 { self.chunks.len() == c } else { Rc::ptr_eq(&self.chunks[c], &src.chunks[c]) };
            if shared {
                if i % CHUNK == 0 {
                    self.chunks.push(src.chunks[c].clone());
                }
                let next = ((c + 1) * CHUNK).min(to);
                self.end = next;
                i = next;
            } else {
                self.push(&src.get(i));
                i += 1;
            }
        }
    }

    /// The bytes of the values actions `0..end` carry ([`value_bytes`]).
    pub fn value_bytes(&self) -> usize {
        let mut total = 0;
        for (c, chunk) in self.chunks.iter().enumerate() {
            let held = &chunk.entries[..(self.end - c * CHUNK).min(chunk.entries.len())];
            total += held
                .iter()
                .filter(|e| e.code == RARE)
                .map(|e| chunk.inputs[usize::from(e.arg)].as_ref().map_or(0, |text| text.len()))
                .sum::<usize>();
        }
        total
    }

    /// The actions, decoded, in order.
    pub fn iter(&self) -> impl Iterator<Item = Recorded> + '_ {
        (self.start..self.end).map(|i| self.get(i))
    }

    /// The actions as the document writes them, in order, borrowed from the chunks.
    pub fn written(&self) -> impl Iterator<Item = Written<'_>> + '_ {
        (self.start..self.end).map(|i| self.chunks[i / CHUNK].written(i % CHUNK))
    }

    /// Whether every chunk of this tape is `other`'s chunk of the same number.
    #[cfg(test)]
    pub fn shares_chunks_with(&self, other: &Tape) -> bool {
        self.chunks.iter().zip(&other.chunks).all(|(a, b)| Rc::ptr_eq(a, b))
    }
}
