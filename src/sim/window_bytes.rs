//! The bytes of values a windowed event log holds, a chunk at a time (issue 9, outside tester
//! 18: puts of 60 KB values kept every value the window's events named, ~100 KB a put, so a
//! window of events held 1 GB of values). A full chunk's bytes are counted once, when it fills;
//! the log lets its oldest chunks go while the full chunks it holds pass
//! [`MAX_WINDOW_VALUE_BYTES`] (`Trace::push`), besides its count of events, keeping the latest
//! full chunk and the open one: with big values the window holds one or two chunks of events.

use super::record_bytes::register_bytes;
use super::trace::{Event, Msg};
use crate::protocol::Request;

pub use crate::limits::MAX_WINDOW_VALUE_BYTES;

/// The bytes of the full chunks counted so far: (chunk number, bytes), oldest first.
#[derive(Clone, Debug, Default)]
pub struct WindowBytes {
    chunks: Vec<(usize, usize)>,
}

impl WindowBytes {
    /// Counts chunk number `chunk`, just filled with `events`: the registers its accepts carry,
    /// each once (an accept's copies to each acceptor share one, sent in a row). A promise's
    /// register is not counted: an accept brought it, and its acceptor holds it.
    pub fn filled(&mut self, chunk: usize, events: &[Event]) {
        let (mut bytes, mut last) = (0, std::ptr::null());
        for msg in events.iter().filter_map(|e| e.kind.messages()).flatten() {
            if let Msg::Request(Request::Accept { value, .. }) = &msg.msg {
                if !std::ptr::eq(last, &**value) {
                    (bytes, last) = (bytes + register_bytes(value), &**value);
                }
            }
        }
        self.chunks.push((chunk, bytes));
    }

    /// The bytes of the full chunks from chunk number `first` on (older ones are forgotten).
    pub fn held_from(&mut self, first: usize) -> usize {
        self.chunks.retain(|c| c.0 >= first);
        self.chunks.iter().map(|c| c.1).sum()
    }
}
