// What a scenario or a tutorial step says, as data, and how to read it off a run.
//
// A claim is a plain object; its shape says what it asserts:
//   { op: 3, output: 4 }                 operation #3 (its history id) answered 4
//   { op: 2, error: "VersionConflict" }  operation #2 was refused with that error (`message`: and
//                                        its message holds that text)
//   { op: 3, roundTrips: 3 }             #3 sent 3 rounds of requests (prepare or accept, one ballot each)
//   { op: 1, messages: 6 }               #3's requests and the acceptors' replies to them
//   { op: 3, refusedBy: "4.p1" }         an acceptor refused #3 (a conflict) because it held ballot 4.p1
//   { op: 1, accepts: { name: "Ada" } }  #1's last accept round carried that value (what it wrote;
//                                        for a read or a refusal, the state it saw, written back)
//   { op: 1, attempts: 7 }               #1 started 7 attempts (1 + retries)
//   { op: 1, endsAfter: { kind: "restart", node: "a2" } }   #1 returned after that event
//   { order: [0, 1, 2] }                 each of these operations ended before the next one began
//   { key: "workers", countsTo: 1000 }   the increments of that key answered exactly 1..1000, once each
//   { key: "duel", distinctWithin: 2 }   the increments of that key that answered (any number, even
//                                        none) answered different values, each within 1..2
//   { count: { kind: "drop", to: "a3" }, equals: 2 }        events matching that pattern
//   { okDuring: { kind: "membership", acceptor: "a4" }, name: "increment", equals: 9 }
//                                        that many increments returned ok from the first to the
//                                        last event matching the pattern (a change's steps), in ms
//   { stat: "messagesPerOperation", equals: 12 }            a number from stats()
//   { violation: null }                  check() found nothing: linearizable, no oracle fired
//   { violation: "linearizability", op: 2 }   check()'s first violation is of that kind (and names #2)
//   { oracle: "promise-regressed" }      that step oracle fired
// Every claim may carry `says`: the sentence of the text that makes it.
//
// `evaluate(claims, run)` takes `run = { history, events, check, stats }` (what the Cluster's
// `history()`, `events()`, `check()` and `stats()` return) and answers, per claim, whether the run
// shows it and what the run shows instead.

import { counted } from "./wording.js";

/** "4.p1" for a ballot; "–" for none. */
export const ballotText = (b) => (b ? `${b.counter}.${b.proposer}` : "–");

const json = (v) => JSON.stringify(v);

/** Structural equality of JSON values (object key order ignored). */
export function same(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => same(a[k], b[k]));
}

/** Whether `event` has every field of `pattern` (recursively; a ballot may be written "4.p1"). */
export function matches(event, pattern) {
  if (event === null || typeof event !== "object") return false;
  for (const [k, want] of Object.entries(pattern)) {
    const have = event[k];
    if (typeof want === "object" && want !== null) {
      if (!matches(have, want)) return false;
    } else if (typeof want === "string" && have && typeof have === "object" && "counter" in have) {
      if (ballotText(have) !== want) return false;
    } else if (have !== want) return false;
  }
  return true;
}

/** What one operation did on the wire: its rounds of requests, the replies, the conflicts. */
export function wireOf(op, events) {
  const invoke = events.find((e) => e.kind === "invoke" && e.op === op.id);
  const ret = events.find((e) => e.kind === "return" && e.op === op.id);
  if (!invoke) return null;
  const end = ret ? ret.seq : Infinity;
  const requests = events.filter((e) => e.kind === "send" && e.from === op.proposer && e.seq > invoke.seq && e.seq < end
    && e.message.key === op.key && (e.message.type === "prepare" || e.message.type === "accept"));
  const ballots = new Set(requests.map((e) => ballotText(e.message.ballot)));
  const replies = events.filter((e) => e.kind === "send" && e.to === op.proposer && e.message.key === op.key
    && ["promise", "accepted", "conflict"].includes(e.message.type) && ballots.has(ballotText(e.message.ballot)));
  const rounds = [...new Set(requests.map((e) => `${e.message.type} ${ballotText(e.message.ballot)}`))];
  const blocking = [...new Set(replies.filter((e) => e.message.type === "conflict").map((e) => ballotText(e.message.blocking)))];
  return { invoke, ret, requests, replies, rounds, blocking };
}

