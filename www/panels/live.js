// The Simulated / Live switch (issue 13). Live: a LiveCluster runs the same protocol and driver
// code as the simulation, on the browser's own event loop with real setTimeout timers; the
// timeline, the history and the checker read its events and history as they read a simulated
// run's. What only a simulation has (play, step, seek, sessions, links, manual delivery,
// scenarios, the counterexample search) is hidden while live.
//
// LiveCluster is its own wasm module (pkg/live, README "Two modules"): it is fetched the first
// time a reader switches to Live, never by the simulated page or the element.
import { Cluster } from "../pkg/caspaxos_playground.js";
import { $, page, setPlaying, refresh, numberIn } from "../page.js";

/** Real ms between checks of the live history (the checker is incremental, but not free). */
const CHECK_EVERY_MS = 400;
/** One-way delay of the live wire, in real ms. */
const LIVE_LATENCY = { min: 5, max: 15 };

const WHY = {
  sim: "Simulated: one seeded random generator and a virtual clock decide every delay, loss and timeout, so the same seed and the same actions give the same run, event for event. That is why it can be paused, stepped, seeked, shared as a link and replayed.",
  live: "Live: the same protocol and driver code run on this browser's event loop, with real setTimeout timers; each acceptor is a task that takes its messages after a real random delay. When a message is handled depends on the browser's scheduler, other tabs, garbage collection and the clock, and nothing records those choices: a live run cannot be replayed or seeked, only watched and checked. The checker below judges it exactly as it judges a simulated run.",
};

let live = null; // the LiveCluster shown, in Live mode
let seen = 0; // events already given to the timeline
let raf = 0;
let lastCheck = 0;
let report = null;
const progress = { total: 0, done: 0, failed: 0 };
let simulatedNow = null; // page.shownNow as the simulation sets it
let liveModule = null; // the live module's promise, once asked for
let switches = 0; // world switches so far: a Live switch whose module arrives late checks it is still wanted

/** The live module, initialised: fetched on the first call, shared after (a failed fetch is
 * tried again next time). */
function loadLiveModule() {
  liveModule ??= import("../pkg/live/caspaxos_live.js").then(async (m) => {
    await m.default();
    return m;
  });
  liveModule.catch(() => (liveModule = null));
  return liveModule;
}

/** The live cluster shown (null when simulated): for tests and the console. */
export const liveCluster = () => live;

export function wireLive() {
  simulatedNow = page.shownNow;
  $("world-note").textContent = WHY.sim;
  for (const radio of document.querySelectorAll("input[name=world]")) {
    radio.addEventListener("change", () => (radio.value === "live" ? enterLive() : leaveLive()));
  }
  $("live-run").addEventListener("click", () => act(() => runWorkers(numberIn($("live-workers"), "workers"), numberIn($("live-per-worker"), "increments"))));
  $("live-increment").addEventListener("click", () => act(() => settleInto(live.increment("counter"))));
  $("live-nodes").addEventListener("click", (e) => {
    const node = e.target?.dataset?.node;
    if (node) act(() => (e.target.dataset.action === "crash" ? live.crash(node) : live.restart(node)));
  });
}

/** Runs a reader's action on the live cluster; an error shows instead of escaping. */
function act(fn) {
  $("live-error").textContent = "";
  try {
    fn();
    renderNodes();
  } catch (e) {
    $("live-error").textContent = `${e.name}: ${e.message}`;
  }
}

async function enterLive() {
  page.stopRunToIdle();
  setPlaying(false);
  const wanted = ++switches;
  $("world-note").textContent = "Loading the live module…";
  let LiveCluster;
  try {
    ({ LiveCluster } = await loadLiveModule());
  } catch (e) {
    if (wanted !== switches) return;
    document.querySelector("input[name=world][value=sim]").checked = true;
    $("world-note").textContent = `The live module did not load (${e.message}); still simulated. Switch to Live to try again.`;
    $("world-why").open = true;
    return;
  }
  if (wanted !== switches) return; // the reader switched back while it loaded
  const cfg = page.config;
  live = new LiveCluster({ acceptors: cfg.acceptors, proposers: cfg.proposers, oneRtt: cfg.oneRtt, latency: LIVE_LATENCY });
  seen = 0;
  report = null;
  Object.assign(progress, { total: 0, done: 0, failed: 0 });
  const st = live.state();
  page.timeline.reset([...st.proposers.map((p) => p.id), ...st.acceptors.map((a) => a.id)], st.network.latency.max, live);
  page.history.setReport({ keys: {} });
  page.history.selected = null;
  document.body.dataset.world = "live";
  page.shownNow = () => live.now;
  $("world-note").textContent = WHY.live;
  $("world-why").open = true;
  renderNodes();
  renderOut();
  raf = requestAnimationFrame(frame);
}

