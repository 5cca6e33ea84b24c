//! When `membership().step` names a step (issue 11): at every instant of a change it is the step
//! whose start event was logged last and is not yet done, so the panel, the log and the timeline's
//! band agree. A step that finishes begins the next one in the same instant.

use super::*;
use crate::sim::{ClientLoop, SimConfig};
use serde_json::json;

/// Reads the log's membership events one by one and says which step they leave open: a step's
/// first event starts it, its second (text `done`) ends it; `done` and `stopped` end the change.
#[derive(Default)]
struct LogReader {
    read: usize,
    open: Option<&'static str>,
    starts: Vec<(u64, &'static str)>,
}

impl LogReader {
    fn catch_up(&mut self, sim: &Sim) -> Option<&'static str> {
        let trace = sim.trace();
        for i in self.read..trace.events.len() {
            let e = &trace.events[i];
            let EventKind::Membership { node: Node::Acceptor(_), step, .. } = &e.kind else { continue };
            self.open = match (*step, self.open) {
                ("done" | "stopped", _) => None,
                (s, Some(open)) if s == open => None,
                (s, _) => {
                    self.starts.push((e.at, s));
                    Some(s)
                }
            };
        }
        self.read = trace.events.len();
        self.open
    }
}

/// The first instant at which the view and the log disagree: `(event count, view, log)`.
fn first_disagreement(sim: &Sim, log: &mut LogReader, view: impl Fn(&Sim) -> Option<&'static str>) -> Option<String> {
    let (seen, expected) = (view(sim), log.catch_up(sim));
    (seen != expected).then(|| {
        format!("at {} ms (event {}): the view names {seen:?}, the log {expected:?}", sim.now(), sim.event_count())
    })
}

/// Runs a 3 → 4 growth and then the removal of a1 among increments, checking after the calls and
/// after every event that `view` agrees with the log; the first disagreement, and the log read.
fn run_changes(view: impl Fn(&Sim) -> Option<&'static str> + Copy) -> (Option<String>, LogReader) {
    let sim = Sim::new(SimConfig { acceptors: 3, proposers: 2, seed: 11, ..SimConfig::default() }).unwrap();
    for (i, key) in ["c0", "c1"].into_iter().enumerate() {
        sim.start_loop(ClientLoop::Increments { proposer: 1 + i as ProposerId, key: key.into(), left: 30 });
    }
    sim.run_for(40);
    let mut log = LogReader::default();
    for change in [Sim::add_acceptor as fn(&Sim) -> _, |s: &Sim| s.remove_acceptor(1)] {
        let handle = change(&sim).expect("the change starts");
        if let Some(miss) = first_disagreement(&sim, &mut log, view) {
            return (Some(format!("right after the call: {miss}")), log);
        }
        while sim.membership_step().is_some() || log.open.is_some() {
            assert!(sim.step(), "the change finishes");
            if let Some(miss) = first_disagreement(&sim, &mut log, view) {
                return (Some(miss), log);
            }
        }
        sim.block_on(handle).expect("the change finishes");
    }
    (None, log)
}

fn step_name(sim: &Sim) -> Option<&'static str> {
    sim.membership_step().map(|s| s.name)
}

#[test]
fn the_step_named_is_always_the_one_whose_start_was_logged_last_and_is_not_done() {
    let (miss, log) = run_changes(step_name);
    assert_eq!(miss, None);
    let names: Vec<&str> = log.starts.iter().map(|(_, s)| *s).collect();
    assert_eq!(
        names,
        [
            "turn on",
            "accept quorum change",
            "catch-up rescan",
            "prepare quorum change",
            "prepare quorum change",
            "accept quorum change",
            "catch-up rescan",
            "prepare quorum change",
            "turn off"
        ],
        "every step of both changes was seen starting"
    );
    let turn_on = log.starts[0].0;
    assert_eq!(log.starts[1].0, turn_on, "turn on is done at once: the accept quorum change begins in its instant");
}

#[test]
fn negative_control_a_view_one_step_ahead_of_the_log_is_caught() {
    // The old timing named a finished step's successor a round trip before it began. A view that
    // names the step after the open one must be caught, and the report must say which it named.
    let ahead = |sim: &Sim| {
        let w = sim.world();
        let c = w.membership.change.as_ref()?;
        let next = c.steps.get(c.at + 1).map_or(c.steps[c.at].kind.name(), |s| s.kind.name());
        Some(next)
    };
    let (miss, _) = run_changes(ahead);
    let miss = miss.expect("a view ahead of the log is caught");
    // Turn on is done at once; the accept quorum change waits for the increments in flight.
    assert!(
        miss.starts_with("right after the call:")
            && miss.contains("the view names Some(\"catch-up rescan\"), the log Some(\"accept quorum change\")"),
        "caught at once, naming both steps: {miss}"
    );
}

#[test]
fn a_change_with_nothing_to_wait_for_runs_every_step_in_one_instant() {
    // No key and no operation in flight: every step is complete as soon as it begins, so the
    // whole removal runs inside the call (its promise is already answered).
    let sim = Sim::new(SimConfig { acceptors: 3, ..SimConfig::default() }).unwrap();
    let before = sim.now();
    let removed = sim.remove_acceptor(3).unwrap();
    assert_eq!(sim.membership_step(), None);
    assert_eq!(sim.block_on(removed).unwrap(), json!(null));
    assert_eq!(sim.now(), before, "no virtual time passed");
    assert_eq!(sim.acceptor_ids(), vec![1, 2]);
}

#[test]
fn a_change_that_stops_after_one_try_says_attempt_in_the_singular() {
    let driver = crate::driver::DriverConfig { max_attempts: 1, ..Default::default() };
    let sim = Sim::new(SimConfig { acceptors: 3, driver, ..SimConfig::default() }).unwrap();
    sim.block_on(sim.client(1).put("k", json!(5))).unwrap();
    sim.crash(Node::Acceptor(1)).unwrap();
    sim.crash(Node::Acceptor(2)).unwrap();
    let e = sim.block_on(sim.add_acceptor().unwrap()).unwrap_err();
    assert!(e.message.contains("'catch-up rescan' after 1 failed attempt (no quorum)"), "{e}");
}
