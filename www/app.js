// The playground page: a live Cluster (wasm) in manual time, animated by the shared player, with
// panels around it (panels/*.js): scenarios, client, cluster & faults, break it, sessions, state.
// This file wires them together: the timeline and history views, the time controls, the
// keyboard, the iframe API, and the first view.
import init, { Cluster } from "./pkg/caspaxos_playground.js";
import { Timeline } from "./timeline.js";
import { INTRO_SCENARIO } from "./scenarios.js";
import { HistoryView } from "./history.js";
import { ResultsView } from "./results.js";
import { $, page, DEFAULTS, embedded, reducedMotion, makePlayer, refresh, renderTimeNote, setPlaying, setSpeed, run, quiet, post, drawnState } from "./page.js";
import { wireScenarios, loadScenario, narrate, momentsWaiting, rebuild, currentScenario } from "./panels/scenarios.js";
import { wireClient, workers } from "./panels/client.js";
import { wireFaults } from "./panels/faults.js";
import { wireBreakIt, findCounterexample } from "./panels/breakit.js";
import { wireMembership } from "./panels/membership.js";
import { wireMembershipChange } from "./panels/membership-change.js";
import { wireLeases } from "./panels/leases.js";
import { wirePipelining } from "./panels/pipelining.js";
import { wireSessions, seekTo, sessionOut, openFromHash } from "./panels/sessions.js";
import { wireState } from "./panels/state.js";
import { wireDelivery, manual } from "./panels/delivery.js";
import { wireLinearization } from "./panels/linearization.js";
import { wireLive, liveCluster } from "./panels/live.js";
import { wireMetrics } from "./panels/metrics.js";
import { IdleRun } from "./idle-run.js";
import { counted, countedGrouped } from "./wording.js";
import { setText } from "./dom.js";

/** Real ms between redraws of the slower panels while playing. */
const PANELS_EVERY_MS = 150;
let seen = 0; // events already given to the timeline
let lastPanels = 0;
/** Real ms between two redraws and progress texts of Run to idle (the text is a live region: not
 * every frame; the views cost more than the slice's events). */
const IDLE_PROGRESS_EVERY_MS = 250;
let idleRun = null; // the Run to idle going on, if any
let idleSaid = 0; // when its progress was last said

/** Something in flight or to come besides the player's script: a message, a recorded action, a
 * workers run. (A fuzz run schedules its own faults and operations: never over.) */
const busy = () => page.fuzzing || inTransit() > 0 || page.cluster.tape.actions > 0 || page.workersBusy() || page.changing();
/** Messages on their way that will arrive by themselves (under manual delivery, held ones wait). */
const inTransit = () => page.timeline.sends.size - (manual() ? page.cluster.inFlight().length : 0);

/** Gives the timeline (and narration, and an embedding page) the events logged since the last call.
 * Running to idle with no one else reading them, the timeline takes them in columns (no object
 * per event: the run's wall time was mostly building them). */
function ingest() {
  if (page.runningToIdle() && !eventsRead()) {
    seen += page.timeline.pull(page.cluster);
    return;
  }
  const events = page.cluster.events(seen);
  seen += events.length;
  page.timeline.ingest(events);
  if (events.length) {
    announce(events);
    narrate(events);
    if (embedded) for (const e of events) if (e.kind === "return") post({ type: "operation", op: e.op, node: e.node, outcome: e.outcome, at: e.at });
  }
}

/** Whether something besides the timeline reads the events as objects: the narration, a
 * scenario's moments still to come, an embedding page. */
const eventsRead = () => embedded || $("narrate").checked || momentsWaiting();

function render(force) {
  const c = page.cluster;
  ingest();
  page.timeline.render(c.now);
  setText($("now"), String(c.now));
  page.results.render(c, waitingNotes(), stillPending());
  const t = performance.now();
  const slow = force || t - lastPanels > PANELS_EVERY_MS;
  if (slow) lastPanels = t;
  return slow;
}

/** Whether operation `id` is in flight as the timeline saw it (it ingested every event up to
 * now): its results row need not be read again until it returns (see ResultsView.render). */
function stillPending() {
  const open = page.timeline.store.open;
  return (id) => open.has(id);
}

/** Says why operation `id`, in flight, does not move; "" when time will move for it. Made once
 * per redraw: the delivery mode is read from the cluster once, not once per row. */
function waitingNotes() {
  const p = page.player;
  if (manual()) return () => " — manual delivery: its messages wait for you";
  if (page.runningToIdle() || p.playing) return () => "";
  if (p.stepping) return () => " — paused: Step (→) runs one event, ▶ Play runs on";
  return (id) => (reducedMotion && p.awaited.has(id) ? "" : " — paused: ▶ Play runs it");
}

