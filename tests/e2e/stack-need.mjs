// How much JavaScript stack each call into the core module needs (the guard's classes in
// src/wasm/stack.rs rest on these numbers): for each call, a fresh page, the stack probe switched
// off (`setStackHeadroomForTests(0)`, a `workloads` build in www/pkg), then the call made with
// less and less stack left, in 256-byte steps, until it fails. The failure unwinds through wasm,
// so the page is thrown away after it. Prints the least stack each call worked with (min / median
// / max of `NEED_RUNS` pages, default 3). An operation's start counts as working when its promise
// did not reject at once. `JS_FLAGS` go to V8: `--liftoff --no-wasm-tier-up --no-opt
// --no-sparkplug --no-maglev` measures the largest frames (baseline wasm, interpreted JavaScript).
import { mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { chromium } from "playwright-core";
import { serve, chromiumPath } from "./helpers.mjs";

const CALLS = [
  "c.now",
  "c.pending",
  "c.eventCount",
  "c.increment('k')",
  "c.increment('k', { proposer: 'p2' })",
  "c.get('k')",
  "c.read('k')",
  "c.delete('k')",
  "c.put('deep', h.deep)",
  "c.step()",
  "c.runFor(5)",
  "c.state()",
  "c.events(0)",
  "c.check()",
  "c.history()",
  "c.session()",
  "c.eventLogHash()",
  "c.constructor.fromSession(c.session(), { until: 10 }).free()",
];
const server = await serve();
const profile = await mkdtemp(path.join(process.env.TMPDIR, "stack-need-"));
const flags = process.env.JS_FLAGS ? [`--js-flags=${process.env.JS_FLAGS}`] : [];
const context = await chromium.launchPersistentContext(profile, {
  executablePath: chromiumPath(),
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", ...flags],
});
try {
  const need = {};
  for (let run = 0; run < Number(process.env.NEED_RUNS || 3); run++) {
    for (const expr of CALLS) {
      const page = await context.newPage();
      await page.goto(`${server.url}blank`);
      const least = await page.evaluate(async (expr) => {
        const m = await import("./pkg/caspaxos_playground.js");
        await m.default();
        const c = new m.Cluster({ seed: 4, autoAdvance: false });
        m.setStackHeadroomForTests(0);
        let v = 1.5;
        for (let i = 0; i < 64; i++) v = { v };
        const h = { deep: v };
        const f = new Function("h", `return (c) => (${expr})`)(h);
        const started = async (p) => {
          if (!(p instanceof Promise)) return true;
          const tick = new Promise((r) => setTimeout(() => r(true), 0));
          return Promise.race([p.then(() => true, () => false), tick]);
        };
        for (let i = 0; i < 50; i++) {
          c.increment(`w${i % 3}`);
          c.runFor(3);
          const p = f(c);
          if (p instanceof Promise) p.catch(() => {});
        }
        function countArgs() {
          return arguments.length;
        }
        const fits = (n) => {
          try {
            return countArgs.apply(null, new Array(n)) === n;
          } catch (e) {
            return false;
          }
        };
        const left = () => {
          let [lo, hi] = [0, 1 << 18];
          while (lo < hi) {
            const mid = Math.ceil((lo + hi) / 2);
            if (fits(mid)) lo = mid;
            else hi = mid - 1;
          }
          return lo * 8;
        };
        function trampoline(g, x) {
          return g(x);
        }
        trampoline((x) => x, 0);
        let ok = null;
        for (let bytes = 48 * 1024; bytes >= 0; bytes -= 256) {
          const args = new Array(Math.max(2, Math.floor((left() - bytes) / 8)));
          args[0] = f;
          args[1] = c;
          let p;
          try {
            p = trampoline.apply(null, args);
          } catch (e) {
            return { ok, error: String(e) };
          }
          if (!(await started(p))) return { ok, error: String(await p.catch((e) => e)) };
          ok = bytes;
        }
        return { ok, error: null };
      }, expr);
      (need[expr] ??= []).push(least.ok);
      await page.close();
    }
  }
  for (const [expr, xs] of Object.entries(need)) {
    const s = [...xs].sort((a, b) => a - b);
    console.log(`${expr.padEnd(40)} works with ${s[0]} / ${s[s.length >> 1]} / ${s[s.length - 1]} bytes left`);
  }
} finally {
  await context.close();
  await rm(profile, { recursive: true, force: true });
  await server.close();
}
