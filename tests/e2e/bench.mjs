// `./build.sh bench` (browser part): the native benchmark's workload in wasm in headless
// Chromium, page start-up, seeking, the timeline at 100,000 and 1,000,000 events, and the wasm size.
// NATIVE_INCREMENTS_PER_SEC (set by build.sh from the native run) gives the wasm/native ratio.
import { readFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import path from "node:path";
import { serve, launch, open, ROOT } from "./helpers.mjs";
import { benchPageSeek } from "./bench-seek.mjs";

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

  // The page's seek at 100,000 and 1,000,000 events, split into its parts (bench-seek.mjs).
  await benchPageSeek(browser.context, server.url);

  // The timeline at 100,000 and 1,000,000 events: the panels at their desktop size on a page of
  // their own, fed by a cluster of 30 workers over 10 keys. The timeline sees every event once
  // (fetched in chunks) and keeps only aggregates, a bounded tail and fetched windows.
  for (const target of [100000, 1000000]) {
    const { page } = await open(browser.context, `${server.url}test-pages/timeline-bench.html`);
    const r = await page.evaluate(timelineAtScale, target);
    const f = (s) => `min ${s.min.toFixed(1)} / median ${s.median.toFixed(1)} / max ${s.max.toFixed(1)} ms`;
    console.log(`timeline at ${r.events} events (${r.increments} increments, built in ${(r.buildMs / 1000).toFixed(1)} s; ingested in ${(r.ingestMs / 1000).toFixed(2)} s, ${r.heapMB} MB JS heap after):`);
    for (const [name, v] of Object.entries(r.views)) console.log(`  ${name.padEnd(26)} first frame ${v.first.toFixed(1)} ms, then frame ${f(v.frame)}, click to paint ${f(v.click)}; ${v.mode}, ${v.messages} messages in view, ${v.dom} DOM nodes`);
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}

/** In the benchmark page: builds a cluster with `target` events, feeds a Timeline and a
 * HistoryView, and times frames (timeline + history) and clicks in three views. */
async function timelineAtScale(target) {
  let t = performance.now();
  const { cluster: c, increments } = await window.bench.workload(target);
  const buildMs = performance.now() - t;
  const { timeline: tl, history } = window.bench.panels(c);
  t = performance.now();
  tl.pull(c);
  const ingestMs = performance.now() - t;
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const stats = (xs) => {
    xs.sort((a, b) => a - b);
    return { min: xs[0], median: xs[xs.length >> 1], max: xs.at(-1) };
  };
  const views = {};
  // A frame: the view moves by a pixel (as when following a running clock, or panning), the
  // timeline and the history redraw, and the browser lays out the result (forced here, so it is
  // inside the measure; painting is not).
  const measure = async (name, place) => {
    let s0 = performance.now();
    tl.render(place(0));
    document.body.offsetHeight;
    const first = performance.now() - s0;
    const frames = [];
    for (let i = 1; i <= 20; i++) {
      const now = place(i);
      s0 = performance.now();
      tl.render(now);
      history.render(now);
      document.body.offsetHeight;
      frames.push(performance.now() - s0);
    }
    // A click: in the middle of the view (a message, an operation, or nothing), then a lane
    // label (a node); time from the event to the next painted frame.
    const clicks = [];
    const box = tl.container.getBoundingClientRect();
    for (const [x, y] of [[box.width / 2, box.height / 2], [20, tl.y("a1")], [box.width * 0.3, tl.y("p1")], [20, tl.y("p2")]]) {
      await frame();
      const s = performance.now();
      tl.clickAt(x, y);
      history.render(c.now);
      await new Promise((resolve) => requestAnimationFrame(resolve));
      clicks.push(performance.now() - s);
    }
    views[name] = { first, frame: stats(frames), click: stats(clicks), mode: tl.mode, messages: tl.shown, dom: document.querySelectorAll("body *").length };
  };
  const end = c.now;
  await measure("follow (the newest)", (i) => { tl.follow = true; return end + i * tl.msPerPx; });
  await measure("Fit (the whole run)", (i) => { tl.fit(end); tl.t0 += i * tl.msPerPx; return end; });
  await measure("default zoom, mid-run", (i) => { tl.follow = false; tl.resetZoom(); tl.t0 = end / 2 + i * tl.msPerPx; return end; });
  const heapMB = performance.memory ? Math.round(performance.memory.usedJSHeapSize / 1e6) : "?";
  const events = c.eventCount;
  c.free();
  return { events, increments, buildMs, ingestMs, heapMB, views };
}
