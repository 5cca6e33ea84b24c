//! `./build.sh bench` (native part): memory per increment at growing sizes. Run:
//! `cargo bench --bench memory` (`-- --all` adds 10,000,000 increments; `-- --runs N` repeats
//! each row N times and prints min / median / max; `-- --size N` runs N increments alone;
//! `-- --only TEXT` runs the rows whose label contains TEXT, e.g. under callgrind).
//!
//! Counts every allocation made by the run (a counting global allocator): bytes still held by
//! the finished run, the peak while it ran, and the allocations made (calls), divided by the
//! increments. Rows:
//! - the increment workload of record (3 acceptors, 3 proposers, 10 keys, 30 client loops) on a
//!   bare simulation, event log off, with and without the safety oracles;
//! - the same with the whole event log kept (what a cluster did before issue 9's window; skipped
//!   at 10 M, which would need about 15 GB);
//! - a page's cluster: a recording (checkpoints for seeking, the event log's window of
//!   `EVENT_WINDOW` events, older ones regenerated on demand, the safety oracles on) running
//!   30 workers on 10 keys (3 per key, through different proposers: contended) through recorded
//!   `runWorkers` actions, 30,000 increments a round; and the same keeping every event;
//! - a page's cluster driven the other way, one recorded action per increment (a JS client's
//!   loop of `increment` calls): its memory grows with the tape by what one action costs.
//!
//! `-- --puts N` measures values instead (issue 9, outside tester 20b): N puts of each shape of
//! `value_shapes.rs` on 8 keys, `runUntilIdle` every 50, as tests/web_memory_objects.rs does in
//! wasm: bytes held per put as it goes, the time per put, and what holds them (the recording
//! dropped part by part: a part frees what nothing dropped before it shared).

mod page_cluster;
mod value_shapes;

use caspaxos_playground::session::{Recording, Start, UserAction};
use caspaxos_playground::sim::workload::IncrementWorkload;
use caspaxos_playground::sim::SimConfig;
use std::sync::atomic::Ordering;
use std::time::Instant;

mod counting_alloc;
use counting_alloc::{ALLOCATIONS, LIVE, PEAK};

/// What one run measured.
struct Measured {
    held: f64,
    peak: f64,
    events: usize,
    per_sec: f64,
    allocations: f64,
}

/// Runs `run` (which returns what it built, for measuring before it is dropped, and its events).
fn measure<T>(increments: usize, run: impl FnOnce() -> (T, usize)) -> Measured {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let allocations_before = ALLOCATIONS.load(Ordering::Relaxed);
    let started = Instant::now();
    let (built, events) = run();
    let secs = started.elapsed().as_secs_f64();
    let held = LIVE.load(Ordering::Relaxed) - before;
    let peak = PEAK.load(Ordering::Relaxed) - before;
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - allocations_before;
    drop(built);
    let per = |b: usize| b as f64 / increments as f64;
    Measured {
        held: per(held),
        peak: per(peak),
        events,
        per_sec: increments as f64 / secs,
        allocations: per(allocations),
    }
}

fn workload(increments: usize, log_events: bool, check_invariants: bool) -> Measured {
    measure(increments, || {
        let w = IncrementWorkload { increments, log_events, check_invariants, ..IncrementWorkload::default() };
        let sim = w.start();
        let r = IncrementWorkload::finish(&sim);
        assert_eq!(r.stats.ok as usize, increments, "every increment ended ok");
        (sim, r.events)
    })
}

/// The page's cluster ([`page_cluster::run_page_cluster`]), `window`: false keeps every event.
fn page_cluster(increments: usize, window: bool) -> Measured {
    measure(page_cluster::page_increments(increments), || page_cluster::run_page_cluster(increments, window))
}

fn median_row(label: &str, increments: usize, runs: &[Measured]) {
    let stat = |f: fn(&Measured) -> f64| {
        let mut v: Vec<f64> = runs.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        format!("{:.0} / {:.0} / {:.0}", v[0], v[v.len() / 2], v[v.len() - 1])
    };
    println!(
        "native {increments:>10} increments, {label:<36} held {} B/increment  peak {} B/increment  {:.1} allocations/increment  ({} events, {} increments/s)",
        stat(|m| m.held),
        stat(|m| m.peak),
        runs[0].allocations,
        runs[0].events,
        stat(|m| m.per_sec),
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(puts) = args.iter().position(|a| a == "--puts").and_then(|i| args.get(i + 1)?.parse().ok()) {
        let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).cloned().unwrap_or_default();
        for (name, text) in value_shapes::SHAPES.iter().filter(|s| s.0.contains(only.as_str())) {
            measure_puts(name, *text, puts);
        }
        return;
    }
    let mut sizes = vec![10_000, 100_000, 1_000_000];
    if args.iter().any(|a| a == "--all") {
        sizes.push(10_000_000);
    }
    if let Some(size) = args.iter().position(|a| a == "--size").and_then(|i| args.get(i + 1)?.parse().ok()) {
        sizes = vec![size];
    }
    let runs = args.iter().position(|a| a == "--runs").and_then(|i| args.get(i + 1)?.parse().ok()).unwrap_or(1);
    let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).cloned().unwrap_or_default();
    println!("memory per increment (min / median / max of {runs} runs)");
    for increments in sizes {
        type Row = (&'static str, fn(usize) -> Measured);
        let rows: [Row; 7] = [
            ("bare, event log off, oracles off", |n| workload(n, false, false)),
            ("bare, event log off, oracles on", |n| workload(n, false, true)),
            ("bare, whole event log kept", |n| workload(n, true, false)),
            ("page cluster, whole event log kept", |n| page_cluster(n, false)),
            ("page cluster, event log window", |n| page_cluster(n, true)),
            ("page cluster, an action per increment", |n| measure(n, || run_action_per_increment(n))),
            ("page cluster, change fn, then calls", |n| measure(n, || run_unreplayable_calls(n))),
        ];
        for (label, run) in rows {
            if !label.contains(only.as_str()) || increments >= 10_000_000 && label.ends_with("whole event log kept") {
                continue;
            }
            let measured: Vec<Measured> = (0..runs).map(|_| run(increments)).collect();
            median_row(label, increments, &measured);
        }
    }
}

