//! Checkpoints of a recorded run, for seeking: a copy of the simulation every `every` events,
//! with the number of actions recorded before it. At most [`MAX_CHECKPOINTS`] are kept: when
//! full, every other one goes and the spacing doubles, so a seek replays at most about
//! `2 × events / MAX_CHECKPOINTS` events, whatever the length of the run.
//!
//! A copy shares the event log (by chunks) and the history's window of records (each record
//! until an operation in flight changes its own), but not the checker's unfolded segments or the
//! oracles' entries (both bounded). The copies together may hold at most [`WEIGHT_BUDGET`] such
//! records, a shared record counted once, or twice what the live run holds, whichever is more
//! (thinned by halves past that). Memory then stays within three times the run's own.

use crate::sim::{Checkpoint, Sim};
use std::rc::Rc;

/// Checkpoints kept at most.
pub const MAX_CHECKPOINTS: usize = 32;
/// Events between checkpoints at the start of a run (the spacing doubles as the run grows).
const FIRST_SPACING: u64 = 4096;
/// Records ([`Checkpoint::weight`]) all checkpoints may hold together, at least.
pub const WEIGHT_BUDGET: usize = 100_000;

/// A checkpoint, and how many of the run's actions were recorded before it.
#[derive(Clone)]
pub struct Saved {
    pub checkpoint: Rc<Checkpoint>,
    pub actions: usize,
}

#[derive(Clone)]
pub struct Checkpoints {
    /// Events between checkpoints.
    every: u64,
    /// Sorted by point in the run (steps, then time).
    kept: Vec<Saved>,
}

impl Default for Checkpoints {
    fn default() -> Self {
        Checkpoints { every: FIRST_SPACING, kept: Vec::new() }
    }
}

impl Checkpoints {
    /// Takes a checkpoint of `sim` if one is due (`actions`: recorded so far).
    pub fn maybe_take(&mut self, sim: &Sim, actions: usize) {
        let steps = sim.steps();
        let last = self.kept.last().map_or(0, |s| s.checkpoint.steps());
        if steps < last.saturating_add(self.every) {
            return;
        }
        let Some(checkpoint) = sim.checkpoint() else { return };
        let budget = WEIGHT_BUDGET.max(2 * checkpoint.weight());
        self.kept.push(Saved { checkpoint: Rc::new(checkpoint), actions });
        while self.kept.len() > MAX_CHECKPOINTS || (self.kept.len() > 1 && self.weight() > budget) {
            self.thin_out();
        }
    }

    /// Records the copies hold together: each one's own, and the history records of their windows
    /// counted once (windows move forward with the run, so copies in a row share most of theirs).
    fn weight(&self) -> usize {
        let mut shared_until = 0;
        let mut weight = 0;
        for s in &self.kept {
            let ids = s.checkpoint.history_ids();
            weight += s.checkpoint.weight_beyond_history_window();
            weight += (ids.end.saturating_sub(ids.start.max(shared_until))) as usize;
            shared_until = shared_until.max(ids.end);
        }
        weight
    }

    /// Every other checkpoint goes (the latest stays), and the spacing doubles.
    fn thin_out(&mut self) {
        self.every *= 2;
        let keep_even = self.kept.len() % 2 == 0;
        let mut i = 0;
        self.kept.retain(|_| {
            i += 1;
            (i % 2 == 0) == keep_even
        });
    }

    /// The latest checkpoint at or before the point (`steps` events run, the clock at `at_ms`).
    pub fn latest_before(&self, steps: u64, at_ms: u64) -> Option<&Saved> {
        self.kept.iter().rev().find(|s| s.checkpoint.steps() <= steps && s.checkpoint.now() <= at_ms)
    }

    /// The latest checkpoint whose log is at most `events` long (`None`: the start is).
    pub fn latest_with_events_at_most(&self, events: usize) -> Option<&Saved> {
        self.kept.iter().rev().find(|s| s.checkpoint.events() <= events)
    }

    /// None, and none taken (a replay that only regenerates events needs none).
    pub fn never() -> Checkpoints {
        Checkpoints { every: u64::MAX, kept: Vec::new() }
    }

    /// The checkpoints up to `steps` events (a run forked or sought there keeps these).
    pub fn up_to(&self, steps: u64) -> Checkpoints {
        let kept = self.kept.iter().filter(|s| s.checkpoint.steps() <= steps).cloned().collect();
        Checkpoints { every: self.every, kept }
    }

    /// Records the checkpoints hold together ([`Checkpoint::weight`]).
    pub fn total_weight(&self) -> usize {
        self.weight()
    }

    /// Events the checkpoints hold materialized, together (chunks shared with the run counted in
    /// each copy: a windowed log's copies hold at most their open chunk each).
    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub fn events_held(&self) -> usize {
        self.kept.iter().map(|s| s.checkpoint.events_held()).sum()
    }

    /// Where each checkpoint kept was taken: (steps, time).
    pub fn points(&self) -> Vec<(u64, u64)> {
        self.kept.iter().map(|s| (s.checkpoint.steps(), s.checkpoint.now())).collect()
    }

    /// Takes them every `events` events from now on (the first spacing; it still doubles).
    pub fn set_spacing(&mut self, events: u64) {
        self.every = events.max(1);
    }
}
