// Benchmark of the tab cluster (issue 13 §2): one client tab and three acceptor tabs on one origin,
// acceptors durable in IndexedDB (strict durability: each change committed before its answer), or
// with storage disabled for comparison. Each run: 10 workers x 20 increments of one key through
// p1 and p2. Prints min / median / max over the runs of the wall time and the increments per
// second, and the operation latency percentiles of the last run. Run: node tests/e2e/bench-tabs.mjs
import { serve, launch } from "./helpers.mjs";

const RUNS = 3;
const WORKERS = 10;
const EACH = 20;

const server = await serve();
const browser = await launch();

async function openTab(params) {
  const page = await browser.context.newPage();
  await page.goto(`${server.url}tabs.html?${new URLSearchParams(params)}`);
  await page.waitForSelector("html[data-ready=true]", { timeout: 15000 });
  return page;
}

const stat = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0].toFixed(0)} / ${s[Math.floor(s.length / 2)].toFixed(0)} / ${s[s.length - 1].toFixed(0)}`;
};

try {
  for (const storage of ["indexedDB", "none"]) {
    const ms = [];
    let latency = null;
    for (let run = 0; run < RUNS; run++) {
      const channel = `bench-${storage}-${run}-${Date.now()}`;
      const tabs = [];
      for (const id of ["a1", "a2", "a3"]) tabs.push(await openTab({ channel, role: "acceptor", acceptors: id, storage }));
      const client = await openTab({ channel, role: "client", acceptors: "3", proposers: "2", maxAttempts: "100" });
      const r = await client.evaluate(async ([workers, each]) => {
        const c = window.tabs.node;
        const t = performance.now();
        await Promise.all(Array.from({ length: workers }, async (_, w) => {
          for (let i = 0; i < each; i++) await c.increment("counter", { proposer: `p${(w % 2) + 1}` });
        }));
        const ms = performance.now() - t;
        const lat = c.history().map((o) => o.returnAt - o.invokeAt).sort((a, b) => a - b);
        const at = (q) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))];
        return { ms, ok: c.check().ok, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: lat[lat.length - 1], messages: c.stats().messages };
      }, [WORKERS, EACH]);
      if (!r.ok) throw new Error(`run ${run} (${storage}) is not linearizable`);
      ms.push(r.ms);
      latency = r;
      for (const p of [...tabs, client]) await p.close();
    }
    const total = WORKERS * EACH;
    console.log(`tab cluster, storage ${storage}: ${WORKERS} x ${EACH} increments, wall ms min/median/max ${stat(ms)}; increments/s ${stat(ms.map((m) => total / (m / 1000)).reverse())}`);
    console.log(`  last run: latency ms p50 ${latency.p50}, p90 ${latency.p90}, p99 ${latency.p99}, max ${latency.max}; ${latency.messages} messages; linearizable`);
  }
} finally {
  await browser.close();
  await server.close();
}
