// The scenarios panel: the list, the playing scenario's text, its claims (ticked once its run is
// over) and its moments as captions; the one sentence that says what the reader is looking at.
import { SCENARIOS } from "../scenarios.js";
import { Moments } from "../narration.js";
import { evaluate, runOf, describeClaim } from "../claims.js";
import { $, page, DEFAULTS, adopt, setPlaying, setSpeed, reducedMotion, renderTimeNote, refresh } from "../page.js";
import { Cluster } from "../pkg/caspaxos_playground.js";
import { breakOptions, showBreak } from "./breakit.js";
import { WORKERS_KEY } from "./client.js";
import { ownRun, ownSoFar, scenarioConfig, scriptAhead } from "../scenario-run.js";

const state = {
  scenario: null, // the scenario this run plays (text, claims, moments), or null
  moments: new Moments(),
  handled: false, // the reader changed the scenario's run: its claims describe another run
  introMembers: "", // the members the intro names
};

export const currentScenario = () => state.scenario;
/** The scenario whose run is on screen, unchanged by the reader (a share link names it). */
export const unchangedScenario = () => (state.handled ? null : state.scenario);

export function wireScenarios() {
  const list = $("scenario-list");
  for (const s of SCENARIOS) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = s.title;
    b.dataset.scenario = s.id;
    b.addEventListener("click", () => {
      loadScenario(s.id);
      $("timeline").scrollIntoView({ block: "nearest", behavior: reducedMotion ? "auto" : "smooth" });
    });
    list.append(b);
  }
  page.handled = handled;
  page.onAdopt.push(({ sameRun }) => {
    if (!sameRun) showScenario(null);
    else if (!state.handled) clearVerdicts(); // a seek: the claims are checked again at the run's end
    state.moments = new Moments((!state.handled && state.scenario?.moments) || []);
    $("caption").textContent = "";
    renderIntro();
  });
  page.onRefresh.push((slow) => {
    if (!slow) return;
    // A change the page did not make (from the console, `playground.cluster`) makes it another
    // run at once, not only when the run is over (the slow refresh: a scenario's run is short).
    if (state.scenario && !state.handled && !ownRunShown(state.scenario, page.cluster)) handled();
    renderClaims();
    const { acceptors, proposers } = members();
    if (`${acceptors} ${proposers}` !== state.introMembers) renderIntro(); // a membership change
  });
}

/** A new cluster from `cfg`, in manual time, with `cfg.break` (a scenario's own) or else the
 * page's break-it switches; the switches show what the cluster runs with. */
export function rebuild(cfg, script = []) {
  const breaks = cfg.break ?? breakOptions();
  adopt(new Cluster({ ...cfg, autoAdvance: false, break: breaks }), cfg, { script }); // throws InvalidArgument on bad input
  showBreak(breaks);
}

/** Plays scenario `id` from its start (paused with reduced motion: the reader starts it). */
export function loadScenario(id) {
  const s = SCENARIOS.find((x) => x.id === id);
  if (!s) return false;
  rebuild(scenarioConfig(s, DEFAULTS), s.script); // a scenario runs with its own switches
  showScenario(s);
  page.timeline.resetZoom?.();
  setSpeed(s.speed ?? 0.1);
  if (s.steer) {
    page.player.advance(0); // its set-up at 0 ms; then the reader moves the run
    refresh(true);
    setPlaying(false);
    renderTimeNote();
  } else setPlaying(!reducedMotion);
  return true;
}

/** Scenario `id`, if the run from `start` whose whole document `whole()` gives is its own run so
 * far: `{ s, script }`, its script's entries still to come; else null (scenario-run.js). */
export function scenarioAhead(id, start, whole) {
  const s = SCENARIOS.find((x) => x.id === id);
  const script = s ? scriptAhead(s, ownRun(s, DEFAULTS, WORKERS_KEY), start, whole) : null;
  return script && { s, script };
}

/** A shared run of scenario `s` (`scenarioAhead`): its text, and its `script` to come. */
export function resumeScenario({ s, script }) {
  showScenario(s);
  page.player.script = script;
  page.results.expectNames(scriptLabels(s));
}

/** The scenario's own names for its operations ("increment via p2 (majority side)"), in the
 * order its script starts them: `[{ at, label, op, key, proposer }]`, operation i being the
 * i-th. The script's actions are called on an inert cluster that only records what `ui.run` is
 * asked to name and which operation it starts. */
export function scriptLabels(scenario) {
  const named = [];
  let call = null; // the last method called on the inert cluster: { op, key, proposer }
  const inert = new Proxy({}, {
    get: (_, op) => (...args) => {
      const options = args.find((a) => a && typeof a === "object" && !Array.isArray(a)) ?? {};
      call = { op, key: typeof args[0] === "string" ? args[0] : options.key ?? null, proposer: options.proposer ?? "p1" };
    },
  });
  const ui = {
    run: (label, make) => {
      call = null;
      make();
      if (call) named.push({ at, label, ...call });
      return Promise.resolve();
    },
    workers: () => {},
  };
  let at = 0;
  for (const [time, action] of [...scenario.script].sort((a, b) => a[0] - b[0])) {
    at = time;
    try {
      action(inert, ui);
    } catch {
      // an action that reads the cluster (a delivery by hand) names no operation
    }
  }
  return named;
}

