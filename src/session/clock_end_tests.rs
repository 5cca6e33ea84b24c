//! The end of time ([`MAX_CLOCK_MS`]): a run sought there (what the element's `seek(1e300)`
//! does) answers an operation, stays there, and its document and link reopen where it was taken
//! (outside tester 17: the clock ran past 2^53 - 1 and no reader accepted the run).

use super::*;
use crate::limits::MAX_CLOCK_MS;
use crate::sim::{Node, SimConfig, WorkersPlan};
use serde_json::json;

fn increment(key: &str) -> UserAction {
    UserAction::Invoke { proposer: 1, key: key.into(), name: "increment".into(), input: json!(null) }
}

/// A run with one increment, sought to `until`, then one more increment run to idle.
fn increment_at(until: u64) -> Recording {
    let rec = Recording::new(Start::Config(SimConfig { seed: 1, ..SimConfig::default() })).unwrap();
    rec.act(increment("a")).unwrap();
    rec.run_until_idle(1_000_000).unwrap();
    let rec = rec.seek_until(until).unwrap();
    assert_eq!(rec.sim().now(), until);
    rec.act(increment("zz")).unwrap();
    rec.run_until_idle(1_000_000).unwrap();
    rec
}

/// When the last operation started and ended.
fn last_operation(rec: &Recording) -> (u64, Option<u64>, Option<crate::driver::Outcome>) {
    let history = rec.sim().history();
    let last = history.records().next_back().expect("an operation");
    (last.invoke_at, last.return_at, last.outcome)
}

#[test]
fn a_run_at_the_end_of_time_answers_stays_there_and_reopens() {
    let rec = increment_at(MAX_CLOCK_MS);
    let (invoked, returned, outcome) = last_operation(&rec);
    assert_eq!((invoked, returned), (MAX_CLOCK_MS, Some(MAX_CLOCK_MS)), "{outcome:?}");
    assert!(outcome.is_some());
    assert_eq!(rec.sim().pending(), 0);
    // Time asked for past the end stops at it.
    rec.run_for(10).unwrap();
    rec.run_for(u64::MAX).unwrap();
    assert_eq!(rec.sim().now(), MAX_CLOCK_MS);
    let (session, hash, here) = (rec.session(), rec.event_log_hash().unwrap(), rec.point());
    assert_eq!(here.at_ms, MAX_CLOCK_MS);
    let document = from_json(&crate::json_text::parse(&rec.session_text()).unwrap()).unwrap();
    let link = decode_link(&encode_link(&session)).unwrap();
    for (how, reopened) in [("document", document), ("link", link)] {
        let replay = reopened.replay().unwrap();
        assert_eq!(replay.point(), here, "{how}");
        assert_eq!(replay.event_log_hash().unwrap(), hash, "{how}");
    }
    // Negative control: the readers refuse a time past the end (what the unclamped clock wrote:
    // 9007199254741048), so the checks above are the clamp's doing.
    let mut text = crate::json_text::parse(&rec.session_text()).unwrap();
    text["end"]["at"] = json!(MAX_CLOCK_MS + 57);
    let e = from_json(&text).unwrap_err();
    assert!(e.message.contains("end.at must be an integer in 0..=9007199254740991"), "{e}");
}

#[test]
fn before_the_end_time_runs_as_ever() {
    // Control: a minute before the end the operation takes its round trips of virtual time, so
    // the run above answering in one instant is the end's doing.
    let until = MAX_CLOCK_MS - 60_000;
    let rec = increment_at(until);
    let (invoked, returned, _) = last_operation(&rec);
    assert_eq!(invoked, until);
    assert!(returned.is_some_and(|at| at > until && at < MAX_CLOCK_MS), "{returned:?}");
}

fn invoke(proposer: u8, key: &str, name: &str, input: serde_json::Value) -> UserAction {
    UserAction::Invoke { proposer, key: key.into(), name: name.into(), input }
}

/// A run sought to `until` where `actions` are taken, then run until nothing is pending (or a
/// bounded number of steps, if something never ends).
fn at(until: u64, actions: Vec<UserAction>) -> Recording {
    let rec = Recording::new(Start::Config(SimConfig { seed: 3, ..SimConfig::default() })).unwrap();
    let rec = rec.seek_until(until).unwrap();
    for action in actions {
        rec.act(action).unwrap();
    }
    rec.run_until_idle(1_000_000).unwrap();
    rec
}