/** Reads one claim off the run: `{ ok, actual }`, `actual` a short text of what the run shows. */
function judge(claim, run) {
  const { history, events } = run;
  if ("op" in claim && !("violation" in claim)) {
    const op = history.find((h) => h.id === claim.op);
    if (!op) return { ok: false, actual: `no operation #${claim.op} (${history.length} in the history)` };
    if ("output" in claim) return { ok: op.outcome === "ok" && same(op.output, claim.output), actual: op.outcome === "ok" ? json(op.output) : `${op.outcome} ${op.error?.name ?? ""}`.trim() };
    if ("error" in claim) {
      const ok = op.outcome === "failed" && op.error?.name === claim.error && (!("message" in claim) || op.error.message.includes(claim.message));
      return { ok, actual: op.outcome === "ok" ? `ok ${json(op.output)}` : `${op.outcome} ${op.error ? `${op.error.name}: ${op.error.message}` : ""}`.trim() };
    }
    if ("attempts" in claim) return { ok: op.attempts === claim.attempts, actual: String(op.attempts) };
    const wire = wireOf(op, events);
    if (!wire) return { ok: false, actual: `#${op.id} has no invoke event` };
    if ("roundTrips" in claim) return { ok: wire.rounds.length === claim.roundTrips, actual: `${wire.rounds.length} (${wire.rounds.join(", ")})` };
    if ("messages" in claim) return { ok: wire.requests.length + wire.replies.length === claim.messages, actual: `${wire.requests.length} requests + ${wire.replies.length} replies` };
    if ("refusedBy" in claim) return { ok: wire.blocking.includes(claim.refusedBy), actual: wire.blocking.length ? `refused by ${wire.blocking.join(", ")}` : "never refused" };
    if ("accepts" in claim) {
      const accepts = wire.requests.filter((e) => e.message.type === "accept");
      const last = accepts.filter((e) => ballotText(e.message.ballot) === ballotText(accepts.at(-1)?.message.ballot));
      return { ok: last.length > 0 && last.every((e) => same(e.message.value, claim.accepts)), actual: last.length ? `accept ${ballotText(last[0].message.ballot)} = ${json(last[0].message.value)}` : "no accept" };
    }
    if ("endsAfter" in claim) {
      const e = events.find((x) => matches(x, claim.endsAfter));
      return { ok: !!(e && wire.ret && wire.ret.seq > e.seq), actual: !e ? "no such event" : wire.ret ? `returned at ${wire.ret.at} ms, the event at ${e.at} ms` : "still in flight" };
    }
  }
  if ("order" in claim) {
    const ops = claim.order.map((id) => history.find((h) => h.id === id));
    if (ops.some((o) => !o)) return { ok: false, actual: "an operation is missing" };
    const broken = ops.findIndex((o, i) => i > 0 && !(ops[i - 1].returnSeq !== null && ops[i - 1].returnSeq < o.invokeSeq));
    return { ok: broken < 0, actual: broken < 0 ? "in that order" : `#${ops[broken].id} began before #${ops[broken - 1].id} ended` };
  }
  if ("countsTo" in claim) {
    const outs = history.filter((h) => h.key === claim.key && h.op === "increment" && h.outcome === "ok").map((h) => h.output).sort((a, b) => a - b);
    const exact = outs.length === claim.countsTo && outs.every((v, i) => v === i + 1);
    return { ok: exact, actual: `${outs.length} increments answered, highest ${outs.at(-1) ?? "none"}` };
  }
  if ("distinctWithin" in claim) {
    const outs = history.filter((h) => h.key === claim.key && h.op === "increment" && h.outcome === "ok").map((h) => h.output).sort((a, b) => a - b);
    const twice = outs.find((v, i) => i > 0 && v === outs[i - 1]);
    const outside = outs.find((v) => !(Number.isInteger(v) && v >= 1 && v <= claim.distinctWithin));
    const ok = twice === undefined && outside === undefined;
    return { ok, actual: twice !== undefined ? `two increments answered ${twice}` : outside !== undefined ? `an increment answered ${json(outside)}` : `${counted(outs.length, "increment")} answered${outs.length ? `: ${outs.join(", ")}` : ""}` };
  }
  if ("okDuring" in claim) {
    const marks = events.filter((e) => matches(e, claim.okDuring));
    if (!marks.length) return { ok: false, actual: "no such event" };
    const [from, to] = [marks[0].at, marks.at(-1).at];
    const n = history.filter((h) => h.op === claim.name && h.outcome === "ok" && h.returnAt >= from && h.returnAt <= to).length;
    return { ok: n === claim.equals, actual: `${n} between ${marks[0].at} and ${marks.at(-1).at} ms` };
  }
  if ("count" in claim) {
    const n = events.filter((e) => matches(e, claim.count)).length;
    return { ok: n === claim.equals, actual: String(n) };
  }
  if ("stat" in claim) {
    const v = run.stats[claim.stat];
    return { ok: v === claim.equals, actual: String(v) };
  }
  if ("violation" in claim) {
    const v = run.check.violation ?? null;
    if (claim.violation === null) return { ok: run.check.ok && !v, actual: v ? `${v.kind}: ${v.explanation}` : run.check.ok ? "none" : "the check ran out of budget" };
    const ok = !!v && v.kind === claim.violation && (!("op" in claim) || v.ops.includes(claim.op));
    return { ok, actual: v ? `${v.kind} on #${v.ops.join(", #")}` : "none" };
  }
  if ("oracle" in claim) {
    const kinds = run.check.oracles.map((o) => o.kind);
    return { ok: kinds.includes(claim.oracle), actual: kinds.length ? kinds.join(", ") : "none fired" };
  }
  throw new Error(`a claim of no known shape: ${json(claim)}`);
}

