//! The compact frontier against the configurations it replaced: the same configurations, in
//! the same order, from a real queued run (where thousands of operations span a key's cut) and
//! by hand; negative controls: a flipped bit, a bit past the end, and a corrupted spanning list
//! are each caught, and named, by what checks them.

use super::*;
use crate::session::test_workload::play_increments;
use crate::session::{Recording, Start};
use crate::sim::SimConfig;

/// Bytes the configurations took as `Vec<u64>` lists (the representation before this one).
fn listed_bytes(configs: &[Config]) -> usize {
    configs.iter().map(|c| std::mem::size_of::<Config>() + c.placed.len() * 8).sum()
}

/// The key with the most configurations after a queued run of `actions` (7 keys through 2
/// proposers, ten increments every 10 ms: operations queue behind their keys): its frontier,
/// and the configurations the search gave when it was folded.
fn largest_frontier_of_a_queued_run(actions: u64) -> (Frontier, Vec<Config>) {
    let rec = Recording::new(Start::Config(SimConfig { proposers: 2, ..SimConfig::default() })).unwrap();
    play_increments(&rec, actions, |_| 10);
    let history = rec.sim().history();
    let mut largest = None;
    for (frontier, folded) in history.ledger().frontiers_and_folds() {
        let difference = first_difference(&frontier.configs(), folded);
        assert!(difference.is_none(), "{difference:?}");
        assert_eq!(frontier.validate(), Ok(()));
        if largest.as_ref().is_none_or(|(f, _): &(Frontier, _)| f.len() < frontier.len()) {
            largest = Some((frontier.clone(), folded.to_vec()));
        }
    }
    largest.expect("the run has keys")
}

#[test]
fn a_queued_runs_frontier_round_trips_in_a_fraction_of_the_bytes() {
    let (frontier, folded) = largest_frontier_of_a_queued_run(20_000);
    let placed: usize = folded.iter().map(|c| c.placed.len()).sum();
    println!(
        "{} configurations, {} spanning, {placed} ids placed: {} bytes listed, {} compact",
        frontier.len(),
        frontier.spanning.len(),
        listed_bytes(&folded),
        frontier.bytes()
    );
    assert!(frontier.len() >= 300 && frontier.spanning.len() >= 300, "thousands queued: a large frontier");
    assert_eq!(frontier.configs(), folded);
    assert!(frontier.bytes() * 10 < listed_bytes(&folded), "at least 10 times smaller");
}

#[test]
fn a_corrupted_frontier_is_caught_and_named() {
    let (frontier, folded) = largest_frontier_of_a_queued_run(20_000);
    // A bit flipped within the list: the round trip names the configuration and the operation.
    let (i, j) = (folded.len() / 2, 3);
    let mut flipped = frontier.clone();
    flipped.corrupt_bit(i, j);
    let id = frontier.spanning[j];
    let named = first_difference(&flipped.configs(), &folded).expect("caught");
    assert!(named.starts_with(&format!("configuration {i}: ")) && named.contains(&format!("#{id}")), "{named}");
    // A bit past the list's end: the invariants name it.
    let past = frontier.spanning.len().next_multiple_of(WORD_BITS) - 1;
    assert!(past >= frontier.spanning.len(), "the last word has room past the list");
    let mut beyond = frontier.clone();
    beyond.corrupt_bit(0, past);
    let err = beyond.validate().unwrap_err();
    assert!(err.contains("configuration 0 places bits past the"), "{err}");
    // The spanning list corrupted: out of order (the invariants), or another id in order (the
    // round trip).
    let mut unordered = frontier.clone();
    unordered.corrupt_spanning(5, frontier.spanning[3]);
    let err = unordered.validate().unwrap_err();
    assert!(err.contains("not ascending at 5"), "{err}");
    let mut renamed = frontier.clone();
    let last = frontier.spanning.len() - 1;
    renamed.corrupt_spanning(last, frontier.spanning[last] + 1);
    assert_eq!(renamed.validate(), Ok(()));
    let named = first_difference(&renamed.configs(), &folded).expect("caught");
    assert!(named.contains(&format!("#{}", frontier.spanning[last] + 1)), "{named}");
}

#[test]
fn hand_made_frontiers_round_trip_and_an_unplaced_operation_is_named() {
    let state = |version| State { version, ..State::default() };
    let configs = vec![
        Config { state: state(1), placed: vec![] },
        Config { state: state(2), placed: vec![7, 70] },
        Config { state: state(2), placed: vec![3, 70, 700] },
    ];
    let frontier = Frontier::new(&configs);
    assert_eq!(&*frontier.spanning, &[3, 7, 70, 700]);
    assert_eq!(frontier.configs(), configs);
    assert_eq!(Frontier::start().configs(), vec![Config::default()]);
    assert_eq!(Frontier::default().configs(), vec![]);
    assert_eq!(Frontier::new(&[]).configs(), vec![]);
    // Negative control: the only configuration placing #7 no longer does.
    let mut lost = frontier.clone();
    lost.corrupt_bit(1, 1);
    assert_eq!(lost.validate(), Err("spanning operation #7 is placed by no configuration".to_string()));
    let named = first_difference(&lost.configs(), &configs);
    assert_eq!(named.as_deref(), Some("configuration 1: does not place #7, which the original does"));
}
