// Sessions: seek back and forth through the run, fork, verify the replay, share a link, export
// and import. A seek restores the furthest run so far (the master, kept alive for it) from its
// nearest checkpoint and replays to the chosen time; the scenario's actions to come stay in the
// script, so play on and the run is the same.
import { Cluster } from "../pkg/caspaxos_playground.js";
import { $, page, DEFAULTS, adopt, refresh, setPlaying, invalid, renderTimeNote } from "../page.js";
import { rebuild, resumeScenario, scenarioAhead, unchangedScenario } from "./scenarios.js";
import { packLink, unpackLink } from "../link.js";
import { counted } from "../wording.js";
import { setData, setProp, setText } from "../dom.js";

// What a seek restores: the furthest run, and the timeline's store at its end (a seek cuts a copy
// of it back to the point sought, timeline-rewind.js, instead of ingesting the events again).
const master = { cluster: null, end: 0, script: [], store: null };
/** The last seek, while its note shows: `{ cluster, now, steps, ms }` (the point it restored and
 * how long that took); the note follows the cluster when Step or Play moves it on. */
let sought = null;

/** Drops the master run (freed unless the page still shows it). */
function dropMaster() {
  if (master.cluster && master.cluster !== page.cluster) master.cluster.free();
  Object.assign(master, { cluster: null, end: 0, script: [], store: null });
}

/** Whether `c` is the master run, which the page keeps alive for seeking (not freed on adopt). */
export const isMaster = (c) => c !== null && c === master.cluster;

/** The master run (the run every seek restores from), or null before the first seek. */
export const masterRun = () => master.cluster;

export function sessionOut(text, bad = false) {
  const out = $("session-out");
  sought = null;
  delete out.dataset.tape;
  out.textContent = text;
  out.className = bad ? "session-out bad" : "session-out";
}

/** The share link's part of the URL, and back: `#session=<link>[&scenario=<id>]`. */
export const shareHash = (link, scenario) => `#session=${link}${scenario ? `&scenario=${scenario}` : ""}`;
function parseShareHash(hash) {
  if (!hash.startsWith("#session=")) return null;
  const [link, ...rest] = hash.slice(1).split("&");
  return { link, scenario: new URLSearchParams(rest.join("&")).get("scenario") };
}

export function wireSessions() {
  const sOut = (fn) => async () => {
    try {
      await fn();
    } catch (e) {
      sessionOut(`${e.name}: ${e.message}`, true);
    }
  };
  $("seek").addEventListener("change", slide);
  $("fork").addEventListener("click", sOut(() => {
    if (page.cluster.tape.actions) page.handled();
    page.cluster.fork();
    dropMaster();
    sessionOut(`forked at ${page.cluster.now} ms: the recorded future is dropped`);
    refresh(true);
  }));
  $("verify").addEventListener("click", sOut(() => {
    const t0 = performance.now();
    const r = page.cluster.verify();
    sessionOut(r.ok ? `✓ deterministic: the replay gives the same event log (hash ${r.hash}, ${(performance.now() - t0).toFixed(0)} ms)` : `✗ the replay differs: ${r.hash} vs ${r.replayHash}`, !r.ok);
  }));
  $("share").addEventListener("click", sOut(async () => {
    const link = await packLink(wholeRun((c) => c.sessionLink()));
    history.replaceState(null, "", shareHash(link, unchangedScenario()?.id));
    const url = $("share-url");
    url.value = location.href;
    url.hidden = false;
    url.select();
    navigator.clipboard?.writeText(location.href).catch(() => {});
    sessionOut(`link ready (${link.length} characters${navigator.clipboard ? ", copied" : ""})`);
  }));
  const download = (name, value) => {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([jsonText(value)], { type: "application/json" }));
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };
  $("export-session").addEventListener("click", sOut(() => wholeRun((c) => download(`caspaxos-session-${c.now}ms.json`, { ...c.session(), metrics: c.metrics() }))));
  $("export-history").addEventListener("click", sOut(() => download(`caspaxos-history-${page.cluster.now}ms.json`, page.cluster.history())));
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
        throw invalid("the file is not JSON");
      }
      openSession(doc, `Imported ${file.name}`);
    } catch (err) {
      sessionOut(`Could not import: ${err.message}`, true);
    }
  });
  window.addEventListener("hashchange", openFromHash);
  page.keepAlive = isMaster;
  page.onAdopt.push(({ sameRun }) => {
    if (!sameRun) dropMaster();
  });
  page.onRefresh.push((slow) => {
    if (!slow) return;
    renderSeek();
    renderUnshareable();
  });
}