/** Whether a moment of the scenario has yet to happen (its events must be looked through). */
export const momentsWaiting = () => state.moments.moments.some((_, i) => !state.moments.seen.has(i));

/** Shows the scenario's moments as captions when their events happen. */
export function narrate(events) {
  const hits = state.moments.feed(events);
  if (hits.length) $("caption").textContent = hits.at(-1).moment.say;
}

/** Node ids as a reader says them, runs of consecutive numbers as ranges: "a1–a4", "a2, a4–a6". */
export function memberText(ids) {
  const runs = [];
  for (const id of ids) {
    const n = Number(id.slice(1));
    const last = runs.at(-1);
    if (last && last.prefix === id[0] && n === last.to + 1) last.to = n;
    else runs.push({ prefix: id[0], from: n, to: n });
  }
  return runs.map((r) => (r.from === r.to ? `${r.prefix}${r.from}` : `${r.prefix}${r.from}–${r.prefix}${r.to}`)).join(", ");
}

/** The cluster's members now (a membership change adds and removes them). */
function members() {
  const m = page.cluster.membership();
  return { acceptors: memberText(m.acceptors), proposers: memberText(m.proposers) };
}

/** The one sentence that says what the reader is looking at. */
export function renderIntro() {
  const { acceptors, proposers } = members();
  state.introMembers = `${acceptors} ${proposers}`;
  const s = state.scenario;
  const intro = $("intro");
  intro.textContent = "";
  const b = (text) => Object.assign(document.createElement("b"), { textContent: text });
  intro.append(
    "A live, simulated CASPaxos cluster: acceptors ", b(acceptors), " store one register per key, proposers ",
    b(proposers), " change it, and every arrow is one message (time runs left to right). ",
  );
  if (s && state.handled) intro.append("You changed the run of ", b(s.title), ": its captions and claims no longer describe it. ");
  else if (s) intro.append("Now playing: ", b(s.title), ` — ${s.summary} `);
  else intro.append("Start an operation in the Client panel, or pick a scenario. ");
  if (reducedMotion) intro.append("(Reduced motion: the page does not play by itself; an operation you start runs to its end at once.)");
}

/** Shows (or, with null, hides) a scenario's title, text and claims. */
export function showScenario(s, text = s ? `${s.title}: ${s.text}` : "") {
  state.scenario = s;
  state.handled = false;
  state.moments = new Moments(s?.moments ?? []);
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

/** The reader acted on a scenario's run: from here it is another run than its claims describe. */
function handled() {
  if (!state.scenario || state.handled) return;
  state.handled = true;
  // Its captions describe the scenario's own run too: the one shown goes, no more come.
  state.moments = new Moments([]);
  $("caption").textContent = "";
  renderIntro();
  const note = document.createElement("p");
  note.className = "claims-note";
  note.textContent = "You changed this run, so these claims (about the scenario's own run) are no longer checked.";
  $("claims-box").prepend(note);
}

/** The claims back to not yet checked (a seek moved the run before the events they describe). */
function clearVerdicts() {
  const list = $("claims");
  delete list.dataset.checked;
  [...list.children].forEach((li, i) => {
    li.dataset.ok = "pending";
    li.title = "";
    li.textContent = describeClaim(state.scenario.claims[i]);
  });
}

/** Whether the run on screen is the scenario's own: actions the page did not see (through
 * `playground.cluster` in the console) make it another run. A run that used a change function
 * has no session document: it is compared by the actions it took (scenario-run.js `ownSoFar`). */
function ownRunShown(s, c) {
  try {
    if (!c.replayable) {
      const run = ownRun(s, DEFAULTS, WORKERS_KEY);
      return ownSoFar(run, c.sessionStart, c.actionsTaken, run.script.length - page.player.script.length);
    }
    return scenarioAhead(s.id, c.sessionStart, () => c.session()) !== null;
  } catch {
    return false; // a run too long to write down is no scenario's
  }
}

/** Once the scenario's run is over (nothing to come, nothing in flight), ticks its claims: each
 * ✓ when the run shows it, ✗ with what it shows instead — on the scenario's own run only. */
function renderClaims() {
  const s = state.scenario;
  const c = page.cluster;
  if (!s?.claims?.length || state.handled) return;
  const list = $("claims");
  const over = page.player.script.length === 0 && c.pending === 0 && c.tape.actions === 0 && !page.workersBusy() && !page.changing();
  if (!over || list.dataset.checked === String(page.generation)) return;
  if (!ownRunShown(s, c)) return handled();
  list.dataset.checked = String(page.generation);
  const verdicts = evaluate(s.claims, runOf(c));
  verdicts.forEach((v, i) => {
    const li = list.children[i];
    li.dataset.ok = String(v.ok);
    li.title = v.ok ? "" : `the run shows: ${v.actual}`;
    li.textContent = describeClaim(v.claim) + (v.ok ? "" : ` — the run shows ${v.actual}`);
  });
}
