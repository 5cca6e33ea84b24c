//! A recording that keeps only a window of its events reads like one that keeps them all: the
//! events outside the window, regenerated from checkpoints, equal the whole log's; the hash is the
//! whole log's; seeks anywhere (window edges, checkpoints, random points) equal the whole run at
//! that point. Windows here are a few chunks, so short runs let go of most of their log.

use super::*;
use crate::sim::{line, Event, EventKind, NetConfig, Rng, SimConfig};
use serde_json::json;

/// Events a test window keeps (two chunks).
const SMALL_WINDOW: usize = 2 * 4096;

/// A run with workers, faults, manual delivery, and slow messages (sent 5 s before they arrive,
/// many chunks of the log later), as a recording with a window of `window` events.
fn recorded_run(seed: u64, window: Option<usize>) -> Recording {
    let net = NetConfig {
        latency_ms_min: 1,
        latency_ms_max: 10,
        drop_request_rate: 0.02,
        duplicate_rate: 0.02,
        ..NetConfig::default()
    };
    let config = SimConfig { seed, net, proposers: 3, ..SimConfig::default() };
    let rec = Recording::new(Start::Config(config)).expect("a valid configuration");
    rec.set_event_window(window);
    rec.set_checkpoint_spacing(512);
    let act = |a: UserAction| drop(rec.act(a).expect("a valid action"));
    let workers = |key: &str| UserAction::Workers(WorkersPlan { workers: 6, increments: 40, key: key.into() });
    act(UserAction::Delivery(Delivery::Manual));
    act(UserAction::Invoke { proposer: 1, key: "held".into(), name: "increment".into(), input: json!(null) });
    act(UserAction::Deliver(0));
    act(UserAction::DropMessage(1));
    act(UserAction::Delivery(Delivery::Auto)); // the last held prepare goes now
    rec.run_for(50).unwrap();
    act(UserAction::Latency(5000, 5000));
    act(UserAction::Invoke { proposer: 2, key: "late".into(), name: "put".into(), input: json!(7) });
    act(UserAction::Latency(1, 10));
    for round in 0..9 {
        act(workers(&format!("k{}", round % 3)));
        act(workers(&format!("k{}", (round + 1) % 3)));
        match round {
            1 => act(UserAction::Crash(Node::Acceptor(2))),
            2 => act(UserAction::Restart(Node::Acceptor(2))),
            3 => act(UserAction::Partition(vec![vec![Node::Proposer(3), Node::Acceptor(1)]])),
            4 => act(UserAction::Heal),
            _ => {}
        }
        rec.run_for(400).unwrap();
    }
    rec.run_until_idle(10_000_000).unwrap();
    rec
}

/// The hash of the first `n` events of `events`, for every `n` (FNV-1a over the text log, as
/// [`crate::sim::Trace::hash`]).
fn prefix_hashes(events: &[Event]) -> Vec<u64> {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut out = vec![h];
    for e in events {
        for b in line(e).bytes().chain([b'\n']) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        out.push(h);
    }
    out
}

fn whole_log(rec: &Recording) -> Vec<Event> {
    assert_eq!(rec.sim().trace().first_held(), 0, "the reference keeps every event");
    rec.sim().trace().events.iter().cloned().collect()
}

