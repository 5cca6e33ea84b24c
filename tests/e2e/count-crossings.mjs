// Calls between wasm and JavaScript an increment, and a CPU profile of the 30 clients (one
// proposer a key) alone: `DIR=pkg-x node count-crossings.mjs` (a folder under www/; DIR=pkg by
// default; a build with its name section, as wasm-bindgen leaves it, names the wasm functions).
// Each import and export of the module is wrapped with a counter (WebAssembly.instantiate
// patched before the glue loads); the counts are per increment of 3,000 (30 clients x 100) after
// a warm-up. The profile prints self and total time per function, in µs an increment.
import { serve, launch } from "./helpers.mjs";
const dir = process.env.DIR || "pkg";
const server = await serve();
const browser = await launch();
try {
  const page = await browser.context.newPage();
  await page.goto(`${server.url}blank`);
  const counts = await page.evaluate(async (dir) => {
    const counts = { imports: {}, exports: {} };
    const wrap = (obj, tally) => {
      const out = {};
      for (const [k, v] of Object.entries(obj)) {
        out[k] = typeof v === "function" ? function (...a) { const t = counts[tally]; t[k] = (t[k] ?? 0) + 1; return v.apply(this, a); } : v;
      }
      return out;
    };
    const origInst = WebAssembly.instantiate, origStream = WebAssembly.instantiateStreaming;
    const patchImports = (imports) => {
      const o = {};
      for (const [m, fns] of Object.entries(imports)) o[m] = wrap(fns, "imports");
      return o;
    };
    const patchResult = (r) => {
      const inst = r.instance ?? r;
      const fake = { exports: wrap(inst.exports, "exports") };
      return r.instance ? { module: r.module, instance: fake } : fake;
    };
    WebAssembly.instantiate = async (m, i) => patchResult(await origInst(m, patchImports(i)));
    WebAssembly.instantiateStreaming = async (m, i) => patchResult(await origStream(m, patchImports(i)));
    const m = await import(`./${dir}/caspaxos_playground.js`);
    await m.default();
    const c = new Cluster0(m);
    function Cluster0(m) { return new m.Cluster({ acceptors: 3, proposers: 3, seed: 1, latency: { min: 1, max: 10 } }); }
    await Promise.all(Array.from({ length: 30 }, async (_, i) => { for (let k = 0; k < 5; k++) await c.increment(`k${i % 10}`, { proposer: `p${(i % 10 % 3) + 1}` }); }));
    counts.imports = {}; counts.exports = {};
    const n = 30 * 100;
    await Promise.all(Array.from({ length: 30 }, async (_, i) => { for (let k = 0; k < 100; k++) await c.increment(`k${i % 10}`, { proposer: `p${(i % 10 % 3) + 1}` }); }));
    const per = (t) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, +(v / n).toFixed(3)]).sort((a, b) => b[1] - a[1]));
    return { imports: per(counts.imports), exports: per(counts.exports) };
  }, dir);
  console.log(JSON.stringify(counts, null, 1));
  await page.close();
  const page2 = await browser.context.newPage();
  await page2.goto(`${server.url}blank`);
  await page2.evaluate(async (dir) => { const m = await import(`./${dir}/caspaxos_playground.js`); await m.default(); window.m = m; }, dir);
  const run = () => page2.evaluate(async () => {
    const c = new m.Cluster({ acceptors: 3, proposers: 3, seed: 1, latency: { min: 1, max: 10 } });
    const t = performance.now();
    await Promise.all(Array.from({ length: 30 }, async (_, i) => { for (let k = 0; k < 300; k++) await c.increment(`k${i % 10}`, { proposer: `p${(i % 10 % 3) + 1}` }); }));
    const ms = performance.now() - t; c.free(); return 9000 / (ms / 1000);
  });
  await run();
  const cdp = await page2.context().newCDPSession(page2);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 50 });
  await cdp.send("Profiler.start");
  const rate = await run();
  const { profile } = await cdp.send("Profiler.stop");
  console.log("rate while profiled", rate.toFixed(0));
  const dt = new Map();
  for (let i = 0; i < profile.samples.length; i++) dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const name = (n) => { const f = n.callFrame; return `${(f.functionName || "(anon)").replace(/::h[0-9a-f]{16}$/, "")} ${f.url.split("/").pop()}`; };
  const self = new Map(), total = new Map();
  const subtree = new Map();
  const sub = (n) => { if (subtree.has(n.id)) return subtree.get(n.id); const v = (dt.get(n.id) ?? 0) + (n.children ?? []).reduce((a, c) => a + sub(byId.get(c)), 0); subtree.set(n.id, v); return v; };
  const walk = (n, seen) => {
    const k = name(n);
    self.set(k, (self.get(k) ?? 0) + (dt.get(n.id) ?? 0));
    if (!seen.has(k)) total.set(k, (total.get(k) ?? 0) + sub(n));
    const next = new Set(seen).add(k);
    for (const c of n.children ?? []) walk(byId.get(c), next);
  };
  walk(profile.nodes[0], new Set());
  const all = sub(profile.nodes[0]);
  const idle = (self.get("(idle) ") ?? 0) + (self.get("(program) ") ?? 0);
  console.log(`sampled ${(all / 1000).toFixed(0)} ms; per increment (9000): ${(all / 9000).toFixed(2)} µs`);
  const top = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([n, us]) => `  ${((100 * us) / all).toFixed(1).padStart(5)} % ${(us / 9000).toFixed(3).padStart(7)} µs/op  ${n.slice(0, 150)}`).join("\n");
  console.log("self:\n" + top(self, Number(process.env.TOP || 45)));
  console.log("total:\n" + top(total, Number(process.env.TOPT || 60)));
} finally {
  await browser.close();
  await server.close();
}
