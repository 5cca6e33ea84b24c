// Issue 9's page at scale and an outside tester's leftovers (F9), in the real page:
// - a seek in a run longer than the history window shows, in the results list, the operations a
//   fresh replay to that point answers (operation(id) on the sought copy puts back only the
//   records from id on: session/history_window.rs);
// - a scenario's caption goes when the reader changes its run (a workers run), and no new one
//   comes from the changed run's events;
// - operation bars that began before the window start at the plot's edge, not over the lane
//   labels (follow view, 1280 × 720 and a 390 × 844 phone);
// - the seek note follows Step: it says where the run is now and the point the seek restored.
// Each check first shows the state it rules out (the negative control: the check could fail).
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { open, pageFixture, runToIdle, SHOTS } from "./helpers.mjs";

const { server, browser } = pageFixture();
const PHONE = { width: 390, height: 844 };

async function workers(page, n, m) {
  await page.fill("#workers", String(n));
  await page.fill("#per-worker", String(m));
  await page.click("#run-workers");
  await runToIdle(page, { timeout: 120000 });
}

test("a seek past a history window: the results list and history() equal a fresh replay's", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await workers(page, 100, 150); // 15,000 increments: the points sought are past a window of 10,000 records
  const got = await page.evaluate(() => {
    const c = window.playground.cluster;
    const session = c.session();
    const Cluster = c.constructor;
    const out = [];
    for (const t of [Math.round(c.now * 0.75), Math.round(c.now * 0.95)]) {
      window.playground.seekTo(t);
      const sought = window.playground.cluster;
      const rows = [...document.querySelectorAll("#results li[data-op]")].map((li) => Number(li.dataset.op));
      const fresh = Cluster.fromSession(session, { until: t });
      const differ = rows.filter((id) => JSON.stringify(sought.operation(id)) !== JSON.stringify(fresh.operation(id)));
      const missing = rows.filter((id) => sought.operation(id) === null);
      const sameHistory = JSON.stringify(sought.history()) === JSON.stringify(fresh.history());
      out.push({ t, now: sought.now, freshNow: fresh.now, rows: rows.length, newest: Math.max(...rows), last: sought.lastOperationId, differ, missing, sameHistory, oldest: sought.history()[0]?.id });
      fresh.free();
    }
    return out;
  });
  for (const s of got) {
    assert.equal(s.now, s.freshNow, `seek to ${s.t}`);
    assert.ok(s.rows >= 100 && s.newest === s.last, `the list shows the newest operations: ${JSON.stringify(s)}`);
    assert.deepEqual(s.differ, [], `rows that differ from the replay's after a seek to ${s.t}`);
    assert.deepEqual(s.missing, [], "every row's operation is there");
    assert.ok(s.sameHistory, `history() after a seek to ${s.t} equals the replay's`);
  }
  assert.ok(got.every((s) => s.oldest > 0), "a window's worth of records: older ones folded (the path under test)");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a scenario's caption goes once the reader changes its run, and no new one comes", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=counter`);
  await runToIdle(page);
  // Negative control: the scenario's run shows its caption and says it is playing.
  assert.match(await page.textContent("#caption"), /p2's increment answers 4/);
  assert.match(await page.textContent("#intro"), /Now playing: Counter/);
  await page.fill("#workers", "3");
  await page.fill("#per-worker", "3");
  await page.click("#run-workers");
  assert.equal(await page.textContent("#caption"), "", "the caption goes with the change");
  await runToIdle(page);
  assert.equal(await page.textContent("#caption"), "", "the workers' events bring no scenario caption");
  assert.match(await page.textContent("#intro"), /You changed the run of Counter: its captions and claims no longer describe it/);
  assert.doesNotMatch(await page.textContent("#intro"), /Now playing/);
  await page.screenshot({ path: path.join(SHOTS, "leftovers-caption-1280.png") });
  assert.deepEqual(errors, []);
  await page.close();
});

