// A CDP CPU profile of the real page at scale (issue 9), for finding what a seek, a frame while
// playing and a Run to idle spend their time on: drives the page with its own controls (workers
// runs, Run to idle) to PROFILE_EVENTS events (default 400,000), then profiles each of
// - three seeks (to the middle, a quarter, three quarters), each to the frame after it;
// - two seconds of frames while playing a small workers run, in the follow view, then traced
//   (CDP Tracing: the browser's own style, layout, paint and raster per thread) in the follow
//   view and in the Fit view;
// - a Run to idle of a 100 × 50 workers run;
// and prints the top functions by self time (ms) with their source position. Not a test, not a
// benchmark (no figure is asserted or reported): `node profile-page.mjs` when a view is slow.
// WWW=/path/to/another/www profiles that copy of the page instead; PROFILE_PARTS=playing skips
// the seeks and the Run to idle.
import { launch, open, serve } from "./helpers.mjs";
import { profiled, traced } from "./profile-tools.mjs";

const EVENTS = Number(process.env.PROFILE_EVENTS ?? 400000);
const PARTS = (process.env.PROFILE_PARTS ?? "seek,playing,idle").split(","); // playing always runs

async function workersToIdle(page, n, m) {
  await page.fill("#workers", String(n));
  await page.fill("#per-worker", String(m));
  await page.click("#run-workers");
  await page.click("#idle");
  await page.waitForSelector("#idle:not([data-running])", { timeout: 600000 });
}

const server = await serve(process.env.WWW);
const browser = await launch();
try {
  const { page } = await open(browser.context, `${server.url}?scenario=none`, {});
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
  while ((await page.evaluate(() => window.playground.cluster.eventCount)) < EVENTS) await workersToIdle(page, 100, 50);
  const end = await page.evaluate(() => window.playground.cluster.now);
  console.log(`${await page.evaluate(() => window.playground.cluster.eventCount)} events, ${end} virtual ms`);
  const seekToPaint = (t) => page.evaluate((t) => {
    const t0 = performance.now();
    window.playground.seekTo(t);
    return new Promise((resolve) => requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0)));
  }, Math.round(t));
  if (PARTS.includes("seek")) {
    const seeks = [];
    await profiled(cdp, "three seeks", async () => { for (const f of [0.5, 0.25, 0.75]) seeks.push(await seekToPaint(end * f)); });
    console.log(`  seek to paint ms: ${seeks.map((x) => x.toFixed(0)).join(", ")}`);
    await page.evaluate((t) => window.playground.seekTo(t), end);
  }
  await page.fill("#workers", "10");
  await page.fill("#per-worker", "100");
  await page.click("#run-workers");
  await page.evaluate(() => { window.playground.setSpeed(1); window.playground.setPlaying(true); });
  await profiled(cdp, "2 s playing, follow view", () => page.waitForTimeout(2000));
  await traced(cdp, "trace: 2 s playing, follow view", () => page.waitForTimeout(2000));
  await page.click("#fit");
  await profiled(cdp, "2 s playing, Fit view", () => page.waitForTimeout(2000));
  await traced(cdp, "trace: 2 s playing, Fit view", () => page.waitForTimeout(2000));
  await page.evaluate(() => window.playground.setPlaying(false));
  if (PARTS.includes("idle")) await profiled(cdp, "Run to idle, 100 × 50 workers", () => workersToIdle(page, 100, 50));
  await page.close();
} finally {
  await browser.close();
  await server.close();
}
