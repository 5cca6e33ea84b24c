// A density histogram of a run in fixed memory: per lane, per channel (what is counted: messages
// sent, received, lost; operations by outcome) and time bucket, a count. There are BUCKETS buckets;
// when the run outgrows them, neighbours merge and buckets double in width. Per bucket it also
// keeps the seq of the first event in it, so a time window maps to a range of event seqs.

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
  }

  /** The same counts as `other` (a histogram of as many lanes). */
  copyFrom(other) {
    this.bucketMs = other.bucketMs;
    this.counts.set(other.counts);
    this.firstSeq.set(other.firstSeq);
  }

  /** Forgets the message counts (sent, received, lost) from bucket `b` on, and the events after
   * it: a rewind then counts bucket b's events before its point again. */
  truncateMessages(b) {
    for (let lane = 0; lane < this.lanes; lane++) {
      for (const ch of [SENT, RECEIVED, LOST]) this.counts.fill(0, this.#base(lane, ch) + b, this.#base(lane, ch) + BUCKETS);
    }
    this.firstSeq.fill(-1, b + 1);
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
  }

  /** Buckets overlapping [t0, t1]. */
  bucketRange(t0, t1) {
    return [Math.max(0, Math.floor(t0 / this.bucketMs)), Math.min(BUCKETS - 1, Math.floor(t1 / this.bucketMs))];
  }

  /** Per lane: the counts of `channels` in [t0, t1] (bucket resolution). */
  sum(channels, t0, t1) {
    const [b0, b1] = this.bucketRange(t0, t1);
    const out = new Array(this.lanes).fill(0);
    for (let lane = 0; lane < this.lanes; lane++) {
      for (const ch of channels) {
        const base = this.#base(lane, ch);
        for (let b = b0; b <= b1; b++) out[lane] += this.counts[base + b];
      }
    }
    return out;
  }

  /**
   * Per lane, per pixel column: messages sent, received and lost between t0 and t0 + columns ×
   * msPerPx. Returns { traffic: Float32Array(lanes × columns) of all three, lost, max }.
   */
  density(t0, msPerPx, columns) {
    const traffic = new Float32Array(this.lanes * columns);
    const lost = new Float32Array(this.lanes * columns);
    const [b0, b1] = this.bucketRange(t0, t0 + columns * msPerPx);
    let max = 0;
    for (let lane = 0; lane < this.lanes; lane++) {
      const [sent, got, gone] = [SENT, RECEIVED, LOST].map((ch) => this.#base(lane, ch));
      for (let b = b0; b <= b1; b++) {
        const n = this.counts[sent + b] + this.counts[got + b];
        const l = this.counts[gone + b];
        if (n === 0 && l === 0) continue;
        // A bucket wider than a column spreads over the columns it covers.
        const c0 = Math.max(0, Math.floor((b * this.bucketMs - t0) / msPerPx));
        const c1 = Math.min(columns - 1, Math.max(c0, Math.ceil(((b + 1) * this.bucketMs - t0) / msPerPx) - 1));
        const share = 1 / (c1 - c0 + 1);
        for (let c = c0; c <= c1; c++) {
          const i = lane * columns + c;
          traffic[i] += (n + l) * share;
          lost[i] += l * share;
          if (traffic[i] > max) max = traffic[i];
        }
      }
    }
    return { traffic, lost, max };
  }

  /**
   * Per lane and pixel column from t0: the worst outcome (an OUTCOMES index) of the operations
   * that started there; -1 where none did. `pending`: [lane, start] of the operations still running.
   */
  worstOutcomes(t0, msPerPx, columns, pending) {
    const worst = new Int8Array(this.lanes * columns).fill(-1);
    const rank = (o) => (o === 0 ? -1 : -WORST_FIRST.indexOf(o));
    const mark = (lane, c, o) => {
      if (c < 0 || c >= columns) return;
      const i = lane * columns + c;
      if (worst[i] < 0 || rank(o) > rank(worst[i])) worst[i] = o;
    };
    const [b0, b1] = this.bucketRange(t0, t0 + columns * msPerPx);
    for (let lane = 0; lane < this.lanes; lane++) {
      for (const o of WORST_FIRST) {
        const base = this.#base(lane, outcomeChannel(o));
        for (let b = b0; b <= b1; b++) if (this.counts[base + b] > 0) mark(lane, Math.max(0, Math.floor((b * this.bucketMs - t0) / msPerPx)), o);
      }
    }
    for (const [lane, start] of pending) mark(lane, Math.floor((start - t0) / msPerPx), 0);
    return worst;
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