/** Judges every claim on `run`: `[{ claim, ok, actual }]`. */
export function evaluate(claims, run) {
  return claims.map((claim) => ({ claim, ...judge(claim, run) }));
}

/** A cluster's run for `evaluate`, each part read once and only if a claim needs it (the events
 * of 1000 increments are tens of thousands). */
export function runOf(cluster) {
  const parts = { history: () => cluster.history(), events: () => cluster.events(), check: () => cluster.check(), stats: () => cluster.stats() };
  const run = {};
  for (const [name, read] of Object.entries(parts)) {
    Object.defineProperty(run, name, { get() { const v = read(); Object.defineProperty(run, name, { value: v }); return v; }, configurable: true, enumerable: true });
  }
  return run;
}

/** A claim in words, for a list on the page (its `says`, or one made from its shape). */
export function describeClaim(c) {
  if (c.says) return c.says;
  if ("output" in c) return `operation ${c.op} answers ${json(c.output)}`;
  if ("error" in c) return `operation ${c.op} is refused: ${c.error}`;
  if ("roundTrips" in c) return `operation ${c.op} takes ${counted(c.roundTrips, "round trip")}`;
  if ("messages" in c) return `operation ${c.op} costs ${c.messages} messages`;
  if ("refusedBy" in c) return `operation ${c.op} is refused once by ballot ${c.refusedBy}`;
  if ("accepts" in c) return `operation ${c.op} accepts ${json(c.accepts)}`;
  if ("attempts" in c) return `operation ${c.op} takes ${counted(c.attempts, "attempt")}`;
  if ("endsAfter" in c) return `operation ${c.op} ends after ${Object.values(c.endsAfter).join(" ")}`;
  if ("order" in c) return `operations ${c.order.join(", ")} run one after another`;
  if ("countsTo" in c) return `${c.key} counts to exactly ${c.countsTo}`;
  if ("distinctWithin" in c) return `no two increments of ${c.key} answer the same value, each within 1..${c.distinctWithin}`;
  if ("okDuring" in c) return `${c.equals} × ${c.name} answered during ${Object.values(c.okDuring).join(" ")}`;
  if ("count" in c) return `${c.equals} × ${Object.values(c.count).map((v) => (typeof v === "object" ? json(v) : v)).join(" ")}`;
  if ("stat" in c) return `${c.stat} = ${c.equals}`;
  if ("violation" in c) return c.violation === null ? "the checker finds the run linearizable" : `the checker reports a ${c.violation} violation`;
  if ("oracle" in c) return `the ${c.oracle} oracle fires`;
  return json(c);
}
