// The real page in a long session (issue 9), for `./build.sh bench`: the page is driven with its
// own controls only (the client panel's workers runs, Run to idle, Play, Step, Fit, the seek
// slider, Increment) to about 100,000 and 400,000+ events, and at each size measured:
// - Run to idle of each workers run: wall time and the longest gap between frames while it ran
//   (one synchronous run is one long gap);
// - frame times while playing (a small workers run going), in the follow view and the Fit view;
//   then frames of fixed work (16 virtual ms each, as Play at speed 1 draws them): JS ms per
//   frame and the main thread's CPU per frame by phase (a CDP trace's thread time);
// - click-to-paint (the click's handler and the next frame) of Step, Fit, the seek slider and
//   Increment, and of the first Step after a seek;
// - seeks (the page's seekTo, to the next frame) at the start, the middle, the end and random points;
// - DOM element count and JS heap (after a collection).
// Figures are min/median/max over the repeats. No figure is asserted: this is a benchmark.
//
// Then the timeline at scale while playing (PAGE_BENCH_SCALE, default 1,000,000 events; "" skips
// it): the timeline and history panels on the benchmark page of their own
// (tests/e2e/pages/timeline-bench.html), fed a run of that many events, then 10 workers go on
// incrementing while each animation frame runs 16 virtual ms (speed 1), gives the timeline the new
// events and redraws both panels, as the page's Play does: frame gaps (rAF to rAF, so style,
// layout and paint are in them) in the follow view and in the Fit view.
//
// BEFORE_WWW=/path/to/another/www also runs that copy of the page (e.g. main's) first, for a
// before/after in one run; THIS_WWW=/path serves "this" copy from there (default www/; a snapshot
// lets www/ change while the benchmark runs). PAGE_BENCH_SIZES=100000,400000 sets the sizes, PAGE_BENCH_VIEWS=page,phone
// the viewports (the desktop's 1280 × 720, a 390 × 844 phone; "" for neither), PAGE_BENCH_ROUNDS=3
// runs the copies alternated three times, PAGE_BENCH_SEEKS=0 skips the seeks (frames and clicks only).
import { launch, open, serve } from "./helpers.mjs";

const SIZES = (process.env.PAGE_BENCH_SIZES ?? "100000,400000").split(",").map(Number);
const VIEWS = (process.env.PAGE_BENCH_VIEWS ?? "page,phone").split(",");
const SCALE = (process.env.PAGE_BENCH_SCALE ?? "1000000").split(",").filter(Boolean).map(Number);
const REPEATS = 5;
const SEEKS = process.env.PAGE_BENCH_SEEKS !== "0";
const PHONE = { width: 390, height: 844 };

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const f = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  return s.length ? `min ${f(s[0])} median ${f(s[Math.floor(s.length / 2)])} max ${f(s.at(-1))} (n ${s.length})` : "none";
};

/** In the page: runs `act` and resolves with `[paint, settled]`: the ms until the frame after it
 * was painted, and until the work the page left for after that paint ran too (the state panel's
 * check of the history, deferred to a task after the frame: see panels/state.js). Timed from two
 * animation frames, one asked for before the action (its timeout comes before any timeout the
 * action's own frame callbacks set) and one after (it comes after them). Before, only the second
 * was measured, and called the time to paint. */
function timedAction(act) {
  const t0 = performance.now();
  const after = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0)));
  const painted = after();
  act();
  return Promise.all([painted, after()]);
}

