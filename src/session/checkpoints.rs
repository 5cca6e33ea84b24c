//! Checkpoints of a recorded run, for seeking: a copy of the simulation every `every` events,
//! with the number of actions recorded before it. They are kept within a memory budget: at most
//! [`MAX_CHECKPOINTS`], holding at most [`BYTE_BUDGET`] together ([`Checkpoint::bytes`], or twice
//! the latest one's when a single copy is larger, plus the history records the run has let go
//! and only copies keep, and the checker's frontiers, each counted once: copies far behind the
//! run hold a window of records each, and that is what bounds them in a long run; a frontier
//! names the operations spanning a key's cut, MBs when thousands do). Past either, every other one goes and the
//! spacing doubles, so they stay evenly spread over the run and a seek replays at most the
//! spacing: `2 × events / MAX_CHECKPOINTS` when copies are small (a windowed log's copy holds no
//! chunk of it, and shares the history's records and the checker's operations with the run), and
//! fewer copies, further apart, when each holds much (thousands of operations in flight).
//!
//! Seeks leave checkpoints where they land (issue 9: a seek replays from the nearest checkpoint):
//! a seek that replays far keeps the copies it takes on its way, every [`LANDING_SPACING`]
//! events, and one at its point, so the next seek nearby (a slider dragged, a step back) replays
//! little. At most [`MAX_LANDINGS`] of them, holding at most a quarter of [`BYTE_BUDGET`], the
//! oldest going first.

use crate::ops::OpId;
use crate::sim::{Checkpoint, Sim, CHECKPOINT_RECORD_BYTES};
use std::rc::Rc;

/// Checkpoints kept at most (128 took the memory ceiling test to 138.6 MB while
/// `Checkpoint::bytes` undercounted old copies; not tried again since it counts them, README
/// "Measured").
pub const MAX_CHECKPOINTS: usize = 64;
/// Events between checkpoints at the start of a run (the spacing doubles as the run grows).
const FIRST_SPACING: u64 = 4096;
/// Bytes ([`Checkpoint::bytes`]) the checkpoints kept may hold together (at least: twice the
/// latest one's).
pub const BYTE_BUDGET: usize = 32 << 20;
/// Checkpoints left by seeks, kept at most.
pub const MAX_LANDINGS: usize = 8;
/// Events between the checkpoints a seek takes on its way.
pub const LANDING_SPACING: u64 = 4 * FIRST_SPACING;
/// A seek that replays fewer events than this leaves no checkpoint where it lands.
pub(super) const LANDING_MIN_REPLAY: u64 = FIRST_SPACING / 4;

/// A checkpoint, and how many of the run's actions were recorded before it.
#[derive(Clone)]
pub struct Saved {
    pub checkpoint: Rc<Checkpoint>,
    pub actions: usize,
    /// Its [`Checkpoint::bytes`] (fixed once taken).
    bytes: usize,
    /// Its checker's frontiers ([`Checkpoint::checker_frontiers`]): counted once across copies.
    frontiers: Vec<(usize, usize)>,
}

impl Saved {
    pub fn new(checkpoint: Checkpoint, actions: usize) -> Saved {
        let (bytes, frontiers) = (checkpoint.bytes(), checkpoint.checker_frontiers());
        Saved { bytes, frontiers, checkpoint: Rc::new(checkpoint), actions }
    }
}

#[derive(Clone)]
pub struct Checkpoints {
    /// Events between checkpoints.
    every: u64,
    /// Bytes the checkpoints kept may hold together ([`BYTE_BUDGET`]; tests set less).
    budget: usize,
    /// The oldest history record the run still keeps, when the latest checkpoint was taken: the
    /// copies' records before it are theirs alone.
    live_first: OpId,
    /// Sorted by point in the run (steps, then time).
    kept: Vec<Saved>,
    /// Left by seeks, oldest first.
    landed: Vec<Saved>,
}

