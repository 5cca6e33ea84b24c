// `./build.sh bench` (browser part): the native benchmark's workload in wasm in headless
// Chromium, page start-up, timeline redraw at 10,000+ events, and the wasm size.
// NATIVE_INCREMENTS_PER_SEC (set by build.sh from the native run) gives the wasm/native ratio.
import { readFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import path from "node:path";
import { serve, launch, open, ROOT } from "./helpers.mjs";

const server = await serve();
const browser = await launch();
try {
  const wasm = await readFile(path.join(ROOT, "www/pkg/caspaxos_playground_bg.wasm"));
  console.log(`wasm size: ${(wasm.length / 1024).toFixed(0)} KB raw, ${(gzipSync(wasm, { level: 9 }).length / 1024).toFixed(0)} KB gzip`);

  const loads = [];
  for (let i = 0; i < 5; i++) {
    const { page, loadMs } = await open(browser.context, server.url);
    loads.push(loadMs);
    await page.close();
  }
  loads.sort((a, b) => a - b);
  console.log(`page interactive (navigation to ready, localhost): median ${loads[2]} ms, best ${loads[0]} ms`);

  const { page } = await open(browser.context, server.url);
  for (const [name, dropRate] of [["no faults", 0], ["5% loss", 0.05]]) {
    const r = await page.evaluate(async (dropRate) => {
      const { benchIncrements } = await import("./pkg/caspaxos_playground.js");
      benchIncrements(10000, dropRate); // warm up
      let best = Infinity;
      let out;
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        out = benchIncrements(100000, dropRate);
        best = Math.min(best, performance.now() - t);
      }
      return { ...out, ms: best };
    }, dropRate);
    const perSec = r.increments / (r.ms / 1000);
    const native = Number(process.env[dropRate ? "NATIVE_LOSS_INCREMENTS_PER_SEC" : "NATIVE_INCREMENTS_PER_SEC"] || 0);
    const ratio = native ? ` — wasm/native ${(perSec / native).toFixed(2)}` : "";
    console.log(`wasm   ${name.padEnd(10)} ${perSec.toFixed(0).padStart(9)} increments/s  ${(r.messages / (r.ms / 1000)).toFixed(0).padStart(9)} messages/s  ${r.messagesPerOperation.toFixed(2)} messages/op  ${r.events} events  ${(r.ms / 1000).toFixed(3)} s${ratio}`);
  }
  // Through the JS API: 30 async clients awaiting `increment` (autoAdvance runs virtual time
  // while they wait), and what one call across the boundary costs (a getter; an operation's
  // promise). Min / median / max of 5 runs each.
  const api = await page.evaluate(async () => {
    const { Cluster } = await import("./pkg/caspaxos_playground.js");
    const stats = (xs) => { const s = [...xs].sort((a, b) => a - b); return { min: s[0], median: s[s.length >> 1], max: s[s.length - 1] }; };
    const clientsRun = async (perClient) => {
      const c = new Cluster({ acceptors: 3, proposers: 3, seed: 1, latency: { min: 1, max: 10 } });
      const t = performance.now();
      await Promise.all(Array.from({ length: 30 }, async (_, i) => {
        const opts = { proposer: `p${(i % 3) + 1}` };
        for (let k = 0; k < perClient; k++) await c.increment(`k${i % 10}`, opts);
      }));
      const ms = performance.now() - t;
      c.free();
      return (30 * perClient) / (ms / 1000);
    };
    await clientsRun(20);
    const throughput = [];
    for (let r = 0; r < 5; r++) throughput.push(await clientsRun(200));
    const c = new Cluster({ autoAdvance: false });
    const perCall = (n, f) => { const t = performance.now(); for (let i = 0; i < n; i++) f(); return ((performance.now() - t) * 1000) / n; };
    const getter = [], op = [];
    for (let r = 0; r < 5; r++) {
      getter.push(perCall(20000, () => c.now));
      op.push(perCall(5000, () => c.increment("k")));
      c.runUntilIdle();
    }
    c.free();
    return { throughput: stats(throughput), getter: stats(getter), op: stats(op) };
  });
  const f = (s, d = 0) => `min ${s.min.toFixed(d)} / median ${s.median.toFixed(d)} / max ${s.max.toFixed(d)}`;
  console.log(`JS API: 30 async clients awaiting increment: ${f(api.throughput)} increments/s`);
  console.log(`JS API: one getter (c.now) ${f(api.getter, 2)} µs; starting an increment (its promise, no time run) ${f(api.op, 2)} µs`);

  // How values cross: JSON text + JSON.parse vs serde-wasm-bindgen, per value shape (µs per
  // value); "shipped" is what the wasm does for operation values (scalars direct, else text).
  const conversions = await page.evaluate(async () => {
    const { benchConversion } = await import("./pkg/caspaxos_playground.js");
    const values = {
      "a number (increment)": "42",
      "{ version, value }": '{"version":3,"value":"v2"}',
      "a lease": '{"acquired":true,"holder":"alice","expiresAt":1200,"token":7}',
      "a 1 KB object": JSON.stringify(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`field${i}`, { n: i, s: "x".repeat(8) }]))),
      "100 events-like objects": JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ seq: i, at: i * 3, kind: "deliver", from: "p1", to: "a2", message: { type: "accept", key: "k", ballot: { counter: i, proposer: "p1" } } }))),
    };
    const out = {};
    for (const [name, json] of Object.entries(values)) {
      const n = json.length > 1000 ? 2000 : 50000;
      benchConversion(json, 1000);
      const runs = [];
      for (let i = 0; i < 5; i++) runs.push(benchConversion(json, n));
      const us = (k) => runs.map((x) => (x[k] * 1000) / n).sort((a, b) => a - b);
      out[name] = { jsonText: us("jsonText"), objects: us("objects"), shipped: us("shipped") };
    }
    return out;
  });
  for (const [name, { jsonText, objects, shipped }] of Object.entries(conversions)) {
    const f = (xs) => `${xs[0].toFixed(2)} / ${xs[2].toFixed(2)} / ${xs[4].toFixed(2)}`;
    console.log(`${name.padEnd(26)} JSON text ${f(jsonText)} µs   serde-wasm-bindgen ${f(objects)} µs   shipped ${f(shipped)} µs`);
  }
  // The checker: min / median / max over several checks of one finished history each.
  for (const [name, operations, shape] of [["sequential, 1 key", 100000, { clients: 1, keys: 1 }], ["10 clients, 10 keys", 10000, { clients: 10, keys: 10 }]]) {
    const checker = await page.evaluate(async ({ operations, shape }) => {
      const { Cluster } = await import("./pkg/caspaxos_playground.js");
      const c = Cluster.withCheckerWorkload(operations, shape);
      c.check(); // warm up
      const samples = [];
      let report;
      for (let i = 0; i < 7; i++) {
        const t = performance.now();
        report = c.check();
        samples.push(performance.now() - t);
      }
      samples.sort((a, b) => a - b);
      const ops = c.lastOperationId + 1;
      c.free();
      return { min: samples[0], median: samples[3], max: samples[6], ok: report.ok, keys: Object.keys(report.keys).length, ops, steps: report.steps };
    }, { operations, shape });
    console.log(`wasm   checker ${name.padEnd(20)} ${String(checker.ops).padStart(7)} operations over ${checker.keys} keys checked in min ${checker.min.toFixed(1)} / median ${checker.median.toFixed(1)} / max ${checker.max.toFixed(1)} ms (${checker.steps} search steps, ${checker.ok ? "linearizable" : "NOT linearizable"})`);
  }
  await page.close();

  // Seeking in a session of 10,000+ events: the replay alone, and the page's whole seek
  // (replay, timeline, panels).
  {
    const { page } = await open(browser.context, server.url);
    const seek = await page.evaluate(async () => {
      const pg = window.playground;
      const c = pg.cluster;
      let running = 10;
      for (let w = 0; w < 10; w++) {
        (async () => {
          for (let i = 0; i < 50; i++) await c.increment(`k${w % 3}`, { proposer: w % 2 ? "p2" : "p1" });
          running -= 1;
        })();
      }
      while (running > 0) {
        c.runFor(5);
        await new Promise((r) => setTimeout(r, 0));
      }
      c.runUntilIdle();
      pg.refresh();
      const { Cluster } = await import("./pkg/caspaxos_playground.js");
      const session = c.session();
      const end = c.now;
      const events = c.eventCount;
      const replay = [];
      const whole = [];
      for (const f of [0.1, 0.25, 0.5, 0.75, 1]) {
        let t = performance.now();
        Cluster.fromSession(session, { until: Math.round(end * f) }).free();
        replay.push(performance.now() - t);
      }
      for (const f of [0.1, 0.5, 1, 0.25, 0.9]) {
        const t = performance.now();
        pg.seekTo(Math.round(end * f));
        whole.push(performance.now() - t);
      }
      return { events, actions: session.actions.length, replayMax: Math.max(...replay), wholeMax: Math.max(...whole), wholeMedian: whole.sort((a, b) => a - b)[2] };
    });
    console.log(`seek in a ${seek.events}-event session (${seek.actions} recorded actions): replay at most ${seek.replayMax.toFixed(1)} ms; the page's whole seek (replay + timeline + panels) median ${seek.wholeMedian.toFixed(1)} ms, at most ${seek.wholeMax.toFixed(1)} ms`);
    await page.close();
  }

  // Timeline redraw with 10,000+ events: the follow-now view and the whole run.
  for (const perWorker of [50, 120]) {
    const { page } = await open(browser.context, server.url);
    const redraw = await page.evaluate(async (perWorker) => {
    const pg = window.playground;
    const c = pg.cluster;
    let running = 10;
    for (let w = 0; w < 10; w++) {
      (async () => {
        for (let i = 0; i < perWorker; i++) await c.increment("k", { proposer: w % 2 ? "p2" : "p1" });
        running -= 1;
      })();
    }
    while (running > 0) {
      c.runUntilIdle();
      await new Promise((r) => setTimeout(r, 0)); // let the workers issue their next increments
    }
    pg.refresh();
    const events = c.eventCount;
    const time = (fn) => {
      const samples = [];
      for (let i = 0; i < 20; i++) {
        const t = performance.now();
        fn();
        samples.push(performance.now() - t);
      }
      samples.sort((a, b) => a - b);
      return { median: samples[10], p95: samples[18] };
    };
    const tl = pg.timeline;
    tl.follow = true;
    const follow = time(() => tl.render(c.now));
    tl.fit(c.now);
    let arrows = 0;
    const fit = time(() => { arrows = tl.render(c.now); });
    return { events, follow, fit, arrows };
  }, perWorker);
  console.log(`timeline redraw at ${redraw.events} events: follow-now view median ${redraw.follow.median.toFixed(1)} ms (p95 ${redraw.follow.p95.toFixed(1)}), whole run (${redraw.arrows} arrows) median ${redraw.fit.median.toFixed(1)} ms (p95 ${redraw.fit.p95.toFixed(1)})`);
  await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}
