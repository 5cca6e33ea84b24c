// Seeking without re-ingesting (issue 9): the timeline store of the furthest run, copied and cut
// back to an earlier point of the same run. A run is deterministic, so the store's data up to that
// point is the sought run's: the histogram and the operation columns are truncated in place, and
// only what cannot be cut back is rebuilt from the last events before the point, fetched from the
// sought cluster:
// - the histogram's message counts in the bucket the point falls in (a bucket's worth of events);
// - the messages in flight at the point: those sent within the longest flight seen (`maxFlight`)
//   before it, replayed; older ones in flight at the furthest point are still in flight here;
// - the acceptors' last answers (`seenBy`): replayed from the store's latest copy of them before
//   the point (it keeps one every `answerSpacing` events, see AnswerMarks).
// What stays coarser than a fresh ingest: the histogram's bucket width (buckets only merge),
// `maxFlight` and `maxOpMs` (bounds, the furthest run's), and the capped lists (leases, GC marks),
// which keep only what the furthest run had not dropped yet.

import { outcomeChannel } from "./timeline-histogram.js";
import { copyFlight } from "./timeline-columns.js";

/** Copies of the acceptors' last answers kept at most (then every other goes, spacing doubles). */
const ANSWER_MARKS = 1024;
/** Events between copies of the acceptors' last answers at the start of a run. */
const FIRST_ANSWER_SPACING = 256;
/** Events fetched per `events(since, limit)` call. */
const FETCH_CHUNK = 20000;

/** An acceptor's answer `m` says this about its register; `keys` of them are kept per acceptor. */
export function recordAnswer(seenBy, node, m, keep) {
  let keys = seenBy.get(node);
  if (!keys) seenBy.set(node, (keys = new Map()));
  const was = keys.get(m.key) ?? { promise: null, accepted: null };
  keys.delete(m.key);
  if (m.type === "promise") keys.set(m.key, { promise: m.ballot, accepted: m.accepted?.ballot ?? null });
  else if (m.type === "accepted") keys.set(m.key, { promise: was.promise, accepted: m.ballot });
  else if (m.type === "conflict") keys.set(m.key, { promise: m.blocking, accepted: was.accepted });
  else keys.set(m.key, was);
  if (keys.size > keep) keys.delete(keys.keys().next().value);
}

/** Copies of `seenBy` (the acceptors' last answers) every `spacing` events: a rewind replays the
 * answers from the latest one before its point. Answers are immutable objects, so a copy holds
 * maps only; at most ANSWER_MARKS of them. */
export class AnswerMarks {
  constructor() {
    this.spacing = FIRST_ANSWER_SPACING;
    this.marks = [{ seq: 0, seenBy: new Map() }];
  }

  /** Before event `seq` is ingested: a copy of `seenBy` if one is due. */
  maybeMark(seq, seenBy) {
    if (seq === 0 || seq % this.spacing !== 0) return;
    this.marks.push({ seq, seenBy: copyAnswers(seenBy) });
    if (this.marks.length > ANSWER_MARKS) {
      this.spacing *= 2;
      this.marks = this.marks.filter((m) => m.seq % this.spacing === 0);
    }
  }

  /** The latest copy at or before event `n`; later ones go. */
  cutTo(n) {
    this.marks = this.marks.filter((m) => m.seq <= n);
    return this.marks.at(-1);
  }

  copy() {
    const c = new AnswerMarks();
    c.spacing = this.spacing;
    c.marks = this.marks.slice();
    return c;
  }
}

const copyAnswers = (seenBy) => new Map([...seenBy].map(([node, keys]) => [node, new Map(keys)]));

/** Events [from, to) of `source` as objects. */
export function fetchEvents(source, from, to) {
  const out = [];
  while (from + out.length < to) {
    const got = source.events(from + out.length, Math.min(FETCH_CHUNK, to - from - out.length));
    if (!got.length) throw new Error(`the run has no event ${from + out.length} (it has ${source.eventCount})`);
    for (const e of got) out.push(e);
  }
  return out;
}

/** Copies into `to` (a new, empty store) everything ingesting `from` changed. */
export function copyStore(from, to) {
  for (const k of ["events", "lastAt", "maxFlight", "tailFrom", "maxOpMs", "opCount"]) to[k] = from[k];
  to.tail = from.tail.slice();
  to.window = { ...from.window };
  to.hist.copyFrom(from.hist);
  to.sends = new Map([...from.sends].map(([id, s]) => [id, copyFlight(s, to)]));
  to.down = from.down.map((d) => ({ ...d }));
  to.partitions = from.partitions.map((p) => ({ ...p }));
  to.wipes = from.wipes.slice();
  to.collections = from.collections.slice();
  to.leases = from.leases.slice();
  to.names = from.names.copy();
  to.keys = from.keys.copy();
  for (const name of to.opColumns()) to[name] = from[name].copy();
  to.open = new Set(from.open);
  to.slots = new Map([...from.slots].map(([lane, held]) => [lane, held.slice()]));
  to.seenBy = copyAnswers(from.seenBy);
  to.answerMarks = from.answerMarks.copy();
}

