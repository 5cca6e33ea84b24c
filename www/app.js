// The playground page: a live Cluster (wasm) in manual time, animated by play/step, with
// fault controls, a client panel, scenarios, and the ballot timeline.
import init, { Cluster } from "./pkg/caspaxos_playground.js";
import { Timeline, PROPOSER_COLORS } from "./timeline.js";
import { SCENARIOS, INTRO_SCENARIO } from "./scenarios.js";
import { HistoryView } from "./history.js";
import { ResultsView, describe } from "./results.js";
import { Moments } from "./narration.js";
import { evaluate, runOf, describeClaim } from "./claims.js";
import { packLink, unpackLink } from "./link.js";

const $ = (id) => document.getElementById(id);
const DEFAULTS = { acceptors: 3, proposers: 2, seed: 1, oneRtt: true };

const ui = {
  cluster: null,
  config: { ...DEFAULTS },
  generation: 0, // bumps on rebuild: work of an older cluster stops
  seen: 0, // events already given to the timeline
  playing: false,
  speed: 0.1, // virtual ms per real ms
  carry: 0,
  lastFrame: 0,
  script: [], // scenario actions still to come: [at, fn], sorted
  stepping: false, // the reader steps event by event: an action does not start play
  awaited: new Set(), // operations the reader started and waits for
  results: null,
  scenario: null, // the scenario this run plays (text, claims, moments), or null
  moments: new Moments(),
  handled: false, // the reader changed the scenario's run: its claims describe another run
  lastPanels: 0,
  timeline: null,
  history: null,
  checkedReturns: -1, // completed operations at the last linearizability check
  search: null, // the running counterexample search, if any
  master: null, // the session a seek replays (the furthest run so far), its end time, and the
  masterEnd: 0, // scenario actions still to come after that end
  masterScript: [],
  busy: 0, // workers runs in progress
  fuzzing: false, // the run is a fuzz run (a counterexample): it schedules its own work
};
const embedded = window.parent !== window;
const reducedMotion = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;

// ---- operations and the clock ----

/** Starts an operation (`start()` returns its promise) under `label`; its row in the results list
 * follows its history entry. An operation the reader started needs virtual time: see `needTime`.
 * One refused before it began (bad input) has no history entry: its error is a note. */
function run(label, start, { byReader = false, wake = byReader } = {}) {
  const c = ui.cluster;
  const before = c.lastOperationId;
  const promise = start();
  const id = c.lastOperationId > before ? c.lastOperationId : null;
  const gen = ui.generation;
  if (id !== null) {
    ui.results.labels.set(id, label);
    if (byReader) awaitOp(id);
  } else {
    promise.catch((e) => { if (gen === ui.generation) ui.results.note(`${label} ✗ ${e && e.name}: ${e && e.message}`, "bad"); });
  }
  if (wake) needTime();
  return promise;
}

function quiet(promise) {
  promise.catch(() => {});
}

/** An operation the reader is waiting for: with reduced motion, time jumps until it ends. */
function awaitOp(id) {
  ui.awaited.add(id);
}

/** Whether an operation the reader waits for is still in flight (forgets the finished ones). */
function awaitedInFlight() {
  for (const id of ui.awaited) {
    if (ui.cluster.operation(id)?.outcome !== null) ui.awaited.delete(id);
  }
  return ui.awaited.size > 0;
}

/** The reader acted: an operation needs virtual time to finish, so time must move. Playing, it
 * does; paused, play starts — except while the reader steps (Step or →), when the results say
 * why the operation waits, and with reduced motion, when `frame()` jumps time to its end instead
 * of animating it. */
function needTime() {
  if (ui.playing || ui.stepping || reducedMotion) return;
  setPlaying(true);
}

/** Why operation `id`, in flight, does not move; "" when time will move for it. */
function waitingNote(id) {
  if (ui.playing) return "";
  if (ui.stepping) return " — paused: Step (→) runs one event, ▶ Play runs on";
  return reducedMotion && ui.awaited.has(id) ? "" : " — paused: ▶ Play runs it";
}

/** With reduced motion, time jumps (no animation) while an operation the reader started is in
 * flight: at most ~8 ms of work per frame, so the page stays responsive. */
function jumpTime() {
  const until = performance.now() + 8;
  while (awaitedInFlight() && performance.now() < until) advance(10);
}

// ---- cluster lifecycle ----

function nodesOf(cfg) {
  const ps = Array.from({ length: cfg.proposers }, (_, i) => `p${i + 1}`);
  const as = Array.from({ length: cfg.acceptors }, (_, i) => `a${i + 1}`);
  return { ps, as };
}

function rebuild(cfg) {
  adopt(new Cluster({ ...cfg, autoAdvance: false, break: breakOptions() }), cfg); // throws InvalidArgument on bad input
}

/** Shows `next` (a Cluster in manual time) in the page, replacing the current one. A new run
 * forgets the scenario; `sameRun` (a seek) keeps it, with its labels and its script to come. */
