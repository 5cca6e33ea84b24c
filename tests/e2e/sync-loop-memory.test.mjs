// Outside tester 15's finding 1, through the shipped wasm and its JS glue in Node (this file's own
// process: its own wasm instance, whose memory never shrinks): a caller that never yields to the
// event loop. 100,000 `increment` calls on 10 keys in batches of 2,000 (`autoAdvance` off, then
// `runUntilIdle`) on 1 acceptor and 1 proposer, with no `await` in the loop, so no microtask
// runs. Each operation's promise now settles inside the `runUntilIdle` that ends its operation
// (src/wasm/cluster/promises.rs); before, it settled through a task on wasm-bindgen-futures'
// microtask queue and every finished operation stayed in wasm until the caller yielded: this loop
// reached 100.4 MB on 2b6c1ec (112.4 MB on an older build); now 68.1 MB.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ROOT } from "./helpers.mjs";
import init, { Cluster } from "../../www/pkg/caspaxos_playground.js";

const wasm = await init({ module_or_path: await readFile(path.join(ROOT, "www/pkg/caspaxos_playground_bg.wasm")) });
const MB = 1024 * 1024;
/** The wasm memory this loop may reach: its 68.1 MB and some room, well under the 100.4 MB it
 * reached while finished operations waited for a microtask. */
const CEILING_MB = 90;
const CALLS = 100_000;
const BATCH = 2_000;
const KEYS = 10;

test("a loop of calls that never yields holds no finished operation in wasm", async () => {
  const c = new Cluster({ seed: 1, acceptors: 1, proposers: 1, autoAdvance: false });
  let last = [];
  const order = [];
  for (let n = 0; n < CALLS; n += BATCH) {
    last = [];
    for (let i = n; i < n + BATCH; i++) last.push(c.increment(`k${i % KEYS}`));
    // The last batch records the order its promises settle in (a reaction is queued as its
    // promise settles).
    if (n + BATCH >= CALLS) last.forEach((p, i) => p.then((v) => order.push([i, v])));
    c.runUntilIdle();
  }
  const peak = wasm.memory.buffer.byteLength / MB;
  console.log(`${CALLS} increments without a yield: wasm memory ${peak.toFixed(1)} MB`);
  assert.equal(c.pending, 0, "every operation ended");
  assert.ok(peak < CEILING_MB, `wasm memory ${peak.toFixed(1)} MB after ${CALLS} calls with no yield`);

  // The answers and their order: the last batch's promises settle in the order they were made
  // (as when each waited for a microtask), each key's increments counting up to its calls.
  await Promise.all(last);
  assert.deepEqual(order.map(([i]) => i), [...last.keys()], "settled in call order");
  const tops = Array(KEYS).fill(0);
  for (const [i, v] of order) tops[i % KEYS] = Math.max(tops[i % KEYS], v);
  assert.deepEqual(tops, Array(KEYS).fill(CALLS / KEYS), "each key ends at its count");
  c.free();
});
