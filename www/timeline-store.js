// What the timeline knows about a run, in memory that does not grow with the number of messages:
// - a density histogram (timeline-histogram.js): per lane and time bucket, how many messages it
//   sent, received and lost and how many operations started there, by outcome; per bucket the
//   seq of its first event, so a time window maps to a seq range;
// - the newest events as objects (a bounded tail), and one fetched window of older ones when a
//   source (a Cluster: `events(since, limit)`) is attached;
// - client operations in typed columns (start, end, lane, stack slot, outcome), names and keys
//   interned; messages in flight; crash, wipe and partition intervals (few).

import { DensityHistogram, OUTCOMES, SENT, RECEIVED, LOST, outcomeChannel } from "./timeline-histogram.js";
import { recordLease } from "./timeline-lease.js";
import { arrivalMessages } from "./timeline-envelope.js";
import { copyStore, rewindStore, recordAnswer, fetchEvents, AnswerMarks } from "./timeline-rewind.js";
import { MembershipMarks } from "./timeline-membership.js";
import { ColumnRow, lazyFlight } from "./timeline-columns.js";

export { OUTCOMES };
export const TAIL_EVENTS = 20000; // newest events kept as objects
export const WINDOW_EVENTS = 60000; // most events fetched for one older window
const WINDOW_SLACK = 1.5; // a window extended in place holds up to this many times WINDOW_EVENTS
const KEYS_PER_ACCEPTOR = 12;
const GC_MARKS = 2000; // garbage collection steps kept for drawing
const OP_CHANNELS = OUTCOMES.slice(1).map((_, i) => outcomeChannel(i + 1));

/** Growable typed column; `empty` is what a slot holds before it is set. */
class Column {
  constructor(Type, empty = 0) {
    this.Type = Type;
    this.empty = empty;
    this.data = new Type(1024).fill(empty);
  }

