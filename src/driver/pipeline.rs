//! The pipeline bound of one proposer (issue 14 §2, `pipeline`): at most `bound` keys have
//! operations *admitted* — the one running on the key (with its batch) and those queued behind it
//! on the same key. Each such key holds one *lane*.
//!
//! Admission is first come, first served:
//! - once an operation is parked, every operation invoked after it parks too (even one whose key
//!   already holds a lane), so nobody overtakes a parked operation;
//! - an operation whose key holds a lane queues on the key (the seed's per-key lock);
//! - an operation on a key without a lane takes a free lane, or parks when all are taken.
//!
//! A lane is freed when its key's last admitted operation ends; parked operations are then
//! admitted from the front, in invocation order, until one needs a lane and none is free.
//! Without a bound (`None`, the default) nothing ever parks: today's behaviour, event for event.

use std::collections::VecDeque;

/// Where a newly run operation goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Admission {
    /// Behind the parked operations, until a lane frees.
    Park,
    /// Into its key's queue (the key holds a lane).
    Queue,
    /// To its key, taking a free lane.
    Take,
}

/// One proposer's lanes and parked operations (slot indices). Invariant: operations are parked
/// only while every lane is taken; `lanes` equals the number of this proposer's keys with a
/// holder (checked by the runtime).
#[derive(Clone, Debug, Default)]
pub(super) struct Pipeline {
    lanes: usize,
    parked: VecDeque<u32>,
}

impl Pipeline {
    /// Where an operation goes whose key holds a lane (`key_held`) or not.
    pub fn admission(&self, bound: Option<usize>, key_held: bool) -> Admission {
        if !self.parked.is_empty() {
            Admission::Park
        } else if key_held {
            Admission::Queue
        } else if self.is_full(bound) {
            Admission::Park
        } else {
            Admission::Take
        }
    }

    pub fn park(&mut self, slot: u32) {
        debug_assert!(self.lanes > 0, "an operation parks only behind a taken lane");
        self.parked.push_back(slot);
    }

    pub fn take_lane(&mut self, bound: Option<usize>) {
        assert!(!self.is_full(bound), "a lane is taken only when one is free");
        self.lanes += 1;
    }

    pub fn release_lane(&mut self) {
        self.lanes = self.lanes.checked_sub(1).expect("a lane is released once");
    }

    /// The first parked operation, if it can be admitted now (its key holds a lane, or one is
    /// free); the caller admits it with [`Admission::Queue`] or [`Admission::Take`].
    pub fn next_parked(&mut self, bound: Option<usize>, key_held: impl Fn(u32) -> bool) -> Option<(u32, Admission)> {
        let &front = self.parked.front()?;
        let admission = if key_held(front) {
            Admission::Queue
        } else if self.is_full(bound) {
            return None;
        } else {
            Admission::Take
        };
        self.parked.pop_front();
        Some((front, admission))
    }

    /// Keys holding a lane.
    pub fn lanes(&self) -> usize {
        self.lanes
    }

    #[cfg(test)]
    fn parked(&self) -> usize {
        self.parked.len()
    }

    fn is_full(&self, bound: Option<usize>) -> bool {
        bound.is_some_and(|b| self.lanes >= b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_bound_nothing_parks() {
        let mut p = Pipeline::default();
        for _ in 0..1000 {
            assert_eq!(p.admission(None, false), Admission::Take);
            p.take_lane(None);
        }
        assert_eq!(p.admission(None, true), Admission::Queue);
    }

    #[test]
    fn a_full_pipeline_parks_and_then_everyone_after_parks_too() {
        let mut p = Pipeline::default();
        p.take_lane(Some(1));
        assert_eq!(p.admission(Some(1), true), Admission::Queue, "a held key queues while nothing is parked");
        assert_eq!(p.admission(Some(1), false), Admission::Park);
        p.park(7);
        assert_eq!(p.admission(Some(1), true), Admission::Park, "nobody overtakes a parked operation");
        p.park(8);
        assert_eq!(p.next_parked(Some(1), |_| false), None, "no lane free");
        p.release_lane();
        assert_eq!(p.next_parked(Some(1), |_| false), Some((7, Admission::Take)));
        p.take_lane(Some(1));
        assert_eq!(p.next_parked(Some(1), |s| s == 8), Some((8, Admission::Queue)), "its key got the lane");
        assert_eq!((p.lanes(), p.parked()), (1, 0));
    }

    #[test]
    #[should_panic(expected = "a lane is taken only when one is free")]
    fn taking_a_lane_beyond_the_bound_is_refused() {
        let mut p = Pipeline::default();
        p.take_lane(Some(1));
        p.take_lane(Some(1));
    }
}
