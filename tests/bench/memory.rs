//! `./build.sh bench` (native part): memory of the increment workload of record per increment,
//! at growing sizes. Run: `cargo bench --bench memory` (`-- --all` adds 10,000,000 increments,
//! which needs about 20 GB while the history is unbounded).
//!
//! Counts every allocation made by the run (a counting global allocator): bytes still held by
//! the finished simulation, divided by the increments, with the event log on and off (the
//! difference is the event log's share; the rest is the client history, the oracles and the
//! acceptors' registers).

use caspaxos_playground::sim::workload::IncrementWorkload;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() {
    let mut sizes = vec![10_000, 100_000, 1_000_000];
    if std::env::args().any(|a| a == "--all") {
        sizes.push(10_000_000);
    }
    println!("memory per increment, workload of record (3 acceptors, 3 proposers, 10 keys, 30 clients)");
    for increments in sizes {
        // The page's clusters run the safety oracles (`checkInvariants` defaults to on): the last
        // variant shows what they hold.
        for (log_events, check_invariants) in [(true, false), (false, false), (false, true)] {
            let before = LIVE.load(Ordering::Relaxed);
            PEAK.store(before, Ordering::Relaxed);
            let w = IncrementWorkload { increments, log_events, check_invariants, ..IncrementWorkload::default() };
            let sim = w.start();
            let r = IncrementWorkload::finish(&sim);
            let held = LIVE.load(Ordering::Relaxed) - before;
            let peak = PEAK.load(Ordering::Relaxed) - before;
            drop(sim);
            assert_eq!(r.stats.ok as usize, increments, "every increment ended ok");
            println!(
                "native {increments:>9} increments, event log {:<3}, oracles {:<3}  held {:>7.0} B/increment  peak {:>7.0} B/increment  ({} events)",
                if log_events { "on" } else { "off" },
                if check_invariants { "on" } else { "off" },
                held as f64 / increments as f64,
                peak as f64 / increments as f64,
                r.events,
            );
        }
    }
}