#[test]
fn events_before_the_window_are_regenerated_equal_to_the_whole_log() {
    let seed = 11;
    let (rec, whole) = (recorded_run(seed, Some(SMALL_WINDOW)), recorded_run(seed, None));
    let all = whole_log(&whole);
    let held = rec.sim().trace().first_held();
    assert!(all.len() > 8 * SMALL_WINDOW, "a run many windows long: {} events", all.len());
    assert!(held > all.len() - 2 * SMALL_WINDOW, "the window let the rest go: holds from {held}");
    assert_eq!(
        rec.event_log_hash().unwrap(),
        whole.event_log_hash().unwrap(),
        "the hash is the whole log's (seed {seed})"
    );
    assert_eq!(rec.sim().event_count(), all.len());
    // The slow prepares arrive thousands of events after their sends (their records live on).
    let slow = all.iter().filter(|e| matches!(&e.kind, EventKind::Deliver { msg } if e.at >= msg.sent_at + 5000));
    let first_slow =
        all.iter().position(|e| matches!(&e.kind, EventKind::Deliver { msg } if e.at >= msg.sent_at + 5000));
    let (count, first_slow) = (slow.count(), first_slow.unwrap_or(0));
    assert!(
        count >= 2 && first_slow > SMALL_WINDOW + 4096,
        "slow deliveries far into the log: {count} from {first_slow}"
    );
    let mut rng = Rng::new(seed);
    for i in 0..1000 {
        let since = rng.below(all.len() as u64 + 10) as usize;
        let limit = if i % 10 == 0 { usize::MAX } else { 1 + rng.below(3 * 4096) as usize };
        let got = rec.events(since, limit).unwrap();
        let want = &all[since.min(all.len())..all.len().min(since.saturating_add(limit))];
        assert!(got == want, "events({since}, {limit}) differ from the whole log's (seed {seed}, draw {i})");
    }
    assert_eq!(rec.event_log().unwrap(), whole.sim().trace().render(), "the text log, all of it");
}

/// A replay that regenerates events is not checked (its events are all it is for: the
/// checker's folds were most of its time in a queued run), and its events are still the run's.
#[test]
fn a_replay_regenerating_events_does_not_check() {
    let seed = 11;
    let (rec, whole) = (recorded_run(seed, Some(SMALL_WINDOW)), recorded_run(seed, None));
    let all = whole_log(&whole);
    let since = rec.sim().trace().first_held() - SMALL_WINDOW;
    assert!(rec.events(since, 100).unwrap() == all[since..since + 100], "the events before the window are the run's");
    let slot = rec.regenerator.borrow();
    let replay = slot.as_ref().expect("the replay is kept");
    let history = replay.sim.history();
    let ended = history.records().filter(|r| r.outcome.is_some()).count();
    assert!(ended >= 10, "the replay ran operations to their ends: {ended}");
    assert!(!history.checks(), "the replay does not feed its checker");
    assert_eq!(history.checker_ops(), 0, "its checker holds no operation");
    // Control: the run itself checks, and its checker folded what it was fed.
    let live = rec.sim().history();
    assert!(live.checks() && live.ledger().verdicts(std::iter::empty(), 1).folded > 100, "the run checks");
    // Control: the replay's checker cannot be read as if it had checked.
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| history.ledger().retained()));
    let message = read.expect_err("reading it is refused");
    let message = message.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(message.contains("stopped checking"), "refused, saying why: {message}");
}

#[test]
fn reading_back_page_by_page_replays_once() {
    let rec = recorded_run(3, Some(SMALL_WINDOW));
    let held = rec.sim().trace().first_held();
    let mut next = 0;
    while next < held {
        next += rec.events(next, 1000).unwrap().len();
    }
    assert_eq!(rec.regenerations(), 1, "one replay, stepped on from page to page");
    assert!(held > REGENERATED_WINDOW + 4096, "the replay let the start go: {held} events before the window");
    rec.events(10, 10).unwrap();
    assert_eq!(rec.regenerations(), 2, "back to the start: a replay from there");
    rec.events(110, 10).unwrap();
    assert_eq!(rec.regenerations(), 2, "and on from there, the same replay");
    rec.events(held, 10).unwrap();
    assert_eq!(rec.regenerations(), 2, "events in the window are not replayed");
}

