// Where the wasm of bench-side.mjs spends its time: a CDP CPU profile of one `benchIncrements`
// run (the workload of record, after a warm-up run) for each build in SIDE_PKGS (folders under
// www/, default `pkg`; a build keeps its function names only if its wasm has a name section),
// printed as the top PROFILE_TOP (default 30) functions by self time, in % of the samples.
import { serve, launch, open } from "./helpers.mjs";

const PKGS = (process.env.SIDE_PKGS || "pkg").split(",").filter(Boolean);
const TOP = Number(process.env.PROFILE_TOP || 30);
const INCREMENTS = 100000;

/** Self time per function name, in µs, of a CDP profile. */
function selfTimes(profile) {
  const dt = new Map();
  for (let i = 0; i < profile.samples.length; i++) dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const by = new Map();
  for (const n of profile.nodes) {
    const name = n.callFrame.functionName || "(anonymous)";
    by.set(name, (by.get(name) ?? 0) + (dt.get(n.id) ?? 0));
  }
  return by;
}

const server = await serve();
const browser = await launch();
try {
  for (const pkg of PKGS) {
    const { page } = await open(browser.context, server.url);
    const run = () =>
      page.evaluate(async ([n, glue]) => {
        const wasm = await import(glue);
        await wasm.default(); // a build the page has not loaded (a no-op for the page's own)
        return wasm.benchIncrements(n);
      }, [INCREMENTS, `./${pkg}/caspaxos_playground.js`]);
    await run();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
    await cdp.send("Profiler.start");
    const r = await run();
    const { profile } = await cdp.send("Profiler.stop");
    const by = selfTimes(profile);
    const total = [...by.values()].reduce((a, b) => a + b, 0);
    console.log(`www/${pkg}: ${(r.increments / (r.runMs / 1000)).toFixed(0)} increments/s, ${(total / 1000).toFixed(0)} ms sampled; by self time:`);
    for (const [name, us] of [...by].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${name.slice(0, 140)}`);
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}
