// Stack probes side by side in headless Chromium (src/wasm/stack.rs): each way of asking "are
// `N` 8-byte slots of stack left here?", timed per probe (min / median / max of `PROBE_RUNS`
// rounds, default 7, every way in every round, the order turning round by round), and the stack
// each one proves: the most stack a filler may take before the probe says no, against the most
// it may take before a bare call fails. A probe proves its bytes when that difference is at least
// `N` * 8 (measured after the timing, so on the optimized code the guard runs).
// `node bench-probe.mjs [N]` (default 1,536 slots: an operation's start, 12 KB).
// What it showed (src/wasm/stack.rs took the frame): every `apply`-like way pushes the slots and
// costs microseconds, linear in N; one function whose frame holds N registers costs a call and
// proves them in every tier (optimized code checks the height of the frame it may deoptimize
// to); k nested frames of N / k prove one of them once optimized (each optimized frame is small),
// and a function of N parameters called with none proves nothing once inlined.
import { serve, launch } from "./helpers.mjs";

const N = Number(process.argv[2] || 1536);
const runs = Number(process.env.PROBE_RUNS || 7);
const server = await serve();
const browser = await launch();
try {
  const page = await browser.context.newPage();
  await page.goto(`${server.url}blank`);
  const out = await page.evaluate(
    ({ N, runs }) => {
      const slots = new Array(N).fill(0);
      const packed = Array.from({ length: N }, () => 0);
      const L = 512;
      const deepLocals = new Function("n", `var ${Array.from({ length: L }, (_, i) => `a${i} = 0`).join(", ")}; return n <= 1 || this(n - 1);`);
      const framesL = function f(n) { return deepLocals.call(f, n); };
      const argsFrame = new Function("n", "f", `return n <= 1 || f(n - 1, f) || Math.max(${Array(L).fill(0).join(",")});`);
      const framesA = (n) => argsFrame(n, argsFrame);
      const wide = new Function(Array.from({ length: N }, (_, i) => `var v${i} = ${i};`).join("") + "return true;");
      function countArgs() {
        return arguments.length;
      }
      function none() {
        return true;
      }
      const arity = new Function(Array.from({ length: N }, (_, i) => `a${i}`).join(","), "return true;");
      const guard = (f) => () => {
        try {
          return f();
        } catch (e) {
          return false;
        }
      };
      const ways = {
        "apply, callee reads arguments (main)": guard(() => countArgs.apply(null, slots) === N),
        "apply, callee ignores them": guard(() => none.apply(null, slots)),
        "Reflect.apply": guard(() => Reflect.apply(none, null, slots)),
        "spread call": guard(() => none(...slots)),
        "apply over a packed array": guard(() => none.apply(null, packed)),
        [`function of ${N} locals`]: guard(() => wide()),
        [`${Math.ceil(N / L)} frames of ${L} locals`]: guard(() => framesL(Math.ceil(N / L))),
        [`${Math.ceil(N / L)} frames of a call of ${L} arguments`]: guard(() => framesA(Math.ceil(N / L))),
        [`function of ${N} parameters, called with none`]: guard(() => arity()),
      };
      const time = (probe, n) => {
        const t = performance.now();
        let ok = 0;
        for (let i = 0; i < n; i++) if (probe()) ok++;
        if (ok !== n) throw new Error("a probe failed at a shallow stack");
        return ((performance.now() - t) * 1e6) / n;
      };
      const ns = {};
      const names = Object.keys(ways);
      for (const name of names) time(ways[name], 20000);
      for (let r = 0; r < runs; r++) {
        for (let j = 0; j < names.length; j++) {
          const name = names[(j + r) % names.length];
          (ns[name] ??= []).push(time(ways[name], 50000));
        }
      }
      // The stack a probe proves: fill the stack with `apply`'s arguments, then probe from there.
      function trampoline(f) {
        return f();
      }
      const filled = (fill, f) => {
        const args = new Array(Math.max(1, fill)).fill(0);
        args[0] = f;
        try {
          return trampoline.apply(null, args) === true;
        } catch (e) {
          return false;
        }
      };
      const most = (f) => {
        let [lo, hi] = [0, 1 << 18];
        while (lo < hi) {
          const mid = Math.ceil((lo + hi) / 2);
          if (filled(mid, f)) lo = mid;
          else hi = mid - 1;
        }
        return lo;
      };
      const bare = () => true;
      const proven = {};
      for (const name of names) {
        const [base, probed] = [most(bare), most(ways[name])];
        proven[name] = (base - probed) * 8;
      }
      return { ns, proven };
    },
    { N, runs },
  );
  const f = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return `${s[0].toFixed(0)} / ${s[s.length >> 1].toFixed(0)} / ${s[s.length - 1].toFixed(0)}`;
  };
  console.log(`probes of ${N} slots (${N * 8} B): ns per probe min / median / max of ${runs} rounds; bytes proven`);
  for (const [name, xs] of Object.entries(out.ns)) {
    console.log(`  ${name.padEnd(44)} ${f(xs).padStart(20)} ns   proves ${out.proven[name]} B${out.proven[name] < N * 8 ? "  (TOO LITTLE)" : ""}`);
  }
  await page.close();
} finally {
  await browser.close();
  await server.close();
}
