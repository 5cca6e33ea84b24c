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
//!
//! Seeks leave checkpoints where they land (issue 9: a seek replays from the nearest checkpoint,
//! up to `2 × events / MAX_CHECKPOINTS` events): a seek that replays far keeps the copies it takes
//! on its way, every [`LANDING_SPACING`] events, and one at its point, so the next seek nearby
//! (a slider dragged, a step back) replays little. At most [`MAX_LANDINGS`] of them, holding at
//! most half of [`WEIGHT_BUDGET`], the oldest going first.

use crate::sim::{Checkpoint, Sim};
use std::rc::Rc;

/// Checkpoints kept at most.
pub const MAX_CHECKPOINTS: usize = 32;
/// Events between checkpoints at the start of a run (the spacing doubles as the run grows).
const FIRST_SPACING: u64 = 4096;
/// Records ([`Checkpoint::weight`]) all checkpoints may hold together, at least.
pub const WEIGHT_BUDGET: usize = 100_000;
/// Checkpoints left by seeks, kept at most.
pub const MAX_LANDINGS: usize = 8;
/// Events between the checkpoints a seek takes on its way.
pub const LANDING_SPACING: u64 = 4 * FIRST_SPACING;
/// A seek that replays fewer events than this leaves no checkpoint where it lands.
const LANDING_MIN_REPLAY: u64 = FIRST_SPACING / 4;

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
    /// Left by seeks, oldest first.
    landed: Vec<Saved>,
}

impl Default for Checkpoints {
    fn default() -> Self {
        Checkpoints { every: FIRST_SPACING, kept: Vec::new(), landed: Vec::new() }
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
        weight_of(&self.kept)
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

    /// The latest checkpoint at or before the point (`steps` events run, the clock at `at_ms`),
    /// kept or left by a seek.
    pub fn latest_before(&self, steps: u64, at_ms: u64) -> Option<&Saved> {
        let before = |s: &&Saved| s.checkpoint.steps() <= steps && s.checkpoint.now() <= at_ms;
        let kept = self.kept.iter().rev().find(before);
        let landed = self.landed.iter().filter(before).max_by_key(|s| (s.checkpoint.steps(), s.checkpoint.now()));
        [kept, landed].into_iter().flatten().max_by_key(|s| (s.checkpoint.steps(), s.checkpoint.now()))
    }

    /// The latest checkpoint whose log is at most `events` long (`None`: the start is).
    pub fn latest_with_events_at_most(&self, events: usize) -> Option<&Saved> {
        self.kept.iter().rev().find(|s| s.checkpoint.events() <= events)
    }

    /// None, and none taken (a replay that only regenerates events needs none).
    pub fn never() -> Checkpoints {
        Checkpoints { every: u64::MAX, kept: Vec::new(), landed: Vec::new() }
    }

    /// The checkpoints up to `steps` events (a run forked or sought there keeps these).
    pub fn up_to(&self, steps: u64) -> Checkpoints {
        let until = |list: &[Saved]| list.iter().filter(|s| s.checkpoint.steps() <= steps).cloned().collect();
        Checkpoints { every: self.every, kept: until(&self.kept), landed: until(&self.landed) }
    }

    /// Records the checkpoints hold together ([`Checkpoint::weight`]), kept and left by seeks.
    pub fn total_weight(&self) -> usize {
        self.weight() + self.landed_weight()
    }

    /// Records the checkpoints left by seeks hold, each counted whole (an upper bound: no sort,
    /// which would cost the wasm a sort's code).
    fn landed_weight(&self) -> usize {
        self.landed.iter().map(|s| s.checkpoint.weight()).sum()
    }

    /// Before a seek replays from here: checkpoints every [`LANDING_SPACING`] events on its way.
    /// Returns what [`Checkpoints::end_landing`] needs.
    pub fn start_landing(&mut self, steps: u64) -> (u64, u64) {
        let was = self.every;
        self.every = LANDING_SPACING;
        (was, steps)
    }

    /// After the replay, at `steps`: the spacing as it was, and the checkpoints taken since the
    /// start (with `here()`, one at the point reached, when that is far enough from the last).
    pub fn end_landing(
        &mut self,
        (every, from): (u64, u64),
        steps: u64,
        here: impl FnOnce() -> Option<Saved>,
    ) -> Vec<Saved> {
        self.every = every;
        let mut taken: Vec<Saved> = self.kept.iter().filter(|s| s.checkpoint.steps() > from).cloned().collect();
        let last = taken.last().map_or(from, |s| s.checkpoint.steps());
        if steps >= last + LANDING_MIN_REPLAY {
            taken.extend(here());
        }
        taken
    }

    /// Keeps checkpoints a seek took (see [`Checkpoints::end_landing`]), the oldest going past
    /// [`MAX_LANDINGS`] or half the weight budget.
    pub fn land(&mut self, taken: Vec<Saved>) {
        self.landed.extend(taken);
        while self.landed.len() > MAX_LANDINGS || (self.landed.len() > 1 && self.landed_weight() > WEIGHT_BUDGET / 2) {
            self.landed.remove(0);
        }
    }

    /// Where each checkpoint left by a seek was taken: (steps, time), oldest first.
    pub fn landed_points(&self) -> Vec<(u64, u64)> {
        self.landed.iter().map(|s| (s.checkpoint.steps(), s.checkpoint.now())).collect()
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

/// Records the copies of `list` (sorted by point) hold together: each one's own, and the history
/// records of their windows counted once.
fn weight_of(list: &[Saved]) -> usize {
    let mut shared_until = 0;
    let mut weight = 0;
    for s in list {
        let ids = s.checkpoint.history_ids();
        weight += s.checkpoint.weight_beyond_history_window();
        weight += (ids.end.saturating_sub(ids.start.max(shared_until))) as usize;
        shared_until = shared_until.max(ids.end);
    }
    weight
}
