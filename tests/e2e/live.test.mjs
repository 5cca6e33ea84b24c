// The page's Simulated / Live switch (issue 13): Live runs a LiveCluster in real time; its
// workers finish through an acceptor crash, the timeline and history draw its events, the checker
// judges its history; the page says why a live run cannot be replayed; Simulated comes back as it
// was.
import { test } from "node:test";
import assert from "node:assert/strict";
import { open, pageFixture } from "./helpers.mjs";

const { server, browser } = pageFixture();

const visible = (page, sel) => page.isVisible(sel);

/** Flips the switch to Live and waits for the live module (fetched on first use) to take over. */
async function switchToLive(page) {
  await page.check("input[name=world][value=live]");
  await page.waitForFunction(() => document.body.dataset.world === "live");
}

test("Live runs workers on real timers through a crash, draws and checks them; Simulated comes back", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  assert.match(await page.textContent("#world-note"), /same seed and the same actions give the same run/);
  assert.equal(await visible(page, "#live-panel"), false, "the live controls are hidden while simulated");
  const simNow = await page.evaluate(() => window.playground.cluster.now);

  await switchToLive(page);
  assert.match(await page.textContent("#world-note"), /cannot be replayed or seeked/);
  for (const sel of ["#play", "#step", ".sessionbar", "#scen-h", "#client-h"]) {
    assert.equal(await visible(page, sel), false, `${sel} is a simulation's only: hidden while live`);
  }
  assert.equal(await visible(page, "#timeline"), true);
  assert.equal(await visible(page, "#history"), true);

  await page.fill("#live-workers", "4");
  await page.fill("#live-per-worker", "25");
  await page.click("#live-run");
  // Real timers: on a loaded 2-core machine (load 15) 30 increments took more than 30 s once.
  await page.waitForFunction(() => window.playground.live.stats().ok >= 30, null, { timeout: 90000 });
  await page.click('#live-nodes button[data-node="a2"]');
  assert.equal(await page.textContent('#live-nodes button[data-node="a2"]'), "restart a2", "a2 is down now");
  await page.waitForFunction(() => /workers 100\/100/.test(document.getElementById("live-out").textContent), null, { timeout: 120000 });
  await page.waitForFunction(() => document.getElementById("live-out").dataset.verdict !== "" && window.playground.live.stats().pending === 0, null, { timeout: 5000 });
  // The verdict shown is the one for the whole run (rechecked after the last operation).
  await page.waitForFunction(() => /100 ok/.test(document.getElementById("live-out").textContent), null, { timeout: 5000 });
  const out = await page.textContent("#live-out");
  assert.match(out, /100 ok, 0 failed, 0 in flight/);
  assert.match(out, /linearizable ✓/);
  await page.waitForFunction(() => /live run: linearizable/.test(document.getElementById("check-verdict").textContent), null, { timeout: 5000 });
  assert.match(await page.textContent("#check-verdict"), /^✓ live run: linearizable ✓ \(100 operations\)$/, "the History header shows the live run's verdict");
  const run = await page.evaluate(() => {
    const c = window.playground.live;
    const values = c.history().map((o) => o.output).sort((a, b) => a - b);
    return { values, crash: c.events().filter((e) => e.kind === "crash").map((e) => e.node), ok: c.check().ok };
  });
  assert.deepEqual(run.values, Array.from({ length: 100 }, (_, i) => i + 1), "each increment applied exactly once");
  assert.deepEqual(run.crash, ["a2"]);
  assert.equal(run.ok, true);
  await page.click("#fit"); // the whole live run in view (fitted to the live clock)
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const drawn = await page.evaluate(() => ({ svg: document.querySelectorAll("#timeline svg *").length, bars: document.querySelectorAll("#history [data-op]").length }));
  assert.ok(drawn.svg > 10, `the timeline draws the live run: ${JSON.stringify(drawn)}`);
  assert.ok(drawn.bars > 0, `the history draws its operations: ${JSON.stringify(drawn)}`);

  await page.check("input[name=world][value=sim]");
  assert.equal(await page.evaluate(() => window.playground.live), null, "the live cluster is freed");
  assert.equal(await visible(page, "#play"), true);
  assert.equal(await visible(page, "#live-panel"), false);
  assert.equal(await page.evaluate(() => window.playground.cluster.now), simNow, "the simulated run is as it was");
  await page.click("#increment");
  await page.waitForFunction(() => window.playground.cluster.history().some((o) => o.outcome === "ok"), null, { timeout: 10000 });
  assert.deepEqual(errors, []);
  await page.close();
});

