// The page's shared state around the one player: the cluster shown, its configuration, the views
// (timeline, history, results) and what every panel needs — start an operation, note that the
// reader changed a scenario's run, show an error next to a control, redraw. Panels (panels/*.js)
// register what to do when a new cluster is adopted and what to draw on a refresh.
import { Player, reducedMotion, speedText } from "./player.js";

export const $ = (id) => document.getElementById(id);
export const DEFAULTS = { acceptors: 3, proposers: 2, seed: 1, oneRtt: true };
export const embedded = window.parent !== window;
export { reducedMotion };

/** Node ids of a configuration: proposers `p1..pM`, acceptors `a1..aN`. */
export function nodesOf(cfg) {
  const ps = Array.from({ length: cfg.proposers }, (_, i) => `p${i + 1}`);
  const as = Array.from({ length: cfg.acceptors }, (_, i) => `a${i + 1}`);
  return { ps, as };
}

export const page = {
  /** @type {Player} */
  player: null,
  config: { ...DEFAULTS },
  generation: 0, // bumps on adopt: work of an older cluster stops
  /** Whether a workers run is still going (set by the client panel). */
  workersBusy: () => false,
  /** Whether Run to idle is going on, a slice per frame (set by app.js): the checker waits for its end. */
  runningToIdle: () => false,
  /** Stops a Run to idle going on (set by app.js); the Live switch calls it. */
  stopRunToIdle: () => {},
  /** Whether a membership change is running (set by panels/membership-change.js). */
  changing: () => false,
  fuzzing: false, // the run is a fuzz run (a counterexample): it schedules its own work
  results: null,
  timeline: null,
  history: null,
  /** Whether a cluster the page stops showing stays alive (the sessions panel's master run). */
  keepAlive: () => false,
  /** Called with `{ sameRun, storeFrom }` when a cluster is adopted (after the state above is reset). */
  onAdopt: [],
  /** Draws the new events (set by app.js); returns whether the slower panels redraw now. */
  draw: (force) => force,
  /** Called on each refresh after `draw`, with `(slow, force)`: whether this callback's slow turn
   * is now (see refresh), and whether the redraw was forced. */
  onRefresh: [],
  /** The reader changed the run (set by the scenarios panel: claims no longer apply). */
  handled: () => {},
  get cluster() {
    return this.player.cluster;
  },
  /** The time the timeline and history show: the simulation's (a live run replaces it). */
  shownNow() {
    return this.cluster.now;
  },
};

/** Makes the page's player; `host` adds to the player's hooks (render, api, ...). */
export function makePlayer(host) {
  page.player = new Player({
    onPlaying: showPlaying,
    onScriptError: (e) => page.results.note(`scenario step failed: ${e.name}: ${e.message}`, "bad"),
    ...host,
  });
  return page.player;
}

/** The shown cluster's `state()` as one redraw (an adopt and its refresh, or a refresh) read it:
 * the panels that draw from it share one read (a seek read it six times, each a wasm call and a
 * copy of every register). Outside a redraw it reads the cluster each time. Only for drawing: an
 * action reads the cluster itself. */
let drawn = null; // { cluster, state }, forgotten when a redraw begins
export function drawnState() {
  const c = page.cluster;
  if (drawn?.cluster !== c) drawn = { cluster: c, state: c.state() };
  return drawn.state;
}

/** Shows `next` (a Cluster in manual time), replacing the current one, with `script` to come.
 * `storeFrom`: a timeline store of the same run (its furthest point), cut back or on to `next`'s
 * point instead of ingesting `next`'s events again. */
export function adopt(next, cfg, { sameRun = false, script = [], storeFrom = null } = {}) {
  if (!page.keepAlive(page.cluster)) page.cluster?.free();
  page.player.load(next, script);
  page.config = { ...cfg };
  page.generation += 1;
  page.fuzzing = false;
  drawn = null;
  for (const f of page.onAdopt) f({ sameRun, storeFrom });
  refresh(true);
}

/** A slow panels' turn that is not forced takes at most this many ms of a frame: the callbacks
 * left have theirs in the next frames. (All in one frame, the turn — the check, the metrics, the
 * acceptors' tables, the claims — made that frame several times the others' 12 ms at 100 k
 * events, one frame in every nine while playing.) */
const SLOW_TURN_MS = 3;
const owing = new Set(); // `onRefresh` callbacks whose slow turn is still to come

/** Redraws from the cluster's new events; `force`: the slower panels too. Each `onRefresh`
 * callback gets whether a slow panel may redraw now (its share of a slow turn, see
 * SLOW_TURN_MS), and whether the redraw was forced. */