/** The Fork button's own tooltip (index.html's), read once, put back when a run can be replayed. */
let forkTitle = null;

/** Why each run that cannot be replayed has no session: the cluster's own refusal, asked once. */
const refusals = new WeakMap();

/** Verify replays the run's session, Share link and Export session write it: on a run that
 * cannot be replayed (a change function ran) they are disabled, and a note beside them says why
 * (`#unshareable`). The seek slider and Fork replay the run: they are disabled too, their
 * tooltips saying why (outside tester 17: the slider moved, then said "no seeking"). */
function renderUnshareable() {
  const c = page.cluster;
  if (!c.replayable && !refusals.has(c)) refusals.set(c, refusal(() => c.sessionLink()));
  const why = c.replayable ? "" : refusals.get(c);
  for (const id of ["verify", "share", "export-session", "seek", "fork"]) setProp($(id), "disabled", why !== "");
  setProp($("seek"), "title", why && `Seeking is off: ${why}.`);
  forkTitle ??= $("fork").title;
  setProp($("fork"), "title", why ? `Forking is off: ${why}.` : forkTitle);
  const note = $("unshareable");
  setProp(note, "hidden", why === "");
  setText(note, why && `Verify, Share link and Export session are off: ${why}.`);
}

/** What `call` throws (its message), or "" if it answers. */
function refusal(call) {
  try {
    call();
    return "";
  } catch (e) {
    return e.message;
  }
}

/** `value` as indented JSON text that keeps -0 (`JSON.stringify` writes it as 0, and the file would
 * replay to another run; `JSON.parse` reads "-0" back as -0): each -0 is written through a marker
 * that the plain text does not contain. */
export function jsonText(value) {
  const plain = JSON.stringify(value, null, 2);
  let marker = "-0 marker";
  while (plain.includes(marker)) marker += "!";
  let marked = false;
  const text = JSON.stringify(value, (_k, v) => (Object.is(v, -0) ? ((marked = true), marker) : v), 2);
  return marked ? text.replaceAll(JSON.stringify(marker), "-0") : plain;
}

/** Calls `use(run)` with the whole run cluster `c` (the page's) knows, for Share and Export: where it
 * stands is not where its run ends after a seek back or on an opened link (its actions still to
 * play, and the run's end, are on its tape), and a share must not drop them. The whole run is a
 * seek to its end (`seek()`), freed after; a run forked by a new action ends where it stands. A
 * run that cannot be replayed is the cluster itself. */
function wholeRun(use, c = page.cluster) {
  if (!c.replayable) return use(c);
  const whole = c.seek();
  try {
    return use(whole);
  } finally {
    whole.free();
  }
}

/** The seek slider spans the whole run: the furthest run so far, an opened session to its end
 * (`tape.runEnd`: where the session was taken, after its last action; format 1: that action). */
function renderSeek() {
  const c = page.cluster;
  const seek = $("seek");
  setProp(seek, "max", String(Math.max(c.tape.runEnd, master.cluster ? master.end : 0)));
  if (document.activeElement !== seek) setProp(seek, "value", String(c.now));
  if (sought?.cluster === c) renderSeekNote();
}

/** The seek's note, for the point the cluster is at now: where it stands, the point the seek
 * restored (once Step or Play moved on from it), and the recorded actions ahead while any are. */
function renderSeekNote() {
  const c = sought.cluster;
  const out = $("session-out");
  const moved = c.now !== sought.now || c.steps !== sought.steps;
  const from = moved ? ` at ${sought.now} ms (event ${sought.steps})` : "";
  const ahead = c.tape.actions ? `; ${c.tape.actions} recorded actions ahead (play to see them, or act to fork)` : "";
  setText(out, `at ${c.now} ms — event ${c.steps}, restored from the nearest checkpoint${from} in ${sought.ms.toFixed(1)} ms${moved ? " and run on to here" : ""}${ahead}`);
  setData(out, "tape", ahead ? "ahead" : null);
}

/** The slider's `change` (a drag let go, a key pressed): seeks to where the slider is, at once
 * if no seek ran since the last frame; else once, in the next frame, to where it is then. Changes
 * that come faster than seeks (a key held, a seek of a long run taking longer than a frame) leave
 * one seek to come, never a queue: only the last position is sought. */
function slide() {
  if (slider.frame) {
    slider.again = true;
    return;
  }
  slider.again = false;
  slider.frame = requestAnimationFrame(() => {
    slider.frame = 0;
    if (slider.again) slide();
  });
  try {
    seekTo(Number($("seek").value));
  } catch (e) {
    sessionOut(`${e.name}: ${e.message}`, true);
  }
}