test("bad input in the live panel shows a named error and changes nothing", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await switchToLive(page);
  await page.fill("#live-workers", "");
  await page.click("#live-run");
  assert.equal(await page.textContent("#live-error"), "InvalidArgument: workers is empty: type a number");
  await page.fill("#live-workers", "1.5");
  await page.click("#live-run");
  assert.equal(await page.textContent("#live-error"), "InvalidArgument: workers must be a whole number in 1..=100 and increments in 1..=1000");
  await page.fill("#live-workers", "1000000"); // the simulated run's bound, not a frozen tab
  await page.click("#live-run");
  assert.equal(await page.textContent("#live-error"), "InvalidArgument: workers must be a whole number in 1..=100 and increments in 1..=1000");
  assert.equal(await page.evaluate(() => window.playground.live.history().length), 0);
  await page.click("#live-increment");
  assert.equal(await page.textContent("#live-error"), "", "a good action clears the error");
  await page.waitForFunction(() => window.playground.live.stats().ok === 1, null, { timeout: 10000 });
  assert.deepEqual(errors, []);
  await page.close();
});

test("a freed LiveCluster refuses every call with InvalidArgument (operations reject); a second free() does nothing; free() inside a change function is refused and the cluster stays usable", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  const r = await page.evaluate(async () => {
    const live = await import("./pkg/live/caspaxos_live.js");
    await live.default();
    const { LiveCluster } = live;
    const named = (f) => {
      try {
        f();
        return "no error";
      } catch (e) {
        return `${e.name}: ${e.message}`;
      }
    };
    const c = new LiveCluster({ latency: { min: 1, max: 20 }, maxAttempts: 100 }); // real timers: a timeout of 50 ms survives a loaded machine
    let inside = null;
    const changed = await c.change("k", (x) => {
      inside = named(() => c.free());
      return (x ?? 0) + 1;
    });
    const after = await c.increment("k"); // still usable
    c.free();
    const stats = named(() => c.stats());
    const now = named(() => c.now);
    const crash = named(() => c.crash("a1"));
    let op;
    try {
      const p = c.increment("k");
      op = p instanceof Promise ? await p.then(() => "resolved", (e) => `rejected ${e.name}: ${e.message}`) : "not a promise";
    } catch (e) {
      op = `threw ${e.name}`;
    }
    const again = named(() => c.free());
    return { changed, after, inside, stats, now, crash, op, again };
  });
  const freed = "InvalidArgument: this LiveCluster was freed (free() was called); create a new LiveCluster";
  assert.equal(r.inside, "InvalidArgument: free() cannot be called from inside a change function (the cluster is running it); call it once the operation has ended");
  assert.deepEqual([r.changed, r.after], [1, 2], "the cluster stays usable after the refused free()");
  assert.deepEqual([r.stats, r.now, r.crash], [freed, freed, freed]);
  assert.equal(r.op, `rejected ${freed}`, "an operation on a freed cluster rejects (it does not throw)");
  assert.equal(r.again, "no error", "a second free() does nothing");
  assert.deepEqual(errors, []);
  await page.close();
});

test("the live module is fetched on the first switch to Live only; if it cannot load, the page stays simulated, says why, and the next switch tries again", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  const fetched = [];
  page.on("request", (r) => { if (r.url().includes("/pkg/live/")) fetched.push(new URL(r.url()).pathname); });
  const simNow = await page.evaluate(() => window.playground.cluster.now);
  assert.deepEqual(fetched, [], "the simulated page does not fetch the live module");
  // The network refuses the live module: the switch falls back to Simulated and says so.
  await page.route("**/pkg/live/**", (route) => route.abort());
  // A click, not check(): the page puts the switch back to Simulated as soon as the fetch fails,
  // which may be before check() looks at the radio.
  await page.click("input[name=world][value=live]");
  await page.waitForFunction(() => /did not load/.test(document.getElementById("world-note").textContent));
  assert.match(await page.textContent("#world-note"), /^The live module did not load \(.+\); still simulated\. Switch to Live to try again\.$/);
  assert.equal(await page.evaluate(() => document.body.dataset.world), "sim");
  assert.equal(await page.isChecked("input[name=world][value=sim]"), true, "the switch shows Simulated again");
  assert.equal(await page.evaluate(() => window.playground.live), null);
  assert.ok((await page.evaluate(() => window.playground.cluster.now)) >= simNow, "the simulated cluster is still there");
  // The network is back: the next switch loads it and runs live.
  await page.unroute("**/pkg/live/**");
  await switchToLive(page);
  assert.equal(await page.evaluate(async () => await window.playground.live.increment("k")), 1);
  assert.ok(fetched.some((p) => p.endsWith("/pkg/live/caspaxos_live_bg.wasm")), `the live wasm was fetched: ${fetched}`);
  // Leaving and coming back reuses the module: nothing is fetched again.
  const count = fetched.length;
  await page.check("input[name=world][value=sim]");
  await switchToLive(page);
  assert.equal(fetched.length, count, "the second switch fetches nothing");
  // The failed fetch logged its console error; nothing else went wrong.
  assert.deepEqual(errors.filter((e) => !/ERR_FAILED|Failed to fetch|net::/.test(e)), []);
  await page.close();
});
