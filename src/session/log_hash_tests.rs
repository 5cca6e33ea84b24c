//! The event log's hash on demand ([`Recording::event_log_hash`]): a windowed run folds nothing
//! as it logs; asked, it regenerates what the window let go and equals the hash of the whole
//! log's text (computed here independently, line by line), at any point, asked once or often.

use super::*;
use crate::sim::{line, Event};

/// Events the window keeps (two chunks): short runs let most of their log go.
pub(super) const SMALL_WINDOW: usize = 2 * 4096;

/// A recording with a window of `window` events (`None`: the whole log).
fn run(window: Option<usize>) -> Recording {
    run_seeded(5, window)
}

/// A recording of seed `seed` with a window of `window` events (`None`: the whole log).
pub(super) fn run_seeded(seed: u64, window: Option<usize>) -> Recording {
    let config = SimConfig { seed, proposers: 3, ..SimConfig::default() };
    let rec = Recording::new(Start::Config(config)).expect("a valid configuration");
    rec.set_event_window(window);
    rec.set_checkpoint_spacing(1024);
    rec
}

/// Round `n`: 10 workers of 100 increments on one of 3 keys, run to idle (about 14,000 events).
pub(super) fn round(rec: &Recording, n: usize) {
    let plan = WorkersPlan { workers: 10, increments: 100, key: format!("k{}", n % 3) };
    rec.act(UserAction::Workers(plan)).expect("a valid plan");
    rec.run_until_idle(u64::MAX).unwrap();
}

/// FNV-1a (64 bit) of `events`' text lines, each ended by a newline (the contract's definition).
pub(super) fn text_hash(events: &[Event]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in events.iter().flat_map(|e| line(e).into_bytes().into_iter().chain([b'\n'])) {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

pub(super) fn whole_log(rec: &Recording) -> Vec<Event> {
    assert_eq!(rec.sim().trace().first_held(), 0, "the reference keeps every event");
    rec.sim().trace().events.iter().cloned().collect()
}

/// A windowed run and the same run keeping its whole log, four rounds each.
fn four_rounds() -> (Recording, Recording) {
    let (rec, whole) = (run(Some(SMALL_WINDOW)), run(None));
    for n in 0..4 {
        round(&rec, n);
        round(&whole, n);
    }
    (rec, whole)
}

#[test]
fn the_hash_asked_at_any_point_is_the_whole_logs_text_hash() {
    let (rec, whole) = (run(Some(SMALL_WINDOW)), run(None));
    let mut asked = 0;
    for n in 0..12 {
        round(&rec, n);
        round(&whole, n);
        if n % 4 != 3 {
            continue; // asked now and then: what was let go in between is replayed
        }
        let all = whole_log(&whole);
        let (held, folded) = (rec.sim().trace().first_held(), rec.sim().trace().folded_until());
        assert!(held > folded, "round {n}: let go unhashed since asked (holds from {held}, hashed {folded})");
        assert_eq!(rec.sim().trace().try_hash(), None, "the trace alone cannot tell");
        assert_eq!(rec.event_log_hash().unwrap(), text_hash(&all), "round {n}: {} events", all.len());
        assert_eq!(whole.event_log_hash().unwrap(), text_hash(&all), "the whole log's own hash agrees");
        asked += 1;
        // Cached: asking again replays nothing, and the trace alone now knows it.
        let regenerations = rec.regenerations();
        assert_eq!(rec.sim().trace().folded_until(), all.len());
        assert_eq!(rec.sim().trace().try_hash(), Some(text_hash(&all)));
        assert_eq!(rec.event_log_hash().unwrap(), text_hash(&all));
        assert_eq!(rec.regenerations(), regenerations, "asking again at the same point replays nothing");
    }
    assert_eq!(asked, 3);
    assert!(rec.sim().event_count() > 6 * SMALL_WINDOW, "a run many windows long");
}

#[test]
fn a_wrong_replay_gives_another_hash() {
    // The negative control: folding events other than the ones let go (here: the log shifted by
    // one event) is not the whole log's hash, so the test above would catch a wrong replay.
    let (rec, whole) = four_rounds();
    let all = whole_log(&whole);
    let first_held = rec.sim().trace().first_held();
    assert!(first_held > 0, "the window let events go");
    rec.sim().fold_regenerated(0, &all[1..=first_held]);
    assert_ne!(rec.sim().trace().try_hash(), Some(text_hash(&all)), "shifted by one event");
}

#[test]
fn a_run_that_stops_being_replayable_hashes_what_its_window_let_go_first() {
    let (rec, whole) = four_rounds();
    assert_eq!(rec.sim().trace().try_hash(), None, "events let go unhashed");
    rec.mark_unreplayable(Unreplayable::ChangeFunction, rec.sim().event_count());
    // From here nothing can be regenerated: the trace alone must know the hash, now and later.
    assert_eq!(rec.sim().trace().try_hash(), Some(text_hash(&whole_log(&whole))));
    rec.run_for(1000).unwrap();
    whole.run_for(1000).unwrap();
    assert_eq!(rec.sim().trace().try_hash(), Some(text_hash(&whole_log(&whole))));
}

#[test]
fn the_hash_of_a_long_run_asked_once_at_its_end() {
    // An outside tester's run (workers 100 × 200, 417,428 events): asked once at the end, the
    // hash must replay every piece the window let go, not give up part of the way.
    let config = SimConfig { seed: 1, ..SimConfig::default() };
    let (rec, whole) =
        (Recording::new(Start::Config(config.clone())).unwrap(), Recording::new(Start::Config(config)).unwrap());
    whole.set_event_window(None);
    for r in [&rec, &whole] {
        r.act(UserAction::Workers(WorkersPlan { workers: 100, increments: 200, key: "counter".into() })).unwrap();
        r.run_until_idle(u64::MAX).unwrap();
    }
    assert!(rec.sim().trace().first_held() > 0, "the window let events go");
    assert_eq!(rec.event_log_hash().unwrap(), text_hash(&whole_log(&whole)), "{} events", rec.sim().event_count());
}

#[test]
fn a_run_within_its_window_hashes_each_event_once() {
    // Outside tester 19: a run that let nothing go hashed its whole held log on every ask (800
    // puts of 60 KB: 16 s each time). Asked, the hash is folded up to the last event held, so the
    // next ask hashes only what was logged since — and stays the whole log's text hash.
    let rec = run(None);
    round(&rec, 0);
    assert_eq!(rec.sim().trace().folded_until(), 0, "control: nothing is folded before the first ask");
    let first = rec.event_log_hash().unwrap();
    let held = rec.sim().trace().events.len();
    assert_eq!(rec.sim().trace().folded_until(), held, "the ask folded every event held");
    assert_eq!(first, text_hash(&whole_log(&rec)));
    round(&rec, 1);
    assert_eq!(rec.sim().trace().folded_until(), held, "logging folds nothing");
    assert_eq!(rec.event_log_hash().unwrap(), text_hash(&whole_log(&rec)));
    assert_eq!(rec.sim().trace().folded_until(), rec.sim().trace().events.len());
}