function adopt(next, cfg, { sameRun = false } = {}) {
  if (ui.cluster) ui.cluster.free();
  ui.cluster = next;
  ui.config = { ...cfg };
  ui.generation += 1;
  ui.seen = 0;
  ui.script = [];
  ui.awaited.clear();
  ui.busy = 0;
  ui.fuzzing = false;
  ui.carry = 0;
  ui.checkedReturns = -1;
  ui.master = null;
  ui.masterEnd = 0;
  ui.masterScript = [];
  ui.history.setReport({ keys: {} });
  ui.history.selected = null;
  if (sameRun) ui.results.reset();
  else {
    ui.results.clear();
    showScenario(null);
  }
  ui.moments = new Moments(ui.scenario?.moments ?? []);
  $("caption").textContent = "";
  $("violation").hidden = true;
  const { ps, as } = nodesOf(cfg);
  ui.timeline.reset([...ps, ...as], next.state().network.latency.max, next);
  ui.timeline.follow = true;
  $("follow").checked = true;
  $("workers-out").textContent = "";
  $("workers-progress").hidden = true;
  $("drop").value = 0;
  $("dup").value = 0;
  const lat = next.state().network.latency;
  $("lat-min").value = lat.min;
  $("lat-max").value = lat.max;
  const form = $("rebuild");
  form.acceptors.value = cfg.acceptors;
  form.proposers.value = cfg.proposers;
  form.seed.value = cfg.seed ?? 1;
  form.oneRtt.checked = cfg.oneRtt !== false;
  renderNodes();
  renderPartitionEditor();
  const sel = $("proposer");
  sel.textContent = "";
  for (const p of ps) sel.append(new Option(p, p));
  renderIntro();
  refresh(true);
}

/** The one sentence that says what the reader is looking at. */
function renderIntro() {
  const { acceptors, proposers } = ui.config;
  const range = (x, n) => (n === 1 ? `${x}1` : `${x}1–${x}${n}`);
  const s = ui.scenario;
  const intro = $("intro");
  intro.textContent = "";
  const b = (text) => Object.assign(document.createElement("b"), { textContent: text });
  intro.append(
    "A live, simulated CASPaxos cluster: acceptors ", b(range("a", acceptors)), " store one register per key, proposers ",
    b(range("p", proposers)), " change it, and every arrow is one message (time runs left to right). ",
  );
  if (s) intro.append("Now playing: ", b(s.title), ` — ${s.summary} `);
  else intro.append("Start an operation in the Client panel, or pick a scenario. ");
  if (reducedMotion) intro.append("(Reduced motion: the page does not play by itself; an operation you start runs to its end at once.)");
}

// ---- time ----

/** Runs `ms` of virtual time, firing scenario actions at their times. */
function advance(ms) {
  const c = ui.cluster;
  const target = c.now + ms;
  while (ui.script.length && ui.script[0][0] <= target) {
    const [at, fn] = ui.script.shift();
    if (at > c.now) c.runFor(at - c.now);
    try {
      fn(c, scenarioApi);
    } catch (e) {
      ui.results.note(`scenario step failed: ${e.name}: ${e.message}`, "bad");
    }
  }
  if (target > c.now) c.runFor(target - c.now);
}

function setPlaying(on) {
  ui.playing = on;
  if (on) ui.stepping = false;
  const b = $("play");
  b.setAttribute("aria-pressed", String(on));
  b.textContent = on ? "❚❚ Pause" : "▶ Play";
  ui.lastFrame = performance.now();
  renderTimeNote();
}

/** Says, under the time controls, when time does not move by itself. */
function renderTimeNote() {
  let text = "";
  if (reducedMotion && !ui.playing) text = "Reduced motion: paused. An operation you start runs to its end at once; ▶ Play animates.";
  else if (ui.stepping) text = "Stepping: each Step (→) runs one event. ▶ Play runs on.";
  $("time-note").textContent = text;
}

function frame(ts) {
  if (ui.playing) {
    const dt = Math.min(100, ts - ui.lastFrame);
    ui.carry += dt * ui.speed;
    const whole = Math.floor(ui.carry);
    ui.carry -= whole;
    if (whole > 0) advance(whole);
    refresh(false);
    if (runIsOver()) {
      setPlaying(false);
      refresh(true);
      $("time-note").textContent = "Paused: the run is over (nothing in flight, nothing to come). An operation starts time again.";
    }
  } else if (reducedMotion && !ui.stepping && ui.awaited.size) {
    jumpTime();
    refresh(false);
  }
  ui.lastFrame = ts;
  requestAnimationFrame(frame);
}

/** Nothing in flight and nothing to come: no operation, no message, no scenario action, no
 * recorded action, no workers. (A fuzz run schedules its own faults and operations: never over.) */
function runIsOver() {
  const c = ui.cluster;
  return !ui.fuzzing && c.pending === 0 && ui.script.length === 0 && ui.timeline.sends.size === 0 && c.tape.actions === 0 && ui.busy === 0;
}

/** One event (or, when nothing is scheduled, the scenario's next action); pauses play. */
function stepOnce() {
  if (ui.playing) setPlaying(false);
  ui.stepping = true;
  renderTimeNote();
  if (ui.script.length && ui.script[0][0] <= ui.cluster.now) advance(0);
  if (!ui.cluster.step() && ui.script.length) advance(ui.script[0][0] - ui.cluster.now);
  refresh(true);
}

