//! The history window of a sought run, put back on demand: a checkpoint keeps only the history
//! records its operations in flight need ([`crate::sim::Sim::checkpoint`]), so copies spread over
//! a long run do not keep most of its records between them (issue 9: dense checkpoints within
//! their memory budget). A run restored from one has the window's older records missing until
//! a view reads them: [`Recording::complete_history`] shares them from the run it was sought
//! from when that still holds them, else replays this run from the latest checkpoint that holds
//! the window's first record (about a window's worth of operations: [`crate::sim::HISTORY_WINDOW`])
//! and shares the replay's records. One operation's record needs only the records from it on
//! ([`Recording::complete_history_from`]): a shorter replay, from a later checkpoint. Replay reproduces the run exactly, so the records are the
//! ones the run made (tested against a run that never let any go, `history_window_tests.rs`).

use super::Recording;
use crate::ops::OpError;

impl Recording {
    /// Puts back the history records a checkpoint let go, so that the history's window is the
    /// one a run that never sought holds (the views read only a complete history).
    pub fn complete_history(&self) -> Result<(), OpError> {
        self.complete_history_from(0)
    }

    /// Puts back the records a checkpoint let go from record `from` on only (what one
    /// `operation(id)` needs: the page's results list asks for the newest operations, and the
    /// replay that regenerates them starts from the latest checkpoint holding `from`, not the
    /// window's first record: issue 9, a seek at 400k events took 645 ms here). The records
    /// before `from` stay let go; a later call for them, or [`Recording::complete_history`],
    /// puts them back.
    pub fn complete_history_from(&self, from: u64) -> Result<(), OpError> {
        let wanted = self.sim.history().let_go_ids(from);
        if wanted.is_empty() {
            return Ok(());
        }
        let replay = self.replay_for_records(wanted.start)?;
        self.history_replays.set(self.history_replays.get() + 1);
        while !self.sim.take_history_from(&replay.sim, wanted.start) {
            if !replay.step()? {
                return Err(OpError::invalid("the history cannot be regenerated: its replay ended first"));
            }
        }
        Ok(())
    }

    /// Puts back what operation `id`'s record needs ([`Recording::complete_history_from`]); an
    /// id folded away before the window needs nothing (no copy of the run holds it).
    pub fn complete_record(&self, id: u64) -> Result<(), OpError> {
        if id < self.sim.history().folded() {
            return Ok(());
        }
        self.complete_history_from(id)
    }

    /// Replays started to put a history's records back so far.
    pub fn history_replays(&self) -> usize {
        self.history_replays.get()
    }

    /// A scratch replay of this run from the latest checkpoint holding record `id` (or from the
    /// start), with the later actions on its tape.
    fn replay_for_records(&self, id: u64) -> Result<Recording, OpError> {
        self.scratch_replay(self.checkpoints.borrow().latest_holding_record(id))
    }
}
