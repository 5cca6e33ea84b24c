// The oracle of the timeline store's rewind (seek.test.mjs, served under /test-pages/): what a
// store knows at a point, compared with a fresh ingest of the same run's events up to there; and
// a varied run to seek in (faults, losses, duplicates, leases, deletes, collections).
import { TimelineStore } from "/timeline-store.js";
import { CHANNELS, BUCKETS } from "/timeline-histogram.js";
import { fetchEvents } from "/timeline-rewind.js";

/** A seeded generator of floats in [0, 1) (mulberry32). */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The lanes of a cluster, as the page orders them. */
export function lanesOf(c) {
  const st = c.state();
  return [...st.proposers.map((p) => p.id), ...st.acceptors.map((a) => a.id)];
}

/** A fresh store of all of `c`'s events. */
export function freshStore(c) {
  const s = new TimelineStore(lanesOf(c), c);
  s.ingest(fetchEvents(c, 0, c.eventCount));
  return s;
}

/** A run of `rounds` rounds of random client operations and faults, all through the API. */
export function variedRun(Cluster, seed, rounds) {
  const rnd = random(seed);
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const c = new Cluster({ acceptors: 3, proposers: 3, seed, autoAdvance: false, leases: { duration: 40 }, latency: { min: 1, max: 12 } });
  c.setDropRate(0.05);
  c.setDuplicateRate(0.05);
  const quiet = (p) => p?.catch?.(() => {});
  const nodes = ["a1", "a2", "a3", "p1", "p2", "p3"];
  for (let r = 0; r < rounds; r++) {
    const key = `k${Math.floor(rnd() * 5)}`;
    const proposer = pick(["p1", "p2", "p3"]);
    const x = rnd();
    try {
      if (x < 0.4) quiet(c.increment(key, { proposer }));
      else if (x < 0.55) quiet(c.read(key, { proposer }));
      else if (x < 0.65) quiet(c.put(key, r, { proposer }));
      else if (x < 0.7) quiet(c.delete(key, { proposer }));
      else if (x < 0.72) quiet(c.gc({ proposer }));
      else if (x < 0.75) c.crash(pick(nodes));
      else if (x < 0.8) c.restart(pick(nodes));
      else if (x < 0.81) c.wipe(pick(["a1", "a2", "a3"]));
      else if (x < 0.83) c.partition([["a1", "p1"], ["a2", "a3", "p2", "p3"]]);
      else if (x < 0.86) c.heal();
    } catch {
      // A fault that does not apply now (restarting a node that is up): nothing recorded.
    }
    c.runFor(Math.floor(rnd() * 8));
  }
  for (const n of nodes) {
    try {
      c.restart(n);
    } catch {
      // already up
    }
  }
  c.heal();
  c.runUntilIdle();
  return c;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const setOf = (xs) => [...xs].sort((a, b) => a - b);

/** The differences between store `got` (rewound) and `want` (a fresh ingest of the same events),
 * as text; [] when `got` knows the same. The histogram may be coarser in `got` (buckets only
 * merge): `want`'s is merged to `got`'s width first. `maxFlight` and `maxOpMs` may be larger.
 * `tail: false`: `got` keeps no tail of objects (it ingested columns). */
export function compareStores(got, want, { tail = true } = {}) {
  const out = [];
  const diff = (what, a, b) => {
    if (!same(a, b)) out.push(`${what}: ${JSON.stringify(a)?.slice(0, 200)} vs ${JSON.stringify(b)?.slice(0, 200)}`);
  };
  diff("events", got.events, want.events);
  diff("lastAt", got.lastAt, want.lastAt);
  if (got.maxFlight < want.maxFlight) out.push(`maxFlight ${got.maxFlight} < ${want.maxFlight}`);
  if (got.maxOpMs < want.maxOpMs) out.push(`maxOpMs ${got.maxOpMs} < ${want.maxOpMs}`);
  diff("opCount", got.opCount, want.opCount);
  for (let id = 0; id < Math.max(got.opCount, want.opCount); id++) {
    diff(`op ${id}`, got.op(id), want.op(id));
    diff(`op ${id} seqs`, [got.opInvokeSeq.data[id], got.opReturnSeq.data[id]], [want.opInvokeSeq.data[id], want.opReturnSeq.data[id]]);
  }
  diff("open", setOf(got.open), setOf(want.open));
  for (const lane of new Set([...got.slots.keys(), ...want.slots.keys()])) {
    const held = (s) => (s.slots.get(lane) ?? []).flatMap((h, i) => (h ? [i] : []));
    diff(`slots held on lane ${lane}`, held(got), held(want));
  }
  const sends = (s) => [...s.sends].sort((a, b) => a[0] - b[0]);
  diff("messages in flight", sends(got), sends(want));
  const intervals = (xs) => xs.map((x) => ({ ...x, nodes: x.nodes ? [...x.nodes].sort() : undefined }));
  for (const k of ["down", "partitions", "wipes", "collections", "leases"]) diff(k, intervals(got[k]), intervals(want[k]));
  const answers = (s) => [...s.seenBy].map(([n, keys]) => [n, [...keys]]).sort();
  diff("acceptors' last answers", answers(got), answers(want));
  compareHistograms(got.hist, want.hist, out);
  const last = got.tail.at(-1);
  if (tail && got.events > 0 && last?.seq !== got.events - 1) out.push(`the tail ends at ${last?.seq}, not ${got.events - 1}`);
  return out;
}

function compareHistograms(got, want, out) {
  const f = got.bucketMs / want.bucketMs;
  if (!(f >= 1 && Number.isInteger(Math.log2(f)))) return out.push(`bucket width ${got.bucketMs} vs ${want.bucketMs}`);
  for (let row = 0; row < got.lanes * CHANNELS; row++) {
    for (let b = 0; b < BUCKETS; b++) {
      let w = 0;
      for (let i = b * f; i < Math.min(BUCKETS, (b + 1) * f); i++) w += want.counts[row * BUCKETS + i];
      const g = got.counts[row * BUCKETS + b];
      if (g !== w) return out.push(`histogram lane ${Math.floor(row / CHANNELS)} channel ${row % CHANNELS} bucket ${b}: ${g} vs ${w}`);
    }
  }
  for (let b = 0; b < BUCKETS; b++) {
    let w = -1;
    for (let i = b * f; i < Math.min(BUCKETS, (b + 1) * f) && w < 0; i++) w = want.firstSeq[i];
    if (got.firstSeq[b] !== w) return out.push(`histogram first seq of bucket ${b}: ${got.firstSeq[b]} vs ${w}`);
  }
}