// ---- rendering ----

function refresh(force) {
  const c = ui.cluster;
  const events = c.events(ui.seen);
  ui.seen += events.length;
  ui.timeline.ingest(events);
  if (events.length) {
    announce(events);
    narrate(events);
    if (embedded) for (const e of events) if (e.kind === "return") post({ type: "operation", op: e.op, node: e.node, outcome: e.outcome, at: e.at });
  }
  ui.timeline.render(c.now);
  $("now").textContent = c.now;
  ui.results.render(c, waitingNote);
  const t = performance.now();
  if (force || t - ui.lastPanels > 150) {
    ui.lastPanels = t;
    renderPanels();
    recheck();
    renderClaims();
    updateSeek();
  }
  ui.history.render(c.now);
}

/** Shows the scenario's moments as captions when their events happen. */
function narrate(events) {
  const hits = ui.moments.feed(events);
  if (hits.length) $("caption").textContent = hits.at(-1).moment.say;
}

/** Shows (or, with null, hides) a scenario's title, text and claims. */
function showScenario(s, text = s ? `${s.title}: ${s.text}` : "") {
  ui.scenario = s;
  ui.handled = false;
  $("scenario-text").textContent = text;
  for (const b of document.querySelectorAll("#scenario-list button")) b.setAttribute("aria-current", String(b.dataset.scenario === s?.id));
  const list = $("claims");
  list.textContent = "";
  delete list.dataset.checked;
  $("claims-box").querySelector(".claims-note")?.remove();
  $("claims-box").hidden = !s?.claims?.length;
  for (const claim of s?.claims ?? []) {
    const li = document.createElement("li");
    li.textContent = describeClaim(claim);
    li.dataset.ok = "pending";
    list.append(li);
  }
  renderIntro();
}

/** The reader acted on a scenario's run: from here it is another run than the one its claims
 * describe. */
function handled() {
  if (!ui.scenario || ui.handled) return;
  ui.handled = true;
  const note = document.createElement("p");
  note.className = "claims-note";
  note.textContent = "You changed this run, so these claims (about the scenario's own run) are no longer checked.";
  $("claims-box").prepend(note);
}

/** Once the scenario's run is over (nothing to come, nothing in flight), ticks its claims: each
 * ✓ when the run shows it, ✗ with what it shows instead. */
function renderClaims() {
  const s = ui.scenario;
  const c = ui.cluster;
  if (!s?.claims?.length || ui.handled) return;
  const list = $("claims");
  const over = ui.script.length === 0 && c.pending === 0 && c.tape.actions === 0 && ui.busy === 0;
  if (!over || list.dataset.checked === String(ui.generation)) return;
  list.dataset.checked = String(ui.generation);
  const verdicts = evaluate(s.claims, runOf(c));
  verdicts.forEach((v, i) => {
    const li = list.children[i];
    li.dataset.ok = String(v.ok);
    li.title = v.ok ? "" : `the run shows: ${v.actual}`;
    li.textContent = describeClaim(v.claim) + (v.ok ? "" : ` — the run shows ${v.actual}`);
  });
}

/** The kind of violation the linearizability checker reports; the others name a step oracle. */
const LINEARIZABILITY = "linearizability";

/** What caught a violation, as a person reads it. */
function caughtBy(kind) {
  return kind === LINEARIZABILITY ? "the linearizability checker" : `the ${kind} oracle`;
}

/** Reruns the check (linearizability and the step oracles) when operations completed since the last one. */
function recheck() {
  const s = ui.cluster.stats();
  const returned = s.ok + s.failed + s.unknown;
  if (returned === ui.checkedReturns) return;
  ui.checkedReturns = returned;
  const report = ui.cluster.check();
  ui.history.setReport(report);
  const verdict = $("check-verdict");
  const keys = Object.keys(report.keys).length;
  const v = report.violation;
  ui.lastViolation = v ?? null;
  if (v) {
    post({ type: "violation", violation: v });
    verdict.className = "verdict bad";
    verdict.textContent = v.kind === LINEARIZABILITY ? `✗ not linearizable (key ${v.key})` : `✗ safety violated: ${v.kind} (key ${v.key})`;
    $("violation").hidden = false;
    $("violation").textContent = `${v.explanation} (click to show it)`;
  } else if (!report.ok) {
    verdict.className = "verdict unsure";
    verdict.textContent = "? the search ran out of budget";
    $("violation").hidden = true;
  } else {
    verdict.className = "verdict good";
    verdict.textContent = keys ? `✓ linearizable (${keys} key${keys > 1 ? "s" : ""}, ${returned} operations)` : "";
    $("violation").hidden = true;
  }
}