#[test]
fn operations_whose_timers_lie_past_the_end_still_end_there() {
    // Outside tester 18: an operation that had to wait on a timer (a phase timeout, a backoff)
    // stayed pending forever at the end of time: its deadline lay past the end, the timer fired
    // at the end, before it. Contention from two proposers, and a majority of acceptors down.
    let contended = (0..9u8).map(|i| invoke(1 + i % 2, "a", "increment", json!(null))).collect();
    let crashed = vec![UserAction::Crash(Node::Acceptor(1)), UserAction::Crash(Node::Acceptor(2)), increment("a")];
    for (case, actions) in [("contended", contended), ("majority down", crashed)] {
        let rec = at(MAX_CLOCK_MS, actions);
        assert_eq!(rec.sim().pending(), 0, "{case}: every operation ended");
        assert_eq!(rec.sim().now(), MAX_CLOCK_MS, "{case}");
        let outcomes: Vec<_> = rec.sim().history().records().map(|r| (r.return_at, r.outcome)).collect();
        assert!(outcomes.iter().all(|(at, o)| *at == Some(MAX_CLOCK_MS) && o.is_some()), "{case}: {outcomes:?}");
        if case == "majority down" {
            assert_eq!(outcomes[0].1, Some(crate::driver::Outcome::Failed), "{case}: no quorum, no answer");
        }
    }
}

#[test]
fn a_grant_that_lapses_as_it_is_made_is_no_grant() {
    // Outside tester 18: at the end of time a ttl's expiry is the end itself, so the grant lapsed
    // as it was made — yet alice and bob were both answered `true`, and acquireLease
    // `{ acquired: true, holder: null }`.
    let lock = |owner: &str, ttl: u64| invoke(1, "lock:job", "acquireLock", json!({ "owner": owner, "ttl": ttl }));
    let lease = |owner: &str| invoke(2, "lock:job", "acquireLease", json!({ "owner": owner, "ttl": 100 }));
    let answers = |rec: &Recording| -> Vec<serde_json::Value> {
        rec.sim()
            .history()
            .records()
            .map(|r| r.output.as_ref().map_or(json!(r.outcome.map(|o| format!("{o:?}"))), |o| o.to_json()))
            .collect()
    };
    let end = at(MAX_CLOCK_MS, vec![lock("alice", 100)]);
    end.act(lease("carol")).unwrap();
    end.run_until_idle(1_000_000).unwrap();
    let end = answers(&end);
    assert_eq!(end[0], json!(false), "{end:?}");
    assert_eq!(end[1]["acquired"], json!(false), "{end:?}");
    assert_eq!(end[1]["holder"], json!(null), "{end:?}");
    // Control: a minute before the end, alice gets the lock and carol is told alice holds it.
    let before = at(MAX_CLOCK_MS - 60_000, vec![lock("alice", 100_000)]);
    before.act(lease("carol")).unwrap();
    before.run_until_idle(1_000_000).unwrap();
    let before = answers(&before);
    assert_eq!(before[0], json!(true), "{before:?}");
    assert_eq!((&before[1]["acquired"], &before[1]["holder"]), (&json!(false), &json!("alice")), "{before:?}");
}

fn config(seed: u64, acceptors: usize, proposers: usize, max_attempts: u32, latency: (u64, u64)) -> SimConfig {
    let mut config = SimConfig { seed, acceptors, proposers, ..SimConfig::default() };
    config.driver.max_attempts = max_attempts;
    (config.net.latency_ms_min, config.net.latency_ms_max) = latency;
    config
}

/// `actions` taken at `until` in a run of `config`; then at most `budget` steps. Returns the
/// steps run and the run.
fn run_at(config: SimConfig, until: u64, actions: &[UserAction], budget: u64) -> (u64, Recording) {
    let rec = Recording::new(Start::Config(config)).unwrap().seek_until(until).unwrap();
    for action in actions {
        rec.act(action.clone()).unwrap();
    }
    (rec.run_until_idle(budget).unwrap(), rec)
}

fn a(n: u8) -> Node {
    Node::Acceptor(n)
}

#[test]
fn a_membership_change_at_the_end_of_time_ends() {
    // Outside tester 19: a removal at the end re-armed its next tick at the end itself, before the
    // replies it polled for, so the queue never emptied: `step()` ran forever without an event
    // and what waited past the end never fired. Its ticks now wait past the end too.
    let write = invoke(2, "z", "write", json!({ "expectedVersion": 2, "value": 63 }));
    let actions = [write, UserAction::RemoveAcceptor(2)];
    for until in [MAX_CLOCK_MS, 0] {
        let (steps, rec) = run_at(config(124, 3, 3, 5, (2, 5)), until, &actions, 100_000);
        assert_eq!(rec.sim().pending(), 0, "at {until}: the write and the removal ended after {steps} steps");
        assert!(rec.sim().is_idle(), "at {until}");
        assert!(steps < 1_000, "at {until}: {steps} steps");
    }
}

