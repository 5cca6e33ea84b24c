//! Tapes edited by hand (a link re-sealed with a valid checksum, a document whose `at` was moved)
//! may name points the run never stood at: replaying them is refused with the action's index,
//! never a panic (outside tester 14, findings 1 and 4).

use super::link::tests_support::{decode_bytes, encode_bytes};
use super::*;
use crate::sim::Rng;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The outside tester's link with every kind of action (manual delivery during an acceptor add,
/// envelopes, batching, leases) with one bit flipped at byte 176 and the CRC-32 re-sealed: it
/// trapped the wasm (`pushed next at 614, after an item due at 521`: a held message delivered
/// "now" at 614 ms while an event of 521 ms was still due).
const RESEALED_176: &str = "AgAEAwgFDwAAHRADKJBOAAAAAQUBYQbDvPCfjokBdgZsb2NrOkwBbRsAAA8GAAAAAQADEDIBAQAAAAIBASB7IngiOlsxLCJ5IixudWxsLC0wLjAsMS41ZSszMDBdfREuAgEAAAQCAgGBAQIAAAUAAAYBoI0GAAAHAcCaDAAACAIoAAAGAAAABwAAAAABAQIRaAABAgUAAyJ3IhVpAAEDCAJtZTMTdAABAwcCbWUKIBAMoAESAAAKAQAAAAEEAwABCwEBAAwAAAAKAAAADQMEAXcAAAkAAQAAAAEAACZdCQAAzQLJCPHzRYQ";
/// The same link with one bit at byte 17 flipped instead (its start gains `pipeline: 2`): it
/// trapped at the same place.
const RESEALED_17: &str = "AgAEAwgFDwAAHRADKJBOAAACAQUBYQbDvPCfjokBdgZsb2NrOkwBbRsAAA8GAAAAAQADEDIBAQAAAAIBASB7IngiOlsxLCJ5IixudWxsLC0wLjAsMS41ZSszMDBdfREuAgEAAAQCAgGBAQIAAAUAAAYBoI0GAAAHAcCaDAAACAIoAAAGAAAABwAAAAABAQIRaAABAgUAAyJ3IhVpAAEDCAJtZTMTdAABAwcCbWUKIBAcoAESAAAKAQAAAAEEAwABCwEBAAwAAAAKAAAADQMEAXcAAAkAAQAAAAEAACZdCQAAzQLJCPMadeI";

/// The tester's link as recorded: [`RESEALED_176`] with its bit put back.
fn every_kind_link() -> String {
    let mut bytes = decode_bytes(RESEALED_176);
    bytes[176] ^= 0x10;
    encode_bytes(&bytes)
}

/// Opens a link and runs it to idle (at most `max_events`): `Ok(events)` or the refusal's message.
fn open_and_run(link: &str, max_events: u64) -> Result<u64, String> {
    let session = decode_link(link).map_err(|e| e.to_string())?;
    let rec = session.replay().map_err(|e| e.message)?;
    let n = rec.run_until_idle(max_events).map_err(|e| e.message)?;
    drop(encode_link(&rec.session()));
    Ok(n)
}

#[test]
fn a_resealed_link_that_trapped_is_refused_with_the_action_it_stops_at() {
    let e = open_and_run(RESEALED_176, 1_000_000).unwrap_err();
    assert!(e.starts_with("the session does not replay: action "), "{e}");
    assert!(e.contains("the run never stood there (event "), "{e}");
    let e = open_and_run(RESEALED_17, 1_000_000).unwrap_err();
    assert!(e.starts_with("the session does not replay: action "), "{e}");
    // Control: the link as recorded opens and runs (the check refuses only points not in the run).
    let ran = open_and_run(&every_kind_link(), 1_000_000).unwrap();
    println!("the recorded link runs {ran} more events after its end");
}