#[test]
fn negative_control_a_replay_of_another_tape_regenerates_other_events_and_the_comparison_sees_it() {
    let seed = 5;
    let (rec, whole) = (recorded_run(seed, Some(SMALL_WINDOW)), recorded_run(seed, None));
    let all = whole_log(&whole);
    // The first workers run went to another key, as far as the regenerating replay knows.
    let (mut actions, mut moved) = (super::Tape::default(), false);
    for mut r in rec.actions.borrow().iter() {
        if let UserAction::Workers(plan) = &mut r.action {
            if !moved {
                plan.key = "elsewhere".into();
                moved = true;
            }
        }
        actions.push(&r);
    }
    assert!(moved, "a workers run");
    *rec.actions.borrow_mut() = actions;
    let got = rec.events(0, 2_000).unwrap();
    assert!(got[..] != all[..2_000], "a different tape, different events");
    let first_difference = got.iter().zip(&all).position(|(a, b)| a != b).unwrap();
    assert!(
        matches!(&all[first_difference].kind, EventKind::Invoke { name: "get", key, .. } if &**key == "k0"),
        "the workers' first read differs: {:?}",
        all[first_difference]
    );
    // Further on, the other run reaches a recorded action's event count at another time: the
    // replay refuses it there (it was applied at the wrong time before: outside tester 14).
    let e = rec.events(0, 20_000).expect_err("the drifted replay is refused").message;
    assert!(e.contains("the run never stood there"), "{e}");
}

#[test]
fn a_thousand_seeks_at_window_edges_checkpoints_and_random_points_equal_the_whole_run() {
    let seed = 23;
    let (rec, whole) = (recorded_run(seed, Some(SMALL_WINDOW)), recorded_run(seed, None));
    let all = whole_log(&whole);
    let hashes = prefix_hashes(&all);
    let end_ms = rec.sim().now();
    let mut rng = Rng::new(seed);
    // Times around each chunk's edge (where a window starts or ends) and each checkpoint.
    let mut targets: Vec<u64> = (4096..all.len()).step_by(4096).map(|i| all[i].at).collect();
    targets.extend(rec.checkpoint_points().iter().map(|&(_, t)| t));
    targets = targets.iter().flat_map(|&t| [t.saturating_sub(1), t, t + 1]).collect();
    targets.extend([0, end_ms]);
    while targets.len() < 1000 {
        targets.push(rng.below(end_ms + 1));
    }
    for (i, &until) in targets.iter().enumerate() {
        let sought = rec.seek_until(until).unwrap();
        let n = sought.sim().event_count();
        let at = format!("seek to {until} ms (seed {seed}, seek {i})");
        assert_eq!(sought.event_log_hash().unwrap(), hashes[n], "{at}: the whole log's first {n} events");
        let since = rng.below(n as u64 + 1) as usize;
        let got = sought.events(since, 300).unwrap();
        assert!(got[..] == all[since..n.min(since + 300)], "{at}: events({since}, 300)");
        if i % 100 == 0 {
            sought.run_until_idle(10_000_000).unwrap();
            assert_eq!(sought.event_log_hash().unwrap(), hashes[all.len()], "{at}: played on to the end");
        }
    }
}

#[test]
fn the_run_holds_its_window_and_checkpoints_hold_at_most_their_open_chunk() {
    let rec = recorded_run(2, Some(SMALL_WINDOW));
    let held = rec.sim().trace().events.held();
    assert!((SMALL_WINDOW..SMALL_WINDOW + 4096).contains(&held), "the run holds its window: {held} events");
    let checkpoints = rec.checkpoints.borrow();
    let taken = checkpoints.points().len();
    assert!(taken > 4, "checkpoints were taken: {taken}");
    assert!(
        checkpoints.events_held() < taken * 4096,
        "{} events held by {taken} checkpoints",
        checkpoints.events_held()
    );
    // Negative control: a run that keeps every event shares its chunks with its checkpoints.
    let whole = recorded_run(2, None);
    let (shared, whole_taken) = (whole.checkpoints.borrow().events_held(), whole.checkpoint_points().len());
    assert!(shared > 4 * whole_taken * 4096, "a whole log's {whole_taken} checkpoints share it: {shared} events");
}

/// A recording of `seed` (3 proposers) keeping a window of `window` events.
fn fresh(seed: u64, window: Option<usize>) -> Recording {
    let config = SimConfig { seed, proposers: 3, ..SimConfig::default() };
    let rec = Recording::new(Start::Config(config)).expect("a valid configuration");
    rec.set_event_window(window);
    rec.set_checkpoint_spacing(512);
    rec
}

fn workers_on(key: &str) -> UserAction {
    UserAction::Workers(WorkersPlan { workers: 10, increments: 80, key: key.into() })
}

