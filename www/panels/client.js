// The client panel: operations through a chosen proposer (increment, get, delete, put, versioned
// read/write, locks) and concurrent workers; each operation's row follows its history entry.
import { $, page, nodesOf, run, quiet, refresh, invalid } from "../page.js";

/** Bounds of the workers form. */
const MAX_WORKERS = 100;
const MAX_PER_WORKER = 1000;
/** The key the workers increment. */
const WORKERS_KEY = "workers";

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
  on("put", () => `put ${key()} ${$("value").value}${via()}`, () => c().put(key(), parseJson($("value").value), opts()));
  on("read", () => `read ${key()}${via()}`, () => c().read(key(), opts()));
  on("write", () => `write ${key()} expecting v${$("version").value}${via()}`, () => c().write(key(), expectedVersion(), parseJson($("value").value), opts()));
  const lockOpts = () => ($("ttl").value ? { ...opts(), ttl: Number($("ttl").value) } : opts());
  const lockLabel = (what) => () => `${$("owner").value} ${what} ${$("lock").value}${via()}`;
  on("acquire", lockLabel("acquires"), () => c().acquireLock($("lock").value, $("owner").value, lockOpts()));
  on("release", lockLabel("releases"), () => c().releaseLock($("lock").value, $("owner").value, opts()));
  $("run-workers").addEventListener("click", () => {
    const n = Number($("workers").value);
    const m = Number($("per-worker").value);
    if (!(Number.isInteger(n) && Number.isInteger(m) && n >= 1 && n <= MAX_WORKERS && m >= 1 && m <= MAX_PER_WORKER)) {
      $("workers-out").textContent = `InvalidArgument: workers must be 1..${MAX_WORKERS} and increments 1..${MAX_PER_WORKER}`;
      return;
    }
    page.handled();
    quiet(workers(n, m, { byReader: true }));
  });
  page.onAdopt.push(() => {
    $("workers-out").textContent = "";
    $("workers-progress").hidden = true;
    const sel = $("proposer");
    sel.textContent = "";
    for (const p of nodesOf(page.config).ps) sel.append(new Option(p, p));
  });
}

/** `n` workers each increment the key "workers" `m` times, spread over the proposers; then the
 * count is compared with what the increments answered. `byReader`: started from the client
 * panel (time must move), not by a scenario's script. */
export async function workers(n, m, { byReader = false } = {}) {
  const c = page.cluster;
  const gen = page.generation;
  const { ps } = nodesOf(page.config);
  const total = n * m;
  let done = 0;
  let failed = 0;
  const progress = $("workers-progress");
  progress.hidden = false;
  progress.max = total;
  progress.value = 0;
  $("workers-out").textContent = `0 / ${total}`;
  page.busy += 1;
  // The reader's click starts time once; if they pause later, the workers wait for them.
  const start = (label, op, wake = false) => run(label, op, { byReader, wake: byReader && wake });
  try {
    const before = await start(`workers: get ${WORKERS_KEY} (the count before)`, () => c.get(WORKERS_KEY), true).catch(() => 0);
    const worker = async (w) => {
      for (let i = 0; i < m && gen === page.generation; i++) {
        const proposer = ps[w % ps.length];
        try {
          await start(`worker ${w + 1}: increment ${WORKERS_KEY} via ${proposer}`, () => c.increment(WORKERS_KEY, { proposer }));
        } catch {
          failed += 1;
        }
        done += 1;
        if (gen === page.generation) {
          progress.value = done;
          $("workers-out").textContent = `${done} / ${total}`;
        }
      }
    };
    await Promise.all(Array.from({ length: n }, (_, w) => worker(w)));
    if (gen !== page.generation) return;
    const final = await start(`workers: get ${WORKERS_KEY} (the count after)`, () => c.get(WORKERS_KEY));
    const ok = total - failed;
    const expected = (before ?? 0) + ok;
    const verdict = final >= expected && final <= expected + failed ? "✓" : "✗";
    $("workers-out").textContent = `final count ${final}, expected ${expected}${failed ? ` (+ up to ${failed} failed/unknown)` : ""} ${verdict}`;
    page.results.note(`${n} workers × ${m} increments → ${final} (expected ${expected}) ${verdict}`, verdict === "✓" ? "ok" : "bad");
  } finally {
    if (gen === page.generation) page.busy -= 1;
  }
}
