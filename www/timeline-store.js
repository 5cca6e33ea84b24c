// What the timeline knows about a run, in memory that does not grow with the number of messages:
// - a density histogram: per lane and time bucket, how many messages it sent, received and lost
//   (a fixed number of buckets; when the run outgrows them, neighbours merge and buckets widen);
//   and how many operations started in it, by outcome; per bucket also the seq of its first
//   event, so a time window maps to a seq range;
// - the newest events as objects (a bounded tail), and one fetched window of older ones when a
//   source (a Cluster: `events(since, limit)`) is attached;
// - client operations in typed columns (start, end, lane, stack slot, outcome), names and keys
//   interned; messages in flight; crash, wipe and partition intervals (few).

export const BUCKETS = 8192; // histogram buckets per lane
export const TAIL_EVENTS = 20000; // newest events kept as objects
export const WINDOW_EVENTS = 60000; // most events fetched for one older window
const KEYS_PER_ACCEPTOR = 12;
export const OUTCOMES = ["pending", "ok", "failed", "unknown"];
const SENT = 0;
const RECEIVED = 1;
const LOST = 2;
const MESSAGE_CHANNELS = [SENT, RECEIVED, LOST];
const OP_CHANNEL = 3; // + OUTCOMES index - 1: finished operations by outcome, at their start
const CHANNELS = OP_CHANNEL + OUTCOMES.length - 1;
const WORST_FIRST = [2, 3, 1]; // OUTCOMES indexes: failed, unknown, ok

/** Growable typed column. */
class Column {
  constructor(Type) {
    this.Type = Type;
    this.data = new Type(1024);
  }

  set(i, v) {
    if (i >= this.data.length) {
      const grown = new this.Type(Math.max(i + 1, this.data.length * 2));
      grown.set(this.data);
      this.data = grown;
    }
    this.data[i] = v;
  }
}

/** Strings seen often (operation names and keys) stored once, referred to by index. */
class Interner {
  constructor() {
    this.ids = new Map();
    this.strings = [];
  }

  id(s) {
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.ids.set(s, i);
      this.strings.push(s);
    }
    return i;
  }
}

export class TimelineStore {
  /** @param {string[]} nodes lane ids, top to bottom */
  constructor(nodes, source = null) {
    this.nodes = nodes;
    this.laneOf = new Map(nodes.map((n, i) => [n, i]));
    this.source = source;
    this.bucketMs = 1;
    this.counts = new Uint32Array(nodes.length * CHANNELS * BUCKETS);
    this.firstSeq = new Float64Array(BUCKETS).fill(-1);
    this.events = 0; // events ingested (the next seq)
    this.lastAt = 0;
    this.maxFlight = 0; // the longest a message took to arrive (ms)
    this.tail = []; // the newest events, seqs tailFrom..events-1
    this.tailFrom = 0;
    this.window = { from: 0, to: 0, events: [] }; // one fetched range of older events
    this.sends = new Map(); // in flight: msg id -> { from, to, sentAt, message, arrivals, duplicated }
    this.down = []; // { node, start, end }
    this.wipes = []; // { node, at }
    this.partitions = []; // { start, end, nodes: Set }
    this.names = new Interner();
    this.keys = new Interner();
    this.opCount = 0;
    this.opStart = new Column(Float64Array);
    this.opEnd = new Column(Float64Array); // NaN while pending
    this.opLane = new Column(Uint8Array);
    this.opSlot = new Column(Uint16Array);
    this.opOutcome = new Column(Uint8Array);
    this.opName = new Column(Uint32Array);
    this.opKey = new Column(Uint32Array);
    this.maxOpMs = 0; // the longest finished operation (ms)
    this.open = new Set(); // pending operations
    this.slots = new Map(); // lane -> per stack slot, whether an operation holds it
    this.seenBy = new Map(); // acceptor -> key -> { promise, accepted }: its last answers (few keys)
  }

  // ---- ingest ----

  /** Adds events (in order, contiguous seqs). */
  ingest(events) {
    for (const e of events) this.#one(e);
  }

