//! Run metrics in bounded memory: latency histograms per operation kind and a time series over
//! virtual time (operations ended, conflicts, retries, messages, latency), whatever the length
//! of the run. The series has at most [`SERIES_BUCKETS`] buckets: when the run outgrows them,
//! neighbouring buckets merge and the bucket width doubles, so memory and the cost of reading
//! the metrics stay constant and recording stays O(1) amortized.

use crate::json_object::object;
use serde_json::Value as Json;

/// Buckets of the time series; the width starts at [`FIRST_BUCKET_MS`] and doubles as needed.
pub const SERIES_BUCKETS: usize = 60;
/// Width of a series bucket before the first merge, virtual ms.
pub const FIRST_BUCKET_MS: u64 = 100;
/// Latencies below `2^EXACT_BITS` ms have a histogram bucket of their own.
const EXACT_BITS: u32 = 4;
const EXACT_BELOW: u64 = 1 << EXACT_BITS;
/// Sub-buckets per power of two above [`EXACT_BELOW`] (relative error at most 1/4).
const SUBS_PER_OCTAVE: u64 = 4;
/// Octaves above [`EXACT_BELOW`] the histogram resolves; longer latencies share the last bucket.
const OCTAVES: u64 = 20;
/// Buckets of a latency histogram.
const LATENCY_BUCKETS: usize = (EXACT_BELOW + SUBS_PER_OCTAVE * OCTAVES) as usize;

/// A latency histogram with log-linear buckets: exact below 16 ms, then four buckets per power
/// of two. A percentile is reported as its bucket's upper bound, capped at the maximum seen.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Latencies {
    counts: Vec<u32>,
    total: u64,
    max: u64,
}

fn bucket_of(ms: u64) -> usize {
    if ms < EXACT_BELOW {
        return ms as usize;
    }
    let log2 = 63 - ms.leading_zeros();
    let octave = u64::from(log2 - EXACT_BITS);
    let sub = (ms >> (log2 - SUBS_PER_OCTAVE.trailing_zeros())) & (SUBS_PER_OCTAVE - 1);
    ((EXACT_BELOW + octave * SUBS_PER_OCTAVE + sub) as usize).min(LATENCY_BUCKETS - 1)
}

/// The largest latency that falls in `bucket`.
fn bucket_upper(bucket: usize) -> u64 {
    let b = bucket as u64;
    if b < EXACT_BELOW {
        return b;
    }
    let (octave, sub) = ((b - EXACT_BELOW) / SUBS_PER_OCTAVE, (b - EXACT_BELOW) % SUBS_PER_OCTAVE);
    let low = EXACT_BELOW << octave;
    let width = low / SUBS_PER_OCTAVE;
    low + (sub + 1) * width - 1
}