/// A session recorded by hand: an increment at 0 ms, a crash of a1 at 3 ms, run to idle.
fn crash_at_3() -> Session {
    let rec = Recording::new(Start::Config(SimConfig { seed: 1, ..SimConfig::default() })).unwrap();
    rec.act(UserAction::Invoke { proposer: 1, key: "a".into(), name: "increment".into(), input: Json::Null }).unwrap();
    rec.run_for(3).unwrap();
    rec.act(UserAction::Crash(Node::Acceptor(1))).unwrap();
    rec.run_until_idle(1_000_000).unwrap();
    rec.session()
}

/// Finding 4: an action's `at` moved to 40 ms, where the run never stood after its `steps`
/// events (events ran between 3 and 40 ms), is refused with its index; it used to be applied
/// later and the run landed past the document's end.
#[test]
fn a_document_action_at_a_point_the_run_never_stood_at_is_refused() {
    let session = crash_at_3();
    // Control: the unedited document opens at its end, the same session.
    let replayed = session.replay().unwrap();
    assert_eq!(replayed.point(), session.end.unwrap());
    assert_eq!(replayed.session(), session);
    let first_after_crash = session.actions[1].steps + 1;
    for steps in [session.actions[1].steps, 0] {
        let mut edited = session.clone();
        edited.actions[1].at_ms = 40;
        edited.actions[1].steps = steps;
        let Err(e) = edited.replay().map(drop) else { panic!("action 1 at 40 ms after {steps} events replayed") };
        let e = e.message;
        let expected = format!(
            "the session does not replay: action 1 (at 40ms, after {steps} events): the run never stood there (event "
        );
        assert!(e.starts_with(&expected), "{e}");
        if steps > 0 {
            assert!(e.contains(&format!("(event {first_after_crash} runs at ")), "{e}");
        }
    }
}

/// Links of several rich runs with random bits flipped and the checksum re-sealed: each opens
/// and runs to idle, or is refused; never a panic. Seed: `CASPAXOS_REPLAY_FUZZ_SEED` (printed),
/// cases: `CASPAXOS_REPLAY_FUZZ_CASES`.
#[test]
fn resealed_links_with_flipped_bits_are_refused_or_run_never_panic() {
    let env = |name: &str, default: u64| std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default);
    let seed = env("CASPAXOS_REPLAY_FUZZ_SEED", 14);
    let cases = env("CASPAXOS_REPLAY_FUZZ_CASES", 5_000);
    println!("CASPAXOS_REPLAY_FUZZ_SEED={seed} CASPAXOS_REPLAY_FUZZ_CASES={cases}");
    let golden =
        include_str!("../../tests/golden/links_v2.txt").lines().map(|l| l.split_once(' ').unwrap().1.to_string());
    let bases: Vec<Vec<u8>> = golden.chain([every_kind_link()]).map(|l| decode_bytes(&l)).collect();
    let mut rng = Rng::new(seed);
    let (mut ran, mut refused_in_replay) = (0, 0);
    for case in 0..cases {
        let mut bytes = bases[rng.below(bases.len() as u64) as usize].clone();
        for _ in 0..=rng.below(3) {
            let i = 1 + rng.below(bytes.len() as u64 - 1) as usize;
            bytes[i] ^= 1 << rng.below(8);
        }
        let link = encode_bytes(&bytes);
        match catch_unwind(AssertUnwindSafe(|| open_and_run(&link, 20_000))) {
            Ok(Ok(_)) => ran += 1,
            Ok(Err(e)) if e.starts_with("the session does not replay") => refused_in_replay += 1,
            Ok(Err(_)) => {}
            Err(_) => panic!("case {case} panicked (seed {seed}): {link}"),
        }
    }
    println!("{cases} links: {ran} opened and ran to idle, {refused_in_replay} refused while replaying");
    // The fuzz reaches replay: links open and run, and some are refused only while replaying.
    assert!(ran > cases / 10, "{ran} of {cases} ran (seed {seed})");
    assert!(refused_in_replay > 0, "none refused while replaying (seed {seed})");
}
