// A CDP CPU profile of the timeline at scale (issue 9), for finding what a frame spends at a
// million events: the timeline and history panels on the benchmark page of their own
// (tests/e2e/pages/timeline-bench.html), fed a run of PROFILE_EVENTS events (default 1,000,000),
// then 10 workers go on incrementing while each animation frame runs 16 virtual ms, gives the
// timeline the new events and redraws both panels (as bench-page.mjs's scale part does); profiles
// two seconds of those frames in the follow view, then in the Fit view, and prints the top
// functions by self time and the frame gaps; then traces two more seconds of each (CDP Tracing:
// the main thread's style, layout and paint per frame, as profile-page.mjs does). Not a test, not a benchmark: `node profile-scale.mjs`.
import { launch, open, serve } from "./helpers.mjs";
import { profiled, traced } from "./profile-tools.mjs";

const EVENTS = Number(process.env.PROFILE_EVENTS ?? 1000000);

const server = await serve(process.env.WWW);
const browser = await launch();
try {
  const { page } = await open(browser.context, `${server.url}test-pages/timeline-bench.html`);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
  const intake = await page.evaluate(async (target) => {
    const { cluster: c } = await window.bench.workload(target);
    const { timeline: tl, history } = window.bench.panels(c);
    const t0 = performance.now();
    tl.pull(c);
    const ms = performance.now() - t0;
    let stop = false;
    for (let w = 0; w < 10; w++) (async () => { while (!stop) await c.increment(`k${w}`, { proposer: `p${1 + (w % 3)}` }); })();
    window.frames_ = [];
    let last = null;
    const frame = (t) => {
      if (last !== null) window.frames_.push(t - last);
      last = t;
      c.runFor(16);
      tl.pull(c);
      tl.render(c.now);
      history.render(c.now);
      if (!stop) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    window.view = (name) => { if (name === "follow") tl.follow = true; else tl.fit(c.now + 3000); window.frames_ = []; };
    window.stopFrames = () => { stop = true; };
    return { events: c.eventCount, ms };
  }, EVENTS);
  console.log(`${intake.events} events; intake (pull) ${intake.ms.toFixed(0)} ms`);
  for (const view of ["follow", "Fit"]) {
    await page.evaluate((v) => window.view(v), view);
    await page.waitForTimeout(500);
    await profiled(cdp, `2 s playing at scale, ${view} view`, () => page.waitForTimeout(2000));
    await traced(cdp, `2 s playing at scale, ${view} view, traced`, () => page.waitForTimeout(2000));
    const gaps = await page.evaluate(() => window.frames_.slice().sort((a, b) => a - b));
    console.log(`  frame gaps ms: n ${gaps.length} min ${gaps[0]?.toFixed(1)} median ${gaps[gaps.length >> 1]?.toFixed(1)} max ${gaps.at(-1)?.toFixed(1)}`);
  }
  await page.evaluate(() => window.stopFrames());
} finally {
  await browser.close();
  await server.close();
}