impl Latencies {
    pub fn record(&mut self, ms: u64) {
        if self.counts.is_empty() {
            self.counts = vec![0; LATENCY_BUCKETS];
        }
        let bucket = bucket_of(ms);
        self.counts[bucket] = self.counts[bucket].saturating_add(1);
        self.total += 1;
        self.max = self.max.max(ms);
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    pub fn max(&self) -> u64 {
        self.max
    }

    /// The latency `q` (0..=1) of the recorded ones are at or below; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        // No `{q}` in the message: formatting an f64 would pull core's float printing into the wasm.
        assert!((0.0..=1.0).contains(&q), "a quantile is in 0..=1");
        if self.total == 0 {
            return None;
        }
        let rank = ((q * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0u64;
        for (bucket, &n) in self.counts.iter().enumerate() {
            seen += u64::from(n);
            if seen >= rank {
                let last = bucket == LATENCY_BUCKETS - 1;
                return Some(if last { self.max } else { bucket_upper(bucket).min(self.max) });
            }
        }
        unreachable!("the counts add up to the total")
    }

    fn merge(&mut self, other: &Latencies) {
        if other.total == 0 {
            return;
        }
        if self.counts.is_empty() {
            self.counts = vec![0; LATENCY_BUCKETS];
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a = a.saturating_add(*b);
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
    }

    fn to_json(&self) -> Json {
        object! {
            "count": self.total,
            "p50": self.quantile(0.5),
            "p90": self.quantile(0.9),
            "p99": self.quantile(0.99),
            "max": (self.total > 0).then_some(self.max),
        }
    }
}

/// What happened within one bucket of virtual time.
#[derive(Clone, Debug, Default, PartialEq)]
struct Bucket {
    /// Operations that ended (any outcome), and of them those that ended ok.
    ended: u64,
    ok: u64,
    conflicts: u64,
    retries: u64,
    messages: u64,
    latency: Latencies,
}

impl Bucket {
    fn merge(&mut self, other: &Bucket) {
        self.ended += other.ended;
        self.ok += other.ok;
        self.conflicts += other.conflicts;
        self.retries += other.retries;
        self.messages += other.messages;
        self.latency.merge(&other.latency);
    }
}

/// The metrics of a run (part of the world: a checkpoint copies them).
#[derive(Clone, Debug)]
pub struct Metrics {
    /// Latencies per operation kind, in the order the kinds first ended.
    kinds: Vec<(&'static str, Latencies)>,
    bucket_ms: u64,
    series: Vec<Bucket>,
    /// The bucket found last and the virtual times it covers (a cache: most records fall in the
    /// bucket of the one before, found without a division; empty until the first record).
    last: (usize, std::ops::Range<u64>),
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics { kinds: Vec::new(), bucket_ms: FIRST_BUCKET_MS, series: Vec::new(), last: (0, 0..0) }
    }
}

/// Equal metrics record the same things, whichever bucket each found last.
impl PartialEq for Metrics {
    fn eq(&self, other: &Metrics) -> bool {
        (self.kinds == other.kinds) && self.bucket_ms == other.bucket_ms && self.series == other.series
    }
}

impl Metrics {
    /// The bucket for virtual time `at` (the last one found, when `at` falls in it).
    #[inline]
    fn bucket(&mut self, at: u64) -> &mut Bucket {
        if !self.last.1.contains(&at) {
            self.find_bucket(at);
        }
        &mut self.series[self.last.0]
    }

    /// Finds the bucket for `at`, merging buckets until the run fits, and remembers it.
    #[cold]
    #[inline(never)]
    fn find_bucket(&mut self, at: u64) {
        while at / self.bucket_ms >= SERIES_BUCKETS as u64 {
            self.halve_resolution();
        }
        let index = (at / self.bucket_ms) as usize;
        if self.series.len() <= index {
            self.series.resize_with(index + 1, Bucket::default);
        }
        let start = index as u64 * self.bucket_ms;
        self.last = (index, start..start + self.bucket_ms);
    }

    fn halve_resolution(&mut self) {
        let merged = self
            .series
            .chunks(2)
            .map(|pair| {
                let mut b = pair[0].clone();
                if let Some(second) = pair.get(1) {
                    b.merge(second);
                }
                b
            })
            .collect();
        self.series = merged;
        self.bucket_ms *= 2;
    }

    /// An operation of kind `op` invoked at `invoke_at` ended at `at`.
    pub fn ended(&mut self, op: &'static str, invoke_at: u64, at: u64, ok: bool) {
        let latency = at.checked_sub(invoke_at).expect("an operation ends after its invocation");
        let bucket = self.bucket(at);
        bucket.ended += 1;
        bucket.ok += u64::from(ok);
        bucket.latency.record(latency);
        match self.kinds.iter_mut().find(|(k, _)| *k == op) {
            Some((_, l)) => l.record(latency),
            None => {
                let mut l = Latencies::default();
                l.record(latency);
                self.kinds.push((op, l));
            }
        }
    }

    pub fn conflict(&mut self, at: u64) {
        self.bucket(at).conflicts += 1;
    }

    pub fn retry(&mut self, at: u64) {
        self.bucket(at).retries += 1;
    }

    pub fn message(&mut self, at: u64) {
        self.bucket(at).messages += 1;
    }

    /// Latencies of the operations of kind `op` that ended.
    pub fn latencies(&self, op: &str) -> Option<&Latencies> {
        self.kinds.iter().find(|(k, _)| *k == op).map(|(_, l)| l)
    }

    pub fn bucket_ms(&self) -> u64 {
        self.bucket_ms
    }

    /// The contract's shape (`Cluster.metrics()`): per kind `{ count, p50, p90, p99, max }`, and
    /// the series, one entry per bucket from time 0 to `now`.
    pub fn to_json(&self, now: u64) -> Json {
        let kinds: serde_json::Map<String, Json> =
            self.kinds.iter().map(|(k, l)| ((*k).to_owned(), l.to_json())).collect();
        let buckets = if self.series.is_empty() && now == 0 { 0 } else { (now / self.bucket_ms + 1) as usize };
        let empty = Bucket::default();
        let series: Vec<Json> = (0..buckets.min(SERIES_BUCKETS))
            .map(|i| {
                let b = self.series.get(i).unwrap_or(&empty);
                let per_op = if b.ended == 0 { None } else { Some(b.messages as f64 / b.ended as f64) };
                object! {
                    "at": i as u64 * self.bucket_ms,
                    "ended": b.ended,
                    "ok": b.ok,
                    "throughput": b.ended as f64 * 1000.0 / self.bucket_ms as f64,
                    "conflicts": b.conflicts,
                    "retries": b.retries,
                    "messages": b.messages,
                    "messagesPerOperation": per_op,
                    "p50": b.latency.quantile(0.5),
                    "p90": b.latency.quantile(0.9),
                    "p99": b.latency.quantile(0.99),
                }
            })
            .collect();
        object! { "now": now, "bucketMs": self.bucket_ms, "kinds": kinds, "series": series }
    }
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;
