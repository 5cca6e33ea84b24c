//! `./build.sh bench` (native part): `Recording::seek_until` (what `Cluster.seek` runs) in two
//! 100,000-action sessions (10 keys, ten increments then 10 ms): the scale tests' (3 proposers,
//! each key through one, latency 1–5 ms) and the page's own cluster's (2 proposers, one round
//! trip, latency 5–15 ms, keys through p1 and p2 only, as `tests/e2e/bench-seek.mjs` drives it:
//! faster than it answers, so up to 31,000 operations queue behind their keys and each
//! checkpoint holds more). Seeks to the start, the middle, the end and 50 random points: min /
//! median / max, first and again; a slider dragged; reads of old events (`Recording::events`
//! from 20 random points before the window, 100 events each, what `Cluster.events(since)`
//! runs). Run: `cargo bench --bench seek` (`-- --bytes`: also what a checkpoint holds as the
//! page's run grows, by an allocator's count, beside its estimate; `-- --long`: only the reads,
//! in the page's session of five times as many actions, about 5,000,000 events; `-- --replay N`:
//! the page's session of N actions, its run's steps/s beside a replay's from the start and
//! seeks', an old event read and the first `eventLogHash()`; `-- --hash N`: only that hash, for a
//! profiler attached once the run is built; `-- --worst N`: N random seeks in the page's session,
//! wall and CPU time each, then each sought run's first `check()`, and the worst; `-- --spaced
//! STEPS`: what copies of the page's run taken STEPS apart hold together, part by part, by the
//! allocator's count).

use caspaxos_playground::checker::{check_run, DEFAULT_STEP_BUDGET};
use caspaxos_playground::session::{Recording, Start, UserAction};
use caspaxos_playground::sim::{NetConfig, Rng, SimConfig};
use std::sync::atomic::Ordering;
use std::time::Instant;

mod counting_alloc;
use counting_alloc::LIVE;

/// Actions in the session, as the page's scale tests make them.
const ACTIONS: u64 = 100_000;
/// Random points sought, besides the start, the middle and the end.
const RANDOM_POINTS: usize = 50;
/// Old events read at random points before the window, and how many each time.
const READS: usize = 20;
const READ_EVENTS: usize = 100;

/// The session (`page`: the page's own cluster's); `bytes`: prints what a checkpoint holds as it
/// grows.
fn session(page: bool, bytes: bool, actions: u64) -> Recording {
    let net = if page {
        NetConfig::default()
    } else {
        NetConfig { latency_ms_min: 1, latency_ms_max: 5, ..NetConfig::default() }
    };
    let config = SimConfig { proposers: if page { 2 } else { 3 }, net, ..SimConfig::default() };
    let rec = Recording::new(Start::Config(config)).expect("a valid configuration");
    let mut held = None;
    for i in 0..actions {
        let key = i % 10;
        let proposer = 1 + (key % 3) as u8;
        if !page || proposer <= 2 {
            let invoke = UserAction::Invoke {
                proposer,
                key: format!("k{key}"),
                name: "increment".into(),
                input: serde_json::Value::Null,
            };
            rec.act(invoke).expect("a valid action");
        }
        if bytes && i % 10_000 == 5_000 {
            let c = rec.sim().checkpoint().expect("no task");
            let h = rec.sim().history();
            println!(
                "  parts: checker ops {}, frontiers {} B, history ids {:?}, own bytes {}",
                h.checker_ops(),
                c.checker_frontiers().iter().map(|f| f.1).sum::<usize>(),
                h.kept_ids(),
                c.bytes()
            );
            drop(h);
            held = Some((c.bytes(), rec.sim().pending(), rec.sim().event_count(), c));
        }
        if let Some((estimate, in_flight, events, c)) = held.take_if(|_| i % 10_000 == 6_000) {
            let before = LIVE.load(Ordering::Relaxed);
            drop(c);
            let counted = before - LIVE.load(Ordering::Relaxed);
            println!("  a checkpoint at event {events} ({in_flight} in flight): {counted} bytes a thousand actions later (estimate {estimate})");
        }
        if i % 10 == 9 {
            rec.run_for(10).expect("the run plays");
        }
    }
    rec.run_until_idle(u64::MAX).expect("the run plays");
    rec
}

