// The CDP CPU profile summaries profile-page.mjs and profile-scale.mjs print: the top functions
// by self time and the page's own functions by total time (PROFILE_TOP, default 15).
const TOP = Number(process.env.PROFILE_TOP ?? 15);

/** The `TOP` functions of a CDP profile by self time. */
function topSelf(profile) {
  const self = new Map();
  const dt = new Map(); // node id -> ms
  for (let i = 0; i < profile.samples.length; i++) dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + profile.timeDeltas[i] / 1000);
  for (const n of profile.nodes) {
    const f = n.callFrame;
    const name = `${f.functionName || "(anonymous)"} ${f.url.split("/").pop()}:${f.lineNumber + 1}`;
    self.set(name, (self.get(name) ?? 0) + (dt.get(n.id) ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return [`  total ${total.toFixed(0)} ms`, ...[...self].sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([n, ms]) => `  ${ms.toFixed(1).padStart(8)} ms  ${n}`)].join("\n");
}

/** The `TOP` page functions (www/*.js) by total time, what they call included (wasm has no
 * names: the JS function that called into it is what a reader can act on). */
function topTotal(profile) {
  const dt = new Map();
  for (let i = 0; i < profile.samples.length; i++) dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + profile.timeDeltas[i] / 1000);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const subtree = (n) => (dt.get(n.id) ?? 0) + (n.children ?? []).reduce((a, c) => a + subtree(byId.get(c)), 0);
  const total = new Map();
  const walk = (n, seen) => {
    const f = n.callFrame;
    const name = `${f.functionName || "(anonymous)"} ${f.url.split("/").pop()}:${f.lineNumber + 1}`;
    const ours = f.url.endsWith(".js") && !seen.has(name);
    if (ours) total.set(name, (total.get(name) ?? 0) + subtree(n));
    const next = ours ? new Set(seen).add(name) : seen;
    for (const c of n.children ?? []) walk(byId.get(c), next);
  };
  walk(profile.nodes[0], new Set());
  return [...total].sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([n, ms]) => `  ${ms.toFixed(1).padStart(8)} ms  ${n}`).join("\n");
}

export async function profiled(cdp, label, fn) {
  await cdp.send("Profiler.start");
  const t0 = Date.now();
  await fn();
  const { profile } = await cdp.send("Profiler.stop");
  console.log(`${label} (${Date.now() - t0} ms wall)\n self:\n${topSelf(profile)}\n total, page functions:\n${topTotal(profile)}`);
}


/** A CDP trace of `fn` (the browser's own work: style, layout, paint, raster — what a CPU profile
 * shows only as "(program)"): per thread, the top trace events by total ms (complete events
 * only, nested ones counted inside their parents too), and the frames drawn. */
export async function traced(cdp, label, fn) {
  const events = [];
  const collect = (e) => events.push(...e.value);
  cdp.on("Tracing.dataCollected", collect);
  const done = new Promise((resolve) => cdp.once("Tracing.tracingComplete", resolve));
  await cdp.send("Tracing.start", { categories: "devtools.timeline,disabled-by-default-devtools.timeline,blink,cc,benchmark", transferMode: "ReportEvents" });
  await fn();
  await cdp.send("Tracing.end");
  await done;
  cdp.off("Tracing.dataCollected", collect);
  const threads = new Map(events.filter((e) => e.name === "thread_name").map((e) => [`${e.pid}:${e.tid}`, e.args.name]));
  const byThread = new Map();
  for (const e of events) {
    if (e.ph !== "X" || !e.dur) continue;
    const thread = threads.get(`${e.pid}:${e.tid}`) ?? "?";
    if (!/CrRendererMain|Compositor|Raster|TileWorker/.test(thread)) continue;
    const m = byThread.get(thread) ?? new Map();
    m.set(e.name, (m.get(e.name) ?? 0) + e.dur / 1000);
    byThread.set(thread, m);
  }
  const frames = events.filter((e) => e.name === "ProxyMain::BeginMainFrame" && e.ph === "X").length;
  // The renderer's main thread per frame, in thread CPU time (`tdur`: what the load of other
  // processes changes least) and wall time, by phase.
  const main = events.filter((e) => e.ph === "X" && threads.get(`${e.pid}:${e.tid}`) === "CrRendererMain");
  const cpu = (name) => main.filter((e) => e.name === name).reduce((a, e) => a + (e.tdur ?? 0) / 1000, 0);
  const phases = ["RunTask", "FunctionCall", "ParseHTML", "UpdateLayoutTree", "Layout", "PrePaint", "Paint", "Layerize", "Commit"];
  console.log(`${label}: ${frames} main frames; main thread CPU ms per frame: ${phases.map((n) => `${n === "RunTask" ? "all" : n} ${(cpu(n) / Math.max(1, frames)).toFixed(2)}`).join(", ")}`);
  for (const [thread, m] of byThread) {
    console.log(`  ${thread}:`);
    const top = thread === "CrRendererMain" ? TOP * 3 : TOP;
    for (const [name, ms] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`    ${ms.toFixed(1).padStart(8)} ms  ${name}`);
  }
}
