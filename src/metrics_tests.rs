use super::*;
use crate::sim::Rng;

#[test]
fn every_latency_falls_in_a_bucket_whose_upper_bound_is_within_a_quarter() {
    for ms in 0..200_000u64 {
        let b = bucket_of(ms);
        let upper = bucket_upper(b);
        assert!(upper >= ms, "{ms} ms is above its bucket's upper bound {upper}");
        assert!(upper as f64 <= ms as f64 * 1.25, "{ms} ms reported as {upper}: more than 25% off");
        assert_eq!(bucket_of(upper), b, "the upper bound of bucket {b} lies in it");
    }
}

/// The exact `q` quantile (nearest rank) of `values`.
fn exact_quantile(values: &mut [u64], q: f64) -> u64 {
    values.sort_unstable();
    let rank = ((q * values.len() as f64).ceil() as usize).max(1);
    values[rank - 1]
}

/// Whether the histogram's quantiles bound the exact ones within a quarter.
fn quantiles_agree(h: &Latencies, values: &mut [u64]) -> Result<(), String> {
    for q in [0.5, 0.9, 0.99, 1.0] {
        let (exact, got) = (exact_quantile(values, q), h.quantile(q).unwrap());
        if got < exact || got as f64 > exact as f64 * 1.25 {
            return Err(format!("q {q}: exact {exact}, histogram {got}"));
        }
    }
    Ok(())
}

#[test]
fn quantiles_bound_the_exact_ones_within_a_quarter() {
    for seed in 0..50 {
        let mut rng = Rng::new(seed);
        let mut h = Latencies::default();
        let spread = 1 + rng.below(5_000);
        let mut values: Vec<u64> = (0..1 + rng.below(500)).map(|_| rng.below(spread)).collect();
        for &v in &values {
            h.record(v);
        }
        quantiles_agree(&h, &mut values).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert_eq!(h.count(), values.len() as u64);
        assert_eq!(h.max(), *values.iter().max().unwrap());
    }
}

#[test]
fn negative_control_the_quantile_comparison_catches_a_histogram_of_other_values() {
    let mut h = Latencies::default();
    let mut values: Vec<u64> = (0..100).collect();
    for &v in &values {
        h.record(v + 40); // every latency recorded 40 ms too long
    }
    let err = quantiles_agree(&h, &mut values).unwrap_err();
    assert!(err.starts_with("q 0.5: exact 49, histogram "), "{err}");
}

#[test]
fn an_empty_histogram_has_no_quantiles() {
    let h = Latencies::default();
    assert_eq!(h.quantile(0.5), None);
    assert_eq!(h.to_json()["p99"], Json::Null);
}

#[test]
fn a_latency_past_the_last_octave_reports_its_maximum() {
    let mut h = Latencies::default();
    h.record(u64::MAX / 2);
    assert_eq!(h.quantile(0.99), Some(u64::MAX / 2));
}

#[test]
fn the_series_stays_bounded_and_keeps_every_count_on_a_long_run() {
    let mut m = Metrics::default();
    let (mut ended, mut messages) = (0u64, 0u64);
    let mut at = 0u64;
    while at < 50_000_000 {
        m.message(at);
        messages += 1;
        if at % 3 == 0 {
            m.ended("increment", at.saturating_sub(20), at, true);
            ended += 1;
        }
        at += 997;
    }
    assert!(m.series.len() <= SERIES_BUCKETS, "{} buckets", m.series.len());
    assert!(m.bucket_ms() > FIRST_BUCKET_MS, "buckets merged as the run grew");
    assert_eq!(m.series.iter().map(|b| b.ended).sum::<u64>(), ended);
    assert_eq!(m.series.iter().map(|b| b.messages).sum::<u64>(), messages);
    assert_eq!(m.latencies("increment").unwrap().count(), ended);
    let json = m.to_json(at);
    assert!(json["series"].as_array().unwrap().len() <= SERIES_BUCKETS);
}

