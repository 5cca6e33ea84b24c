//! Events older than the log's window, regenerated: "the tape is the truth; events are a cache".
//!
//! A recording's simulation keeps only the most recent [`super::EVENT_WINDOW`] events materialized. An
//! older range is replayed from the latest checkpoint whose log ends at or before it (or from the
//! start), with the recorded actions, in a scratch replay that leaves the live run alone. That
//! replay is kept: reading on from where it stopped (a page paging forward through the log) goes
//! on stepping it instead of replaying again. Replay reproduces the run exactly, so the events
//! are the ones the run logged (tested against a log that keeps everything).

use super::{Checkpoints, Recording, Saved, REGENERATED_WINDOW};
use crate::ops::OpError;
use crate::sim::{Event, Sim};

/// Events a piece of the text log ([`Recording::event_log`]) takes at a time.
pub(super) const LOG_PIECE: usize = REGENERATED_WINDOW / 2;

impl Recording {
    /// Events `since..since + limit` of the whole run (fewer at its end), held or regenerated.
    pub fn events(&self, since: usize, limit: usize) -> Result<Vec<Event>, OpError> {
        let trace = self.sim.trace();
        let end = trace.events.len().min(since.saturating_add(limit));
        let since = since.min(end);
        let first_held = trace.first_held();
        let held = first_held.clamp(since, end);
        drop(trace);
        if since < held && held > self.regenerable.get() {
            return Err(self.gone(first_held));
        }
        let mut events = Vec::with_capacity(end - since);
        if since < held {
            self.regenerate(since, held, &mut events)?;
        }
        let trace = self.sim.trace();
        events.extend(trace.events.iter_from(held).take(end - held).cloned());
        debug_assert_eq!(events.len(), end - since, "every event asked for, held or regenerated");
        Ok(events)
    }

    /// The events from where the run became unreplayable up to `first_held` were let go and
    /// cannot be regenerated. Says why, and what can still be read.
    fn gone(&self, first_held: usize) -> OpError {
        let why = self.unreplayable().map(|why| why.to_string()).unwrap_or_default();
        let from = self.regenerable.get();
        let replayed = if from > 0 { format!("before {from} (replayed) and ") } else { String::new() };
        OpError::invalid(format!(
            "events {from} to {} are gone: {why}; only the latest events are kept (eventLogHash() still covers all); events {replayed}from {first_held} on can be read",
            first_held - 1
        ))
    }

    /// The whole log as text, one line per event (regenerating what the window let go); refused
    /// (see [`Recording::events`]) once a run that cannot be replayed let events go.
    pub fn event_log(&self) -> Result<String, OpError> {
        let (mut text, mut next, end) = (String::new(), 0, self.sim.event_count());
        while next < end {
            for e in self.events(next, LOG_PIECE)? {
                text.push_str(&crate::sim::line(&e));
                text.push('\n');
                next += 1;
            }
        }
        Ok(text)
    }

    /// Appends events `from..to` (all before the live log's window) to `out`, by replay.
    fn regenerate(&self, from: usize, to: usize, out: &mut Vec<Event>) -> Result<(), OpError> {
        let mut slot = self.regenerator.borrow_mut();
        let reusable = slot.as_ref().is_some_and(|r| r.sim.trace().first_held() <= from);
        if !reusable {
            *slot = Some(Box::new(self.replay_for_events(from)?));
            self.regenerations.set(self.regenerations.get() + 1);
        }
        let replay = slot.as_ref().expect("a replay");
        self.catch_up_tape(replay);
        let mut next = from;
        loop {
            let trace = replay.sim.trace();
            let before = out.len();
            out.extend(trace.events.iter_from(next).take(to - next).cloned());
            next += out.len() - before;
            drop(trace);
            if next >= to {
                return Ok(());
            }
            if !replay.step()? {
                return Err(OpError::invalid(format!(
                    "events before {to} cannot be regenerated: the replay ended at event {next}"
                )));
            }
        }
    }

    /// Puts the actions recorded since `replay` started on its tape too. It was given the actions
    /// known then; stepping on past a later action without it would replay another run (other
    /// events, silently, or an end before the run's). A fork, which changes actions it knows,
    /// drops the replay instead ([`Recording::fork`]).
    fn catch_up_tape(&self, replay: &Recording) {
        let known = replay.actions.borrow().len() + replay.tape.borrow().len();
        let whole = self.shared_actions();
        replay.tape.borrow_mut().extend_from(&whole, known, whole.len());
    }

    /// Scratch replays started to regenerate events so far (each from a checkpoint or the start).
    pub fn regenerations(&self) -> usize {
        self.regenerations.get()
    }

    /// A scratch replay of this run from the latest checkpoint whose log ends at or before event
    /// `from` (or from the start), positioned there, with the later actions on its tape.
    fn replay_for_events(&self, from: usize) -> Result<Recording, OpError> {
        let replay = self.scratch_replay(self.checkpoints.borrow().latest_with_events_at_most(from))?;
        replay.sim.set_event_window(Some(REGENERATED_WINDOW));
        Ok(replay)
    }

    /// A scratch replay of this run from `saved` (or from the start), with the later actions on
    /// its tape and no checkpoints of its own: it leaves the live run alone. It does not check
    /// (its events and records are what it is for: [`Sim::stop_checking`]).
    pub(super) fn scratch_replay(&self, saved: Option<&Saved>) -> Result<Recording, OpError> {
        let whole = self.shared_actions();
        let (sim, played) = match saved {
            Some(saved) => (Sim::restore(&saved.checkpoint), saved.actions),
            None => (Recording::new(self.start.clone())?.sim, 0),
        };
        sim.stop_checking();
        let (actions, tape) = (whole.truncated(played), whole.from(played));
        Ok(Recording::of(sim, self.start.clone(), actions, tape, Checkpoints::never()))
    }
}