function renderNodes() {
  const { ps, as } = nodesOf(ui.config);
  const list = $("nodes");
  list.textContent = "";
  for (const id of [...ps, ...as]) {
    const li = document.createElement("li");
    li.dataset.node = id;
    const dot = document.createElement("span");
    dot.className = "dot";
    dot.style.background = id.startsWith("p") ? PROPOSER_COLORS[(Number(id.slice(1)) - 1) % PROPOSER_COLORS.length] : "#1d2430";
    const name = document.createElement("span");
    name.className = "id";
    name.textContent = id;
    const status = document.createElement("span");
    status.className = "status up";
    status.textContent = "up";
    li.append(dot, name, status);
    const button = (label, title, fn, cls = "") => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.title = title;
      b.className = cls;
      b.dataset.action = label;
      b.addEventListener("click", () => guard($("network-error"), () => fn(id)));
      li.append(b);
    };
    button("crash", `crash ${id}`, (n) => ui.cluster.crash(n), "danger");
    button("restart", `restart ${id}`, (n) => ui.cluster.restart(n));
    if (id.startsWith("a")) button("wipe", `restart ${id} with empty storage (outside the fault model)`, (n) => ui.cluster.wipe(n), "danger");
    button("isolate", `cut ${id} off from every other node`, (n) => ui.cluster.isolate(n));
    list.append(li);
  }
}

function renderPartitionEditor() {
  const { ps, as } = nodesOf(ui.config);
  const box = $("partition-editor");
  box.textContent = "";
  for (const id of [...ps, ...as]) {
    const label = document.createElement("label");
    label.textContent = id;
    const sel = document.createElement("select");
    sel.dataset.node = id;
    sel.setAttribute("aria-label", `group of ${id}`);
    for (const g of ["A", "B", "C"]) sel.append(new Option(g, g));
    label.append(sel);
    box.append(label);
  }
}

function renderPanels() {
  const c = ui.cluster;
  const st = c.state();
  for (const n of [...st.proposers, ...st.acceptors]) {
    const li = document.querySelector(`#nodes li[data-node="${n.id}"] .status`);
    if (li) {
      li.textContent = n.up ? "up" : "down";
      li.className = `status ${n.up ? "up" : "down"}`;
    }
  }
  const box = $("acceptor-state");
  box.textContent = "";
  for (const a of st.acceptors) {
    const table = document.createElement("table");
    table.className = a.up ? "" : "down";
    const cap = table.createCaption();
    cap.textContent = `${a.id} ${a.up ? "" : "(down)"}`;
    const head = table.createTHead().insertRow();
    for (const h of ["key", "promise", "accepted", "value"]) {
      const th = document.createElement("th");
      th.textContent = h;
      head.append(th);
    }
    const body = table.createTBody();
    const keys = Object.keys(a.registers);
    for (const k of keys.slice(0, 30)) {
      const r = a.registers[k];
      const tr = body.insertRow();
      const b = (x) => (x ? `${x.counter}.${x.proposer}` : "–");
      for (const text of [k, b(r.promise), r.accepted ? `${b(r.accepted.ballot)} v${r.accepted.version}` : "–", r.accepted ? describe(r.accepted.value) : "–"]) {
        tr.insertCell().textContent = text;
      }
    }
    if (!keys.length) body.insertRow().insertCell().textContent = "empty";
    box.append(table);
  }
  const s = c.stats();
  const dl = $("stats");
  dl.textContent = "";
  const items = [
    ["operations", s.operations], ["ok", s.ok], ["failed", s.failed], ["unknown", s.unknown], ["pending", s.pending],
    ["messages", s.messages], ["messages / operation", s.messagesPerOperation.toFixed(2)], ["delivered", s.delivered],
    ["dropped", s.dropped], ["duplicated", s.duplicated], ["conflicts", s.conflicts], ["retries", s.retries], ["timeouts", s.timeouts],
  ];
  for (const [k, v] of items) {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = v;
    dd.dataset.stat = k;
    dl.append(dt, dd);
  }
  $("violations").textContent = s.violations.length ? `Safety violated: ${s.violations[0]}` : "";
}

// ---- sessions: seek, fork, verify, share, export/import ----

function sessionOut(text, bad = false) {
  const out = $("session-out");
  out.textContent = text;
  out.className = bad ? "session-out bad" : "session-out";
}

function updateSeek() {
  const c = ui.cluster;
  const seek = $("seek");
  seek.max = Math.max(c.now, c.tape.end ?? 0, ui.master ? ui.masterEnd : 0);
  if (document.activeElement !== seek) seek.value = c.now;
}

/** Replays the session to virtual time `t` (seeking back or forward), paused there. The recorded
 * actions after `t` stay on the tape, and a scenario's actions still to come stay in its script:
 * play on and the run is the same. */
function seekTo(t) {
  const c = ui.cluster;
  if (!c.replayable) return sessionOut("This run used a change function (code), so it cannot be replayed: no seeking.", true);
  if (c.tape.actions === 0 && c.now >= ui.masterEnd) {
    ui.master = c.sessionLink(); // the tape: one string across the boundary, any length
    ui.masterEnd = c.now;
    ui.masterScript = ui.script.slice();
  }
  const t0 = performance.now();
  const next = Cluster.fromSession(ui.master, { until: Math.max(0, Math.round(t)) });
  const { master, masterEnd, masterScript } = ui;
  adopt(next, ui.config, { sameRun: true });
  Object.assign(ui, { master, masterEnd, masterScript, script: masterScript.slice() });
  setPlaying(false); // the reader looks at the point they chose; play goes on from there
  refresh(true); // adopt() drew the slider before the master was back
  sessionOut(`at ${next.now} ms — replayed ${next.steps} events in ${(performance.now() - t0).toFixed(1)} ms${next.tape.actions ? `; ${next.tape.actions} recorded actions ahead (play to see them, or act to fork)` : ""}`);
}

