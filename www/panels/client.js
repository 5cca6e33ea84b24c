// The client panel: operations through a chosen proposer (increment, get, delete, put, versioned
// read/write, locks) and concurrent workers; each operation's row follows its history entry.
import { $, page, nodesOf, run, quiet, refresh, invalid, guard, numberIn } from "../page.js";
import { setProp, setText } from "../dom.js";

/** The key the workers increment. */
export const WORKERS_KEY = "workers";

const key = () => $("key").value;
const via = () => ` via ${$("proposer").value}`;
const opts = () => ({ proposer: $("proposer").value });

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw invalid(`value is not JSON: ${e.message}`);
  }
}

/** The expected version: an integer >= 0, typed in (an empty field is not version 0). */
function expectedVersion() {
  const text = $("version").value.trim();
  if (text === "") throw invalid("expected version is empty: type the version you read (0 for an empty key)");
  const v = Number(text);
  if (!Number.isInteger(v) || v < 0) throw invalid(`expected version must be an integer >= 0, got ${text}`);
  return v;
}

/** An operation from the client panel: its row, time to run it, and no more scenario claims. */
function clientAction(label, make) {
  page.handled();
  try {
    quiet(run(label(), make, { byReader: true }));
    refresh(true);
  } catch (e) {
    page.results.note(`${label()} ✗ ${e.name}: ${e.message}`, "bad");
  }
}

export function wireClient() {
  const c = () => page.cluster;
  const on = (id, label, make) => $(id).addEventListener("click", () => clientAction(label, make));
  on("increment", () => `increment ${key()}${via()}`, () => c().increment(key(), opts()));
  on("get", () => `get ${key()}${via()}`, () => c().get(key(), opts()));
  on("delete", () => `delete ${key()}${via()}`, () => c().delete(key(), opts()));
  on("gc", () => `gc ${key()}${via()}`, () => c().gc({ key: key(), ...opts() }));
  on("put", () => `put ${key()} ${$("value").value}${via()}`, () => c().put(key(), parseJson($("value").value), opts()));
  on("read", () => `read ${key()}${via()}`, () => c().read(key(), opts()));
  on("write", () => `write ${key()} expecting v${$("version").value}${via()}`, () => c().write(key(), expectedVersion(), parseJson($("value").value), opts()));
  const lockOpts = () => ($("ttl").value ? { ...opts(), ttl: Number($("ttl").value) } : opts());
  const lockLabel = (what) => () => `${$("owner").value} ${what} ${$("lock").value}${via()}`;
  on("acquire", lockLabel("acquires"), () => c().acquireLock($("lock").value, $("owner").value, lockOpts()));
  on("release", lockLabel("releases"), () => c().releaseLock($("lock").value, $("owner").value, opts()));
  $("run-workers").addEventListener("click", () => {
    // The cluster checks the numbers (Cluster.limits): a bad one shows its InvalidArgument.
    guard($("workers-out"), () => workers(numberIn($("workers"), "workers"), numberIn($("per-worker"), "increments per worker"), { byReader: true }));
  });
  page.workersBusy = workersBusy;
  page.onRefresh.push(renderWorkers);
  page.onRefresh.push((slow) => { if (slow) fillProposers(); });
  page.onAdopt.push(() => {
    watched = null;
    $("workers-out").textContent = "";
    $("workers-progress").hidden = true;
    fillProposers();
  });
}

/** The proposer choices: the cluster's proposers now (addProposer / removeProposer change them). */
function fillProposers() {
  const sel = $("proposer");
  const ps = (typeof page.cluster.membership === "function" && page.cluster.membership().proposers) || nodesOf(page.config).ps;
  if ([...sel.options].map((o) => o.value).join() === ps.join()) return;
  const chosen = sel.value;
  sel.textContent = "";
  for (const p of ps) sel.append(new Option(p, p));
  if (ps.includes(chosen)) sel.value = chosen;
}

/** `n` workers each increment the key "workers" `m` times, spread over the proposers, driven by
 * the simulation (a worker's next increment starts when its last one ends, in virtual time); then
 * the count is compared with what the increments answered. `byReader`: started from the client
 * panel (time must move), not by a scenario's script. */
export function workers(n, m, { byReader = false } = {}) {
  const c = page.cluster;
  const index = c.runWorkers({ workers: n, increments: m, key: WORKERS_KEY });
  watched = { index, n, m, gen: page.generation, noted: false };
  const progress = $("workers-progress");
  progress.hidden = false;
  progress.max = n * m;
  progress.value = 0;
  $("workers-out").textContent = `0 / ${n * m}`;
  if (byReader) {
    page.player.awaitWork(() => !c.workersRuns()[index]?.finished);
    if (c.delivery !== "manual") page.player.needTime();
  }
}

let watched = null; // the workers run the panel shows: { index, n, m, gen, noted }

/** Whether a workers run of the cluster shown is still going. */
export const workersBusy = () => page.cluster.workersRuns().some((r) => !r.finished);

/** The shown workers run's progress, and once it is over its verdict. */
function renderWorkers() {
  if (!watched || watched.gen !== page.generation || watched.noted) return;
  const r = page.cluster.workersRuns()[watched.index];
  if (!r) return;
  setProp($("workers-progress"), "value", r.done);
  if (!r.finished) {
    setText($("workers-out"), `${r.done} / ${r.total}`);
    return;
  }
  watched.noted = true;
  $("workers-progress").hidden = true;
  const ok = r.total - r.failed;
  const lost = r.failed ? ` (${r.failed} of ${r.total} increments failed or unknown)` : "";
  if (r.afterFailed) {
    // No count to compare: the closing read itself got no quorum.
    $("workers-out").textContent = `could not read the final count: the closing get failed${lost}`;
    page.results.note(`${watched.n} workers × ${watched.m} increments → final count unreadable${lost}`, "bad");
    return;
  }
  const after = r.after ?? 0; // an empty key counts 0
  const expected = (r.before ?? 0) + ok;
  const verdict = after >= expected && after <= expected + r.failed ? "✓" : "✗";
  $("workers-out").textContent = `final count ${after}, expected ${expected}${r.failed ? ` (+ up to ${r.failed} failed/unknown)` : ""} ${verdict}`;
  page.results.note(`${watched.n} workers × ${watched.m} increments → ${after} (expected ${expected}) ${verdict}`, verdict === "✓" ? "ok" : "bad");
}
