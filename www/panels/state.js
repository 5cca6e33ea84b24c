// What the cluster holds and how the run is doing: each acceptor's registers, the stats, and the
// verdict of the linearizability checker and the step oracles (rechecked as operations return).
import { describe } from "../results.js";
import { $, page, post, onSlowTurnShown, drawnState } from "../page.js";
import { caughtBy } from "./breakit.js";
import { setReport } from "./linearization.js";
import { counted } from "../wording.js";
import { masterRun } from "./sessions.js";
import { setClass, setProp, setText, setData, setTexts, rebuildOnChange } from "../dom.js";

/** Registers shown per acceptor. */
const REGISTERS_SHOWN = 30;
const LINEARIZABILITY = "linearizability";
/** Search steps the panel's check may take: a tenth of check()'s own default. Mid-run, with many
 * operations pending on one key (100 workers), the search runs out of any budget; at the default
 * it took 1–1.6 s to say so after each seek (issue 9), at this one about a tenth of that. A
 * history that needs more says "? the search ran out of budget", as one over the default does. */
const CHECK_BUDGET = 200000;
/** A check that took this many ms or more runs after the paint, not in the redraw. */
const SLOW_CHECK_MS = 30;
/** A slow check takes at most one in CHECK_SHARE of the real time. */
const CHECK_SHARE = 4;
/** In a redraw that is not forced (the frames of a run playing), a check that took this many ms
 * or more (its frame misses the display's 16.7 ms by itself: 10–20 ms at 100 k events) runs at
 * most once every CHECK_PACE_MS — it ran on every slow panels' turn, one frame in nine — and
 * once more that long after the last returns. A forced redraw checks at once. */
const FRAME_CHECK_MS = 8;
const CHECK_PACE_MS = 1000;
/** Reports kept per point of the run (a seek back to one of them reuses it). */
const REPORTS_KEPT = 8;
let checkedReturns = -1; // completed operations at the last check
let lastViolation = null;
let lastCheckMs = 0; // how long the last check took
let lastCheckAt = 0; // when it ended
let sought = false; // a seek showed another point of the run: its check waits for the paint
let checkFrame = 0; // a deferred check: the frame it waits for,
let checkTimeout = 0; // then the task it runs in
let pacedTimeout = 0; // a paced check's turn (see CHECK_PACE_MS)
const reports = new Map(); // point of a run (pointOf) -> its check report, oldest first
let reportsRun = null; // the master run those points are of

export function wireState() {
  page.onAdopt.push(({ sameRun }) => {
    checkedReturns = -1;
    cancelCheck();
    if (!sameRun) lastCheckMs = 0; // another run: its first check runs in the redraw
    sought = sameRun;
    lastViolation = null;
    page.history.setReport({ keys: {} });
    page.history.selected = null;
    $("violation").hidden = true;
  });
  onSlowTurnShown($("acceptor-state"), renderAcceptors);
  onSlowTurnShown($("stats"), renderStats);
  page.onRefresh.push((slow, force) => { if (slow) recheck(force); });
  $("violation").addEventListener("click", () => {
    const id = lastViolation?.ops[0];
    if (id !== undefined) page.history.onSelect(id);
  });
}

const ballotText = (x) => (x ? `${x.counter}.${x.proposer}` : "–");
/** A register's value. A delete's tombstone (null at a version above 0) is marked as one: garbage
 * collection erases it. Null at version 0 is a never-written key a read wrote back as it found it. */
function valueText(accepted) {
  if (!accepted) return "–";
  if (accepted.value !== null) return describe(accepted.value);
  return accepted.version > 0 ? "∅ tombstone" : "∅ empty";
}

function renderAcceptors() {
  const acceptors = drawnState().acceptors;
  rebuildOnChange($("acceptor-state"), JSON.stringify(acceptors), () => acceptors.map(acceptorTable));
}

function acceptorTable(a) {
  const table = document.createElement("table");
  table.className = a.up ? "" : "down";
  // An erase floor (deletion GC, §3.1): registers created from now on start promised to it.
  const floor = a.erasedFloor ? ` · erased below ${ballotText(a.erasedFloor)}` : "";
  table.createCaption().textContent = `${a.id} ${a.up ? "" : "(down)"}${floor}`;
  const head = table.createTHead().insertRow();
  for (const h of ["key", "promise", "accepted", "value"]) {
    const th = document.createElement("th");
    th.textContent = h;
    head.append(th);
  }
  const body = table.createTBody();
  const keys = Object.keys(a.registers);
  for (const k of keys.slice(0, REGISTERS_SHOWN)) {
    const r = a.registers[k];
    const tr = body.insertRow();
    const accepted = r.accepted ? `${ballotText(r.accepted.ballot)} v${r.accepted.version}` : "–";
    for (const text of [k, ballotText(r.promise), accepted, valueText(r.accepted)]) tr.insertCell().textContent = text;
  }
  if (!keys.length) body.insertRow().insertCell().textContent = "empty";
  return table;
}