  set(i, v) {
    if (i >= this.data.length) {
      const grown = new this.Type(Math.max(i + 1, this.data.length * 2)).fill(this.empty);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[i] = v;
  }

  /** Empties slots `from` on. */
  clearFrom(from) {
    if (from < this.data.length) this.data.fill(this.empty, from);
  }

  copy() {
    const c = new Column(this.Type, this.empty);
    c.data = this.data.slice();
    return c;
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

  copy() {
    const c = new Interner();
    c.ids = new Map(this.ids);
    c.strings = this.strings.slice();
    return c;
  }
}

/** The operation columns: name -> [array type, value before set]. */
const OP_COLUMNS = {
  opStart: [Float64Array, 0],
  opEnd: [Float64Array, 0], // NaN while pending
  opLane: [Uint8Array, 0],
  opSlot: [Uint16Array, 0],
  opOutcome: [Uint8Array, 0],
  opName: [Uint32Array, 0],
  opKey: [Uint32Array, 0],
  opInvokeSeq: [Float64Array, NaN], // the seq of its invoke event
  opReturnSeq: [Float64Array, NaN], // the seq of its return event; NaN while pending
};

export class TimelineStore {
  /** @param {string[]} nodes lane ids, top to bottom */
  constructor(nodes, source = null) {
    this.nodes = [...nodes]; // lane ids in the order their lanes were made (an added acceptor: last)
    this.laneOf = new Map(nodes.map((n, i) => [n, i]));
    this.source = source;
    this.hist = new DensityHistogram(nodes.length);
    this.events = 0; // events ingested (the next seq)
    this.lastAt = 0;
    this.maxFlight = 0; // the longest a message took to arrive (ms)
    this.tail = []; // the newest events, seqs tailFrom..events-1
    this.tailFrom = 0;
    this.window = { from: 0, to: 0, events: [] }; // one fetched range of older events
    // Each entry below also has `seq`, the event that made it (and `endSeq`, the one that closed
    // it), so the store can rewind to an earlier point (timeline-rewind.js).
    this.sends = new Map(); // in flight: msg id -> { from, to, sentAt, proposer (its ballot's), message, arrivals, duplicated, seq }
    this.down = []; // { node, start, end }
    this.wipes = []; // { node, at }
    this.collections = []; // garbage collection steps (§3.1): { node, at, step, key }, the newest GC_MARKS
    this.partitions = []; // { start, end, nodes: Set }
    this.leases = []; // read leases: { node, key, start, end } (the newest, see timeline-lease.js)
    this.marks = new MembershipMarks(); // membership change steps and acceptors' time on the network
    this.membershipChanged = false; // a membership event was ingested (see at())
    this.names = new Interner();
    this.keys = new Interner();
    this.opCount = 0;
    for (const [name, [Type, empty]] of Object.entries(OP_COLUMNS)) this[name] = new Column(Type, empty);
    this.maxOpMs = 0; // the longest finished operation (ms)
    this.open = new Set(); // pending operations
    this.slots = new Map(); // lane -> per stack slot, whether an operation holds it
    this.seenBy = new Map(); // acceptor -> key -> { promise, accepted }: its last answers (few keys)
    this.answerMarks = new AnswerMarks(); // copies of seenBy, for a rewind
  }

  /** The names of the operation columns (typed, one slot per operation id). */
  opColumns() {
    return Object.keys(OP_COLUMNS);
  }

  /**
   * This run's store at the point `source` (a cluster of the same run: its session replayed or
   * sought) is at, as a new store that fetches from `source`; this one is unchanged. A point
   * before this store's end costs a copy and a rewind (timeline-rewind.js), one after it the
   * events in between. Null when the run changed its membership (lanes come and go, and the
   * membership marks are not cut back): the caller ingests afresh then. `objectsFrom` (ms): a cut
   * back keeps the events from there to the point as objects too (the view that will be drawn).
   */
  at(source, lanes, { objectsFrom = null } = {}) {
    if (this.membershipChanged || lanes.join() !== this.nodes.join()) return null;
    const n = source.eventCount;
    const s = new TimelineStore(this.nodes, source);
    if (n === 0) return s;
    copyStore(this, s);
    s.source = source;
    if (n < s.events) rewindStore(s, source, n, { keepAnswers: KEYS_PER_ACCEPTOR, objectsFrom, most: WINDOW_EVENTS });
    else s.ingest(fetchEvents(source, s.events, n));
    return s;
  }

  // ---- ingest ----

  /** Adds events (in order, contiguous seqs). */
  ingest(events) {
    for (const e of events) this.#one(e);
  }

  /**
   * Adds a batch of events in columns (`Cluster.eventColumns(since, limit)`): what ingest() does
   * with the same events, without an object per event. Its events are not kept as objects: the
   * tail starts after them, and a drawing fetches them from the source (eventsBetween); a message
   * in flight reads its `message` from the source when first asked (lazyFlight).
   */
  ingestColumns(batch) {
    if (batch.count === 0) return;
    if (batch.since !== this.events) this.#gap(batch.since);
    const row = new ColumnRow(batch);
    for (let i = 0; i < batch.count; i++) {
      row.at(i);
      if (row.rare >= 0) this.#one(batch.rare[row.rare]);
      else this.#oneRow(row);
    }
    this.tail = [];
    this.tailFrom = this.events;
  }

  /** #one for an event described by its row. */
  #oneRow(r) {
    const seq = this.events;
    this.answerMarks.maybeMark(seq, this.seenBy);
    const at = r.num("at");
    this.events += 1;
    this.lastAt = at;
    this.hist.seen(at, seq);
    const kind = r.text("kind");
    if (kind === "invoke") this.#invoke({ op: r.num("id"), node: r.text("node"), at, name: r.text("what"), key: r.text("key") }, seq);
    else if (kind === "return") this.#return({ op: r.num("id"), at, outcome: r.text("what") }, seq);
    else if (kind !== "timeout") this.#messageRow(r, kind, seq, at);
  }

  /** A send, duplicate, deliver or drop of one message, from its row. */
  #messageRow(r, kind, seq, at) {
    const msg = r.num("id");
    if (kind === "duplicate") return this.#duplicated(msg, 0);
    const from = r.text("node");
    const to = r.text("to");
    const sentAt = r.num("sentAt");
    if (kind === "send") {
      this.#lane(from);
      this.#lane(to);
      this.sends.set(msg, lazyFlight(this, { from, to, sentAt, proposer: `p${r.num("proposer")}`, arrivals: 0, duplicated: false, seq }));
      if (from.startsWith("a")) recordAnswer(this.seenBy, from, r.answer(), KEYS_PER_ACCEPTOR);
      this.#count(from, SENT, at);
      return;
    }
    this.#arrived(msg, 0);
    this.#count(to, kind === "drop" ? LOST : RECEIVED, at);
    this.maxFlight = Math.max(this.maxFlight, at - sentAt);
  }