fn put(key: &str) -> UserAction {
    UserAction::Invoke { proposer: 2, key: key.into(), name: "put".into(), input: json!(1) }
}

/// Every event of `rec` (held or regenerated) equals the whole log of `whole`, read in pages.
fn assert_reads_equal(rec: &Recording, whole: &Recording, at: &str) {
    let all = whole_log(whole);
    assert_eq!(rec.sim().event_count(), all.len(), "{at}: as many events");
    for since in (0..all.len()).step_by(3000) {
        let got = rec.events(since, 3000).unwrap_or_else(|e| panic!("{at}: events({since}, 3000): {}", e.message));
        assert!(got[..] == all[since..all.len().min(since + 3000)], "{at}: events({since}, 3000) differ");
    }
}

/// The outside tester's case (issue 9): an old read kept its replay, which knew only the actions
/// recorded before it; reading the next run's old events then replayed another run (it threw
/// "the replay ended at event N" in the page, and could as well have returned other events).
#[test]
fn a_replay_kept_by_an_old_read_plays_the_actions_recorded_after_it() {
    let (rec, whole) = (fresh(7, Some(SMALL_WINDOW)), fresh(7, None));
    let both = |f: &dyn Fn(&Recording)| [&rec, &whole].into_iter().for_each(f);
    both(&|r| drop(r.act(workers_on("a")).unwrap()));
    both(&|r| {
        r.run_until_idle(10_000_000).expect("runs to idle");
    });
    let first_run = rec.sim().event_count();
    rec.events(0, 10).unwrap(); // kept: it knows the first run's one action
    both(&|r| drop(r.act(workers_on("b")).unwrap()));
    both(&|r| r.run_for(300).unwrap());
    rec.events(first_run - 10, 20).unwrap(); // kept, stepped to the second run's start
    both(&|r| drop(r.act(put("b")).unwrap())); // recorded while that replay is mid-run
    both(&|r| {
        r.run_until_idle(10_000_000).expect("runs to idle");
    });
    assert!(
        rec.sim().trace().first_held() > first_run + 4096,
        "the second run's start left the window: held from {} (first run {first_run})",
        rec.sim().trace().first_held()
    );
    assert_reads_equal(&rec, &whole, "two runs with old reads between");
    assert_eq!(rec.regenerations(), 1, "one replay, kept and stepped on through both runs");
}

/// A fork (an action on a sought recording, which drops its tape) drops the kept replay, which
/// would otherwise go on playing the dropped actions.
#[test]
fn a_fork_drops_the_replay_kept_by_an_old_read() {
    let (rec, whole) = (fresh(8, Some(SMALL_WINDOW)), fresh(8, None));
    let (mut second_run_at, mut first_run_events) = (0, 0);
    for r in [&rec, &whole] {
        r.act(workers_on("a")).unwrap();
        r.run_until_idle(10_000_000).unwrap();
        (second_run_at, first_run_events) = (r.sim().now(), r.sim().event_count());
        r.act(workers_on("b")).unwrap();
        r.run_until_idle(10_000_000).unwrap();
    }
    let just_before = second_run_at - 1;
    let (sought, sought_whole) = (rec.seek_until(just_before).unwrap(), whole.seek_until(just_before).unwrap());
    sought.set_event_window(Some(SMALL_WINDOW));
    sought_whole.set_event_window(None);
    assert_eq!(sought.tape().0, 1, "the second run's action is still on the tape");
    sought.events(0, 10).unwrap(); // kept, with that action on its own tape
    assert_eq!(sought.regenerations(), 1, "event 0 was replayed, not held");
    for r in [&sought, &sought_whole] {
        r.act(workers_on("c")).unwrap(); // a fork: the second run will not happen
        r.run_until_idle(10_000_000).unwrap();
    }
    let (held, count) = (sought.sim().trace().first_held(), sought.sim().event_count());
    assert!(held > first_run_events, "the forked run left the window too: held from {held} of {count}");
    assert_reads_equal(&sought, &sought_whole, "forked before the second run");
}