#[test]
fn an_operation_retried_at_the_end_of_time_arms_its_timer_anew() {
    // Outside tester 19: once the clock stops, a retried phase's deadline equals the one before
    // (the same duration from the same instant), and an operation arms a timer only when its
    // deadline moved: the retry waited on a timer that had already fired. Increment, a crashed
    // acceptor, a delete through a proposer cut off from the others, then a lock.
    let mut config = config(226, 3, 2, 3, (4, 25));
    config.gc_delay_ms = Some(16);
    let actions = [
        invoke(2, "y", "increment", json!(null)),
        UserAction::Crash(a(2)),
        invoke(1, "z", "delete", json!(null)),
        UserAction::Partition(vec![vec![a(1), Node::Proposer(1)]]),
        invoke(2, "lock:L", "acquireLock", json!({ "owner": "al", "ttl": 9 })),
    ];
    for until in [MAX_CLOCK_MS - 30, MAX_CLOCK_MS, 0] {
        let (steps, rec) = run_at(config.clone(), until, &actions, 100_000);
        let stuck: Vec<_> = rec.sim().history().records().filter(|r| r.outcome.is_none()).map(|r| r.id).collect();
        assert_eq!((rec.sim().pending(), stuck), (0, vec![]), "at {until}, {steps} steps");
    }
}

#[test]
fn envelopes_at_the_end_of_time_are_sealed_before_what_waits_past_it() {
    // Outside tester 19: with envelopes, the instant's open envelopes were sealed only when
    // nothing was due now — and a timer waiting past the end counted as due, so it fired first:
    // every operation at the end failed `Unavailable` with no fault at all.
    let mut config = config(5, 3, 2, 16, (1, 10));
    config.net.envelopes = true;
    let actions = [invoke(1, "k", "increment", json!(null)), invoke(2, "k", "increment", json!(null))];
    for until in [MAX_CLOCK_MS - 5, MAX_CLOCK_MS, 0] {
        let (_, rec) = run_at(config.clone(), until, &actions, 100_000);
        let outcomes: Vec<_> = rec.sim().history().records().map(|r| r.outcome).collect();
        assert_eq!(outcomes, [Some(crate::driver::Outcome::Ok); 2], "at {until}");
    }
}

/// A random action for [`every_run_at_the_end_of_time_ends`]: operations, faults, membership
/// changes, collections, workers.
fn random_action(rng: &mut crate::sim::Rng, acceptors: u8, proposers: u8) -> UserAction {
    let p = 1 + rng.below(proposers.into()) as u8;
    let node = |rng: &mut crate::sim::Rng| {
        if rng.below(2) == 0 {
            a(1 + rng.below(acceptors.into()) as u8)
        } else {
            Node::Proposer(1 + rng.below(proposers.into()) as u8)
        }
    };
    let key = ["x", "y", "z"][rng.below(3) as usize];
    match rng.below(14) {
        0..=2 => invoke(p, key, "increment", json!(null)),
        3 => invoke(p, key, "put", json!(rng.below(9))),
        4 => invoke(p, key, "get", json!(null)),
        5 => invoke(p, key, "delete", json!(null)),
        6 => invoke(p, key, "write", json!({ "expectedVersion": rng.below(3), "value": 1 })),
        7 => invoke(p, "lock:L", "acquireLock", json!({ "owner": "o", "ttl": 1 + rng.below(40) })),
        8 => UserAction::Crash(node(rng)),
        9 => UserAction::Restart(node(rng)),
        10 => UserAction::Partition(vec![vec![node(rng), node(rng)]]),
        11 => [UserAction::AddAcceptor, UserAction::RemoveAcceptor(1 + rng.below(acceptors.into()) as u8)]
            [rng.below(2) as usize]
            .clone(),
        12 => UserAction::Gc { proposer: p, key: None },
        _ => UserAction::Workers(WorkersPlan { workers: 1 + rng.below(3) as usize, increments: 2, key: key.into() }),
    }
}

#[test]
fn every_run_at_the_end_of_time_ends() {
    // Outside tester 19's fuzz: random actions at the end (and 30 ms before it) left operations
    // pending forever or `step()` running without end. Every run must end: nothing pending,
    // nothing due, within a bounded number of steps.
    let mut failures = Vec::new();
    for seed in 0..120u64 {
        let mut rng = crate::sim::Rng::new(seed);
        let (acceptors, proposers) = (3 + rng.below(3) as u8, 1 + rng.below(3) as u8);
        let mut config = config(seed, acceptors.into(), proposers.into(), 2 + rng.below(4) as u32, (1, 20));
        config.net.envelopes = rng.below(3) == 0;
        config.gc_delay_ms = (rng.below(2) == 0).then_some(16);
        let actions: Vec<_> = (0..1 + rng.below(7)).map(|_| random_action(&mut rng, acceptors, proposers)).collect();
        let until = MAX_CLOCK_MS - 30 * rng.below(2);
        let Ok(rec) = Recording::new(Start::Config(config)) else { continue };
        let rec = rec.seek_until(until).unwrap();
        for action in actions {
            let _ = rec.act(action); // a refused action (an acceptor that is not there) is fine
        }
        let steps = rec.run_until_idle(200_000).unwrap();
        if rec.sim().pending() != 0 || !rec.sim().is_idle() {
            failures.push((seed, steps, rec.sim().pending()));
        }
    }
    assert_eq!(failures, vec![], "(seed, steps, pending) of runs that did not end");
}