  #one(e) {
    if (e.seq !== undefined && e.seq !== this.events) this.#gap(e.seq);
    const seq = this.events;
    this.answerMarks.maybeMark(seq, this.seenBy);
    this.events += 1;
    this.lastAt = e.at;
    this.hist.seen(e.at, this.events - 1);
    this.tail.push(e);
    if (this.tail.length > TAIL_EVENTS * 1.25) {
      const cut = this.tail.length - TAIL_EVENTS;
      this.tail = this.tail.slice(cut);
      this.tailFrom += cut;
    }
    switch (e.kind) {
      case "send":
        this.#lane(e.from);
        this.#lane(e.to);
        this.trackSend(e, seq);
        this.countSend(e);
        break;
      case "duplicate":
        this.trackSend(e, seq);
        break;
      case "deliver":
      case "drop":
        this.#arrive(e);
        break;
      case "invoke":
        this.#invoke(e, seq);
        break;
      case "return":
        this.#return(e, seq);
        break;
      case "crash":
        this.down.push({ node: e.node, start: e.at, end: null, seq, endSeq: null });
        break;
      case "restart":
        this.#closeDown(e.node, e.at, seq);
        break;
      case "wipe":
        this.#closeDown(e.node, e.at, seq);
        this.wipes.push({ node: e.node, at: e.at, seq });
        break;
      case "partition":
        this.#closePartition(e.at, seq);
        this.partitions.push({ start: e.at, end: null, nodes: new Set(e.groups.flat()), seq, endSeq: null });
        break;
      case "heal":
        this.#closePartition(e.at, seq);
        break;
      case "lease":
        recordLease(this.leases, e, seq);
        break;
      case "membership":
        this.membershipChanged = true;
        this.#lane(e.acceptor ?? e.proposer);
        this.marks.record(e);
        break;
      case "gc":
        this.collections.push({ node: e.node, at: e.at, step: e.step, key: e.key, seq });
        if (this.collections.length > GC_MARKS * 1.25) this.collections = this.collections.slice(-GC_MARKS);
        break;
    }
  }

  /** A lane for `node` if it has none: an acceptor a membership change added (§2.3). */
  #lane(node) {
    if (this.laneOf.has(node)) return;
    this.laneOf.set(node, this.nodes.length);
    this.nodes.push(node);
    this.hist.addLane();
  }

  /** Events were skipped (a caller fetched from further on): the cached tail is no longer contiguous. */
  #gap(seq) {
    this.tail = [];
    this.tailFrom = seq;
    this.events = seq;
  }

  /** Messages in flight and acceptors' answers: a send, a duplicate or an arrival (`seq`: the
   * event's). The part of ingesting that a rewind replays over its last events, which then only
   * counts arrivals of messages sent from seq `from` on, and answers from `answersFrom` on. */
  trackSend(e, seq, from = 0, answersFrom = 0) {
    if (e.kind === "send") {
      this.sends.set(e.msg, { from: e.from, to: e.to, sentAt: e.sentAt, proposer: e.message.ballot.proposer, message: e.message, arrivals: 0, duplicated: false, seq });
      if (e.from.startsWith("a") && seq >= answersFrom) recordAnswer(this.seenBy, e.from, e.message, KEYS_PER_ACCEPTOR);
    } else if (e.kind === "duplicate") {
      this.#duplicated(e.msg, from);
    } else if (e.kind === "deliver" || e.kind === "drop") {
      for (const msg of arrivalMessages(e)) this.#arrived(msg, from);
    }
  }

  /** Message `msg` (if sent from seq `from` on) was put on the wire twice. */
  #duplicated(msg, from) {
    const s = this.sends.get(msg);
    if (s && s.seq >= from) s.duplicated = true;
  }

  /** Message `msg` (if sent from seq `from` on) arrived or was lost: in flight no more once each copy has. */
  #arrived(msg, from) {
    const s = this.sends.get(msg);
    if (!s || s.seq < from) return;
    s.arrivals += 1;
    if (s.arrivals >= (s.duplicated ? 2 : 1)) this.sends.delete(msg);
  }

  #arrive(e) {
    this.trackSend(e);
    this.countArrival(e);
    this.maxFlight = Math.max(this.maxFlight, e.at - e.sentAt);
  }

  /** Counts an arrival's messages in the histogram (received, or lost). */
  countArrival(e) {
    for (let i = arrivalMessages(e).length; i > 0; i--) this.#count(e.to, e.kind === "drop" ? LOST : RECEIVED, e.at);
  }

  /** Counts a send in the histogram. */
  countSend(e) {
    this.#count(e.from, SENT, e.at);
  }

  #invoke(e, seq) {
    const id = e.op;
    const lane = this.laneOf.get(e.node) ?? 0;
    this.opCount = Math.max(this.opCount, id + 1);
    this.opStart.set(id, e.at);
    this.opEnd.set(id, NaN);
    this.opLane.set(id, lane);
    this.opOutcome.set(id, 0);
    this.opName.set(id, this.names.id(e.name));
    this.opKey.set(id, this.keys.id(e.key));
    this.opInvokeSeq.set(id, seq);
    this.opReturnSeq.set(id, NaN);
    this.open.add(id);
    // Concurrent operations of one proposer stack: the first free slot.
    const held = this.slots.get(lane) ?? [];
    let slot = held.indexOf(false);
    if (slot < 0) slot = held.push(false) - 1;
    held[slot] = true;
    this.slots.set(lane, held);
    this.opSlot.set(id, slot);
  }

  #return(e, seq) {
    const id = e.op;
    if (id >= this.opCount) return;
    this.opEnd.set(id, e.at);
    this.opReturnSeq.set(id, seq);
    this.opOutcome.set(id, Math.max(0, OUTCOMES.indexOf(e.outcome)));
    this.maxOpMs = Math.max(this.maxOpMs, e.at - this.opStart.data[id]);
    this.open.delete(id);
    const outcome = this.opOutcome.data[id];
    if (outcome > 0) this.hist.add(this.opLane.data[id], outcomeChannel(outcome), this.opStart.data[id]);
    const held = this.slots.get(this.opLane.data[id]);
    if (held) held[this.opSlot.data[id]] = false;
  }

  #closeDown(node, at, seq) {
    for (const d of this.down) if (d.node === node && d.end === null) Object.assign(d, { end: at, endSeq: seq });
  }

  #closePartition(at, seq) {
    for (const p of this.partitions) if (p.end === null) Object.assign(p, { end: at, endSeq: seq });
  }

  // ---- counts (the histogram) ----

  #count(node, channel, at) {
    const lane = this.laneOf.get(node);
    if (lane !== undefined) this.hist.add(lane, channel, at);
  }

  /** Messages that arrived (or were lost) in [t0, t1], counted at bucket resolution. */
  arrivalsBetween(t0, t1) {
    return this.hist.sum([RECEIVED, LOST], t0, t1).reduce((a, b) => a + b, 0);
  }

  /** Per lane: messages sent, received and lost in [t0, t1] (bucket resolution). */
  trafficBetween(t0, t1) {
    return this.hist.sum([SENT, RECEIVED, LOST], t0, t1);
  }

  /** See DensityHistogram.density. */
  density(t0, msPerPx, columns) {
    return this.hist.density(t0, msPerPx, columns);
  }

  /** Finished operations that started in [t0, t1] (bucket resolution) and the pending ones. */
  opsBetween(t0, t1) {
    return this.open.size + this.hist.sum(OP_CHANNELS, t0, t1).reduce((a, b) => a + b, 0);
  }

  /**
   * Per lane and pixel column from t0: the worst outcome (an OUTCOMES index: failed, then
   * unknown, ok, pending) of the operations that started there; -1 where none did.
   */
  opOutcomes(t0, msPerPx, columns) {
    const pending = [];
    this.forPendingStartedBetween(t0, t0 + columns * msPerPx, (id) => pending.push([this.opLane.data[id], this.opStart.data[id]]));
    return this.hist.worstOutcomes(t0, msPerPx, columns, pending);
  }

  /** Calls `fn(id)` for each pending operation that started in [t0, t1]: from the operations that
   * started there or from the pending ones, whichever are fewer (thousands queue behind their
   * keys in a long run; each frame and seek went through all of them). */
  forPendingStartedBetween(t0, t1, fn) {
    const [first, end] = [this.#firstStartedAfter(t0, false), this.#firstStartedAfter(t1, true)];
    if (end - first <= this.open.size) {
      for (let id = first; id < end; id++) if (this.open.has(id)) fn(id);
    } else {
      for (const id of this.open) if (id >= first && id < end) fn(id);
    }
  }

  /** The first operation id that started after `t` (at or after it, with `strictly` false): ids
   * ascend with start time. */
  #firstStartedAfter(t, strictly) {
    const start = this.opStart.data;
    let lo = 0;
    let hi = this.opCount;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (strictly ? start[mid] <= t : start[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Per lane: messages sent, received, lost over the whole run. */
  totals() {
    const [sent, received, lost] = [SENT, RECEIVED, LOST].map((ch) => this.hist.sum([ch], 0, Infinity));
    return this.nodes.map((_, lane) => ({ sent: sent[lane], received: received[lane], lost: lost[lane] }));
  }

  /** The seq range whose events fall in [t0, t1] (bucket resolution: it may hold a little more). */
  seqRange(t0, t1) {
    return this.hist.seqRange(t0, t1, this.events);
  }

  // ---- windows of events ----

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
    if (from >= w.from && from <= w.to) return this.#extendWindow(from, to);
    // Fetch a little more than asked, so small pans reuse it.
    const pad = Math.min(WINDOW_EVENTS - (to - from), to - from);
    const start = Math.max(0, from - pad / 2) | 0;
    const end = Math.min(this.events, to + pad / 2) | 0;
    this.window = { from: start, to: end, events: this.source.events(start, end - start), owner: this };
    return this.window.events.slice(from - start, to - start);
  }

  /** The window moved on past the fetched one's end (following a run fed in columns: each frame
   * has a few new events): fetches only the events after it, appended in place, and drops the
   * oldest once it holds WINDOW_SLACK times WINDOW_EVENTS (a copy per many frames, not one a frame:
   * copying the 60,000 entries every frame was a follow frame's largest array work). A window this
   * store did not make (shared with a copy, see timeline-rewind.js) is copied once first. */
  #extendWindow(from, to) {
    let w = this.window;
    if (w.owner !== this) w = this.window = { from: w.from, to: w.to, events: w.events.slice(), owner: this };
    for (const e of this.source.events(w.to, to - w.to)) w.events.push(e);
    w.to = to;
    if (w.events.length > WINDOW_EVENTS * WINDOW_SLACK) {
      const cut = Math.max(0, Math.min(from - w.from, w.events.length - WINDOW_EVENTS));
      w.events = w.events.slice(cut);
      w.from += cut;
    }
    return w.events.slice(from - w.from, to - w.from);
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
    let id = this.#firstStartedAfter(t1, true) - 1;
    for (; id >= 0 && start[id] >= t0 - this.maxOpMs; id--) {
      const e = end[id];
      if ((Number.isNaN(e) ? now : e) >= t0) fn(id);
    }
    if (now >= t0) for (const o of this.open) if (o <= id) fn(o);
  }
}
