// `./build.sh bench` (issue 9: "wasm side by side with native in one run"): the increment
// workload of record (3 acceptors, 3 proposers, 10 keys, 30 clients, 100,000 increments,
// latency 1–10, event log on) natively and in wasm in headless Chromium, alternated run by run
// in one process, so a noisy machine slows both alike. Both time the same region: from the
// first step to idle (building the cluster and dropping it are not timed).
// Needs `./build.sh build workloads` (the wasm's `benchIncrements`) and cargo.
// SIDE_PKGS=pkg,pkg/cand/a,...: several builds of the core (folders under www/ holding
// caspaxos_playground.js, each with the `workloads` feature), one page each, all in every round in
// an order that turns round by round, each round's ratios against that round's native run.
import { spawnSync } from "node:child_process";
import { serve, launch, open, ROOT } from "./helpers.mjs";

const ROUNDS = Number(process.env.SIDE_ROUNDS || 7);
const INCREMENTS = 100000;
const PKGS = (process.env.SIDE_PKGS || "pkg").split(",").filter(Boolean);

/** The native benchmark's executable (built here if needed). */
function nativeBench() {
  const r = spawnSync("cargo", ["bench", "--bench", "throughput", "--no-run", "--message-format=json"], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`cargo bench --no-run failed:\n${r.stderr}`);
  const exe = r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l))
    .find((m) => m.reason === "compiler-artifact" && m.target?.name === "throughput" && m.executable)?.executable;
  if (!exe) throw new Error("no executable for the throughput bench in cargo's output");
  return exe;
}

/** One native run of the workload of record: increments/s. In its own session, as Chromium is
 * (playwright starts it detached): with the kernel's autogroup scheduling (on here) each session
 * shares the CPU as one group, so a native run in this script's session also shares it with
 * whatever that shell runs, and on a loaded machine wasm came out faster than native (wasm/native
 * 1.19 / 1.48 / 1.83 per round, with a build running in the same shell; 1.06 median with setsid). */
function nativeRun(exe) {
  const r = spawnSync("setsid", ["--wait", exe, "--record-once", "--bench"], { cwd: ROOT, encoding: "utf8" });
  const rate = Number(r.stdout.trim().split("\n").pop());
  if (r.status !== 0 || !(rate > 0)) throw new Error(`native run failed (${r.status}): ${r.stdout}\n${r.stderr}`);
  return rate;
}

/** One wasm run of the same workload in the page: increments/s over its own timed region. */
async function wasmRun(page, pkg) {
  const r = await page.evaluate(async ([n, glue]) => {
    const wasm = await import(glue);
    await wasm.default(); // a build the page has not loaded (a no-op for the page's own)
    return wasm.benchIncrements(n);
  }, [INCREMENTS, `./${pkg}/caspaxos_playground.js`]);
  if (r.increments !== INCREMENTS || !(r.runMs > 0)) throw new Error(`wasm run: ${JSON.stringify(r)}`);
  return r.increments / (r.runMs / 1000);
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return `min ${s[0].toFixed(s[0] < 10 ? 2 : 0)} / median ${s[s.length >> 1].toFixed(s[0] < 10 ? 2 : 0)} / max ${s[s.length - 1].toFixed(s[0] < 10 ? 2 : 0)}`;
};

const exe = nativeBench();
const server = await serve();
const browser = await launch();
try {
  const pages = [];
  for (const pkg of PKGS) pages.push((await open(browser.context, server.url)).page);
  nativeRun(exe); // warm up both: the allocator, the page's compiled wasm
  for (const [i, pkg] of PKGS.entries()) await wasmRun(pages[i], pkg);
  const native = [], wasm = PKGS.map(() => []), ratio = PKGS.map(() => []);
  const runs = ["native", ...PKGS.keys()];
  for (let round = 0; round < ROUNDS; round++) {
    // Turn the order each round (and reverse it every other turn), so no run always goes first
    // or always follows another's garbage.
    const shift = round % runs.length;
    const order = [...runs.slice(shift), ...runs.slice(0, shift)];
    if (Math.floor(round / runs.length) % 2) order.reverse();
    const rates = {};
    for (const run of order) rates[run] = run === "native" ? nativeRun(exe) : await wasmRun(pages[run], PKGS[run]);
    native.push(rates.native);
    for (const i of PKGS.keys()) {
      wasm[i].push(rates[i]);
      ratio[i].push(rates[i] / rates.native);
    }
  }
  for (const page of pages) await page.close();
  console.log(`side by side, the workload of record (${INCREMENTS} increments), ${ROUNDS} alternated rounds:`);
  console.log(`  native            increments/s ${stats(native)}`);
  for (const [i, pkg] of PKGS.entries()) {
    const label = PKGS.length > 1 ? ` (www/${pkg})` : "";
    console.log(`  wasm in Chromium${label}  increments/s ${stats(wasm[i])}`);
    console.log(`  wasm / native, per round${label}       ${stats(ratio[i])} (issue 9's target: >= 0.8)`);
  }
} finally {
  await browser.close();
  await server.close();
}