/** Screen-reader narration of the main events, when switched on. */
function announce(events) {
  if (!$("narrate").checked) return;
  const words = [];
  for (const e of events) {
    if (e.kind === "return") words.push(`operation ${e.op} on ${e.node}: ${e.outcome}`);
    else if (["crash", "restart"].includes(e.kind)) words.push(`${e.node} ${e.kind}ed`);
    else if (e.kind === "wipe") words.push(`${e.node} wiped`);
    else if (e.kind === "partition") words.push("network partitioned");
    else if (e.kind === "heal") words.push("network healed");
    else if (e.kind === "timeout") words.push(`${e.node} timed out on ${e.key}`);
  }
  if (words.length) $("narration").textContent = words.slice(-4).join(". ");
}

function wireViews() {
  page.results = new ResultsView($("results"));
  page.timeline = new Timeline($("timeline"));
  page.history = new HistoryView($("history"), page.timeline);
  page.timeline.onUserMove = () => {
    $("follow").checked = page.timeline.follow;
    page.timeline.render(page.shownNow());
    page.history.render(page.shownNow());
  };
  page.history.onSelect = (id) => {
    page.history.selected = id;
    page.timeline.focusOp(id);
    $("follow").checked = false;
    refresh(true);
  };
  page.onAdopt.push(({ sameRun, storeFrom }) => {
    if (sameRun) page.results.reset();
    else page.results.clear();
    const st = drawnState();
    const lanes = [...st.proposers.map((p) => p.id), ...st.acceptors.map((a) => a.id)];
    const latencyMax = st.network.latency.max;
    const store = storeFrom?.at(page.cluster, lanes, { objectsFrom: page.timeline.firstViewFrom(page.cluster.now, latencyMax) });
    page.timeline.reset(lanes, latencyMax, page.cluster, store);
    seen = page.timeline.store.events;
    page.timeline.follow = true;
    $("follow").checked = true;
  });
  page.draw = render;
  page.runningToIdle = () => idleRun?.running ?? false;
  page.stopRunToIdle = stopIdleRun;
  page.onRefresh.push(() => page.history.render(page.cluster.now));
}

function wireTime() {
  $("play").addEventListener("click", () => { stopIdleRun(); setPlaying(!page.player.playing); });
  $("step").addEventListener("click", stepOnce);
  $("idle").addEventListener("click", () => (idleRun?.running ? stopIdleRun() : runToIdle()));
  $("speed").addEventListener("input", (e) => setSpeed(Number((10 ** Number(e.target.value)).toPrecision(2))));
  const move = (fn) => () => { fn(page.timeline); page.timeline.onUserMove(); };
  $("zoom-in").addEventListener("click", move((tl) => tl.zoom(0.7)));
  $("zoom-out").addEventListener("click", move((tl) => tl.zoom(1.4)));
  $("fit").addEventListener("click", move((tl) => tl.fit(page.shownNow())));
  $("follow").addEventListener("change", (e) => { page.timeline.follow = e.target.checked; page.timeline.highlight = null; page.timeline.onUserMove(); });
  document.addEventListener("keydown", (e) => {
    const t = e.target;
    if (e.key === "Escape" && idleRun?.running) return stopIdleRun();
    if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement) return;
    if (document.body.dataset.world === "live") return; // a live run has no play or step
    if (e.key === " " && !(t instanceof HTMLButtonElement)) {
      e.preventDefault();
      stopIdleRun();
      setPlaying(!page.player.playing);
    } else if (e.key === "ArrowRight") {
      e.preventDefault();
      stepOnce();
    }
  });
  window.addEventListener("resize", () => page.timeline.onUserMove());
}

/** Runs the script and every event to the end (at most `maxEvents`, the cluster's own default
 * unless a test asks for fewer), a slice per frame, saying how far it got; the button stops it. */
function runToIdle({ maxEvents = Cluster.limits.idleEvents } = {}) {
  stopIdleRun();
  const button = $("idle");
  button.textContent = "■ Stop";
  button.title = "Stop running to idle (Escape)";
  button.dataset.running = "true";
  idleSaid = performance.now();
  idleRun = new IdleRun(page.player, { maxEvents, onSlice: idleProgress, onEnd: idleEnded }).start();
  return idleRun;
}

function stopIdleRun() {
  idleRun?.stop();
}

/** After each slice: the new events go to the timeline (each slice its share, so no frame takes
 * them all); the views redraw and the progress is said every IDLE_PROGRESS_EVERY_MS. */
function idleProgress(r) {
  ingest();
  const t = performance.now();
  if (t - idleSaid < IDLE_PROGRESS_EVERY_MS) return false;
  idleSaid = t;
  refresh(false);
  renderTimeNote(`Running to idle: ${countedGrouped(r.events, "event")} run, ${counted(page.cluster.pending, "operation")} pending. Stop (or Escape) stops it here.`);
  return true;
}

function idleEnded(r, why) {
  const button = $("idle");
  button.textContent = "Run to idle";
  button.title = "Run until nothing is scheduled";
  delete button.dataset.running;
  if (why === "replaced") return;
  refresh(true);
  const pending = counted(page.cluster.pending, "operation");
  if (why === "idle") renderTimeNote(`Ran to idle: ${countedGrouped(r.events, "event")}; nothing is scheduled.`);
  else if (why === "cap") renderTimeNote(`Stopped after ${countedGrouped(r.events, "event")}; ${pending} still pending — Run to idle again to go on.`);
  else renderTimeNote(`Stopped (you stopped it) after ${countedGrouped(r.events, "event")}; ${pending} still pending — Run to idle goes on from here.`);
}

