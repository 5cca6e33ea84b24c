// The JS API rows of `bench.mjs` for two or more builds side by side, alternated run by run in
// one page (the machine is noisy): `API_BUILDS="before=pkg-before,after=pkg" node bench-api.mjs`,
// each folder under www/ holding a core module built with `./build.sh build workloads`.
// Min / median / max of `API_RUNS` (default 5) rounds, and of each build's ratio to the first
// build's figure of the same round. With `API_PROFILE=name`, also a CPU profile
// of that build's 30 clients, its self time summed by where it runs (wasm, the glue, the guard).
import { serve, launch } from "./helpers.mjs";

const builds = (process.env.API_BUILDS || "after=pkg").split(",").map((s) => s.split("="));
const runs = Number(process.env.API_RUNS || 5);
const server = await serve();
const browser = await launch();
try {
  // A page of the server's origin with nothing running on it (not the playground: its timeline
  // would draw between the awaits).
  const page = await browser.context.newPage();
  await page.goto(`${server.url}blank`);
  const round = (dir, probeOff) =>
    page.evaluate(
      async ({ dir, probeOff }) => {
        const m = await import(`./${dir}/caspaxos_playground.js`);
        await m.default(); // once per module (the page initialized only its own)
        const { Cluster } = m;
        if (probeOff !== null) m.setStackHeadroomForTests?.(probeOff);
        // bench.mjs's row: client i increments k(i % 10) through p(i % 3 + 1), so each key is
        // shared by the three proposers (contention). `owned`: each key through one proposer
        // (p(i % 10 % 3 + 1)), as in the native workload of record.
        const clients = async (perClient, owned = false) => {
          const c = new Cluster({ acceptors: 3, proposers: 3, seed: 1, latency: { min: 1, max: 10 } });
          const t = performance.now();
          await Promise.all(
            Array.from({ length: 30 }, async (_, i) => {
              const opts = { proposer: `p${((owned ? i % 10 : i) % 3) + 1}` };
              for (let k = 0; k < perClient; k++) await c.increment(`k${i % 10}`, opts);
            }),
          );
          const ms = performance.now() - t;
          const events = c.eventCount;
          c.free();
          return { perSec: (30 * perClient) / (ms / 1000), eventsPerOp: events / (30 * perClient) };
        };
        await clients(20);
        const { perSec, eventsPerOp } = await clients(200);
        const { perSec: ownedPerSec, eventsPerOp: ownedEventsPerOp } = await clients(200, true);
        const c = new Cluster({ autoAdvance: false });
        const perCall = (n, f) => {
          const t = performance.now();
          for (let i = 0; i < n; i++) f();
          return ((performance.now() - t) * 1000) / n;
        };
        perCall(2000, () => c.now);
        const getter = perCall(20000, () => c.now);
        const start = perCall(5000, () => c.increment("k"));
        c.runUntilIdle();
        c.free();
        let [engine, engineEventsPerOp] = [null, null];
        if (m.benchIncrements) {
          const t = performance.now();
          const r = m.benchIncrements(6000, 0);
          engine = r.increments / ((performance.now() - t) / 1000);
          engineEventsPerOp = r.events / r.increments;
        }
        if (probeOff !== null) m.setStackHeadroomForTests?.(undefined);
        return { perSec, eventsPerOp, ownedPerSec, ownedEventsPerOp, getter, start, engine, engineEventsPerOp };
      },
      { dir, probeOff },
    );
  const rows = {};
  const variants = builds.flatMap(([name, dir]) => [[name, dir, null]]);
  if (process.env.API_PROBE_OFF) variants.push([`${process.env.API_PROBE_OFF} probe off`, builds.find(([n]) => n === process.env.API_PROBE_OFF)[1], 0]);
  for (let r = 0; r < runs; r++) {
    for (const [name, dir, off] of variants) {
      const x = await round(dir, off);
      for (const [k, v] of Object.entries(x)) ((rows[name] ??= {})[k] ??= []).push(v);
    }
  }
  const f = (xs, d) => {
    const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
    return s.length ? `${s[0].toFixed(d)} / ${s[s.length >> 1].toFixed(d)} / ${s[s.length - 1].toFixed(d)}` : "-";
  };
  for (const [name, x] of Object.entries(rows)) {
    console.log(
      `${name.padEnd(16)} 30 clients ${f(x.perSec, 0)} increments/s (${f(x.eventsPerOp, 1)} events/op), keys owned by one proposer ${f(x.ownedPerSec, 0)} (${f(x.ownedEventsPerOp, 1)} events/op); getter ${f(x.getter, 2)} µs; start ${f(x.start, 2)} µs; engine (benchIncrements 6,000) ${f(x.engine, 0)} increments/s (${f(x.engineEventsPerOp, 1)} events/op)`,
    );
  }
  // Each build against the first in the same round (the load drifts between rounds more than
  // between two builds run one after the other).
  const [[base], ...others] = Object.entries(rows);
  for (const [name, x] of others) {
    const ratio = (k) => f(x[k].map((v, i) => (v === null || rows[base][k][i] === null ? null : v / rows[base][k][i])), 2);
    console.log(`${name} / ${base}, per round: 30 clients ${ratio("perSec")}, keys owned ${ratio("ownedPerSec")}, start ${ratio("start")}, getter ${ratio("getter")}, engine ${ratio("engine")}`);
  }
  const profiled = process.env.API_PROFILE && builds.find(([n]) => n === process.env.API_PROFILE);
  if (profiled) {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 50 });
    await cdp.send("Profiler.start");
    await round(profiled[1], null);
    const { profile } = await cdp.send("Profiler.stop");
    const dt = new Map();
    for (let i = 0; i < profile.samples.length; i++) dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
    const by = new Map();
    for (const n of profile.nodes) {
      const { functionName, url } = n.callFrame;
      const where = url.includes("wasm") || /^\$|wasm-function/.test(functionName) ? "wasm" : url.split("/").pop() || "(native)";
      const key = `${where} ${functionName || "(anonymous)"}`;
      by.set(key, (by.get(key) ?? 0) + (dt.get(n.id) ?? 0));
    }
    const total = [...by.values()].reduce((a, b) => a + b, 0);
    const where = new Map();
    for (const [k, us] of by) where.set(k.split(" ")[0], (where.get(k.split(" ")[0]) ?? 0) + us);
    console.log(`profile of ${profiled[0]} (self time, ${(total / 1000).toFixed(0)} ms sampled), by where it runs:`);
    for (const [k, us] of [...where].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`);
    console.log("by function:");
    for (const [k, us] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`);
  }
  await page.close();
} finally {
  await browser.close();
  await server.close();
}