/** In the page: clicks (or, with `value`, sets and changes) `selector`; see timedAction. */
function clickToPaint([selector, value, timed]) {
  const el = document.querySelector(selector);
  return eval(`(${timed})`)(() => {
    if (value === undefined) el.click();
    else {
      el.value = String(value);
      el.dispatchEvent(new Event("input", { bubbles: true }));
      el.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
}

/** In the page: collects frame gaps (rAF to rAF) for `ms` real ms. */
function frameGaps(ms) {
  return new Promise((resolve) => {
    const gaps = [];
    let last = null;
    const end = performance.now() + ms;
    const tick = (t) => {
      if (last !== null) gaps.push(t - last);
      last = t;
      if (t < end) requestAnimationFrame(tick);
      else resolve(gaps);
    };
    requestAnimationFrame(tick);
  });
}

/** Starts a workers run with the client panel's form and runs it to idle with the button,
 * recording the frame gaps while it runs. */
async function workersToIdle(page, n, m) {
  await page.fill("#workers", String(n));
  await page.fill("#per-worker", String(m));
  await page.click("#run-workers");
  await page.evaluate(() => {
    window.__gaps = [];
    let last = null;
    window.__watch = true;
    const tick = (t) => { if (last !== null) window.__gaps.push(t - last); last = t; if (window.__watch) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  });
  const t0 = Date.now();
  await page.click("#idle");
  await page.waitForSelector("#idle:not([data-running])", { timeout: 600000 });
  const wall = Date.now() - t0;
  const gaps = await page.evaluate(() => { window.__watch = false; return window.__gaps; });
  return { wall, longestGap: Math.max(0, ...gaps) };
}

/** In the page: `n` frames of fixed work, as Play at speed 1 and 60 frames a second draws them
 * (16 virtual ms, then the page's redraw), each in its own animation frame; returns each frame's
 * JS ms (the callback's wall time). A frame's work does not depend on the frame rate, as it does
 * while playing (a slower frame runs more virtual ms), so before and after compare. */
function fixedFrames(n) {
  const { player } = window.playground;
  const js = [];
  return new Promise((resolve) => {
    const frame = () => {
      const t0 = performance.now();
      player.advance(16);
      player.host.render(player);
      js.push(performance.now() - t0);
      if (js.length < n) requestAnimationFrame(frame);
      else resolve(js);
    };
    requestAnimationFrame(frame);
  });
}

/** Runs `fn` under a CDP trace; returns the renderer main thread's CPU ms (thread time, what the
 * load of other processes changes least) by phase, summed. */
async function mainThreadCpu(cdp, fn) {
  const events = [];
  const collect = (e) => events.push(...e.value);
  cdp.on("Tracing.dataCollected", collect);
  const done = new Promise((resolve) => cdp.once("Tracing.tracingComplete", resolve));
  await cdp.send("Tracing.start", { categories: "devtools.timeline,disabled-by-default-devtools.timeline,blink", transferMode: "ReportEvents" });
  const out = await fn();
  await cdp.send("Tracing.end");
  await done;
  cdp.off("Tracing.dataCollected", collect);
  const main = new Set(events.filter((e) => e.name === "thread_name" && e.args.name === "CrRendererMain").map((e) => `${e.pid}:${e.tid}`));
  const cpu = {};
  for (const e of events) {
    if (e.ph !== "X" || !main.has(`${e.pid}:${e.tid}`)) continue;
    if (["RunTask", "FunctionCall", "UpdateLayoutTree", "Layout", "PrePaint", "Paint"].includes(e.name)) cpu[e.name] = (cpu[e.name] ?? 0) + (e.tdur ?? 0) / 1000;
  }
  return { out, cpu };
}

/** Fixed-work frames (see fixedFrames) in the current view: JS ms per frame, and the main
 * thread's CPU per frame by phase. */
async function fixedFrameRows(page, cdp, row, view) {
  const N = 90;
  const { out: js, cpu } = await mainThreadCpu(cdp, () => page.evaluate(fixedFrames, N));
  row(`frame JS ms, 16 virtual ms, ${view}`, js);
  const per = (k) => ((cpu[k] ?? 0) / N).toFixed(2);
  row(`frame CPU ms, 16 virtual ms, ${view}`, `all ${per("RunTask")}: JS ${per("FunctionCall")}, style ${per("UpdateLayoutTree")}, layout ${per("Layout")}, pre-paint ${per("PrePaint")}, paint ${per("Paint")}`);
}

async function measure(page, cdp, label) {
  const out = [];
  const row = (name, xs) => out.push(`${label} ${name.padEnd(34)} ${typeof xs === "string" ? xs : stats(xs)}`);
  const c = () => page.evaluate(() => ({ events: window.playground.cluster.eventCount, now: window.playground.cluster.now }));
  const { events, now } = await c();
  row("events, virtual ms", `${events}, ${now}`);
  // Frames while playing, with a small workers run going (the follow view, then Fit).
  await page.fill("#workers", "10");
  await page.fill("#per-worker", "100");
  await page.click("#run-workers");
  await page.evaluate(() => { window.playground.setSpeed(1); window.playground.setPlaying(true); });
  row("frame ms, playing, follow", await page.evaluate(frameGaps, 2000));
  await page.click("#fit");
  row("frame ms, playing, Fit view", await page.evaluate(frameGaps, 2000));
  await page.evaluate(() => window.playground.setPlaying(false));
  await page.check("#follow");
  // Frames of fixed work, a new workers run going on (paused: the frames move time).
  await page.click("#run-workers");
  await page.evaluate(() => window.playground.setPlaying(false));
  await fixedFrameRows(page, cdp, row, "follow");
  await page.click("#fit");
  await fixedFrameRows(page, cdp, row, "Fit");
  await page.check("#follow");
  const clicks = { step: [], fit: [], increment: [], slider: [], stepAfterSeek: [] };
  const timed = timedAction.toString();
  for (let i = 0; i < REPEATS; i++) {
    clicks.step.push(await page.evaluate(clickToPaint, ["#step", undefined, timed]));
    clicks.fit.push(await page.evaluate(clickToPaint, ["#fit", undefined, timed]));
    clicks.increment.push(await page.evaluate(clickToPaint, ["#increment", undefined, timed]));
  }
  const end = (await c()).now;
  const seeks = { start: [], middle: [], end: [], random: [] };
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < (SEEKS ? REPEATS : 0); i++) {
    clicks.slider.push(await page.evaluate(clickToPaint, ["#seek", Math.round(end * random()), timed]));
    clicks.stepAfterSeek.push(await page.evaluate(clickToPaint, ["#step", undefined, timed]));
    for (const [name, at] of [["start", 0], ["middle", end / 2], ["end", end], ["random", end * random()]]) {
      seeks[name].push(await page.evaluate(([t, timed]) => eval(`(${timed})`)(() => window.playground.seekTo(t)), [Math.round(at), timed]));
    }
  }
  // Each as [to paint, to paint and the check after it] (see timedAction).
  const both = (name, pairs) => {
    row(name, pairs.map(([p]) => p));
    row(`${name}, + check`, pairs.map(([, s]) => s));
  };
  both("click-to-paint ms, Step", clicks.step);
  both("click-to-paint ms, Fit", clicks.fit);
  both("click-to-paint ms, Increment", clicks.increment);
  both("click-to-paint ms, seek slider", clicks.slider);
  both("click-to-paint ms, Step after seek", clicks.stepAfterSeek);
  for (const [name, xs] of Object.entries(seeks)) both(`seek to paint ms, ${name}`, xs);
  await cdp.send("HeapProfiler.collectGarbage");
  const heap = await cdp.send("Runtime.getHeapUsage");
  const dom = await page.evaluate(() => document.getElementsByTagName("*").length);
  row("DOM elements, JS heap MB", `${dom}, ${(heap.usedSize / 2 ** 20).toFixed(1)}`);
  return out;
}

async function benchPage(server, browser, label, viewport) {
  const { page } = await open(browser.context, `${server.url}?scenario=none`, { viewport });
  const cdp = await page.context().newCDPSession(page);
  const lines = [];
  for (const size of SIZES) {
    const runs = [];
    while ((await page.evaluate(() => window.playground.cluster.eventCount)) < size) runs.push(await workersToIdle(page, 100, 50));
    if (runs.length) {
      lines.push(`${label} Run to idle, wall ms (100×50 workers)   ${stats(runs.map((r) => r.wall))}`);
      lines.push(`${label} Run to idle, longest frame gap ms     ${stats(runs.map((r) => r.longestGap))}`);
    }
    lines.push(...(await measure(page, cdp, `${label} ~${size / 1000}k`)));
    // Back to the end of the run, so the next workers run goes on from there.
    await page.evaluate(() => window.playground.seekTo(Number(document.getElementById("seek").max)));
    console.log(lines.splice(0).join("\n"));
  }
  await page.close();
}

/** In the benchmark page: a run of `target` events, then `ms` real ms of frames while playing in
 * each view; returns { events, views: { name: [frame gaps] }, dom }. */
async function playingAtScale([target, ms]) {
  const { cluster: c } = await window.bench.workload(target);
  const { timeline: tl, history } = window.bench.panels(c);
  tl.pull(c);
  let stop = false;
  for (let w = 0; w < 10; w++) (async () => { while (!stop) await c.increment(`k${w}`, { proposer: `p${1 + (w % 3)}` }); })();
  const views = {};
  for (const [name, place] of [["follow", () => { tl.follow = true; }], ["Fit", () => tl.fit(c.now + ms * 1.2)]]) {
    place();
    views[name] = await new Promise((resolve) => {
      const gaps = [];
      let last = null;
      const end = performance.now() + ms;
      const frame = (t) => {
        if (last !== null) gaps.push(t - last);
        // The first callback's `t` is the frame that began before the intake above (a long task:
        // seconds at 1M events), so the first gap counts from when it ran.
        last = last === null ? performance.now() : t;
        c.runFor(16);
        tl.pull(c);
        tl.render(c.now);
        history.render(c.now);
        if (t < end) requestAnimationFrame(frame);
        else resolve(gaps);
      };
      requestAnimationFrame(frame);
    });
  }
  stop = true;
  const events = c.eventCount;
  const dom = document.querySelectorAll("body *").length;
  return { events, views, dom };
}

async function benchScale(server, browser, label) {
  for (const target of SCALE) {
    const { page } = await open(browser.context, `${server.url}test-pages/timeline-bench.html`);
    const r = await page.evaluate(playingAtScale, [target, 3000]);
    for (const [name, gaps] of Object.entries(r.views)) console.log(`${label} timeline at ~${target / 1000}k, frame ms, playing, ${name.padEnd(6)} ${stats(gaps)}`);
    console.log(`${label} timeline at ~${target / 1000}k: ${r.events} events, ${r.dom} DOM elements`);
    await page.close();
  }
}

const roots = [...(process.env.BEFORE_WWW ? [["before", process.env.BEFORE_WWW]] : []), ["this", process.env.THIS_WWW]];
const ROUNDS = Number(process.env.PAGE_BENCH_ROUNDS ?? 1); // before, this, before, this, ...: alternated on a noisy machine
for (const [name, www] of Array.from({ length: ROUNDS }, () => roots).flat()) {
  const server = await serve(www);
  const browser = await launch();
  try {
    if (VIEWS.includes("page")) await benchPage(server, browser, `page(${name})`, null);
    if (VIEWS.includes("phone")) await benchPage(server, browser, `phone(${name})`, PHONE);
    await benchScale(server, browser, `scale(${name})`);
  } finally {
    await browser.close();
    await server.close();
  }
}