function download(name, value) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([JSON.stringify(value, null, 2)], { type: "application/json" }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** Opens a session (document or link text) from its start: press play to watch it. A run shared
 * from a scenario (`scenario`: its id) shows the scenario's text, and the scenario's actions that
 * had not happened when it was shared are its script again. */
function openSession(session, what, scenario = null) {
  const c = Cluster.fromSession(session, { until: 0 });
  const st = c.state();
  adopt(c, { ...ui.config, acceptors: st.acceptors.length, proposers: st.proposers.length });
  const tape = c.tape;
  const s = SCENARIOS.find((x) => x.id === scenario);
  if (s) {
    showScenario(s);
    ui.moments = new Moments(s.moments);
    const recorded = tape.end ?? -1; // every action up to the moment of sharing is on the tape
    ui.script = s.script.filter(([at]) => at > recorded).sort((a, b) => a[0] - b[0]);
  }
  setPlaying(false);
  sessionOut(`${what}: ${tape.actions} recorded actions until ${tape.end ?? 0} ms. Press play to watch it; nothing in it runs as code.`);
}

/** A share link in the page's URL (`#session=<link>`, maybe `&scenario=<id>`) opens that run; a
 * bad one says why and leaves a default cluster. Resolves to whether the URL held a link. */
async function openFromHash() {
  const h = location.hash;
  if (!h.startsWith("#session=")) return false;
  const [link, ...rest] = h.slice(1).split("&");
  const scenario = new URLSearchParams(rest.join("&")).get("scenario");
  try {
    const tape = await unpackLink(link.slice("session=".length), Cluster.limits.linkChars);
    openSession(tape, "Opened a shared run", scenario);
  } catch (e) {
    rebuild(DEFAULTS);
    sessionOut(`The link could not be opened (${e.message}). Showing a default cluster instead.`, true);
  }
  return true;
}

/** Screen-reader narration of the main events, when switched on. */
function announce(events) {
  if (!$("narrate").checked) return;
  const words = [];
  for (const e of events) {
    if (e.kind === "return") words.push(`operation ${e.op} on ${e.node}: ${e.outcome}`);
    else if (["crash", "restart", "wipe"].includes(e.kind)) words.push(`${e.node} ${e.kind}ed`.replace("wipeed", "wiped"));
    else if (e.kind === "partition") words.push("network partitioned");
    else if (e.kind === "heal") words.push("network healed");
    else if (e.kind === "timeout") words.push(`${e.node} timed out on ${e.key}`);
  }
  if (words.length) $("narration").textContent = words.slice(-4).join(". ");
}

/** Messages to the embedding page, when in an iframe. */
function post(msg) {
  if (embedded) window.parent.postMessage({ source: "caspaxos-playground", ...msg }, "*");
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
    }
    else if (m.type === "scenario" && typeof m.id === "string") {
      if (!loadScenario(m.id)) return post({ type: "error", message: `unknown scenario ${JSON.stringify(m.id)}` });
    }
    else return post({ type: "error", message: `unknown message ${JSON.stringify(m.type)}` });
    post({ type: "state", now: ui.cluster.now, playing: ui.playing });
  } catch (err) {
    post({ type: "error", message: `${err.name}: ${err.message}` });
  }
}

/** Runs a UI action of the reader's; an error shows next to it instead of escaping. */
function guard(out, fn) {
  handled();
  try {
    out.textContent = "";
    fn();
    refresh(true);
  } catch (e) {
    out.textContent = `${e.name}: ${e.message}`;
  }
}

// ---- client panel ----

function opts() {
  return { proposer: $("proposer").value };
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch (e) {
    const err = new Error(`value is not JSON: ${e.message}`);
    err.name = "InvalidArgument";
    throw err;
  }
}

/** An operation from the client panel: its row, time to run it, and no more scenario claims. */
function clientAction(label, make) {
  handled();
  try {
    quiet(run(label(), make, { byReader: true }));
    refresh(true);
  } catch (e) {
    ui.results.note(`${label()} ✗ ${e.name}: ${e.message}`, "bad");
  }
}

/** `n` workers each increment the key "workers" `m` times, spread over the proposers; then the
 * count is compared with what the increments answered. `byReader`: started from the client
 * panel (time must move; see `needTime`), not by a scenario's script. */