/// The other way a page's cluster grows: one recorded action per increment, as a JS client that
/// calls `increment` in a loop makes (10 keys in turn, through p1, 50 virtual ms run after every
/// 10 of them: the cluster keeps up, nothing piles up); returns the recording and its event
/// count. Its memory grows with the tape (the actions are the truth) by what one action costs.
fn run_action_per_increment(increments: usize) -> (Recording, usize) {
    let config = SimConfig { acceptors: 3, proposers: 2, seed: 1, ..SimConfig::default() };
    let rec = Recording::new(Start::Config(config)).expect("a valid configuration");
    calls(&rec, increments);
    let events = rec.sim().event_count();
    (rec, events)
}

/// The same after a `change` that cannot be recorded (a function): the run cannot be replayed,
/// records no more actions, and folds its events into the hash as its window lets them go.
fn run_unreplayable_calls(increments: usize) -> (Recording, usize) {
    let config = SimConfig { acceptors: 3, proposers: 2, seed: 1, ..SimConfig::default() };
    let rec = Recording::new(Start::Config(config)).expect("a valid configuration");
    rec.invoke_unrecorded(1, "k0", caspaxos_playground::ops::Op::Get);
    calls(&rec, increments);
    assert!(!rec.replayable());
    let events = rec.sim().event_count();
    (rec, events)
}

/// `increments` recorded `increment` actions (10 keys in turn, through p1, 50 virtual ms run
/// after every 10), then run to idle.
fn calls(rec: &Recording, increments: usize) {
    for i in 1..=increments {
        let action = UserAction::Invoke {
            proposer: 1,
            key: format!("k{}", i % 10),
            name: "increment".into(),
            input: serde_json::Value::Null,
        };
        rec.act(action).expect("a valid increment");
        if i % 10 == 0 {
            rec.run_for(50).expect("a recorded run");
        }
    }
    rec.run_until_idle(u64::MAX).expect("a recorded run");
}

/// `puts` puts of `text(i)` on 8 keys (through p1, `runUntilIdle` every 50), the run's memory
/// printed every quarter and then part by part (see the module's doc).
fn measure_puts(name: &str, text: fn(u32) -> String, puts: u32) {
    let live = || LIVE.load(Ordering::Relaxed);
    let before = live();
    let value = |i| serde_json::from_str::<serde_json::Value>(&text(i)).expect("JSON");
    let json_bytes = text(0).len();
    let config = SimConfig { acceptors: 3, proposers: 2, seed: 4, ..SimConfig::default() };
    let rec = Recording::new(Start::Config(config)).expect("a valid configuration");
    let started = Instant::now();
    let mut curve = Vec::new();
    for i in 0..puts {
        let put = UserAction::Invoke { proposer: 1, key: format!("k{}", i % 8), name: "put".into(), input: value(i) };
        rec.act(put).expect("a valid put");
        if i % 50 == 49 {
            rec.run_until_idle(u64::MAX).expect("a recorded run");
        }
        if (i + 1) % (puts / 4).max(1) == 0 {
            curve.push(format!("{}: {:.0} KB/put", i + 1, (live() - before) as f64 / f64::from(i + 1) / 1024.0));
        }
    }
    rec.run_until_idle(u64::MAX).expect("a recorded run");
    let secs = started.elapsed().as_secs_f64();
    let held = live() - before;
    println!(
        "{name} ({json_bytes} B of JSON): {puts} puts, held {:.1} MB ({:.0} KB/put; {}), {:.2} ms/put, replayable: {}",
        held as f64 / 1048576.0,
        held as f64 / f64::from(puts) / 1024.0,
        curve.join(", "),
        secs * 1e3 / f64::from(puts),
        rec.replayable()
    );
    for (part, bytes) in rec.drop_measured(&live) {
        if bytes > 0 {
            println!(
                "    {part:<28} {:>10.1} MB  {:>7.0} KB/put",
                bytes as f64 / 1048576.0,
                bytes as f64 / f64::from(puts) / 1024.0
            );
        }
    }
}