function stepOnce() {
  stopIdleRun();
  page.player.step();
  refresh(true);
  renderTimeNote();
}

/** The iframe API: `{ type: "play" | "pause" | "step" | "seek", ms } | { type: "scenario", id }`. */
function onMessage(e) {
  const m = e.data;
  if (!m || typeof m !== "object" || typeof m.type !== "string") return;
  try {
    if (m.type === "play") setPlaying(true);
    else if (m.type === "pause") setPlaying(false);
    else if (m.type === "step") stepOnce();
    else if (m.type === "seek") {
      if (typeof m.ms !== "number" || !Number.isFinite(m.ms) || m.ms < 0) {
        return post({ type: "error", message: `seek needs ms, a finite number >= 0 of virtual ms; got ${JSON.stringify(m.ms) ?? String(m.ms)}` });
      }
      seekTo(m.ms);
    } else if (m.type === "scenario" && typeof m.id === "string") {
      if (!loadScenario(m.id)) return post({ type: "error", message: `unknown scenario ${JSON.stringify(m.id)}` });
    } else return post({ type: "error", message: `unknown message ${JSON.stringify(m.type)}` });
    post({ type: "state", now: page.cluster.now, playing: page.player.playing });
  } catch (err) {
    post({ type: "error", message: `${err.name}: ${err.message}` });
  }
}

/** The first view: a share link's run, or the scenario named by `?scenario=` (`none`: an empty
 * cluster), or the introductory scenario, playing. */
async function openFirst() {
  if (await openFromHash()) return;
  const wanted = new URLSearchParams(location.search).get("scenario") ?? INTRO_SCENARIO;
  if (wanted !== "none" && loadScenario(wanted)) return;
  rebuild(DEFAULTS);
  if (wanted !== "none") sessionOut(`There is no scenario named ${JSON.stringify(wanted)}: showing an empty cluster.`, true);
}

/** The forms' bounds, from the one place the code keeps every limit (`Cluster.limits`). Text
 * fields (key, lock, owner) get no maxlength: it would cut a pasted text silently, while the
 * cluster refuses a too-long one with a message that says so. */
function applyLimits() {
  const l = Cluster.limits;
  const set = (sel, attr, v) => document.querySelectorAll(sel).forEach((el) => el.setAttribute(attr, String(v)));
  set("input[name=acceptors]", "max", l.acceptors);
  set("input[name=proposers]", "max", l.proposers);
  set("input[name=prepareQuorum], input[name=acceptQuorum]", "max", l.acceptors);
  set("input[name=batch]", "max", l.batch);
  set("input[name=lease]", "max", l.leaseMs);
  set("input[name=clockDrift]", "max", l.clockDrift);
  set("input[name=pipeline]", "max", l.pipeline);
  set("input[name=gcDelay]", "max", l.latencyMs);
  set("input[name=seed], #version, #ttl", "max", l.safeInteger);
  set("#lat-min, #lat-max", "max", l.latencyMs);
  set("#workers, #live-workers", "max", l.workers); // the live panel checks against the same bounds
  set("#per-worker, #live-per-worker", "max", l.incrementsPerWorker);
}

async function main() {
  await init();
  applyLimits();
  const player = makePlayer({
    render: () => refresh(false),
    api: { run: (label, start) => { quiet(run(label, start)); }, workers: (n, m) => workers(n, m) },
    busy,
    onOver: () => {
      refresh(true);
      renderTimeNote(manual()
        ? "Paused: nothing moves by itself now — the messages below wait for you (or untick manual delivery)."
        : "Paused: the run is over (nothing in flight, nothing to come). An operation starts time again.");
    },
  });
  wireViews();
  wireScenarios();
  wireFaults();
  wireMembership();
  wireMembershipChange();
  wireLeases();
  wirePipelining();
  wireClient();
  wireBreakIt();
  wireSessions();
  wireState();
  wireDelivery();
  wireLinearization();
  wireLive();
  wireMetrics();
  wireTime();
  if (embedded) window.addEventListener("message", onMessage);
  await openFirst();
  renderTimeNote();
  player.start();
  // For tests and the console.
  window.playground = {
    get cluster() { return page.cluster; },
    get scenario() { return currentScenario(); },
    get playing() { return page.player.playing; },
    get live() { return liveCluster(); },
    timeline: page.timeline, history: page.history, player, loadScenario, refresh: () => refresh(true), setPlaying, setSpeed,
    advance: (ms) => player.advance(ms), stepOnce, findCounterexample, seekTo, runToIdle,
  };
  document.documentElement.dataset.ready = "true";
  post({ type: "ready", now: page.cluster.now });
}

main().catch((e) => {
  document.body.insertAdjacentHTML("afterbegin", '<p class="error" role="alert" id="fatal"></p>');
  document.getElementById("fatal").textContent = `The playground failed to start: ${e && e.message}`;
  throw e;
});