async function workers(n, m, { byReader = false } = {}) {
  const c = ui.cluster;
  const gen = ui.generation;
  const { ps } = nodesOf(ui.config);
  const key = "workers";
  const total = n * m;
  let done = 0;
  let failed = 0;
  const progress = $("workers-progress");
  progress.hidden = false;
  progress.max = total;
  progress.value = 0;
  $("workers-out").textContent = `0 / ${total}`;
  ui.busy += 1;
  // The reader's click starts time once; if they pause later, the workers wait for them.
  const start = (label, op, wake = false) => run(label, op, { byReader, wake: byReader && wake });
  try {
    const before = await start("workers: get workers (the count before)", () => c.get(key), true).catch(() => 0);
    const worker = async (w) => {
      for (let i = 0; i < m && gen === ui.generation; i++) {
        const proposer = ps[w % ps.length];
        try {
          await start(`worker ${w + 1}: increment workers via ${proposer}`, () => c.increment(key, { proposer }));
        } catch {
          failed += 1;
        }
        done += 1;
        if (gen === ui.generation) {
          progress.value = done;
          $("workers-out").textContent = `${done} / ${total}`;
        }
      }
    };
    await Promise.all(Array.from({ length: n }, (_, w) => worker(w)));
    if (gen !== ui.generation) return;
    const final = await start("workers: get workers (the count after)", () => c.get(key));
    const ok = total - failed;
    const expected = (before ?? 0) + ok;
    const verdict = final >= expected && final <= expected + failed ? "✓" : "✗";
    $("workers-out").textContent = `final count ${final}, expected ${expected}${failed ? ` (+ up to ${failed} failed/unknown)` : ""} ${verdict}`;
    ui.results.note(`${n} workers × ${m} increments → ${final} (expected ${expected}) ${verdict}`, verdict === "✓" ? "ok" : "bad");
  } finally {
    if (gen === ui.generation) ui.busy -= 1;
  }
}

// ---- break it ----

function breakOptions() {
  const b = {};
  if ($("break-quorum").checked) b.quorum = 1;
  if ($("break-reuse").checked) b.reuseBallot = true;
  if ($("break-any").checked) b.takeAnyAccepted = true;
  if ($("break-blind").checked) b.blindRetry = true;
  return b;
}

/** Sweeps seeds of randomized runs with faults, in chunks between frames, until one verdict —
 * the linearizability checker and the step oracles together — finds a violation; then loads that
 * run to be watched and says what caught it. */
function findCounterexample() {
  if (ui.search) return;
  const cfg = { acceptors: ui.config.acceptors, proposers: ui.config.proposers, oneRtt: ui.config.oneRtt !== false };
  const options = (seed) => ({ ...cfg, seed, break: breakOptions(), wipes: $("break-wipe").checked });
  const maxSeeds = 500;
  const progress = $("find-progress");
  const out = $("find-out");
  progress.hidden = false;
  progress.max = maxSeeds;
  progress.value = 0;
  $("find-cancel").hidden = false;
  $("find").disabled = true;
  delete out.dataset.kind;
  const search = { cancelled: false };
  ui.search = search;
  const done = (text) => {
    ui.search = null;
    progress.hidden = true;
    $("find-cancel").hidden = true;
    $("find").disabled = false;
    out.textContent = text;
  };
  let seed = 1;
  const chunk = () => {
    if (search.cancelled) return done(`cancelled after ${seed - 1} seeds`);
    const until = performance.now() + 12; // keep frames smooth
    while (performance.now() < until && seed <= maxSeeds) {
      const c = Cluster.fuzz(options(seed));
      c.runUntilIdle();
      const report = c.check();
      c.free();
      const v = report.violation;
      if (v) {
        const also = [...new Set(report.oracles.map((o) => o.kind).filter((k) => k !== v.kind))];
        const more = also.length ? ` (also ${also.map(caughtBy).join(", ")})` : "";
        done(`counterexample at seed ${seed} (after ${seed} runs), caught by ${caughtBy(v.kind)}${more}: watch it unfold`);
        out.dataset.kind = v.kind;
        adopt(Cluster.fuzz(options(seed)), { ...cfg, seed });
        ui.fuzzing = true;
        showScenario(null, `Counterexample, seed ${seed} (${v.kind}): ${v.explanation}`);
        setSpeed(0.2);
        setPlaying(true);
        return;
      }
      seed += 1;
    }
    progress.value = seed - 1;
    out.textContent = `${seed - 1} of ${maxSeeds} runs linearizable, no oracle fired…`;
    if (seed > maxSeeds) {
      const expected = Object.keys(breakOptions()).length || $("break-wipe").checked ? "" : " (as expected: nothing is broken)";
      // The panels keep showing the run on screen; say so when it is an earlier counterexample.
      const shown = ui.fuzzing ? "; the run shown is still the earlier counterexample" : "";
      return done(`no counterexample in ${maxSeeds} runs${expected}${shown}`);
    }
    setTimeout(chunk, 0);
  };
  chunk();
}

const scenarioApi = { run: (label, start) => { quiet(run(label, start)); }, workers: (n, m) => quiet(workers(n, m)) };

/** Plays scenario `id` from its start (paused with reduced motion: the reader starts it). */
function loadScenario(id) {
  const s = SCENARIOS.find((x) => x.id === id);
  if (!s) return false;
  rebuild({ ...DEFAULTS, ...s.config });
  showScenario(s);
  ui.moments = new Moments(s.moments);
  ui.script = s.script.map(([at, fn]) => [at, fn]).sort((a, b) => a[0] - b[0]);
  ui.stepping = false;
  setSpeed(s.speed ?? 0.1);
  setPlaying(!reducedMotion);
  return true;
}

function setSpeed(v) {
  ui.speed = v;
  $("speed").value = Math.log10(v);
  $("speed-out").textContent = `${v < 1 ? v.toPrecision(1) : Math.round(v)}×`;
}