export function refresh(force) {
  drawn = null;
  const slow = page.draw(force);
  if (slow) for (const f of page.onRefresh) owing.add(f);
  const deadline = performance.now() + SLOW_TURN_MS;
  let turns = 0;
  for (const f of page.onRefresh) {
    // A forced turn is everyone's at once; else in order, at least one a frame, until the time is up.
    const turn = owing.has(f) && (force || turns === 0 || performance.now() < deadline);
    if (turn) {
      owing.delete(f);
      turns += 1;
    }
    f(turn, force);
  }
  drawn = null; // a panel drawn later (coming into view, a pause) reads the cluster as it is then
}

const owed = new Set(); // redraws of panels out of view, skipped while playing (see onSlowTurnShown)

/**
 * Registers `draw`, a slower panel's redraw, for the slow panels' turn (every 150 ms while
 * playing) — but only while `el` is in view (an IntersectionObserver says so). Out of view, the
 * turn is skipped and the redraw owed: it is drawn when `el` comes into view, when the player
 * pauses, and on any forced refresh (an action of the reader's, a seek, the run's end). A frame
 * while following at 100 k events spent ~1.6 ms on average redrawing the metrics, off screen.
 */
export function onSlowTurnShown(el, draw) {
  let shown = true; // until the observer first says
  new IntersectionObserver((entries) => {
    shown = entries[entries.length - 1].isIntersecting;
    if (shown && owed.delete(draw)) draw();
  }).observe(el);
  page.onRefresh.push((slow, force) => {
    if (!slow) return;
    if (shown || force) {
      owed.delete(draw);
      draw();
    } else owed.add(draw);
  });
}

/** Draws the panels' redraws owed while they were out of view (the player paused). */
function payOwed() {
  for (const draw of [...owed]) {
    owed.delete(draw);
    draw();
  }
}

export function setPlaying(on) {
  page.player.setPlaying(on);
}

function showPlaying(on) {
  if (!on) queueMicrotask(payOwed); // after the refresh a pause usually comes with (it pays them itself)
  const b = $("play");
  b.setAttribute("aria-pressed", String(on));
  b.textContent = on ? "❚❚ Pause" : "▶ Play";
  renderTimeNote();
}

export function setSpeed(v) {
  page.player.setSpeed(v);
  $("speed").value = Math.log10(v);
  $("speed-out").textContent = speedText(v);
}

/** Says, under the time controls, when time does not move by itself. */
export function renderTimeNote(text = "") {
  const p = page.player;
  if (!text && p.cluster?.delivery === "manual" && !p.playing) text = "Manual delivery: messages wait for you — click one below to deliver it next. ▶ Play lets time (and timeouts) run.";
  else if (!text && reducedMotion && !p.playing) text = "Reduced motion: paused. An operation you start runs to its end at once; ▶ Play animates.";
  else if (!text && p.stepping) text = "Stepping: each Step (→) runs one event. ▶ Play runs on.";
  $("time-note").textContent = text;
}

/** Starts an operation (`start()` returns its promise) under `label`; its row in the results list
 * follows its history entry. One the reader started needs virtual time (see Player.needTime).
 * One refused before it began (bad input) has no history entry: its error is a note. */
export function run(label, start, { byReader = false, wake = byReader } = {}) {
  const c = page.cluster;
  const before = c.lastOperationId;
  const promise = start();
  const id = c.lastOperationId > before ? c.lastOperationId : null;
  const gen = page.generation;
  if (id !== null) {
    page.results.labels.set(id, label);
    if (byReader) page.player.await(id);
  } else {
    promise.catch((e) => { if (gen === page.generation) page.results.note(`${label} ✗ ${e && e.name}: ${e && e.message}`, "bad"); });
  }
  // Under manual delivery the reader moves the run by delivering messages: time waits.
  if (wake && c.delivery !== "manual") page.player.needTime();
  return promise;
}

export function quiet(promise) {
  promise.catch(() => {});
}

/** Runs a UI action of the reader's; an error shows in `out` instead of escaping. `changesRun`:
 * the action makes the run another one than a scenario's claims describe. */
export function guard(out, fn, { changesRun = true } = {}) {
  if (changesRun) page.handled();
  try {
    out.textContent = "";
    fn();
    refresh(true);
  } catch (e) {
    out.textContent = `${e.name}: ${e.message}`;
  }
}

/** Messages to the embedding page, when in an iframe. */
export function post(msg) {
  if (embedded) window.parent.postMessage({ source: "caspaxos-playground", ...msg }, "*");
}

export function invalid(message) {
  return Object.assign(new Error(message), { name: "InvalidArgument" });
}

/** The number typed in a form field named `name`: an empty field is refused, not read as 0 (a
 * number input also reads "" when what is typed is not a number). */
export function numberIn(input, name) {
  const text = input.value.trim();
  if (text === "") throw invalid(`${name} is empty: type a number`);
  return Number(text);
}
