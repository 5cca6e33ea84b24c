// "Break it": the deliberately wrong proposer switches, and the search for a counterexample that
// sweeps seeds of randomized runs until the linearizability checker or a step oracle fires.
import { Cluster } from "../pkg/caspaxos_playground.js";
import { $, page, adopt, guard, setPlaying, setSpeed } from "../page.js";
import { showScenario, rebuild } from "./scenarios.js";
import { STALE_READ_CONFIG, staleReadRun, staleReadScript } from "./leases.js";
import { isChangeTwin, TWIN_CONFIG, twinRun, twinScript } from "./membership-change.js";

/** The switch of each break option, by its `break` field. */
const SWITCHES = { quorum: "break-quorum", reuseBallot: "break-reuse", takeAnyAccepted: "break-any", blindRetry: "break-blind", disjointQuorums: "break-disjoint", trustLeases: "break-lease", eraseWithoutGc: "break-erase", skipRescan: "break-skip-rescan", rescanOneKey: "break-rescan-one" };
/** The switches that are plain booleans. */
const FLAGS = ["reuseBallot", "takeAnyAccepted", "blindRetry", "disjointQuorums", "trustLeases", "eraseWithoutGc", "skipRescan", "rescanOneKey"];
/** Seeds one search tries. */
const MAX_SEEDS = 500;
/** Real ms of searching per chunk, between frames. */
const CHUNK_MS = 12;
/** The kind of violation the linearizability checker reports; the others name a step oracle. */
const LINEARIZABILITY = "linearizability";
let search = null; // the running search, if any

/** What caught a violation, as a person reads it. */
export function caughtBy(kind) {
  return kind === LINEARIZABILITY ? "the linearizability checker" : `the ${kind} oracle`;
}

export function breakOptions() {
  const b = {};
  if ($(SWITCHES.quorum).checked) b.quorum = 1;
  for (const key of FLAGS) if ($(SWITCHES[key]).checked) b[key] = true;
  return b;
}

/** Sets the switches to `b` (break options, as `breakOptions()` gives them). */
export function showBreak(b) {
  $(SWITCHES.quorum).checked = b.quorum !== undefined;
  for (const key of FLAGS) $(SWITCHES[key]).checked = !!b[key];
}

export function wireBreakIt() {
  for (const id of Object.values(SWITCHES)) {
    $(id).addEventListener("change", () => guard($("find-out"), () => page.cluster.setBreak(breakOptions())));
  }
  $("find").addEventListener("click", findCounterexample);
  $("find-cancel").addEventListener("click", () => { if (search) search.cancelled = true; });
}

/** Sweeps seeds of randomized runs with faults, in chunks between frames, until one verdict —
 * the linearizability checker and the step oracles together — finds a violation; then loads that
 * run to be watched and says what caught it. */
export function findCounterexample() {
  if (search) return;
  const cfg = { acceptors: page.config.acceptors, proposers: page.config.proposers, oneRtt: page.config.oneRtt !== false };
  const options = (seed) => ({ ...cfg, seed, break: breakOptions(), wipes: $("break-wipe").checked });
  // Trusting leases needs leases, drifting clocks and a reader: that search sweeps the stale-read script.
  const leases = breakOptions().trustLeases === true;
  // A membership change's broken rescan needs a change after a write to F+1 acceptors: that
  // search sweeps the paper's scenario (§2.3.3).
  const twin = !leases && isChangeTwin(breakOptions());
  const progress = $("find-progress");
  const out = $("find-out");
  progress.hidden = false;
  progress.max = MAX_SEEDS;
  progress.value = 0;
  $("find-cancel").hidden = false;
  $("find").disabled = true;
  delete out.dataset.kind;
  const mine = { cancelled: false };
  search = mine;
  const done = (text) => {
    search = null;
    progress.hidden = true;
    $("find-cancel").hidden = true;
    $("find").disabled = false;
    out.textContent = text;
  };
  let seed = 1;
  const found = (v, report) => {
    const also = [...new Set(report.oracles.map((o) => o.kind).filter((k) => k !== v.kind))];
    const more = also.length ? ` (also ${also.map(caughtBy).join(", ")})` : "";
    done(`counterexample at seed ${seed} (after ${seed} runs), caught by ${caughtBy(v.kind)}${more}: watch it unfold`);
    out.dataset.kind = v.kind;
    if (leases) {
      rebuild({ ...STALE_READ_CONFIG, seed }, staleReadScript());
    } else if (twin) {
      rebuild({ ...TWIN_CONFIG, seed }, twinScript());
    } else {
      adopt(Cluster.fuzz(options(seed)), { ...cfg, seed });
      page.fuzzing = true;
    }
    showScenario(null, `Counterexample, seed ${seed} (${v.kind}): ${v.explanation}`);
    setSpeed(0.2);
    setPlaying(true);
  };
  const chunk = () => {
    if (mine.cancelled) return done(`cancelled after ${seed - 1} seeds`);
    const until = performance.now() + CHUNK_MS;
    while (performance.now() < until && seed <= MAX_SEEDS) {
      const c = leases ? staleReadRun(seed, breakOptions()) : twin ? twinRun(seed, breakOptions()) : Cluster.fuzz(options(seed));
      c.runUntilIdle();
      const report = c.check();
      c.free();
      if (report.violation) return found(report.violation, report);
      seed += 1;
    }
    progress.value = seed - 1;
    out.textContent = `${seed - 1} of ${MAX_SEEDS} runs linearizable, no oracle fired…`;
    if (seed > MAX_SEEDS) {
      const expected = Object.keys(breakOptions()).length || $("break-wipe").checked ? "" : " (as expected: nothing is broken)";
      // The panels keep showing the run on screen; say so when it is an earlier counterexample.
      const shown = page.fuzzing ? "; the run shown is still the earlier counterexample" : "";
      return done(`no counterexample in ${MAX_SEEDS} runs${expected}${shown}`);
    }
    setTimeout(chunk, 0);
  };
  chunk();
}
