// What the Cluster's guard costs at load: `node bench-guard.mjs [rounds]` (after `./build.sh
// build`). Each round loads the module in a fresh blank page and awaits its init (which runs the
// start function, which installs the guard), once for each of three copies of www/, in turn:
// - shipped: the guard's snippet as built, with timing marks added (the whole install and its
//   warm-up on a cluster of its own);
// - no warm-up cluster: the same, without the warm-up's Cluster (its light calls never proven:
//   they keep the full headroom), to see what that Cluster costs;
// - no guard: the install returns at once (the stack of the probe Cluster alone), for the floor.
// Reported per copy: init ms, install ms, warm-up ms and the wasm memory after init, then the
// host's first cluster (new, an increment and a get run to idle: ms) and the wasm memory after it
// (min / median / max over the rounds).
import { cp, readdir, readFile, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { ROOT, serve, launch } from "./helpers.mjs";

const START = "export function installGuard(";
const WARM_UP = "  // And the light calls' paths, on a cluster of their own:";

/** A copy of www/ (`name`) whose guard snippet is changed by `patch(text)`. */
async function variant(name, patch) {
  const dir = path.join(ROOT, "target", "tmp", `www-guard-${name}`);
  await mkdir(dir, { recursive: true });
  await cp(path.join(ROOT, "www"), dir, { recursive: true });
  const snippets = path.join(dir, "pkg", "snippets");
  for (const crate of await readdir(snippets)) {
    for (const f of await readdir(path.join(snippets, crate))) {
      const file = path.join(snippets, crate, f);
      const text = await readFile(file, "utf8");
      if (!text.includes(START)) continue;
      if (!text.includes(WARM_UP)) throw new Error("the guard's warm-up comment moved: update bench-guard.mjs");
      await writeFile(file, patch(text));
      return dir;
    }
  }
  throw new Error("no snippet installs the guard");
}

/** Timing marks: the install's whole time and its warm-up's, into `globalThis.guardMs`. */
function marked(text) {
  return text
    .replace(/(export function installGuard\([^)]*\) \{\n)/, "$1  const t0 = performance.now();\n  globalThis.guardMs = { install: 0, warmUp: 0 };\n")
    .replace(WARM_UP, `  const w0 = performance.now();\n${WARM_UP}`)
    .replace(/(  warmUp\.free\(\);\n)\}/, "$1  globalThis.guardMs.warmUp = performance.now() - w0;\n  globalThis.guardMs.install = performance.now() - t0;\n}");
}

const withoutWarmUpCluster = (text) => marked(text).replace("    const c = new cls({ autoAdvance: false });", "    throw null; // bench: no warm-up cluster\n    const c = null;");
const withoutGuard = (text) => text.replace(/(export function installGuard\([^)]*\) \{\n)/, "$1  globalThis.guardMs = { install: 0, warmUp: 0 };\n  warmUp.free();\n  return;\n");

async function load(context, url) {
  const page = await context.newPage();
  await page.goto(`${url}test-pages/blank.html`);
  const r = await page.evaluate(async (base) => {
    const m = await import(`${base}pkg/caspaxos_playground.js`);
    const t0 = performance.now();
    const wasm = await m.default();
    const init = performance.now() - t0;
    const memory = wasm.memory.buffer.byteLength;
    // The host's first cluster and its first calls (what a warm-up at load does first).
    const t1 = performance.now();
    const c = new m.Cluster({ autoAdvance: false });
    c.increment("k").catch(() => {});
    c.get("k").catch(() => {});
    void c.now;
    c.runUntilIdle();
    const first = performance.now() - t1;
    c.free();
    return { init, ...globalThis.guardMs, memory, first, memoryAfter: wasm.memory.buffer.byteLength };
  }, url);
  await page.close();
  return r;
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s.at(-1) };
};
const show = (xs, unit, digits = 1) => {
  const { min, median, max } = stats(xs);
  return `${min.toFixed(digits)} / ${median.toFixed(digits)} / ${max.toFixed(digits)} ${unit}`;
};

const rounds = Number(process.argv[2] ?? 9);
const copies = [
  ["shipped", await variant("shipped", marked)],
  ["no warm-up cluster", await variant("no-warm-up", withoutWarmUpCluster)],
  ["no guard", await variant("none", withoutGuard)],
];
const servers = await Promise.all(copies.map(([, dir]) => serve(dir)));
const browser = await launch();
const got = copies.map(() => []);
for (let i = 0; i < rounds; i++) {
  for (let k = 0; k < copies.length; k++) got[k].push(await load(browser.context, servers[k].url));
}
console.log(`guard at load, ${rounds} fresh pages each (min / median / max), load ${(await readFile("/proc/loadavg", "utf8")).split(" ").slice(0, 3).join(" ")}`);
copies.forEach(([name], k) => {
  const r = got[k];
  console.log(`${name.padEnd(19)} init ${show(r.map((x) => x.init), "ms")}; install ${show(r.map((x) => x.install), "ms", 2)}; warm-up ${show(r.map((x) => x.warmUp), "ms", 2)}; wasm memory ${show(r.map((x) => x.memory / 1024), "KiB", 0)}; then a first cluster ${show(r.map((x) => x.first), "ms")}, wasm memory ${show(r.map((x) => x.memoryAfter / 1024), "KiB", 0)}`);
});
await browser.close();
await Promise.all(servers.map((s) => s.close()));
