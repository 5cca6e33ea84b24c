// Run to idle's wall time and frames (issue 9), the outside tester's way: a fresh page (no
// scenario), a 100 × 1000 workers run started from the client panel, Run to idle clicked, frames
// timed by requestAnimationFrame until it ends; beside it the same run's synchronous
// `runUntilIdle()` in the same page (the simulation alone). BEFORE_WWW=/path/to/another/www runs
// that copy too, alternating with this one run by run (the machine is noisy); IDLE_REPEATS runs
// each (default 3), IDLE_WORKERS × IDLE_PER_WORKER (default 100 × 1000). Prints min / median / max.
// Not a test: `node bench-idle.mjs`.
import os from "node:os";
import { launch, open, serve } from "./helpers.mjs";

const REPEATS = Number(process.env.IDLE_REPEATS ?? 3);
const WORKERS = process.env.IDLE_WORKERS ?? "100";
const PER_WORKER = process.env.IDLE_PER_WORKER ?? "1000";

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const f = (x) => (x >= 100 ? Math.round(x).toLocaleString("en") : x.toFixed(1));
  return `${f(s[0])} / ${f(s[s.length >> 1])} / ${f(s.at(-1))}`;
};
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

async function startWorkers(page) {
  await page.fill("#workers", WORKERS);
  await page.fill("#per-worker", PER_WORKER);
  await page.click("#run-workers");
}

/** One Run to idle in a fresh page: wall ms, events run, frame gaps. */
async function runToIdle(context, url) {
  const { page, errors } = await open(context, `${url}?scenario=none`, { viewport: { width: 1280, height: 720 } });
  await startWorkers(page);
  await page.evaluate(() => {
    window.__gaps = [];
    window.__watch = true;
    let last = null;
    const tick = (t) => { if (last !== null) window.__gaps.push(t - last); last = t; if (window.__watch) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  });
  const t0 = Date.now();
  await page.click("#idle");
  await page.waitForSelector("#idle:not([data-running])", { timeout: 900000 });
  const wall = Date.now() - t0;
  const { gaps, events } = await page.evaluate(() => { window.__watch = false; return { gaps: window.__gaps, events: window.playground.cluster.eventCount }; });
  if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
  await page.close();
  return { wall, events, gaps };
}

/** The same run's synchronous runUntilIdle() in a fresh page: ms, events. */
async function syncRun(context, url) {
  const { page } = await open(context, `${url}?scenario=none`, { viewport: { width: 1280, height: 720 } });
  await startWorkers(page);
  const r = await page.evaluate(() => {
    const c = window.playground.cluster;
    const t = performance.now();
    c.runUntilIdle();
    return { ms: performance.now() - t, events: c.eventCount };
  });
  await page.close();
  return r;
}

const roots = [...(process.env.BEFORE_WWW ? [["before", process.env.BEFORE_WWW]] : []), ["this", process.env.THIS_WWW]];
const sites = [];
for (const [name, www] of roots) sites.push({ name, server: await serve(www), runs: [], syncs: [] });
const browser = await launch();
const load = [os.loadavg()[0]];
try {
  for (let i = 0; i < REPEATS; i++) {
    for (const s of sites) {
      s.runs.push(await runToIdle(browser.context, s.server.url));
      s.syncs.push(await syncRun(browser.context, s.server.url));
      load.push(os.loadavg()[0]);
      const r = s.runs.at(-1);
      console.error(`${s.name} run ${i + 1}: ${r.wall} ms, ${r.events} events, frame median ${pct(r.gaps, 0.5).toFixed(1)} ms`);
    }
  }
} finally {
  await browser.close();
  for (const s of sites) await s.server.close();
}
console.log(`Run to idle of ${WORKERS} × ${PER_WORKER} workers, 1280 × 720, ${REPEATS} runs each, alternating; load average ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)} (min / median / max)`);
for (const s of sites) {
  const perS = (r) => (r.events / r.wall) * 1000;
  console.log(`${s.name.padEnd(7)} wall ms                 ${stats(s.runs.map((r) => r.wall))}`);
  console.log(`${s.name.padEnd(7)} events/s                ${stats(s.runs.map(perS))}`);
  console.log(`${s.name.padEnd(7)} frame ms, median        ${stats(s.runs.map((r) => pct(r.gaps, 0.5)))}`);
  console.log(`${s.name.padEnd(7)} frame ms, 95th pct      ${stats(s.runs.map((r) => pct(r.gaps, 0.95)))}`);
  console.log(`${s.name.padEnd(7)} frame ms, longest       ${stats(s.runs.map((r) => Math.max(...r.gaps)))}`);
  console.log(`${s.name.padEnd(7)} runUntilIdle() events/s ${stats(s.syncs.map((r) => (r.events / r.ms) * 1000))}`);
}