#[test]
fn a_bucket_holds_what_happened_in_its_interval() {
    let mut m = Metrics::default();
    m.ended("get", 0, 30, true);
    m.ended("put", 100, 250, false);
    m.conflict(250);
    m.retry(260);
    m.message(5);
    let json = m.to_json(250);
    let series = json["series"].as_array().unwrap();
    assert_eq!(series.len(), 3, "buckets 0..100, 100..200, 200..300 up to now");
    assert_eq!(series[0]["ended"], 1);
    assert_eq!(series[0]["messages"], 1);
    assert_eq!(series[0]["messagesPerOperation"], 1.0);
    assert_eq!(series[0]["throughput"], 10.0, "one operation in 100 ms is 10 per second");
    assert_eq!(series[1]["ended"], 0);
    assert_eq!(series[1]["p50"], Json::Null);
    assert_eq!(series[2]["ok"], 0);
    assert_eq!(series[2]["conflicts"], 1);
    assert_eq!(series[2]["retries"], 1);
    assert_eq!(series[2]["p50"], 150);
    assert_eq!(json["kinds"]["get"]["p99"], 30);
    assert_eq!(json["kinds"]["put"]["count"], 1);
}

/// The series' sums against the run's own counters.
fn series_matches_stats(m: &Metrics, s: &crate::sim::Stats) -> Result<(), String> {
    let sum = |f: fn(&Bucket) -> u64| m.series.iter().map(f).sum::<u64>();
    let pairs = [
        ("ended", sum(|b| b.ended), s.ok + s.failed + s.unknown),
        ("ok", sum(|b| b.ok), s.ok),
        ("messages", sum(|b| b.messages), s.messages),
        ("conflicts", sum(|b| b.conflicts), s.conflicts),
        ("retries", sum(|b| b.retries), s.retries),
    ];
    match pairs.iter().find(|(_, got, want)| got != want) {
        Some((name, got, want)) => Err(format!("{name}: metrics {got}, stats {want}")),
        None => Ok(()),
    }
}

#[test]
fn the_metrics_of_fault_runs_add_up_to_the_runs_counters() {
    use crate::sim::fuzz::{FuzzOptions, FuzzRun};
    for seed in 0..40 {
        let run = FuzzRun::new(&FuzzOptions::new(seed)).unwrap();
        run.sim.run_until_idle(1_000_000);
        let (m, s) = (run.sim.metrics().clone(), run.sim.stats());
        series_matches_stats(&m, &s).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let per_kind: u64 = m.kinds.iter().map(|(_, l)| l.count()).sum();
        assert_eq!(per_kind, s.ok + s.failed + s.unknown, "seed {seed}");
        assert!(s.conflicts + s.retries > 0 || seed != 0, "seed 0 has contention to count");
        // Negative control: one message more than the run sent is caught and named.
        let mut more = s.clone();
        more.messages += 1;
        let err = series_matches_stats(&m, &more).unwrap_err();
        assert!(err.starts_with("messages: "), "{err}");
    }
}

/// The first bucket whose messages are not those of `times` in its interval (by division).
fn misplaced(m: &Metrics, times: &[u64]) -> Option<usize> {
    (0..SERIES_BUCKETS).find(|&i| {
        let want = times.iter().filter(|&&t| t / m.bucket_ms == i as u64).count() as u64;
        m.series.get(i).map_or(0, |b| b.messages) != want
    })
}

#[test]
fn the_bucket_found_last_is_reused_only_for_times_within_it() {
    for seed in 0..50 {
        let mut rng = Rng::new(seed);
        let mut m = Metrics::default();
        let (mut at, mut times) = (0u64, Vec::new());
        for _ in 0..2_000 {
            // Mostly forward in small steps (a run's clock), now and then back: the cache must
            // not assume a clock that only moves forward.
            at = if rng.below(20) == 0 { at - at.min(rng.below(500)) } else { at + rng.below(40) };
            m.message(at);
            times.push(at);
        }
        assert!(m.bucket_ms() > FIRST_BUCKET_MS, "seed {seed}: the run merged buckets");
        assert_eq!(misplaced(&m, &times), None, "seed {seed}");
        // Negative control: a cache that names another bucket for the time recorded puts the
        // message there, and the check names the first bucket that is off.
        let mut stale = m.clone();
        let index = (at / stale.bucket_ms) as usize;
        let wrong = if index == 0 { 1 } else { index - 1 };
        stale.series.resize_with(stale.series.len().max(wrong + 1), Bucket::default);
        stale.last = (wrong, at..at + 1);
        stale.message(at);
        let mut more = times.clone();
        more.push(at);
        assert_eq!(misplaced(&stale, &more), Some(index.min(wrong)), "seed {seed}");
    }
}