impl Default for Checkpoints {
    fn default() -> Self {
        Checkpoints { every: FIRST_SPACING, budget: BYTE_BUDGET, live_first: 0, kept: Vec::new(), landed: Vec::new() }
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
        let saved = Saved::new(checkpoint, actions);
        let budget = self.budget.max(2 * saved.bytes);
        self.live_first = sim.history().kept_ids().start;
        self.kept.push(saved);
        while self.kept.len() > MAX_CHECKPOINTS || (self.kept.len() > 1 && self.bytes_of(&self.kept) > budget) {
            self.thin_out();
        }
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

    /// The latest checkpoint kept that holds history record `id` or one before it (see
    /// `history_window.rs`; `None`: the start does).
    pub fn latest_holding_record(&self, id: u64) -> Option<&Saved> {
        self.kept.iter().rev().find(|s| s.checkpoint.history_ids().start <= id)
    }

    /// None, and none taken (a replay that only regenerates events needs none).
    pub fn never() -> Checkpoints {
        Checkpoints { every: u64::MAX, budget: BYTE_BUDGET, live_first: 0, kept: Vec::new(), landed: Vec::new() }
    }

    /// The checkpoints up to `steps` events (a run forked or sought there keeps these).
    pub fn up_to(&self, steps: u64) -> Checkpoints {
        let until = |list: &[Saved]| list.iter().filter(|s| s.checkpoint.steps() <= steps).cloned().collect();
        Checkpoints {
            every: self.every,
            budget: self.budget,
            live_first: self.live_first,
            kept: until(&self.kept),
            landed: until(&self.landed),
        }
    }

    /// Bytes the copies of `list` hold together (see [`bytes_with_records`]).
    fn bytes_of(&self, list: &[Saved]) -> usize {
        bytes_with_records(list, self.live_first)
    }

    /// Bytes the checkpoints left by seeks hold, each one's records counted whole (an upper
    /// bound: they are in the order they landed, and a sort would cost the wasm its code).
    fn landed_bytes(&self) -> usize {
        self.landed.iter().map(|s| bytes_with_records(std::slice::from_ref(s), self.live_first)).sum()
    }

    /// Bytes the checkpoints hold together ([`Checkpoint::bytes`]), kept and left by seeks.
    pub fn total_bytes(&self) -> usize {
        self.bytes_of(&self.kept) + self.landed_bytes()
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
    /// [`MAX_LANDINGS`] or a quarter of the byte budget.
    pub fn land(&mut self, taken: Vec<Saved>) {
        self.landed.extend(taken);
        while self.landed.len() > MAX_LANDINGS || (self.landed.len() > 1 && self.landed_bytes() > self.budget / 4) {
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

    /// Keeps the checkpoints within `bytes` instead of [`BYTE_BUDGET`] (tests: a short run that
    /// reaches its budget).
    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub fn set_budget(&mut self, bytes: usize) {
        self.budget = bytes;
    }

    /// Negative controls: the latest checkpoint kept with actions still to come after it (of
    /// `recorded` in all) is taken to have one more recorded before it than it had, so a seek
    /// from it skips one: the oracle must catch it. Returns its index and point.
    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub fn corrupt(&mut self, recorded: usize) -> Option<(usize, (u64, u64))> {
        let index = self.kept.iter().rposition(|s| s.actions < recorded)?;
        let saved = &mut self.kept[index];
        saved.actions += 1;
        Some((index, (saved.checkpoint.steps(), saved.checkpoint.now())))
    }

    /// Negative controls: the latest checkpoint kept gets a message in flight's record corrupted
    /// ([`Checkpoint::corrupt_message_in_flight`]). Returns the message's number.
    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub fn corrupt_message(&mut self) -> Option<usize> {
        let saved = self.kept.last_mut()?;
        Rc::make_mut(&mut saved.checkpoint).corrupt_message_in_flight()
    }

    /// Negative controls: the latest checkpoint kept gets a checker that counts one search step
    /// more ([`Checkpoint::corrupt_checker`]). Returns its point.
    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub fn corrupt_checker(&mut self) -> Option<(u64, u64)> {
        let saved = self.kept.last_mut()?;
        Rc::make_mut(&mut saved.checkpoint).corrupt_checker();
        Some((saved.checkpoint.steps(), saved.checkpoint.now()))
    }

    /// The run became unreplayable, its history's records holding `values` bytes of values
    /// (`record_bytes`): no more checkpoints are taken, and those kept go if the records' values
    /// pass the budget (outside tester 18: 60 KB puts left copies holding 300 MB of records the
    /// run let go, which [`Checkpoint::bytes`] counts without their values). Without them, a
    /// read of what the run let go replays from its start.
    pub fn stop_taking(&mut self, values: usize) {
        self.every = u64::MAX;
        if values > self.budget {
            (self.kept, self.landed) = (Vec::new(), Vec::new());
        }
    }

    /// Takes them every `events` events from now on (the first spacing; it still doubles).
    pub fn set_spacing(&mut self, events: u64) {
        self.every = events.max(1);
    }
}

/// Bytes the copies of `list` (sorted by point) hold together: each one's own, and the history
/// records the run let go that they keep and the checker's frontiers, each counted once (copies
/// in a row share most of theirs).
fn bytes_with_records(list: &[Saved], live_first: OpId) -> usize {
    // `(u64, usize)`: the crate's one sort of pairs (see `crate::sorting`).
    let mut frontiers: Vec<(u64, usize)> =
        list.iter().flat_map(|s| s.frontiers.iter().map(|&(address, bytes)| (address as u64, bytes))).collect();
    crate::sorting::merge_sort(&mut frontiers);
    frontiers.dedup_by_key(|f| f.0);
    frontiers.iter().map(|f| f.1).sum::<usize>() + own_and_records(list, live_first)
}

/// Bytes the copies of `list` hold of their own, and the history records the run let go that
/// they keep, counted once.
fn own_and_records(list: &[Saved], live_first: OpId) -> usize {
    let (mut counted_until, mut records) = (0, 0);
    for s in list {
        let ids = s.checkpoint.history_ids();
        let (from, to) = (ids.start.max(counted_until), ids.end.min(live_first));
        records += to.saturating_sub(from);
        counted_until = counted_until.max(to);
    }
    list.iter().map(|s| s.bytes).sum::<usize>() + records as usize * CHECKPOINT_RECORD_BYTES
}
