// `./build.sh bench` (issue 9: "wasm side by side with native in one run"): the increment
// workload of record (3 acceptors, 3 proposers, 10 keys, 30 clients, 100,000 increments,
// latency 1–10, event log on) natively and in wasm in headless Chromium, alternated run by run
// in one process, so a noisy machine slows both alike. Both time the same region: from the
// first step to idle (building the cluster and dropping it are not timed).
// Needs `./build.sh build workloads` (the wasm's `benchIncrements`) and cargo.
import { spawnSync } from "node:child_process";
import { serve, launch, open, ROOT } from "./helpers.mjs";

const ROUNDS = Number(process.env.SIDE_ROUNDS || 7);
const INCREMENTS = 100000;

/** The native benchmark's executable (built here if needed). */
function nativeBench() {
  const r = spawnSync("cargo", ["bench", "--bench", "throughput", "--no-run", "--message-format=json"], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`cargo bench --no-run failed:\n${r.stderr}`);
  const exe = r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l))
    .find((m) => m.reason === "compiler-artifact" && m.target?.name === "throughput" && m.executable)?.executable;
  if (!exe) throw new Error("no executable for the throughput bench in cargo's output");
  return exe;
}

/** One native run of the workload of record: increments/s. */
function nativeRun(exe) {
  const r = spawnSync(exe, ["--record-once", "--bench"], { cwd: ROOT, encoding: "utf8" });
  const rate = Number(r.stdout.trim().split("\n").pop());
  if (r.status !== 0 || !(rate > 0)) throw new Error(`native run failed (${r.status}): ${r.stdout}\n${r.stderr}`);
  return rate;
}

/** One wasm run of the same workload in the page: increments/s over its own timed region. */
async function wasmRun(page) {
  const r = await page.evaluate(async (n) => {
    const { benchIncrements } = await import("./pkg/caspaxos_playground.js");
    return benchIncrements(n);
  }, INCREMENTS);
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
  const { page } = await open(browser.context, server.url);
  nativeRun(exe); // warm up both: the allocator, the page's compiled wasm
  await wasmRun(page);
  const native = [], wasm = [], ratio = [];
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate which goes first, so neither always follows the other's garbage.
    let n, w;
    if (i % 2) { w = await wasmRun(page); n = nativeRun(exe); } else { n = nativeRun(exe); w = await wasmRun(page); }
    native.push(n);
    wasm.push(w);
    ratio.push(w / n);
  }
  await page.close();
  console.log(`side by side, the workload of record (${INCREMENTS} increments), ${ROUNDS} alternated rounds:`);
  console.log(`  native            increments/s ${stats(native)}`);
  console.log(`  wasm in Chromium  increments/s ${stats(wasm)}`);
  console.log(`  wasm / native, per round       ${stats(ratio)} (issue 9's target: >= 0.8)`);
} finally {
  await browser.close();
  await server.close();
}
