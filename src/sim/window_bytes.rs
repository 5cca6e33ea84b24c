//! The bytes of values a windowed event log holds, a chunk at a time (issue 9, outside tester
//! 18: puts of 60 KB values kept every value the window's events named, ~100 KB a put, so a
//! window of events held 1 GB of values). A full chunk's bytes are counted once, when it fills;
//! the log lets its oldest chunks go while the full chunks it holds pass
//! [`MAX_WINDOW_VALUE_BYTES`] (`Trace::push`), besides its count of events. The open chunk is
//! never let go: with big values the window holds about one chunk of events.

use super::record_bytes::register_bytes;
use super::trace::{Event, Msg};
use crate::fxhash::FxHashMap;
use crate::protocol::{Reply, Request};
use std::collections::VecDeque;
use std::rc::Rc;

pub use crate::limits::MAX_WINDOW_VALUE_BYTES;

/// The bytes of the full chunks counted so far: (chunk number, bytes), oldest first.
#[derive(Clone, Debug, Default)]
pub struct WindowBytes {
    chunks: VecDeque<(usize, usize)>,
}

impl WindowBytes {
    /// Counts chunk number `chunk`, just filled with `events`: the registers its messages carry,
    /// each once (the copies of an accept share one).
    pub fn filled<'a>(&mut self, chunk: usize, events: impl Iterator<Item = &'a Event>) {
        let mut seen = FxHashMap::default();
        let mut bytes = 0;
        for msg in events.filter_map(|e| e.kind.messages()).flatten() {
            let register = match &msg.msg {
                Msg::Request(Request::Accept { value, .. }) => value,
                Msg::Reply(Reply::Promise { accepted: Some((_, value)), .. }) => value,
                _ => continue,
            };
            if seen.insert(Rc::as_ptr(register), ()).is_none() {
                bytes += register_bytes(register);
            }
        }
        self.chunks.push_back((chunk, bytes));
    }

    /// The bytes of the full chunks from chunk number `first` on (older ones are forgotten).
    pub fn held_from(&mut self, first: usize) -> usize {
        while self.chunks.front().is_some_and(|c| c.0 < first) {
            self.chunks.pop_front();
        }
        self.chunks.iter().map(|c| c.1).sum()
    }
}