/**
 * Cuts `s` back to the first `n` events (0 < n < s.events) of its run; `source` (a cluster of the
 * same run, at event n) gives the last events before the point. Costs O(operations and buckets
 * after the point) plus one fetch of the events within `maxFlight` (and the answers' spacing)
 * before it — from `objectsFrom` (ms) on if that is earlier and leaves at most `most` events:
 * they are kept as the tail (the view drawn next finds its events there).
 */
export function rewindStore(s, source, n, { keepAnswers, objectsFrom = null, most = 0 }) {
  if (!(n > 0 && n < s.events)) throw new Error(`rewind to ${n}: the store holds ${s.events} events`);
  const at = source.events(n - 1, 1)[0].at;
  const bucket = s.hist.bucketRange(at, at)[0];
  const fromBucket = s.hist.firstSeq[bucket];
  const fromFlight = s.hist.seqRange(at - s.maxFlight - 1, at - s.maxFlight - 1, s.events)[0];
  const answers = s.answerMarks.cutTo(n);
  const fromView = objectsFrom === null ? n : s.hist.seqRange(objectsFrom, objectsFrom, s.events)[0];
  const from = Math.max(0, Math.min(fromBucket, fromFlight, answers.seq, n - fromView <= most ? fromView : n));
  const recent = fetchEvents(source, from, n);
  console.assert(recent.at(-1).at === at && fromBucket <= n - 1, "the point's bucket holds its last event");
  rewindHistogram(s, bucket, recent.filter((e) => e.seq >= fromBucket));
  rewindOps(s, n, at);
  rewindIntervals(s, n);
  rewindSends(s, recent, fromFlight, answers, keepAnswers);
  if (n > s.tailFrom && s.tailFrom <= from) s.tail = s.tail.slice(0, n - s.tailFrom);
  else [s.tail, s.tailFrom] = [recent, from];
  if (s.window.to > n) s.window = { from: s.window.from, to: Math.max(s.window.from, n), events: s.window.events.slice(0, Math.max(0, n - s.window.from)) };
  Object.assign(s, { events: n, lastAt: at, source });
}

/** Message counts: buckets after the point's go, the point's is recounted from `inBucket`. */
function rewindHistogram(s, bucket, inBucket) {
  s.hist.truncateMessages(bucket);
  for (const e of inBucket) {
    if (e.kind === "send") s.countSend(e);
    else if (e.kind === "deliver" || e.kind === "drop") s.countArrival(e);
  }
}

/** Operations invoked after event n go; those that returned after it are pending again. Ids
 * ascend with invocation (and start time), and none lasted longer than `maxOpMs`: the scan for
 * the returns stops below that. */
function rewindOps(s, n, at) {
  const start = s.opStart.data;
  const invokeSeq = s.opInvokeSeq.data;
  // The operations invoked after the point: ids count.. (a binary search), their columns cleared at once.
  let [count, hi] = [0, s.opCount];
  while (count < hi) {
    const mid = (count + hi) >> 1;
    if (invokeSeq[mid] < n) count = mid + 1;
    else hi = mid;
  }
  for (let id = count; id < s.opCount; id++) {
    uncount(s, id);
    s.open.delete(id);
  }
  for (const name of s.opColumns()) s[name].clearFrom(count);
  for (let id = count - 1; id >= 0 && start[id] >= at - s.maxOpMs - 1; id--) {
    if (!(s.opReturnSeq.data[id] >= n)) continue;
    uncount(s, id);
    s.opEnd.set(id, NaN);
    s.opOutcome.set(id, 0);
    s.opReturnSeq.set(id, NaN);
    s.open.add(id);
  }
  s.opCount = count;
  for (const held of s.slots.values()) held.fill(false);
  for (const o of s.open) s.slots.get(s.opLane.data[o])[s.opSlot.data[o]] = true;
}

/** Takes operation `id`'s outcome (if it ended) back out of the histogram. */
function uncount(s, id) {
  const outcome = s.opOutcome.data[id];
  if (outcome > 0) s.hist.add(s.opLane.data[id], outcomeChannel(outcome), s.opStart.data[id], -1);
}

/** Crashes, partitions, wipes, leases and GC marks after event n go; those it ends reopen. */
function rewindIntervals(s, n) {
  const reopen = (list) => list.filter((x) => x.seq < n).map((x) => (x.endSeq >= n ? { ...x, end: null, endSeq: null } : x));
  s.down = reopen(s.down);
  s.partitions = reopen(s.partitions);
  for (const k of ["wipes", "collections", "leases"]) s[k] = s[k].filter((x) => x.seq < n);
}

/** Messages in flight at the point: those sent before `fromFlight` that were in flight at the
 * furthest point, and those the recent events leave in flight; the acceptors' last answers: a
 * copy's (`answers`), then those of the recent events after it. */
function rewindSends(s, recent, fromFlight, answers, keepAnswers) {
  s.sends = new Map([...s.sends].filter(([, m]) => m.seq < fromFlight));
  s.seenBy = copyAnswers(answers.seenBy);
  for (const e of recent) {
    if (e.seq >= fromFlight) s.trackSend(e, e.seq, fromFlight, answers.seq);
    else if (e.seq >= answers.seq && e.kind === "send" && e.from.startsWith("a")) recordAnswer(s.seenBy, e.from, e.message, keepAnswers);
  }
}