// ---- wiring ----

function wire() {
  ui.results = new ResultsView($("results"));
  ui.timeline = new Timeline($("timeline"));
  ui.history = new HistoryView($("history"), ui.timeline);
  ui.timeline.onUserMove = () => {
    $("follow").checked = ui.timeline.follow;
    ui.timeline.render(ui.cluster.now);
    ui.history.render(ui.cluster.now);
  };
  ui.history.onSelect = (id) => {
    ui.history.selected = id;
    ui.timeline.focusOp(id);
    $("follow").checked = false;
    refresh(true);
  };
  $("rebuild").addEventListener("submit", (e) => {
    e.preventDefault();
    const f = e.target;
    guard($("rebuild-error"), () => {
      rebuild({ acceptors: Number(f.acceptors.value), proposers: Number(f.proposers.value), seed: Number(f.seed.value), oneRtt: f.oneRtt.checked });
    });
  });
  $("play").addEventListener("click", () => setPlaying(!ui.playing));
  $("step").addEventListener("click", stepOnce);
  $("idle").addEventListener("click", () => {
    while (ui.script.length) advance(ui.script[0][0] - ui.cluster.now);
    ui.cluster.runUntilIdle();
    refresh(true);
  });
  $("speed").addEventListener("input", (e) => setSpeed(Number((10 ** Number(e.target.value)).toPrecision(2))));
  $("zoom-in").addEventListener("click", () => { ui.timeline.zoom(0.7); ui.timeline.onUserMove(); });
  $("zoom-out").addEventListener("click", () => { ui.timeline.zoom(1.4); ui.timeline.onUserMove(); });
  $("fit").addEventListener("click", () => { ui.timeline.fit(ui.cluster.now); ui.timeline.onUserMove(); });
  $("follow").addEventListener("change", (e) => { ui.timeline.follow = e.target.checked; ui.timeline.highlight = null; ui.timeline.onUserMove(); });
  const netErr = $("network-error");
  $("drop").addEventListener("input", (e) => guard(netErr, () => {
    ui.cluster.setDropRate(Number(e.target.value) / 100);
    $("drop-out").textContent = `${e.target.value}%`;
  }));
  $("dup").addEventListener("input", (e) => guard(netErr, () => {
    ui.cluster.setDuplicateRate(Number(e.target.value) / 100);
    $("dup-out").textContent = `${e.target.value}%`;
  }));
  for (const id of ["lat-min", "lat-max"]) {
    $(id).addEventListener("change", () => guard(netErr, () => {
      ui.cluster.setLatency(Number($("lat-min").value), Number($("lat-max").value));
      ui.timeline.latencyMax = Number($("lat-max").value);
    }));
  }
  $("partition-apply").addEventListener("click", () => guard(netErr, () => {
    const groups = { A: [], B: [], C: [] };
    for (const sel of document.querySelectorAll("#partition-editor select")) groups[sel.value].push(sel.dataset.node);
    ui.cluster.partition([groups.B, groups.C].filter((g) => g.length));
  }));
  $("heal").addEventListener("click", () => guard(netErr, () => ui.cluster.heal()));

  const key = () => $("key").value;
  const via = () => ` via ${$("proposer").value}`;
  $("increment").addEventListener("click", () => clientAction(() => `increment ${key()}${via()}`, () => ui.cluster.increment(key(), opts())));
  $("get").addEventListener("click", () => clientAction(() => `get ${key()}${via()}`, () => ui.cluster.get(key(), opts())));
  $("delete").addEventListener("click", () => clientAction(() => `delete ${key()}${via()}`, () => ui.cluster.delete(key(), opts())));
  $("put").addEventListener("click", () => clientAction(() => `put ${key()} ${$("value").value}${via()}`, () => ui.cluster.put(key(), parseJson($("value").value), opts())));
  $("read").addEventListener("click", () => clientAction(() => `read ${key()}${via()}`, () => ui.cluster.read(key(), opts())));
  $("write").addEventListener("click", () => clientAction(
    () => `write ${key()} expecting v${$("version").value}${via()}`,
    () => ui.cluster.write(key(), Number($("version").value), parseJson($("value").value), opts()),
  ));
  const lockOpts = () => ($("ttl").value ? { ...opts(), ttl: Number($("ttl").value) } : opts());
  $("acquire").addEventListener("click", () => clientAction(() => `${$("owner").value} acquires ${$("lock").value}${via()}`, () => ui.cluster.acquireLock($("lock").value, $("owner").value, lockOpts())));
  $("release").addEventListener("click", () => clientAction(() => `${$("owner").value} releases ${$("lock").value}${via()}`, () => ui.cluster.releaseLock($("lock").value, $("owner").value, opts())));
  $("run-workers").addEventListener("click", () => {
    const n = Number($("workers").value);
    const m = Number($("per-worker").value);
    if (!(n >= 1 && n <= 100 && m >= 1 && m <= 1000 && Number.isInteger(n) && Number.isInteger(m))) {
      $("workers-out").textContent = "InvalidArgument: workers must be 1..100 and increments 1..1000";
      return;
    }
    handled();
    quiet(workers(n, m, { byReader: true }));
  });

  $("violation").addEventListener("click", () => {
    const id = ui.lastViolation?.ops[0];
    if (id !== undefined) ui.history.onSelect(id);
  });
  for (const id of ["break-quorum", "break-reuse", "break-any", "break-blind"]) {
    $(id).addEventListener("change", () => guard($("find-out"), () => ui.cluster.setBreak(breakOptions())));
  }
  $("find").addEventListener("click", findCounterexample);
  const sOut = (fn) => async () => {
    try {
      await fn();
    } catch (e) {
      sessionOut(`${e.name}: ${e.message}`, true);
    }
  };
  $("seek").addEventListener("change", sOut(() => seekTo(Number($("seek").value))));
  $("fork").addEventListener("click", sOut(() => {
    if (ui.cluster.tape.actions) handled();
    ui.cluster.fork();
    ui.master = null;
    ui.masterEnd = 0;
    sessionOut(`forked at ${ui.cluster.now} ms: the recorded future is dropped`);
    refresh(true);
  }));
  $("verify").addEventListener("click", sOut(() => {
    const t0 = performance.now();
    const r = ui.cluster.verify();
    sessionOut(r.ok ? `✓ deterministic: the replay gives the same event log (hash ${r.hash}, ${(performance.now() - t0).toFixed(0)} ms)` : `✗ the replay differs: ${r.hash} vs ${r.replayHash}`, !r.ok);
  }));
  $("share").addEventListener("click", sOut(async () => {
    const link = await packLink(ui.cluster.sessionLink());
    const scenario = ui.scenario && !ui.handled ? `&scenario=${ui.scenario.id}` : "";
    history.replaceState(null, "", `#session=${link}${scenario}`);
    const url = $("share-url");
    url.value = location.href;
    url.hidden = false;
    url.select();
    navigator.clipboard?.writeText(location.href).catch(() => {});
    sessionOut(`link ready (${link.length} characters${navigator.clipboard ? ", copied" : ""})`);
  }));
  $("export-session").addEventListener("click", sOut(() => download(`caspaxos-session-${ui.cluster.now}ms.json`, ui.cluster.session())));
  $("export-history").addEventListener("click", sOut(() => download(`caspaxos-history-${ui.cluster.now}ms.json`, ui.cluster.history())));
  $("import-session").addEventListener("change", async (e) => {
    const file = e.target.files?.[0];
    e.target.value = "";
    if (!file) return;
    try {
      const max = Cluster.limits.sessionBytes;
      if (file.size > max) throw new Error(`the file is larger than ${max / 1024 / 1024} MB`);
      let doc;
      try {
        doc = JSON.parse(await file.text());
      } catch {
        throw Object.assign(new Error("the file is not JSON"), { name: "InvalidArgument" });
      }
      openSession(doc, `Imported ${file.name}`);
    } catch (err) {
      sessionOut(`Could not import: ${err.message}`, true);
    }
  });
  window.addEventListener("hashchange", openFromHash);
  if (embedded) window.addEventListener("message", onMessage);
  $("find-cancel").addEventListener("click", () => { if (ui.search) ui.search.cancelled = true; });

  const list = $("scenario-list");
  for (const s of SCENARIOS) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = s.title;
    b.dataset.scenario = s.id;
    b.addEventListener("click", () => loadScenario(s.id));
    list.append(b);
  }

  document.addEventListener("keydown", (e) => {
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement) return;
    if (e.key === " " && !(t instanceof HTMLButtonElement)) {
      e.preventDefault();
      setPlaying(!ui.playing);
    } else if (e.key === "ArrowRight") {
      e.preventDefault();
      stepOnce();
    }
  });
  window.addEventListener("resize", () => ui.timeline.onUserMove());
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

