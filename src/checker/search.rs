//! The search for one key: Wing & Gong's algorithm over a linked list of call/return entries,
//! with Lowe's cache of (linearized set, state) configurations already explored.

use super::model::{CheckOp, State};
use super::Violation;
use std::collections::HashSet;
use std::hash::BuildHasherDefault;

/// The verdict on one key.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyResult {
    /// A linearization: operation ids in order (unknown operations that never took effect are
    /// left out).
    Linearizable(Vec<u64>),
    Violation(Violation),
    /// The step budget ran out first.
    Unknown,
}

#[derive(Clone, Copy)]
struct Entry {
    op: usize,
    is_call: bool,
    /// For a call: the index of its return entry.
    partner: usize,
    prev: usize,
    next: usize,
}

const NIL: usize = usize::MAX;

/// Configurations already explored: (linearized operations as a bit set, state key).
type Explored = HashSet<(Vec<u64>, (u64, String)), BuildHasherDefault<crate::fxhash::FxHasher>>;

/// Checks one key's operations; returns the verdict and the search steps used.
pub fn check_key(ops: &[CheckOp], step_budget: u64) -> (KeyResult, u64) {
    // Entries sorted by time; at equal times calls come first, so operations that touch at an
    // instant count as concurrent. Unknown operations return "at infinity".
    let mut events: Vec<(u64, u8, usize, bool)> = Vec::with_capacity(ops.len() * 2);
    for (i, op) in ops.iter().enumerate() {
        events.push((op.invoke_at, 0, i, true));
        events.push((op.return_at.unwrap_or(u64::MAX), 1, i, false));
    }
    events.sort_unstable();
    let head = events.len(); // a sentinel before the first entry
    let mut entries: Vec<Entry> = Vec::with_capacity(events.len() + 1);
    let mut call_of = vec![NIL; ops.len()];
    for (i, &(_, _, op, is_call)) in events.iter().enumerate() {
        entries.push(Entry { op, is_call, partner: NIL, prev: if i == 0 { head } else { i - 1 }, next: i + 1 });
        if is_call {
            call_of[op] = i;
        } else {
            entries[call_of[op]].partner = i;
        }
    }
    if let Some(last) = entries.last_mut() {
        last.next = NIL;
    }
    entries.push(Entry {
        op: NIL,
        is_call: false,
        partner: NIL,
        prev: NIL,
        next: if events.is_empty() { NIL } else { 0 },
    });

    let words = ops.len().div_ceil(64);
    let mut linearized = vec![0u64; words];
    let mut state = State::default();
    // (call entry, state before it, index of the transition taken)
    let mut stack: Vec<(usize, State, usize)> = Vec::new();
    let mut seen: Explored = HashSet::default();
    let mut longest: (Vec<usize>, State) = (Vec::new(), State::default());
    let mut steps = 0u64;
    let mut entry = entries[head].next;
    let mut resume_from = 0usize; // the transition index to try next at `entry`

    let lift = |entries: &mut Vec<Entry>, call: usize| {
        for e in [call, entries[call].partner] {
            let (p, n) = (entries[e].prev, entries[e].next);
            entries[p].next = n;
            if n != NIL {
                entries[n].prev = p;
            }
        }
    };
    let unlift = |entries: &mut Vec<Entry>, call: usize| {
        for e in [entries[call].partner, call] {
            let (p, n) = (entries[e].prev, entries[e].next);
            entries[p].next = e;
            if n != NIL {
                entries[n].prev = e;
            }
        }
    };

    loop {
        steps += 1;
        if steps > step_budget {
            return (KeyResult::Unknown, steps);
        }
        if entry == NIL {
            return (KeyResult::Linearizable(stack.iter().map(|(e, _, _)| ops[entries[*e].op].id).collect()), steps);
        }
        let e = entries[entry];
        if e.is_call {
            let op = &ops[e.op];
            let nexts = op.apply(&state);
            let mut lifted = false;
            for (t, next) in nexts.into_iter().enumerate().skip(resume_from) {
                let mut set = linearized.clone();
                set[e.op / 64] |= 1 << (e.op % 64);
                if seen.insert((set.clone(), next.key())) {
                    stack.push((entry, std::mem::replace(&mut state, next), t));
                    linearized = set;
                    lift(&mut entries, entry);
                    if stack.len() > longest.0.len() {
                        longest = (stack.iter().map(|(c, _, _)| entries[*c].op).collect(), state.clone());
                    }
                    entry = entries[head].next;
                    lifted = true;
                    break;
                }
            }
            resume_from = 0;
            if !lifted {
                entry = e.next;
            }
        } else {
            if ops[e.op].return_at.is_none() {
                // Every completed operation is placed; the unknown ones left may never have happened.
                return (
                    KeyResult::Linearizable(stack.iter().map(|(c, _, _)| ops[entries[*c].op].id).collect()),
                    steps,
                );
            }
            let Some((call, before, taken)) = stack.pop() else {
                return (KeyResult::Violation(explain(ops, &longest.0, &longest.1)), steps);
            };
            let op = entries[call].op;
            linearized[op / 64] &= !(1 << (op % 64));
            state = before;
            unlift(&mut entries, call);
            entry = call;
            resume_from = taken + 1;
        }
    }
}

/// The violation, told from the longest partial linearization: the earliest-returning completed
/// operation not in it could not be placed after it.
fn explain(ops: &[CheckOp], longest: &[usize], state: &State) -> Violation {
    let placed: std::collections::HashSet<usize> = longest.iter().copied().collect();
    let stuck = (0..ops.len())
        .filter(|i| !placed.contains(i) && ops[*i].return_at.is_some())
        .min_by_key(|i| (ops[*i].return_at, ops[*i].invoke_at))
        .unwrap_or(0);
    let s = &ops[stuck];
    let writer = longest.iter().rev().find(|i| !matches!(ops[**i].name, "get" | "read")).copied();
    let held = if state.version == 0 {
        "its initial empty state".to_owned()
    } else {
        format!("{} (version {})", state.value, state.version)
    };
    let mut explanation = format!(
        "{} at {}–{}ms fits no linearization: the longest consistent order ({} operations) leaves the register at {held}",
        s.describe(),
        s.invoke_at,
        s.return_at.unwrap_or(u64::MAX),
        longest.len(),
    );
    if let Some(w) = writer {
        let when =
            ops[w].return_at.map_or(format!("invoked at {}ms", ops[w].invoke_at), |t| format!("completed at {t}ms"));
        explanation.push_str(&format!(", last written by {} ({when})", ops[w].describe()));
    }
    let mut involved = vec![s.id];
    involved.extend(writer.map(|w| ops[w].id));
    Violation { key: s.key.clone(), ops: involved, longest: longest.iter().map(|i| ops[*i].id).collect(), explanation }
}