function leaveLive() {
  switches += 1;
  if (!live) {
    $("world-note").textContent = WHY.sim;
    return;
  }
  cancelAnimationFrame(raf);
  live.free(); // its operations still in flight end Unavailable; the workers below stop
  live = null;
  document.body.dataset.world = "sim";
  page.shownNow = simulatedNow; // the simulation's time again
  $("world-note").textContent = WHY.sim;
  $("world-why").open = false;
  $("live-error").textContent = "";
  // Back to the simulated run as it was: the views start over from its events.
  for (const f of page.onAdopt) f({ sameRun: true });
  refresh(true);
}

/** Draws the live run as it goes: new events into the timeline, the history, and a verdict. */
function frame(t) {
  const events = live.events(seen);
  seen += events.length;
  page.timeline.ingest(events);
  const now = live.now;
  page.timeline.render(now);
  page.history.render(now);
  $("now").textContent = now;
  if (t - lastCheck > CHECK_EVERY_MS) {
    lastCheck = t;
    report = live.check();
    page.history.setReport(report);
    renderOut();
    showVerdict();
  }
  raf = requestAnimationFrame(frame);
}

/** `workers` concurrent clients, each awaiting `per` increments of "counter" in turn, through
 * the proposers in rotation. Stops when the live cluster is left. */
function runWorkers(workers, per) {
  const { workers: maxWorkers, incrementsPerWorker: maxPer } = Cluster.limits; // the simulated run's bounds
  if (!(Number.isInteger(workers) && workers >= 1 && workers <= maxWorkers && Number.isInteger(per) && per >= 1 && per <= maxPer)) {
    throw Object.assign(new Error(`workers must be a whole number in 1..=${maxWorkers} and increments in 1..=${maxPer}`), { name: "InvalidArgument" });
  }
  const c = live;
  const proposers = c.state().proposers.length;
  progress.total += workers * per;
  for (let w = 0; w < workers; w++) {
    (async () => {
      for (let i = 0; i < per && live === c; i++) {
        await settleInto(c.increment("counter", { proposer: `p${(w % proposers) + 1}` }));
      }
    })();
  }
}

/** Counts how an operation ended. */
function settleInto(promise) {
  const c = live;
  return promise.then(
    () => { if (live === c) progress.done += 1; },
    () => { if (live === c) progress.failed += 1; },
  );
}

/** What the checker said: a violation, linearizable, or undecided (the search ran out of budget:
 * not a violation). */
function verdictText() {
  if (!report) return "";
  if (report.violation) return `violation ✗ (${report.violation.kind}, key ${report.violation.key})`;
  return report.ok ? "linearizable ✓" : "undecided: the search ran out of budget";
}

/** The History header's verdict, for the live run (the simulated one writes its own). */
function showVerdict() {
  const el = $("check-verdict");
  const ops = live.stats();
  el.className = report.violation ? "verdict bad" : report.ok ? "verdict good" : "verdict unsure";
  el.textContent = `${report.violation ? "✗" : report.ok ? "✓" : "?"} live run: ${verdictText()} (${ops.ok + ops.failed + ops.unknown} operations)`;
}

function renderOut() {
  const s = live.stats();
  const verdict = verdictText();
  $("live-out").textContent = `${s.ok} ok, ${s.failed + s.unknown} failed, ${s.pending} in flight; ${s.messages} messages, ${s.conflicts} conflicts, ${s.timeouts} timeouts` +
    (progress.total ? `; workers ${progress.done + progress.failed}/${progress.total}` : "") + (verdict ? ` — ${verdict}` : "");
  $("live-out").dataset.verdict = report ? String(report.ok) : "";
}

/** A crash / restart button per node, as each node is now. */
function renderNodes() {
  const st = live.state();
  const box = $("live-nodes");
  box.textContent = "";
  for (const n of [...st.acceptors, ...st.proposers]) {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.node = n.id;
    b.dataset.action = n.up ? "crash" : "restart";
    b.textContent = `${n.up ? "crash" : "restart"} ${n.id}`;
    li.append(b);
    box.append(li);
  }
}
