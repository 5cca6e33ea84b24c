// A density histogram of a run in fixed memory: per lane, per channel (what is counted: messages
// sent, received, lost; operations by outcome) and time bucket, a count. There are BUCKETS buckets;
// when the run outgrows them, neighbours merge and buckets double in width. Per bucket it also
// keeps the seq of the first event in it, so a time window maps to a range of event seqs.
//
// A frame reads the same aggregates again with a few more events counted (playing, new events
// land in the last buckets): sums come from per-lane prefix sums rebuilt only from the earliest
// bucket counted since, and a density or outcome strip is cached per view and redrawn only from
// the earliest pixel column whose buckets were counted since (each bucket's `stamp` says when).

export const BUCKETS = 8192;
export const OUTCOMES = ["pending", "ok", "failed", "unknown"];
const WORST_FIRST = [2, 3, 1]; // OUTCOMES indexes: failed, unknown, ok (pending is least)
/** What is counted: messages a lane sent, received and lost; operations it finished, by outcome. */
export const SENT = 0;
export const RECEIVED = 1;
export const LOST = 2;
export const outcomeChannel = (o) => LOST + o; // o: an OUTCOMES index ≥ 1
export const CHANNELS = outcomeChannel(OUTCOMES.length - 1) + 1;

export class DensityHistogram {
  constructor(lanes) {
    this.lanes = lanes;
    this.channels = CHANNELS;
    this.bucketMs = 1;
    this.counts = new Uint32Array(lanes * CHANNELS * BUCKETS);
    this.firstSeq = new Float64Array(BUCKETS).fill(-1);
    this.#forget();
  }