function renderStats() {
  const s = page.cluster.stats();
  const items = [
    ["operations", s.operations], ["ok", s.ok], ["failed", s.failed], ["unknown", s.unknown], ["pending", s.pending],
    ["messages", s.messages], ["messages / operation", s.messagesPerOperation.toFixed(2)], ["delivered", s.delivered],
    ["dropped", s.dropped], ["duplicated", s.duplicated], ["conflicts", s.conflicts], ["retries", s.retries], ["timeouts", s.timeouts],
  ];
  // What the optimizations change (issue 14), when they are on: an arrival carries several
  // messages with envelopes, reads skip the wire under a lease, operations ride in a batch or
  // wait for a pipeline lane.
  const cfg = page.config;
  if (cfg.envelopes && s.deliveries !== undefined) items.push(["deliveries (envelopes)", s.deliveries], ["deliveries / operation", (s.deliveries / Math.max(1, s.operations)).toFixed(2)]);
  if (cfg.leases && s.leaseReads !== undefined) items.push(["reads from a lease", s.leaseReads]);
  if (cfg.batch && s.batched !== undefined) items.push(["batched", s.batched]);
  if (cfg.pipeline && s.parked !== undefined) items.push(["waited for a pipeline lane", s.parked]);
  // The same statistics as drawn (the common case): only the changed counts are written.
  const dl = $("stats");
  const same = [...dl.querySelectorAll("dd")].map((dd) => dd.dataset.stat).join("\n") === items.map(([k]) => k).join("\n");
  if (!same || !setTexts(dl.querySelectorAll("dd"), items.map(([, v]) => String(v)))) {
    dl.replaceChildren(...items.flatMap(([k, v]) => {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = v;
      dd.dataset.stat = k;
      return [dt, dd];
    }));
  }
  setText($("violations"), s.violations.length ? `Safety violated: ${s.violations[0]}` : "");
}

/** Reruns the check (linearizability and the step oracles) when operations completed since the
 * last one. Not while Run to idle goes on: its slices would each pay for a check of the whole
 * history (seconds, for a long run); its end checks once. A point of a run checked before (a
 * seek back to it: the same steps and event-log hash) shows its report again without a check.
 * A check that took long is not run in the redraw: it runs after the next paint, and at most
 * one CHECK_SHARE-th of the time (a long run playing does not stall on it); so does the check
 * after a seek. */
function recheck(force = false) {
  if (page.runningToIdle()) return;
  const s = page.cluster.stats();
  const returned = s.ok + s.failed + s.unknown;
  if (returned === checkedReturns) return;
  const known = reports.get(pointOf(page.cluster));
  const paced = lastCheckAt + CHECK_PACE_MS - performance.now();
  if (!known && !force && lastCheckMs >= FRAME_CHECK_MS && paced > 0) {
    // The verdict shown is older than the run: say so until the paced check runs (outside tester
    // 21b: a stale "✓ linearizable" for 0.7 s after the run broke, with no marker).
    $("check-verdict").dataset.checking = "true";
    pacedTimeout ||= setTimeout(() => {
      pacedTimeout = 0;
      recheck();
    }, paced);
    return;
  }
  checkedReturns = returned;
  if (known) return showReport(known, returned);
  if (lastCheckMs < SLOW_CHECK_MS && !sought) return runCheck();
  if (checkFrame || checkTimeout) return;
  const wait = Math.max(0, lastCheckAt + lastCheckMs * (CHECK_SHARE - 1) - performance.now());
  const verdict = $("check-verdict");
  verdict.dataset.checking = "true";
  // After the paint (a frame, then a task), not in it.
  checkFrame = requestAnimationFrame(() => {
    checkFrame = 0;
    checkTimeout = setTimeout(runCheck, wait);
  });
}

/** A point of the master run (the one seeks restore from: `c` itself, or a cluster sought from
 * it that still has actions on its tape, so it has not forked): its steps and time. "" for any
 * other cluster: its report is never reused. Not the event-log hash: it is computed on demand,
 * by a replay of what the log's window let go (README, "The event log's window"). */
function pointOf(c) {
  const run = masterRun();
  if (!run || (c !== run && c.tape.actions === 0)) return "";
  if (reportsRun !== run) {
    reports.clear();
    reportsRun = run;
  }
  return `${c.steps}:${c.now}`;
}

function cancelCheck() {
  cancelAnimationFrame(checkFrame);
  clearTimeout(checkTimeout);
  clearTimeout(pacedTimeout);
  checkFrame = checkTimeout = pacedTimeout = 0;
}

function runCheck() {
  cancelCheck();
  const c = page.cluster;
  const t0 = performance.now();
  const report = c.check(CHECK_BUDGET);
  sought = false;
  lastCheckAt = performance.now();
  lastCheckMs = lastCheckAt - t0;
  const point = pointOf(c);
  if (point) {
    reports.set(point, report);
    if (reports.size > REPORTS_KEPT) reports.delete(reports.keys().next().value);
  }
  const s = c.stats();
  showReport(report, s.ok + s.failed + s.unknown);
}

function showReport(report, returned) {
  page.history.setReport(report);
  setReport(report);
  const verdict = $("check-verdict");
  setData(verdict, "checking", null);
  const keys = Object.keys(report.keys).length;
  const v = report.violation;
  lastViolation = v ?? null;
  if (v) {
    post({ type: "violation", violation: v });
    setClass(verdict, "verdict bad");
    setText(verdict, v.kind === LINEARIZABILITY ? `✗ not linearizable (key ${v.key})` : `✗ safety violated: ${v.kind} (key ${v.key})`);
    setProp($("violation"), "hidden", false);
    setText($("violation"), `${v.explanation} (caught by ${caughtBy(v.kind)}; click to show it)`);
  } else if (!report.ok) {
    // The first key without a verdict, and why (the budget ran out, or the checker gave up on it).
    const [key, undecided] = Object.entries(report.keys).find(([, r]) => r.verdict === "unknown") ?? [];
    setClass(verdict, "verdict unsure");
    setText(verdict, `? ${undecided?.reason ?? "the search ran out of budget"}${key === undefined ? "" : ` (key ${key})`}`);
    setProp($("violation"), "hidden", true);
  } else {
    setClass(verdict, "verdict good");
    setText(verdict, keys ? `✓ linearizable (${counted(keys, "key")}, ${counted(returned, "operation")})` : "");
    setProp($("violation"), "hidden", true);
  }
}