fn stats(mut xs: Vec<f64>) -> String {
    xs.sort_by(f64::total_cmp);
    let p95 = xs[(xs.len() * 95 / 100).min(xs.len() - 1)];
    format!("min {:.1} / median {:.1} / p95 {p95:.1} / max {:.1}", xs[0], xs[xs.len() / 2], xs[xs.len() - 1])
}

fn main() {
    let bytes = std::env::args().any(|a| a == "--bytes");
    if let Some(actions) = std::env::args().skip_while(|a| a != "--replay").nth(1) {
        replay_speed(actions.parse().expect("--replay ACTIONS"));
        return;
    }
    if let Some(actions) = std::env::args().skip_while(|a| a != "--hash").nth(1) {
        // For a profiler attached once the run is built: only the first eventLogHash().
        let rec = session(true, false, actions.parse().expect("--hash ACTIONS"));
        println!("built: {} events", rec.sim().event_count());
        std::thread::sleep(std::time::Duration::from_secs(2));
        let t = Instant::now();
        rec.event_log_hash().expect("a replayable run hashes");
        println!("the first eventLogHash(): {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
        return;
    }
    if let Some(seeks) = std::env::args().skip_while(|a| a != "--worst").nth(1) {
        worst_seeks(seeks.parse().expect("--worst SEEKS"));
        return;
    }
    if let Some(spacing) = std::env::args().skip_while(|a| a != "--spaced").nth(1) {
        spaced_copies(spacing.parse().expect("--spaced STEPS"));
        return;
    }
    if std::env::args().any(|a| a == "--long") {
        let t = Instant::now();
        let rec = session(true, false, 5 * ACTIONS);
        println!(
            "the page's own cluster's session, {} actions, built in {:.1} s:",
            5 * ACTIONS,
            t.elapsed().as_secs_f64()
        );
        old_reads(&rec, READS / 2);
        return;
    }
    for (name, page) in [("the scale tests' session", false), ("the page's own cluster's session", true)] {
        bench(name, page, bytes);
    }
}

/// Steps per second of the page's session run (recorded as it goes) beside a replay of it from
/// the start and seeks into it from its checkpoints (`-- --replay ACTIONS`).
fn replay_speed(actions: u64) {
    let t = Instant::now();
    let rec = session(true, false, actions);
    let run_s = t.elapsed().as_secs_f64();
    let (steps, end) = (rec.sim().steps(), rec.sim().now());
    println!("run: {actions} actions, {steps} steps in {run_s:.2} s: {:.0} steps/s", steps as f64 / run_s);
    let t = Instant::now();
    let replay = rec.session().replay().expect("the session replays");
    let replay_s = t.elapsed().as_secs_f64();
    assert_eq!(replay.sim().steps(), steps);
    println!("replay from the start: {replay_s:.2} s: {:.0} steps/s", steps as f64 / replay_s);
    drop(replay);
    let mut rng = Rng::new(11);
    let (mut ms, mut rates) = (Vec::new(), Vec::new());
    for _ in 0..10 {
        let until = rng.below(end + 1);
        let from = rec.checkpoint_points().iter().rev().find(|p| p.1 <= until).map_or(0, |p| p.0);
        let t = Instant::now();
        let sought = rec.seek_until(until).expect("a recorded run seeks");
        let s = t.elapsed().as_secs_f64();
        ms.push(s * 1e3);
        rates.push((sought.sim().steps() - from) as f64 / s);
    }
    println!("seeks (10 random, fresh points): {} ms; {} steps/s replayed", stats(ms), stats(rates));
    let middle = rec.sim().event_count() / 2;
    let t = Instant::now();
    rec.events(middle, 1).expect("old events regenerate");
    println!("events(middle, 1) (event {middle}): {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
    let t = Instant::now();
    rec.event_log_hash().expect("a replayable run hashes");
    println!("the first eventLogHash(): {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
    old_reads(&rec, READS);
}

/// `seeks` seeks to random points of the page's 100,000-action session (about 1 M events), each
/// in turn (those left by earlier seeks help later ones, as in the page), then the sought run's
/// first `check()` (what the page's state panel runs after a seek's paint): min / median / max
/// and the worst, with the events each seek replayed (`-- --worst SEEKS`).
fn worst_seeks(seeks: usize) {
    let t = Instant::now();
    let rec = session(true, false, ACTIONS);
    let (end, points) = (rec.sim().now(), rec.checkpoint_points());
    let apart = points.windows(2).map(|w| w[1].0 - w[0].0).max().unwrap_or(0);
    println!(
        "the page's session: {} events, {} steps, built in {:.1} s; {} checkpoints ({:.1} MB estimated), {apart} steps apart at most",
        rec.sim().event_count(),
        rec.sim().steps(),
        t.elapsed().as_secs_f64(),
        points.len(),
        rec.checkpoint_bytes() as f64 / 1e6
    );
    println!("  checkpoints (steps): {:?}", points.iter().map(|p| p.0).collect::<Vec<_>>());
    let mut rng = Rng::new(13);
    let (mut ms, mut cpu, mut checks, mut worst) = (Vec::new(), Vec::new(), Vec::new(), (0.0, 0, 0));
    for _ in 0..seeks {
        let until = rng.below(end + 1);
        let (t, c) = (Instant::now(), cpu_ms());
        let sought = rec.seek_until(until).expect("a recorded run seeks");
        let (seek_ms, seek_cpu) = (t.elapsed().as_secs_f64() * 1e3, cpu_ms() - c);
        let c = cpu_ms();
        // The session's keys end `unknown` (thousands of operations queue behind each).
        check_run(sought.sim(), DEFAULT_STEP_BUDGET);
        checks.push(cpu_ms() - c);
        if seek_cpu > worst.0 {
            worst = (seek_cpu, until, sought.sim().steps());
        }
        ms.push(seek_ms);
        cpu.push(seek_cpu);
    }
    println!(
        "  {seeks} random seeks: wall {} ms; CPU {} ms; then check(): CPU {} ms",
        stats(ms),
        stats(cpu),
        stats(checks)
    );
    println!("  the worst (CPU): {:.1} ms, to {} ms (step {})", worst.0, worst.1, worst.2);
}

/// This thread's time on a CPU so far, in ms (`/proc/thread-self/schedstat`: what a seek costs on a
/// machine shared with other work, where wall time counts the others' turns).
fn cpu_ms() -> f64 {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").expect("Linux's schedstat");
    let ns: u64 = text.split_whitespace().next().and_then(|n| n.parse().ok()).expect("ns on a CPU");
    ns as f64 / 1e6
}

/// Reads of `reads` random ranges of old events (before the live window: regenerated by a
/// replay from the latest checkpoint before them, or by stepping on the last read's replay when
/// the range is ahead of it), in random order.
fn old_reads(rec: &Recording, reads: usize) {
    let events = rec.sim().event_count();
    let held_from = rec.sim().trace().first_held();
    let mut rng = Rng::new(7);
    let mut ms = Vec::new();
    for _ in 0..reads {
        let since = rng.below(held_from as u64) as usize;
        let t = Instant::now();
        let read = rec.events(since, READ_EVENTS).expect("old events regenerate");
        ms.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(read.len(), READ_EVENTS);
    }
    println!(
        "  old events read ({reads} random points before event {held_from} of {events}, {READ_EVENTS} each): {} ms; {} replays",
        stats(ms),
        rec.regenerations()
    );
}

/// Seeks in one session: each point's first seek (from the run's own checkpoints, or those
/// earlier seeks left) and two more to it; then a slider dragged in a fresh copy of the session.
fn bench(name: &str, page: bool, bytes: bool) {
    let t = Instant::now();
    let rec = session(page, bytes, ACTIONS);
    let (end, steps) = (rec.sim().now(), rec.sim().steps());
    let points = rec.checkpoint_points();
    println!(
        "seek in {name}: {ACTIONS} actions, {} events, {steps} steps, {end} ms, built in {:.1} s; {} checkpoints ({:.1} MB estimated), {} events apart at most",
        rec.sim().event_count(),
        t.elapsed().as_secs_f64(),
        points.len(),
        rec.checkpoint_bytes() as f64 / 1e6,
        points.windows(2).map(|w| w[1].0 - w[0].0).max().unwrap_or(0)
    );
    let mut rng = Rng::new(5);
    let mut targets: Vec<(&str, u64)> = vec![("start", 0), ("middle", end / 2), ("end", end)];
    targets.extend((0..RANDOM_POINTS).map(|_| ("random", rng.below(end + 1))));
    let (mut first, mut again) = (Vec::new(), Vec::new());
    for &(name, until) in &targets {
        let mut ms = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            rec.seek_until(until).expect("a recorded run seeks");
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        if name != "random" {
            println!(
                "  seek to the {name:<6} ({until} ms): the first {:.1} ms, again {:.1} and {:.1} ms",
                ms[0], ms[1], ms[2]
            );
        }
        first.push(ms[0]);
        again.extend_from_slice(&ms[1..]);
    }
    println!(
        "  seek, {} points (start, middle, end, {RANDOM_POINTS} random): the first {} ms; again {} ms",
        targets.len(),
        stats(first),
        stats(again)
    );
    // A slider dragged: 40 seeks 0.25 % of the run apart, forward then back, from a random point
    // in a fresh session (no checkpoint left by an earlier seek).
    old_reads(&rec, READS);
    let rec = session(page, false, ACTIONS);
    let start = rng.below(end * 3 / 4);
    let mut drag = Vec::new();
    for k in (0..20).chain((0..20).rev()) {
        let t = Instant::now();
        rec.seek_until(start + k * end / 400).expect("a recorded run seeks");
        drag.push(t.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "  a slider dragged from {start} ms, 40 seeks 0.25 % apart: the first {:.1} ms, then {} ms; {} checkpoints left by seeks",
        drag[0],
        stats(drag[1..].to_vec()),
        rec.landed_points().len()
    );
}

/// The page's session with a copy taken every `spacing` steps and held to the end (none of the
/// recording's own): the copies' estimates beside what dropping them all frees once the run is
/// idle, by the allocator's count (`-- --spaced STEPS`).
fn spaced_copies(spacing: u64) {
    let config = SimConfig { proposers: 2, ..SimConfig::default() };
    let rec = Recording::new(Start::Config(config)).expect("a valid configuration");
    rec.set_checkpoint_spacing(u64::MAX);
    let mut copies = Vec::new();
    for i in 0..ACTIONS {
        let key = i % 10;
        if key % 3 != 2 {
            let invoke = UserAction::Invoke {
                proposer: 1 + (key % 3) as u8,
                key: format!("k{key}"),
                name: "increment".into(),
                input: serde_json::Value::Null,
            };
            rec.act(invoke).expect("a valid action");
        }
        if i % 10 == 9 {
            rec.run_for(10).expect("the run plays");
        }
        if rec.sim().steps() >= (copies.len() as u64 + 1) * spacing {
            copies.push(rec.sim().checkpoint().expect("no task"));
        }
    }
    while rec.sim().pending() > 0 {
        rec.run_for(1_000).expect("the run plays");
        if rec.sim().steps() >= (copies.len() as u64 + 1) * spacing {
            copies.push(rec.sim().checkpoint().expect("no task"));
        }
    }
    rec.run_until_idle(u64::MAX).expect("the run plays");
    let estimates: Vec<usize> = copies.iter().map(|c| c.bytes_alone() / 1000).collect();
    println!("{} copies {spacing} steps apart, estimates (KB): {estimates:?}", copies.len());
    let before = LIVE.load(Ordering::Relaxed);
    let mut sums: Vec<(&str, usize)> = Vec::new();
    for c in copies {
        for (name, bytes) in c.drop_measured(&|| LIVE.load(Ordering::Relaxed)) {
            match sums.iter_mut().find(|s| s.0 == name) {
                Some(s) => s.1 += bytes,
                None => sums.push((name, bytes)),
            }
        }
    }
    println!("  parts, all copies: {sums:?}");
    println!("  dropping all frees {:.1} MB", (before - LIVE.load(Ordering::Relaxed)) as f64 / 1e6);
}
