//! With envelopes (`envelopes: true`) time stops where asked (outside tester 17): `run_for(k)`
//! runs no event later than now + k and leaves the clock there, k calls of 1 ms make the same run
//! as one of k, and a seek or a replay to `until` lands at `until` with every event up to it run.
//! Negative control: the same checks on the loop the simulation used before (step while the next
//! event, counting the sealing of open envelopes as one "now", is due) catch its overshoot.

#![cfg(not(target_arch = "wasm32"))]

use caspaxos_playground::ops::Op;
use caspaxos_playground::session::{Recording, Start, UserAction};
use caspaxos_playground::sim::{Event, EventKind, NetConfig, Sim, SimConfig};

const SEEDS: u64 = 60;

fn config(seed: u64) -> SimConfig {
    let net = NetConfig {
        envelopes: true,
        drop_request_rate: 0.05,
        drop_reply_rate: 0.05,
        duplicate_rate: 0.05,
        latency_ms_min: 1 + seed % 3,
        latency_ms_max: 4 + seed % 7,
    };
    SimConfig { acceptors: 3, proposers: 2, seed, net, ..SimConfig::default() }
}

/// A small deterministic generator for the test's own choices (the simulation has its own).
struct Choices(u64);

impl Choices {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// What one round does: invoke an increment on key `k{key}` through proposer `proposer` (unless
/// `None`), then let `ms` virtual ms pass.
struct Round {
    invoke: Option<(u8, u64)>,
    ms: u64,
}

fn rounds(seed: u64) -> Vec<Round> {
    let mut c = Choices(seed);
    (0..40)
        .map(|_| Round { invoke: (c.below(3) != 0).then(|| (1 + c.below(2) as u8, c.below(3))), ms: c.below(12) })
        .collect()
}

/// Moves the clock `ms` on; `run_for` is the loop under test.
type RunFor = fn(&Sim, u64);

fn run_for(sim: &Sim, ms: u64) {
    sim.run_for(ms);
}

/// The loop before the fix: the sealing of open envelopes counts as an event due now, and the
/// step that seals them also runs the next event, however late.
fn overshooting_run_for(sim: &Sim, ms: u64) {
    let until = sim.now() + ms;
    while sim.next_event_at().is_some_and(|at| at <= until) {
        sim.step();
    }
    sim.advance_clock(until);
}

/// Plays `seed`'s rounds, `ms` at a time by `by(ms)` or one ms at a time (`by_one`). After each
/// move: the clock is where asked and no event ran later. Returns the log's hash, or what broke.
fn play(seed: u64, by: RunFor, by_one: bool) -> Result<u64, String> {
    let sim = Sim::new(config(seed)).unwrap();
    for (i, round) in rounds(seed).iter().enumerate() {
        if let Some((proposer, key)) = round.invoke {
            drop(sim.invoke(proposer, &format!("k{key}"), Op::Increment));
        }
        let until = sim.now() + round.ms;
        match by_one && round.ms > 0 {
            true => (0..round.ms).for_each(|_| by(&sim, 1)),
            false => by(&sim, round.ms),
        }
        let last = sim.trace().events.iter().last().map_or(0, |e| e.at);
        if sim.now() != until || last > until {
            return Err(format!(
                "round {i}: asked for {until} ms, the clock is at {}, an event ran at {last}",
                sim.now()
            ));
        }
    }
    sim.run_until_idle(1_000_000);
    let hash = sim.trace().hash();
    Ok(hash)
}

/// Seeds where `by` breaks the property: (seed, what broke), the first one's message first.
fn broken(by: RunFor) -> Vec<(u64, String)> {
    let mut bad = Vec::new();
    for seed in 1..=SEEDS {
        let check = || -> Result<(), String> {
            let (whole, stepped) = (play(seed, by, false)?, play(seed, by, true)?);
            match whole == stepped {
                true => Ok(()),
                false => Err(format!("one call of k ms gave {whole:016x}, k calls of 1 ms {stepped:016x}")),
            }
        };
        if let Err(why) = check() {
            bad.push((seed, why));
        }
    }
    bad
}

#[test]
fn with_envelopes_run_for_stops_where_asked_and_k_calls_of_one_ms_are_one_of_k() {
    let bad = broken(run_for);
    assert!(bad.is_empty(), "{} of {SEEDS} seeds broken, first: seed {} — {}", bad.len(), bad[0].0, bad[0].1);
}

#[test]
fn negative_control_the_old_loop_overshoots_and_is_caught() {
    let bad = broken(overshooting_run_for);
    assert!(bad.len() > SEEDS as usize / 4, "the old loop overshoots on many seeds: {}", bad.len());
    assert!(bad.iter().any(|(_, why)| why.contains("an event ran at")), "caught running a later event: {bad:?}");
}

/// A recorded session of `seed`'s rounds, played to its end.
fn recording(seed: u64) -> Recording {
    let rec = Recording::new(Start::Config(config(seed))).unwrap();
    rec.set_checkpoint_spacing(8);
    for round in rounds(seed) {
        if let Some((proposer, key)) = round.invoke {
            let (key, name, input) = (format!("k{key}"), "increment".into(), serde_json::Value::Null);
            rec.act(UserAction::Invoke { proposer, key, name, input }).unwrap();
        }
        rec.run_for(round.ms).unwrap();
    }
    rec.run_until_idle(1_000_000).unwrap();
    rec
}

/// `run` stands at `until`, with the whole run's events up to `until`: all of them but the
/// duplicates of envelopes sealed at `until` (an instant is sealed when the clock moves on; a
/// landing leaves it open, and playing on seals it as the whole run did).
fn landed_at(run: &Recording, whole: &Recording, until: u64) -> Result<(), String> {
    let (events, all) = (run.sim().trace(), whole.sim().trace());
    let (n, now) = (events.events.len(), run.sim().now());
    let expected = all.events.iter().filter(|e| e.at <= until).count();
    let sealed_later = |e: &Event| e.at == until && matches!(e.kind, EventKind::Duplicate { .. });
    let lines_differ = (0..n.min(expected)).find(|&s| events.line(s) != all.line(s));
    match (now == until, n <= expected, lines_differ) {
        (true, true, None) if all.events.iter().skip(n).take(expected - n).all(sealed_later) => Ok(()),
        _ => Err(format!("at {now} ms with {n} events (first differing: {lines_differ:?}); {expected} up to it")),
    }
}

#[test]
fn with_envelopes_a_seek_or_replay_to_until_lands_at_until() {
    for seed in 1..=SEEDS / 4 {
        let whole = recording(seed);
        let session = whole.session();
        let end = whole.sim().now();
        for until in (0..end).step_by(7).chain([0, 1, 2, end]) {
            let sought = whole.seek_until(until).unwrap();
            let replayed = session.replay_until(until).unwrap();
            for (how, run) in [("seek", &sought), ("replay", &replayed)] {
                if let Err(why) = landed_at(run, &whole, until) {
                    panic!("seed {seed}: {how} to {until} ms: {why}");
                }
            }
            assert_eq!(sought.sim().trace().hash(), replayed.sim().trace().hash(), "seed {seed}, until {until}");
            sought.run_until_idle(1_000_000).unwrap();
            assert_eq!(sought.sim().trace().hash(), whole.sim().trace().hash(), "seed {seed}: played on from {until}");
        }
    }
}
