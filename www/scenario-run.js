// A scenario's own run, as the recorded actions its script makes, and whether a run is that
// scenario's: a share link's `&scenario=<id>` and the run on screen are checked against it before
// the page shows the scenario's text and ticks its claims (an outside tester labelled another run
// with a scenario's id and saw its claims ticked on a run that does not show them).
import { Cluster } from "./pkg/caspaxos_playground.js";
import { same } from "./claims.js";

/** What a reader's hand adds to a scenario they steer (its `steer`): deliveries, drops, the
 * delivery mode. Any other action is a change to the scenario's run. */
const STEERING = new Set(["deliver", "dropMessage", "delivery"]);

/** The cluster a scenario `s` plays on: its settings over `defaults`, its own break switches. */
export const scenarioConfig = (s, defaults) => ({ ...defaults, break: {}, ...s.config });

const own = new Map(); // scenario id -> its own run (below), made once

/** Scenario `s`'s own run: `{ start, actions, before, taken, script }` — its start, every action
 * its script records (as a session document writes them: those before a change function, after
 * which nothing is recorded and `session()` refuses), per script entry (sorted by time, as the
 * player plays them) how many actions were taken before it (`actionsTaken`, which counts on past
 * a change function), and how many in all. The script runs on a cluster of its own, each entry at
 * its time, as the player runs it. */
export function ownRun(s, defaults, workersKey) {
  if (own.has(s.id)) return own.get(s.id);
  const cfg = scenarioConfig(s, defaults);
  const c = new Cluster({ ...cfg, autoAdvance: false });
  const api = {
    run: (_label, start) => { start().catch(() => {}); },
    workers: (n, m) => { c.runWorkers({ workers: n, increments: m, key: workersKey }); },
  };
  const before = [];
  const script = s.script.map(([at, fn]) => [at, fn]).sort((a, b) => a[0] - b[0]);
  let recorded = []; // the session's actions, read while it can be written down
  try {
    for (const [at, fn] of script) {
      if (at > c.now) c.runFor(at - c.now);
      before.push(c.actionsTaken);
      if (c.replayable) recorded = c.session().actions;
      try {
        fn(c, api);
      } catch {
        // as in the page: a failing step of the script is the script's (its error shows there)
      }
    }
    if (c.replayable) recorded = c.session().actions;
    const run = { start: c.sessionStart, actions: recorded.map((a) => JSON.stringify(a)), before, taken: c.actionsTaken, script };
    own.set(s.id, run);
    return run;
  } finally {
    c.free();
  }
}

/** Whether a run is one of scenario `s` (its own run: `ownRun`): the same `start` (a session's),
 * and its whole run's document (`whole()`, read only when the starts are the same: it replays)
 * holds the script's actions at the same points, each one due before the run's end among them,
 * none but the script's (in a scenario the reader steers, their deliveries after the script's).
 * Returns the script's entries still to come (`[at, fn]`), or null when it is another run. */
export function scriptAhead(s, run, start, whole) {
  if (!same(start, run.start)) return null;
  const session = whole();
  const end = session.end?.at ?? 0;
  const actions = session.actions.map((a) => JSON.stringify(a));
  let k = 0; // the run's first actions that are the script's own
  while (k < actions.length && k < run.actions.length && actions[k] === run.actions[k]) k++;
  const due = run.actions.filter((a) => JSON.parse(a).at < end).length;
  if (k < due) return null; // a scripted action due before the end is missing, or another in its place
  if (session.actions.slice(k).some((a) => !(s.steer && STEERING.has(a.do)))) return null;
  return run.script.filter(([at], i) => run.before[i] >= k && at >= end);
}

/** Whether a run that cannot be replayed (a change function ran: no session document) is scenario
 * `s`'s own so far (`run`: `ownRun`): the same `start`, and as many actions `taken`
 * (`actionsTaken`) as the script's first `played` entries take. An action the page did not make
 * (from the console) is one more; nothing else of such a run can be compared. */
export function ownSoFar(run, start, taken, played) {
  return same(start, run.start) && taken === [...run.before, run.taken][played];
}
