// IdleRun (www/idle-run.js) on its own, in Node: a slice's simulation is fitted so that it and
// what the page does with its events (the timeline's fetch of them costs several times their
// simulation) fit one slice, and the run still ends where one runUntilIdle would. The cluster is
// a stand-in whose events cost a known busy time; the page's own Run to idle is page-idle.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { IdleRun } from "../../www/idle-run.js";

globalThis.requestAnimationFrame ??= (f) => setTimeout(f, 0);
globalThis.cancelAnimationFrame ??= (id) => clearTimeout(id);

const busy = (ms) => { const end = performance.now() + ms; while (performance.now() < end); };

/** A cluster of `total` events, each costing `eventMs` of busy time to run. */
function standIn(total, eventMs) {
  const cluster = {
    ran: 0,
    runUntilIdle(n) {
      const k = Math.min(n, total - this.ran);
      busy(k * eventMs);
      this.ran += k;
      return k;
    },
  };
  return { cluster, script: [], setPlaying() {} };
}

/** Runs to idle; `work(events)` is what each slice's drawing costs. Resolves to the run and the
 * simulation budget seen at each slice. */
function runToIdle(player, onSlice, sliceMs = 8) {
  return new Promise((resolve) => {
    const budgets = [];
    const run = new IdleRun(player, {
      maxEvents: 1e9,
      sliceMs,
      onSlice: (r) => { budgets.push(r.simMs); return onSlice(r); },
      onEnd: (r, why) => resolve({ run: r, why, budgets }),
    }).start();
    assert.ok(run.running || run.ended);
  });
}

test("a slice whose events cost three times their simulation to draw runs about a quarter of the slice's time of simulation, and the run ends where it would", async () => {
  const player = standIn(40000, 0.002);
  let seen = 0;
  const { why, budgets, run } = await runToIdle(player, (r) => {
    busy((player.cluster.ran - seen) * 0.006); // drawing a slice's events: 3x their simulation
    seen = player.cluster.ran;
    return false;
  });
  assert.equal(why, "idle");
  assert.equal(player.cluster.ran, 40000, "every event ran");
  assert.equal(run.events, 40000);
  const late = budgets.slice(-10);
  const median = [...late].sort((a, b) => a - b)[5];
  assert.ok(median < 4, `the simulation's share shrank from 8 ms to about 2 ms: ${late.map((b) => b.toFixed(2))}`);
  assert.ok(median >= 0.25, `never below one call's worth: ${median}`);
});

test("a slice that only redraws now and then (onSlice says so) does not shrink the simulation: the control", async () => {
  const player = standIn(20000, 0.002);
  const { why, budgets } = await runToIdle(player, () => { busy(30); return true; });
  assert.equal(why, "idle");
  assert.equal(player.cluster.ran, 20000);
  assert.ok(budgets.every((b) => b === 8), `the budget stays 8 ms: ${budgets.slice(0, 5)}`);
});