  #one(e) {
    if (e.seq !== undefined && e.seq !== this.events) this.#gap(e.seq);
    this.events += 1;
    this.lastAt = e.at;
    this.#bucketFor(e.at, this.events - 1);
    this.tail.push(e);
    if (this.tail.length > TAIL_EVENTS * 1.25) {
      const cut = this.tail.length - TAIL_EVENTS;
      this.tail = this.tail.slice(cut);
      this.tailFrom += cut;
    }
    switch (e.kind) {
      case "send":
        this.sends.set(e.msg, { from: e.from, to: e.to, sentAt: e.sentAt, message: e.message, arrivals: 0, duplicated: false });
        this.#count(e.from, SENT, e.at);
        if (e.from.startsWith("a")) this.#answered(e.from, e.message);
        break;
      case "duplicate": {
        const s = this.sends.get(e.msg);
        if (s) s.duplicated = true;
        break;
      }
      case "deliver":
      case "drop":
        this.#arrive(e);
        break;
      case "invoke":
        this.#invoke(e);
        break;
      case "return":
        this.#return(e);
        break;
      case "crash":
        this.down.push({ node: e.node, start: e.at, end: null });
        break;
      case "restart":
        this.#closeDown(e.node, e.at);
        break;
      case "wipe":
        this.#closeDown(e.node, e.at);
        this.wipes.push({ node: e.node, at: e.at });
        break;
      case "partition":
        this.#closePartition(e.at);
        this.partitions.push({ start: e.at, end: null, nodes: new Set(e.groups.flat()) });
        break;
      case "heal":
        this.#closePartition(e.at);
        break;
    }
  }

  /** Events were skipped (a caller fetched from further on): the cached tail is no longer contiguous. */
  #gap(seq) {
    this.tail = [];
    this.tailFrom = seq;
    this.events = seq;
  }

  /** What an acceptor's answer says about its register (kept for its newest KEYS_PER_ACCEPTOR keys). */
  #answered(node, m) {
    let keys = this.seenBy.get(node);
    if (!keys) this.seenBy.set(node, (keys = new Map()));
    const was = keys.get(m.key) ?? { promise: null, accepted: null };
    keys.delete(m.key);
    if (m.type === "promise") keys.set(m.key, { promise: m.ballot, accepted: m.accepted?.ballot ?? null });
    else if (m.type === "accepted") keys.set(m.key, { promise: was.promise, accepted: m.ballot });
    else if (m.type === "conflict") keys.set(m.key, { promise: m.blocking, accepted: was.accepted });
    else keys.set(m.key, was);
    if (keys.size > KEYS_PER_ACCEPTOR) keys.delete(keys.keys().next().value);
  }

  #arrive(e) {
    const s = this.sends.get(e.msg);
    if (s) {
      s.arrivals += 1;
      if (s.arrivals >= (s.duplicated ? 2 : 1)) this.sends.delete(e.msg);
    }
    this.maxFlight = Math.max(this.maxFlight, e.at - e.sentAt);
    this.#count(e.to, e.kind === "drop" ? LOST : RECEIVED, e.at);
  }

  #invoke(e) {
    const id = e.op;
    const lane = this.laneOf.get(e.node) ?? 0;
    this.opCount = Math.max(this.opCount, id + 1);
    this.opStart.set(id, e.at);
    this.opEnd.set(id, NaN);
    this.opLane.set(id, lane);
    this.opOutcome.set(id, 0);
    this.opName.set(id, this.names.id(e.name));
    this.opKey.set(id, this.keys.id(e.key));
    this.open.add(id);
    // Concurrent operations of one proposer stack: the first free slot.
    const held = this.slots.get(lane) ?? [];
    let slot = held.indexOf(false);
    if (slot < 0) slot = held.push(false) - 1;
    held[slot] = true;
    this.slots.set(lane, held);
    this.opSlot.set(id, slot);
  }

  #return(e) {
    const id = e.op;
    if (id >= this.opCount) return;
    this.opEnd.set(id, e.at);
    this.opOutcome.set(id, Math.max(0, OUTCOMES.indexOf(e.outcome)));
    this.maxOpMs = Math.max(this.maxOpMs, e.at - this.opStart.data[id]);
    this.open.delete(id);
    const outcome = this.opOutcome.data[id];
    if (outcome > 0) this.#countLane(this.opLane.data[id], OP_CHANNEL + outcome - 1, this.opStart.data[id]);
    const held = this.slots.get(this.opLane.data[id]);
    if (held) held[this.opSlot.data[id]] = false;
  }

  #closeDown(node, at) {
    for (const d of this.down) if (d.node === node && d.end === null) d.end = at;
  }

  #closePartition(at) {
    for (const p of this.partitions) if (p.end === null) p.end = at;
  }

  // ---- the histogram ----

  #bucketFor(at, seq) {
    let b = Math.floor(at / this.bucketMs);
    while (b >= BUCKETS) {
      this.#widen();
      b = Math.floor(at / this.bucketMs);
    }
    if (this.firstSeq[b] < 0) this.firstSeq[b] = seq;
    return b;
  }

  /** Halves the resolution: bucket i takes buckets 2i and 2i+1. */
  #widen() {
    const lanes = this.nodes.length * CHANNELS;
    for (let l = 0; l < lanes; l++) {
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

  #count(node, channel, at) {
    const lane = this.laneOf.get(node);
    if (lane !== undefined) this.#countLane(lane, channel, at);
  }

  #countLane(lane, channel, at) {
    const b = Math.min(BUCKETS - 1, Math.floor(at / this.bucketMs));
    this.counts[(lane * CHANNELS + channel) * BUCKETS + b] += 1;
  }

  /** Buckets overlapping [t0, t1]. */
  bucketRange(t0, t1) {
    const b0 = Math.max(0, Math.floor(t0 / this.bucketMs));
    const b1 = Math.min(BUCKETS - 1, Math.floor(t1 / this.bucketMs));
    return [b0, b1];
  }

  /** Messages that arrived (or were lost) in [t0, t1], counted at bucket resolution. */
  arrivalsBetween(t0, t1) {
    const [b0, b1] = this.bucketRange(t0, t1);
    let n = 0;
    for (let lane = 0; lane < this.nodes.length; lane++) {
      for (const ch of [RECEIVED, LOST]) {
        const base = (lane * CHANNELS + ch) * BUCKETS;
        for (let b = b0; b <= b1; b++) n += this.counts[base + b];
      }
    }
    return n;
  }

  /** Per lane: messages sent, received and lost in [t0, t1] (bucket resolution). */
  trafficBetween(t0, t1) {
    const [b0, b1] = this.bucketRange(t0, t1);
    return this.nodes.map((_, lane) => {
      let n = 0;
      for (const ch of MESSAGE_CHANNELS) {
        const base = (lane * CHANNELS + ch) * BUCKETS;
        for (let b = b0; b <= b1; b++) n += this.counts[base + b];
      }
      return n;
    });
  }

  /**
   * Per lane, per pixel column: messages sent + received, and lost, between t0 and t0 + columns
   * × msPerPx. Returns { traffic: Float32Array(lanes × columns), lost, max }.
   */
  density(t0, msPerPx, columns) {
    const lanes = this.nodes.length;
    const traffic = new Float32Array(lanes * columns);
    const lost = new Float32Array(lanes * columns);
    const [b0, b1] = this.bucketRange(t0, t0 + columns * msPerPx);
    let max = 0;
    for (let lane = 0; lane < lanes; lane++) {
      const sent = (lane * CHANNELS + SENT) * BUCKETS;
      const got = (lane * CHANNELS + RECEIVED) * BUCKETS;
      const gone = (lane * CHANNELS + LOST) * BUCKETS;
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

  /** Finished operations that started in [t0, t1] (bucket resolution) and the pending ones. */
  opsBetween(t0, t1) {
    const [b0, b1] = this.bucketRange(t0, t1);
    let n = this.open.size;
    for (let lane = 0; lane < this.nodes.length; lane++) {
      for (let o = 1; o < OUTCOMES.length; o++) {
        const base = (lane * CHANNELS + OP_CHANNEL + o - 1) * BUCKETS;
        for (let b = b0; b <= b1; b++) n += this.counts[base + b];
      }
    }
    return n;
  }

  /**
   * Per lane and pixel column from t0: the worst outcome (an OUTCOMES index: failed, then
   * unknown, ok, pending) of the operations that started there; -1 where none did.
   */
  opOutcomes(t0, msPerPx, columns) {
    const lanes = this.nodes.length;
    const worst = new Int8Array(lanes * columns).fill(-1);
    const column = (t) => Math.floor((t - t0) / msPerPx);
    const mark = (lane, c, o) => {
      if (c < 0 || c >= columns) return;
      const i = lane * columns + c;
      if (worst[i] < 0 || (o !== 0 && (worst[i] === 0 || WORST_FIRST.indexOf(o) < WORST_FIRST.indexOf(worst[i])))) worst[i] = o;
    };
    const [b0, b1] = this.bucketRange(t0, t0 + columns * msPerPx);
    for (let lane = 0; lane < lanes; lane++) {
      for (const o of WORST_FIRST) {
        const base = (lane * CHANNELS + OP_CHANNEL + o - 1) * BUCKETS;
        for (let b = b0; b <= b1; b++) if (this.counts[base + b] > 0) mark(lane, Math.max(0, column(b * this.bucketMs)), o);
      }
    }
    for (const id of this.open) mark(this.opLane.data[id], column(this.opStart.data[id]), 0);
    return worst;
  }

  /** Per lane: messages sent, received, lost over the whole run. */
  totals() {
    return this.nodes.map((_, lane) => {
      const sum = (ch) => {
        let n = 0;
        const base = (lane * CHANNELS + ch) * BUCKETS;
        for (let b = 0; b < BUCKETS; b++) n += this.counts[base + b];
        return n;
      };
      return { sent: sum(SENT), received: sum(RECEIVED), lost: sum(LOST) };
    });
  }

  // ---- windows of events ----

  /** The seq range whose events fall in [t0, t1] (bucket resolution: it may hold a little more). */
  seqRange(t0, t1) {
    const [b0, b1] = this.bucketRange(t0, t1);
    let from = this.events;
    for (let b = b0; b < BUCKETS; b++) {
      if (this.firstSeq[b] >= 0) { from = this.firstSeq[b]; break; }
    }
    let to = this.events;
    for (let b = b1 + 1; b < BUCKETS; b++) {
      if (this.firstSeq[b] >= 0) { to = this.firstSeq[b]; break; }
    }
    return [Math.min(from, to), to];
  }

  /**
   * Events (objects) with `at` in [t0, t1], or null when they are neither in the tail nor
   * fetchable (no source, or more than WINDOW_EVENTS of them).
   */
  eventsBetween(t0, t1) {
    const [from, to] = this.seqRange(t0, t1);
    if (from >= this.tailFrom) return this.tail.slice(from - this.tailFrom, to - this.tailFrom);
    const w = this.window;
    if (from >= w.from && to <= w.to) return w.events.slice(from - w.from, to - w.from);
    if (!this.source || to - from > WINDOW_EVENTS) return null;
    // Fetch a little more than asked, so small pans reuse it.
    const pad = Math.min(WINDOW_EVENTS - (to - from), to - from);
    const start = Math.max(0, from - pad / 2) | 0;
    const end = Math.min(this.events, to + pad / 2) | 0;
    this.window = { from: start, to: end, events: this.source.events(start, end - start) };
    return this.window.events.slice(from - start, to - start);
  }

  // ---- operations ----

  /** An operation as an object: { id, node, name, key, start, end, outcome, slot }. */
  op(id) {
    if (!(id >= 0 && id < this.opCount)) return undefined;
    const end = this.opEnd.data[id];
    const outcome = OUTCOMES[this.opOutcome.data[id]];
    return {
      id,
      node: this.nodes[this.opLane.data[id]],
      name: this.names.strings[this.opName.data[id]],
      key: this.keys.strings[this.opKey.data[id]],
      start: this.opStart.data[id],
      end: Number.isNaN(end) ? null : end,
      outcome: outcome === "pending" ? null : outcome,
      slot: this.opSlot.data[id],
    };
  }

  /** Calls `fn(id)` for each operation overlapping [t0, t1] (ids ascend with start time). */
  forOpsBetween(t0, t1, now, fn) {
    const start = this.opStart.data;
    const end = this.opEnd.data;
    // The last operation that started by t1 (binary search), then back while one could still
    // reach t0; pending operations older than that are in `open`.
    let lo = 0;
    let hi = this.opCount;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (start[mid] <= t1) lo = mid + 1;
      else hi = mid;
    }
    let id = lo - 1;
    for (; id >= 0 && start[id] >= t0 - this.maxOpMs; id--) {
      const e = end[id];
      if ((Number.isNaN(e) ? now : e) >= t0) fn(id);
    }
    if (now >= t0) for (const o of this.open) if (o <= id) fn(o);
  }
}
