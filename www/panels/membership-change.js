// Membership change in the page (paper §2.3.1–§2.3.3, issue 11 §2): the cluster panel's
// membership in effect (the acceptors, each phase's nodes and quorum), "Add acceptor", a Remove
// per acceptor (in the node list, faults.js), the step running with the catch-up rescan's progress,
// a change that stopped Unavailable and what resumes it, and the buttons disabled, with the
// reason, while a change runs (one change at a time).
import { Cluster } from "../pkg/caspaxos_playground.js";
import { $, page, refresh } from "../page.js";
import { F_PLUS_1, writeToFPlus1 } from "../scenarios-membership.js";
import { counted } from "../wording.js";
import { setData, setProp, setText } from "../dom.js";

/** The break switches of a membership change: the search runs the paper's scenario for them (a
 * randomized run changes no membership). */
export const isChangeTwin = (b) => b.skipRescan === true || b.rescanOneKey === true;
/** The paper's scenario (§2.3.3) and its configuration, for the search and to show what it found. */
export const TWIN_CONFIG = F_PLUS_1;
export const twinScript = () => writeToFPlus1;

/** Runs the paper's scenario on `seed` with the `breaks` switches to the end; the cluster. */
export function twinRun(seed, breaks) {
  const c = new Cluster({ ...F_PLUS_1, seed, break: breaks, autoAdvance: false });
  const ui = { run: (_label, start) => start().catch(() => {}) };
  for (const [at, act] of writeToFPlus1) {
    c.runFor(Math.max(0, at - c.now));
    act(c, ui);
  }
  c.runUntilIdle();
  return c;
}

/** The membership of the cluster shown, or null for one that has none (a live cluster). */
export function membershipOf(c = page.cluster) {
  return typeof c?.membership === "function" ? c.membership() : null;
}

/** Whether a membership change of the cluster shown is running (time must move for it). */
export const changeRunning = () => membershipOf()?.step != null;

/** Why a change cannot start now ("" when it can). */
export function changeBlocked() {
  const m = membershipOf();
  if (!m) return "this cluster has no membership change";
  if (m.step == null) return "";
  return `a change (${verbOf(m)} ${m.changing}) is running: one change at a time`;
}

/** "adding" or "removing", as the timeline read it off the change's steps. */
const verbOf = (m) => page.timeline.store.marks.kind.get(m.changing) ?? "changing";

/** Starts a change the reader asked for: `start()` returns its promise. Its end (the new id, or
 * the error: Unavailable, InvalidArgument) is a row in the results; time moves until it ends. */
export function startChange(label, start) {
  page.handled();
  const out = $("membership-error");
  out.textContent = "";
  const c = page.cluster;
  const gen = page.generation;
  let promise;
  try {
    promise = start(c);
  } catch (e) {
    out.textContent = `${e.name}: ${e.message}`;
    return;
  }
  promise.then(
    (v) => { if (gen === page.generation) page.results.note(`${label} → ${v ?? "done"}`, "ok"); },
    (e) => {
      if (gen !== page.generation) return;
      out.textContent = `${label} ✗ ${e.name}: ${e.message}`;
      page.results.note(`${label} ✗ ${e.name}`, "bad");
    },
  ).finally(() => { if (gen === page.generation) refresh(true); });
  page.player.awaitWork(() => gen === page.generation && changeRunning());
  if (c.delivery !== "manual") page.player.needTime();
  refresh(true);
}

export function wireMembershipChange() {
  $("add-acceptor").addEventListener("click", () => startChange("add acceptor", (c) => c.addAcceptor()));
  $("add-proposer").addEventListener("click", () => startChange("add proposer", (c) => c.addProposer()));
  page.changing = changeRunning;
  page.onAdopt.push(() => {
    $("membership-error").textContent = "";
    render();
  });
  page.onRefresh.push((slow) => { if (slow || changeRunning()) render(); });
}

/** A phase's set and quorum: "a1 a2 a3 (2 of 3)". */
const phaseText = (p) => `${p.nodes.join(" ")} (${p.quorum} of ${p.nodes.length})`;

/** The membership in effect, the step running, and whether the buttons may start a change. */
function render() {
  const m = membershipOf();
  if (!m) return;
  const proposers = m.proposers ? `proposers ${m.proposers.join(" ")} · ` : "";
  const text = `${proposers}acceptors ${m.acceptors.join(" ")} · prepare to ${phaseText(m.prepare)} · accept to ${phaseText(m.accept)}`;
  setText($("members-out"), text);
  const step = $("change-out");
  const bar = $("change-progress");
  if (m.step == null) {
    setText(step, m.stopped ? stoppedText(m.stopped) : "");
    setData(step, "step", m.stopped ? "stopped" : "");
    setProp(bar, "hidden", true);
  } else {
    const progress = m.progress ? `: ${m.progress.done} of ${counted(m.progress.keys, "key")} rescanned` : "";
    setText(step, `${verbOf(m)} ${m.changing} — step: ${m.step}${progress}`);
    setData(step, "step", m.step);
    setProp(bar, "hidden", !m.progress);
    if (m.progress) {
      setProp(bar, "max", Math.max(1, m.progress.keys));
      setProp(bar, "value", m.progress.done);
    }
  }
  const blocked = changeBlocked();
  for (const b of document.querySelectorAll('#add-acceptor, #nodes li[data-node^="a"] button[data-action=remove]')) {
    const why = blocked || waitsForResume(m?.stopped, b);
    setProp(b, "disabled", why !== "");
    setProp(b, "title", why || b.dataset.title || "");
  }
  setText($("change-note"), blocked);
}

/** Why `button` cannot start a change while `stopped` waits to be resumed ("" for the button
 * that resumes it, or when nothing is stopped): the cluster takes one change at a time. */
function waitsForResume(stopped, button) {
  if (!stopped) return "";
  const resumes = stopped.kind === "add" ? button.id === "add-acceptor" : button.closest("li")?.dataset.node === stopped.node;
  return resumes ? "" : `${stopped.kind === "add" ? "adding" : "removing"} ${stopped.node} stopped: ${resumeLabel(stopped)} resumes it first (one change at a time)`;
}

/** The button that resumes a stopped change. */
const resumeLabel = (s) => (s.kind === "add" ? "Add acceptor" : `${s.node}'s remove`);

/** A change that stopped Unavailable (`membership().stopped`) and the button that resumes it. */
function stoppedText(s) {
  const verb = s.kind === "add" ? "adding" : "removing";
  return `${verb} ${s.node} stopped at ${s.step}: ${s.reason} — ${resumeLabel(s)} resumes it`;
}