/** `slide`'s frame (0: none pending), and whether the slider changed again before it. */
const slider = { frame: 0, again: false };

/** Replays the session to virtual time `t` (seeking back or forward), paused there; at or past
 * the run's end, to the end's exact point (the event it was taken at, not every event at its ms). */
export function seekTo(t) {
  const c = page.cluster;
  if (!c.replayable) return sessionOut("This run used a change function (code), so it cannot be replayed: no seeking.", true);
  // An opened link's cluster, its actions still on the tape, is the first master: it knows the run.
  if (!master.cluster || (c.tape.actions === 0 && c.now >= master.end)) {
    if (c !== master.cluster) dropMaster();
    // The timeline's store is the run's up to here; from now on the page shows copies of it.
    Object.assign(master, { cluster: c, end: c.tape.runEnd, script: page.player.script.slice(), store: page.timeline.store });
  }
  const t0 = performance.now();
  const until = Math.max(0, Math.round(t));
  const next = until >= master.end ? master.cluster.seek() : master.cluster.seek({ until });
  adopt(next, page.config, { sameRun: true, script: master.script, storeFrom: master.store });
  setPlaying(false); // the reader looks at the point they chose; play goes on from there
  renderTimeNote(); // what the status said of the run ("Ran to idle ...") is not true of this point
  sessionOut("");
  sought = { cluster: next, now: next.now, steps: next.steps, ms: performance.now() - t0 };
  renderSeekNote();
}

/** The cluster form's settings of a cluster opened from a session: its start's, not the
 * previous cluster's (an outside tester rebuilt a different run from a stale form). Read from
 * `sessionStart`: `session()` would write every action (9.5 MB of text at 100,000 actions). */
function configOf(c) {
  const start = c.sessionStart;
  const st = c.state();
  const own = start.fuzz ? { seed: start.fuzz.seed, oneRtt: start.fuzz.oneRtt } : start;
  const config = { acceptors: st.acceptors.length, proposers: st.proposers.length, seed: own.seed, oneRtt: own.oneRtt !== false, gcDelay: c.gcDelay ?? null };
  for (const key of ["quorums", "batch", "leases", "clockDrift", "pipeline", "envelopes"]) if (own[key] !== undefined) config[key] = own[key];
  return config;
}

/** Opens a session (document or link text) from its start: press play to watch it. A run shared
 * from a scenario (`scenario`: its id) shows the scenario's text, and the scenario's actions that
 * had not happened when it was shared are its script again. */
export function openSession(session, what, scenario = null) {
  const c = Cluster.fromSession(session, { until: 0 });
  let own = null;
  try {
    if (scenario !== null) own = ownScenario(scenario, c);
  } catch (e) {
    c.free();
    throw e;
  }
  adopt(c, configOf(c));
  const tape = c.tape;
  if (own) resumeScenario(own);
  setPlaying(false);
  // Actions at 0 ms have happened already: the count is of those still to play. The run goes on
  // after the last one (a workers run started at 0 ms runs for seconds), so no end is promised.
  const ahead = tape.actions
    ? `${counted(tape.actions, "recorded action")} still to play, the last at ${tape.end} ms`
    : "every recorded action happened at 0 ms; what they started runs on";
  const plain = scenario !== null && !own;
  const notice = plain ? ` This link's run is not the scenario it names (${JSON.stringify(scenario)}); opened as a plain run.` : "";
  sessionOut(`${what}: ${ahead}. Press play to watch it; nothing in it runs as code.${notice}`, plain);
}

/** Scenario `id` and its script to come (`scenarioAhead`) if the run `c` opens to (its whole
 * run: the link's start, actions and end) is the scenario's own; null if it is another run. */
function ownScenario(id, c) {
  return scenarioAhead(id, c.sessionStart, () => wholeRun((whole) => whole.session(), c));
}

/** A share link in the page's URL opens that run; a bad one says why and leaves a default
 * cluster. Resolves to whether the URL held a link. */
export async function openFromHash() {
  const shared = parseShareHash(location.hash);
  if (!shared) return false;
  try {
    const tape = await unpackLink(shared.link.slice("session=".length), Cluster.limits.linkChars);
    openSession(tape, "Opened a shared run", shared.scenario);
  } catch (e) {
    rebuild(DEFAULTS);
    sessionOut(`The link could not be opened (${e.message}). Showing a default cluster instead.`, true);
  }
  return true;
}