/** The forms' bounds, from the one place the code keeps every limit (`Cluster.limits`). */
function applyLimits() {
  const l = Cluster.limits;
  const set = (sel, attr, v) => document.querySelectorAll(sel).forEach((el) => el.setAttribute(attr, String(v)));
  set("input[name=acceptors]", "max", l.acceptors);
  set("input[name=proposers]", "max", l.proposers);
  set("input[name=seed], #version, #ttl", "max", l.safeInteger);
  set("#lat-min, #lat-max", "max", l.latencyMs);
  set("#key, #lock, #owner", "maxlength", l.keyChars);
}

async function main() {
  await init();
  applyLimits();
  wire();
  await openFirst();
  renderTimeNote();
  requestAnimationFrame(frame);
  // For tests and the console.
  window.playground = {
    get cluster() { return ui.cluster; },
    get scenario() { return ui.scenario; },
    get playing() { return ui.playing; },
    timeline: ui.timeline, history: ui.history, loadScenario, refresh: () => refresh(true), setPlaying, setSpeed, advance, stepOnce, findCounterexample, seekTo,
  };
  document.documentElement.dataset.ready = "true";
  post({ type: "ready", now: ui.cluster.now });
}

main().catch((e) => {
  document.body.insertAdjacentHTML("afterbegin", '<p class="error" role="alert" id="fatal"></p>');
  document.getElementById("fatal").textContent = `The playground failed to start: ${e && e.message}`;
  throw e;
});