test("a change made from the console during a scenario: the page says at once that the run is no longer the scenario's", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=counter`);
  await page.evaluate(() => window.playground.setSpeed(0.1)); // the scenario is still running below
  // Negative control: while nothing but the scenario acts, it is playing, however many refreshes.
  await page.waitForTimeout(400);
  assert.match(await page.textContent("#intro"), /Now playing: Counter/);
  assert.ok(await page.evaluate(() => window.playground.cluster.pending > 0 || window.playground.player.script.length > 0), "the run is not over");
  await page.evaluate(() => { window.playground.cluster.crash("a3"); });
  await page.waitForFunction(() => /You changed the run of Counter/.test(document.getElementById("intro").textContent), null, { timeout: 2000 });
  assert.doesNotMatch(await page.textContent("#intro"), /Now playing/);
  assert.ok(await page.evaluate(() => window.playground.cluster.pending > 0 || window.playground.player.script.length > 0), "said before the run is over");
  assert.deepEqual(errors, []);
  await page.close();
});

for (const [name, viewport] of [["1280", null], ["phone", PHONE]]) {
  test(`operation bars begun before the window start at the plot's edge, clear of the lane labels (${name})`, async () => {
    const { page, errors } = await open(browser.context, `${server.url}?scenario=counter`, { viewport });
    await runToIdle(page);
    await workers(page, 3, 3);
    const bars = await page.evaluate(() => {
      const tl = window.playground.timeline;
      const left = tl.x(tl.t0);
      const ops = [...document.querySelectorAll("#timeline rect.op")].map((r) => ({ x: Number(r.getAttribute("x")), id: Number(r.dataset.op) }));
      const begunBefore = ops.filter((o) => tl.op(o.id).start < tl.t0);
      const label = document.querySelector('#timeline .lane-label[data-node="p1"]').getBBox();
      return { left, ops, begunBefore, labelRight: label.x + label.width };
    });
    // Negative control: the follow view has bars that began before its window (those drew over the labels).
    assert.ok(bars.begunBefore.length > 0, `an operation begun before the window: ${JSON.stringify(bars.ops)}`);
    assert.ok(bars.labelRight < bars.left, "the labels sit left of the plot");
    for (const o of bars.ops) assert.ok(o.x >= bars.left, `operation ${o.id} at x ${o.x}, left of the plot's edge ${bars.left}`);
    for (const o of bars.begunBefore) assert.equal(o.x, bars.left, `operation ${o.id} starts at the edge`);
    await page.screenshot({ path: path.join(SHOTS, `leftovers-op-bars-${name}.png`) });
    assert.deepEqual(errors, []);
    await page.close();
  });
}

test("the seek note follows Step: where the run is now, and the point the seek restored", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=counter`, { viewport: PHONE });
  await runToIdle(page);
  await page.evaluate(() => window.playground.seekTo(100));
  const at = await page.evaluate(() => ({ now: window.playground.cluster.now, steps: window.playground.cluster.steps }));
  const first = await page.textContent("#session-out");
  // Negative control: right after the seek the note is the point sought, nothing run on.
  assert.match(first, new RegExp(`^at ${at.now} ms — event ${at.steps}, restored from the nearest checkpoint in [\\d.]+ ms; \\d+ recorded actions ahead`));
  assert.doesNotMatch(first, /run on/);
  await page.click("#step");
  await page.click("#step");
  const now = await page.evaluate(() => ({ now: window.playground.cluster.now, steps: window.playground.cluster.steps }));
  assert.ok(now.steps > at.steps, "Step moved the run");
  const note = await page.textContent("#session-out");
  assert.match(note, new RegExp(`^at ${now.now} ms — event ${now.steps}, restored from the nearest checkpoint at ${at.now} ms \\(event ${at.steps}\\) in [\\d.]+ ms and run on to here`));
  await page.screenshot({ path: path.join(SHOTS, "leftovers-seek-note-phone.png") });
  await runToIdle(page);
  assert.doesNotMatch(await page.textContent("#session-out"), /recorded actions ahead/, "played to the end: nothing ahead");
  assert.deepEqual(errors, []);
  await page.close();
});