  /** Drops every derived aggregate (the counts changed other than by add()). */
  #forget() {
    if (this.prefix?.length !== this.counts.length) {
      this.prefix = new Float64Array(this.counts.length); // per lane and channel: counts up to bucket b
      this.prefixUpTo = new Int32Array(this.lanes * this.channels); // prefix is right below this bucket
      this.stamp = new Float64Array(BUCKETS); // the write that last counted in bucket b
    }
    this.prefixUpTo.fill(0);
    this.stamp.fill(0);
    this.writes = 0;
    this.generation = (this.generation ?? 0) + 1;
    this.views = new Map(); // cached density and outcome strips (see #cached)
    this.top = this.#lastCounted();
  }

  /** The last bucket with a count in any lane and channel, -1 if none: each row is scanned from
   * its end down to the best found so far (a seek's copy and cut call this; a scan of every count
   * with a division each was a tenth of a seek's page work at 100,000 events). */
  #lastCounted() {
    let top = -1;
    for (let row = 0; row < this.lanes * this.channels; row++) {
      const base = row * BUCKETS;
      for (let b = BUCKETS - 1; b > top; b--) {
        if (this.counts[base + b] > 0) {
          top = b;
          break;
        }
      }
    }
    return top;
  }

  #base(lane, channel) {
    return (lane * this.channels + channel) * BUCKETS;
  }

  /** One more lane, counted from now on (an acceptor a membership change added). */
  addLane() {
    const grown = new Uint32Array((this.lanes + 1) * this.channels * BUCKETS);
    grown.set(this.counts);
    this.counts = grown;
    this.lanes += 1;
    this.#forget();
  }

  /** Event `seq` happened at `at`: widens the buckets until `at` fits, notes the bucket's first seq. */
  seen(at, seq) {
    while (Math.floor(at / this.bucketMs) >= BUCKETS) this.#widen();
    const b = Math.floor(at / this.bucketMs);
    if (this.firstSeq[b] < 0) this.firstSeq[b] = seq;
  }

  /** Counts `n` (default one; -1 takes one back) on `lane`'s `channel` at time `at`. */
  add(lane, channel, at, n = 1) {
    const b = Math.min(BUCKETS - 1, Math.floor(at / this.bucketMs));
    const i = this.#base(lane, channel) + b;
    console.assert(this.counts[i] + n >= 0, "a count taken back was counted");
    this.counts[i] += n;
    const lc = lane * this.channels + channel;
    if (b < this.prefixUpTo[lc]) this.prefixUpTo[lc] = b;
    this.stamp[b] = ++this.writes;
    if (b > this.top) this.top = b;
  }

  /** The same counts as `other` (a histogram of as many lanes). */
  copyFrom(other) {
    this.bucketMs = other.bucketMs;
    this.counts.set(other.counts);
    this.firstSeq.set(other.firstSeq);
    this.#forget();
  }

  /** Forgets the message counts (sent, received, lost) from bucket `b` on, and the events after
   * it: a rewind then counts bucket b's events before its point again. */
  truncateMessages(b) {
    for (let lane = 0; lane < this.lanes; lane++) {
      for (const ch of [SENT, RECEIVED, LOST]) this.counts.fill(0, this.#base(lane, ch) + b, this.#base(lane, ch) + BUCKETS);
    }
    this.firstSeq.fill(-1, b + 1);
    this.#forget();
  }

  /** Halves the resolution: bucket i takes buckets 2i and 2i+1. */
  #widen() {
    for (let l = 0; l < this.lanes * this.channels; l++) {
      const base = l * BUCKETS;
      for (let i = 0; i < BUCKETS / 2; i++) this.counts[base + i] = this.counts[base + 2 * i] + this.counts[base + 2 * i + 1];
      this.counts.fill(0, base + BUCKETS / 2, base + BUCKETS);
    }
    for (let i = 0; i < BUCKETS / 2; i++) {
      const a = this.firstSeq[2 * i];
      this.firstSeq[i] = a >= 0 ? a : this.firstSeq[2 * i + 1];
    }
    this.firstSeq.fill(-1, BUCKETS / 2);
    this.bucketMs *= 2;
    this.#forget();
  }

  /** Buckets overlapping [t0, t1]. */
  bucketRange(t0, t1) {
    return [Math.max(0, Math.floor(t0 / this.bucketMs)), Math.min(BUCKETS - 1, Math.floor(t1 / this.bucketMs))];
  }

  /** Per lane: the counts of `channels` in [t0, t1] (bucket resolution). */
  sum(channels, t0, t1) {
    const [b0, last] = this.bucketRange(t0, t1);
    const b1 = Math.min(last, this.top); // the prefix sums stop at the last bucket counted
    const out = new Array(this.lanes).fill(0);
    if (b1 < b0) return out;
    for (let lane = 0; lane < this.lanes; lane++) {
      for (const ch of channels) {
        const base = this.#prefixTo(lane, ch, b1);
        out[lane] += this.prefix[base + b1] - (b0 > 0 ? this.prefix[base + b0 - 1] : 0);
      }
    }
    return out;
  }

  /** Brings `lane`'s `channel` prefix sums up to bucket `b` (from where they were last right);
   * returns the channel's base index. */
  #prefixTo(lane, channel, b) {
    const base = this.#base(lane, channel);
    const lc = lane * this.channels + channel;
    let from = this.prefixUpTo[lc];
    if (from > b) return base;
    let acc = from > 0 ? this.prefix[base + from - 1] : 0;
    for (; from <= b; from++) this.prefix[base + from] = acc += this.counts[base + from];
    this.prefixUpTo[lc] = b + 1;
    return base;
  }

  /**
   * A strip of the view (t0, msPerPx, columns) cached as `name`: made whole by `make()` then
   * `compute(0, out)` the first time; later, if buckets in view were counted since, a copy of the
   * last (`copy(out)`) recomputed from the earliest pixel column they reach (`compute(c0, out)`).
   * The strip returned is never changed afterwards (a caller may keep it to compare).
   */
  #cached(name, [t0, msPerPx, columns], { make, copy, compute }) {
    const key = `${t0},${msPerPx},${columns},${this.generation}`;
    const last = this.views.get(name);
    let out;
    let c0 = 0;
    if (last?.key === key) {
      const [b0, b1] = this.bucketRange(t0, t0 + columns * msPerPx);
      let b = b0;
      while (b <= b1 && this.stamp[b] <= last.writes) b++;
      if (b > b1) return last.out;
      // The bucket before may share its last column with bucket b (a boundary inside a column).
      c0 = Math.min(columns, Math.max(0, Math.floor(((b - 1) * this.bucketMs - t0) / msPerPx)));
      out = copy(last.out);
    } else out = make();
    compute(c0, out);
    this.views.set(name, { key, writes: this.writes, out });
    return out;
  }

  /** The first bucket that can reach pixel column `c0` of a view from `t0` (one early: rounding). */
  #firstBucketOf(t0, msPerPx, c0, b0) {
    return Math.max(b0, Math.floor((t0 + c0 * msPerPx) / this.bucketMs) - 1);
  }

  /**
   * Per lane, per pixel column: messages sent, received and lost between t0 and t0 + columns ×
   * msPerPx. Returns { traffic: Float32Array(lanes × columns) of all three, lost, max }.
   */
  density(t0, msPerPx, columns) {
    const lanes = this.lanes;
    return this.#cached("density", [t0, msPerPx, columns], {
      make: () => ({ traffic: new Float32Array(lanes * columns), lost: new Float32Array(lanes * columns), max: 0 }),
      copy: (d) => ({ traffic: d.traffic.slice(), lost: d.lost.slice(), max: 0 }),
      compute: (c0, d) => this.#density(t0, msPerPx, columns, c0, d),
    });
  }

  /** density()'s columns c0.. (zeroed first) and its max. */
  #density(t0, msPerPx, columns, c0, d) {
    const { traffic, lost } = d;
    const [b0, b1] = this.bucketRange(t0, t0 + columns * msPerPx);
    const from = this.#firstBucketOf(t0, msPerPx, c0, b0);
    for (let lane = 0; lane < this.lanes; lane++) {
      traffic.fill(0, lane * columns + c0, (lane + 1) * columns);
      lost.fill(0, lane * columns + c0, (lane + 1) * columns);
      const [sent, got, gone] = [SENT, RECEIVED, LOST].map((ch) => this.#base(lane, ch));
      for (let b = from; b <= b1; b++) {
        const n = this.counts[sent + b] + this.counts[got + b];
        const l = this.counts[gone + b];
        if (n === 0 && l === 0) continue;
        // A bucket wider than a column spreads over the columns it covers.
        const first = Math.max(0, Math.floor((b * this.bucketMs - t0) / msPerPx));
        const last = Math.min(columns - 1, Math.max(first, Math.ceil(((b + 1) * this.bucketMs - t0) / msPerPx) - 1));
        const share = 1 / (last - first + 1);
        for (let c = Math.max(first, c0); c <= last; c++) {
          const i = lane * columns + c;
          traffic[i] += (n + l) * share;
          lost[i] += l * share;
        }
      }
    }
    d.max = traffic.reduce((m, v) => (v > m ? v : m), 0);
  }

  /**
   * Per lane and pixel column from t0: the worst outcome (an OUTCOMES index) of the operations
   * that started there; -1 where none did. `pending`: [lane, start] of the operations still running.
   */
  worstOutcomes(t0, msPerPx, columns, pending) {
    const finished = this.#cached("outcomes", [t0, msPerPx, columns], {
      make: () => new Int8Array(this.lanes * columns).fill(-1),
      copy: (w) => w.slice(),
      compute: (c0, w) => this.#finishedOutcomes(t0, msPerPx, columns, c0, w),
    });
    const worst = finished.slice();
    for (const [lane, start] of pending) markWorst(worst, columns, lane, Math.floor((start - t0) / msPerPx), 0);
    return worst;
  }

  /** worstOutcomes()'s finished operations, columns c0.. (cleared first). */
  #finishedOutcomes(t0, msPerPx, columns, c0, worst) {
    const [b0, b1] = this.bucketRange(t0, t0 + columns * msPerPx);
    const from = this.#firstBucketOf(t0, msPerPx, c0, b0);
    for (let lane = 0; lane < this.lanes; lane++) {
      worst.fill(-1, lane * columns + c0, (lane + 1) * columns);
      for (const o of WORST_FIRST) {
        const base = this.#base(lane, outcomeChannel(o));
        for (let b = from; b <= b1; b++) {
          if (this.counts[base + b] === 0) continue;
          const c = Math.max(0, Math.floor((b * this.bucketMs - t0) / msPerPx));
          if (c >= c0) markWorst(worst, columns, lane, c, o);
        }
      }
    }
  }

  /** The seq range of the events in [t0, t1] (bucket resolution: it may hold a little more);
   * `events`: how many there are. */
  seqRange(t0, t1, events) {
    const [b0, b1] = this.bucketRange(t0, t1);
    const firstFrom = (b) => {
      for (; b < BUCKETS; b++) if (this.firstSeq[b] >= 0) return this.firstSeq[b];
      return events;
    };
    const to = firstFrom(b1 + 1);
    return [Math.min(firstFrom(b0), to), to];
  }
}

/** Outcome `o` (an OUTCOMES index) in `lane`'s pixel column `c` of `worst`, if it is worse than
 * what is there (failed, then unknown, ok, pending). */
function markWorst(worst, columns, lane, c, o) {
  if (c < 0 || c >= columns) return;
  const rank = (x) => (x === 0 ? -1 : -WORST_FIRST.indexOf(x));
  const i = lane * columns + c;
  if (worst[i] < 0 || rank(o) > rank(worst[i])) worst[i] = o;
}
