// The page's seek (issue 9):
// - the slider: a drag seeks once, where it is let go; changes that come faster than seeks (a key
//   held, a seek of a long run taking longer than a frame) leave one seek to come, to the
//   slider's last position, never a queue of seeks (www/panels/sessions.js, `slide`);
// - the results list reads only what it shows: a seek paints its newest rows, the older ones
//   are painted when the page is idle (www/results.js, PAINTED_AT_ONCE).
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { open, pageFixture, SHOTS } from "./helpers.mjs";

const { server, browser } = pageFixture();

/** Positions the burst moves the slider through, as fractions of the run. */
const BURST = Array.from({ length: 20 }, (_, i) => 0.9 - i * 0.04);

/** In the page: counts `Cluster.seek` calls in `window.__seeks` (each its `until`, or "end"). */
function countSeeks() {
  return import("./pkg/caspaxos_playground.js").then(({ Cluster }) => {
    const seek = Cluster.prototype.seek;
    window.__seeks = [];
    Cluster.prototype.seek = function (to) {
      window.__seeks.push(to?.until ?? "end");
      return seek.call(this, to);
    };
  });
}

/** In the page: moves the slider through `values` within one task, a `change` each, as keys held
 * down or a slow seek's queued input deliver them; `direct`: through `seekTo` instead, uncoalesced.
 * Returns the seeks made then and the point the page shows, then the same after the next frame. */
function burst([values, direct]) {
  const pg = window.playground;
  const seek = document.getElementById("seek");
  window.__seeks.length = 0;
  for (const v of values) {
    if (direct) pg.seekTo(v);
    else {
      seek.value = String(v);
      seek.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }
  const now = { seeks: window.__seeks.slice(), at: pg.cluster.now };
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(() => resolve({ now, framed: { seeks: window.__seeks.slice(), at: pg.cluster.now } }), 0)));
}

/** In the page: a run of `actions` increments, ten per 10 ms, through p1 and p2. */
function makeRun(actions) {
  const pg = window.playground;
  const c = pg.cluster;
  for (let i = 0; i < actions; i++) {
    c.increment(`k${i % 10}`, { proposer: `p${1 + (i % 2)}` });
    if (i % 10 === 9) c.runFor(10);
  }
  c.runUntilIdle();
  pg.refresh();
  return { events: c.eventCount, end: c.now };
}

test("the seek slider: a drag seeks once, where it is let go; a burst of changes seeks at once and once more to the last position", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  const run = await page.evaluate(makeRun, 2000);
  await page.evaluate(countSeeks);

  // A real drag with the mouse: from the thumb (at the run's end) leftwards in 12 moves.
  const box = await page.locator("#seek").boundingBox();
  const y = box.y + box.height / 2;
  await page.evaluate(() => {
    window.__inputs = [];
    document.getElementById("seek").addEventListener("input", (e) => window.__inputs.push(Number(e.target.value)));
  });
  await page.mouse.move(box.x + box.width - 4, y);
  await page.mouse.down();
  for (let i = 1; i <= 12; i++) await page.mouse.move(box.x + box.width * (1 - i * 0.06), y);
  await page.mouse.up();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
  const drag = await page.evaluate(() => ({ inputs: window.__inputs, seeks: window.__seeks.slice(), value: Number(document.getElementById("seek").value), now: window.playground.cluster.now }));
  await page.screenshot({ path: path.join(SHOTS, "seek-slider-drag.png") });
  assert.ok(new Set(drag.inputs).size >= 10, `the drag passed through many positions: ${drag.inputs}`);
  assert.deepEqual(drag.seeks, [drag.inputs.at(-1)], `one seek, to the last position of the drag (${drag.inputs.length} positions)`);
  assert.equal(drag.now, drag.value, "the page shows the point the slider was let go at");
  assert.ok(drag.now < run.end * 0.5, `the drag went back: ${drag.now} of ${run.end} ms`);

  // A burst of 20 changes in one task: the first seeks at once, the rest leave one seek, in the
  // next frame, to the last position.
  const values = BURST.map((f) => Math.round(run.end * f));
  const coalesced = await page.evaluate(burst, [values, false]);
  assert.deepEqual(coalesced.now.seeks, [values[0]], "the first change seeks at once, the others wait for the frame");
  assert.equal(coalesced.now.at, values[0]);
  assert.deepEqual(coalesced.framed.seeks, [values[0], values.at(-1)], "then one seek, to the last position");
  assert.equal(coalesced.framed.at, values.at(-1), "the page shows the last position");

  // Negative control: the same burst through seekTo, uncoalesced, is 20 seeks (what the counter
  // counts, and what the slider saves).
  const direct = await page.evaluate(burst, [values, true]);
  assert.deepEqual(direct.framed.seeks, values, "seekTo seeks every position");
  assert.equal(direct.framed.at, values.at(-1));
  assert.deepEqual(errors, []);
  await page.close();
});

/** In the page: the results rows that do not show their operation as `operation(id)` gives it
 * (unpainted, or another state or answer), each as "#id: why". */
function rowsAmiss() {
  const c = window.playground.cluster;
  const rows = [...document.querySelectorAll("#results li[data-op]")];
  const amiss = [];
  for (const li of rows) {
    const op = c.operation(Number(li.dataset.op));
    const want = !op.outcome ? "pending" : op.outcome === "ok" ? "ok" : "bad";
    if (!li.textContent) amiss.push(`#${op.id}: unpainted`);
    else if (li.className !== want) amiss.push(`#${op.id}: ${li.className}, not ${want}`);
    else if (want === "ok" && !li.textContent.endsWith(`→ ${JSON.stringify(op.output)}`)) amiss.push(`#${op.id}: ${li.textContent}`);
  }
  return { rows: rows.length, amiss };
}

test("a seek reads only the results rows it shows: the newest are painted with it, the rest when the page is idle, each as its operation is", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  const run = await page.evaluate(makeRun, 2000);
  const r = await page.evaluate(async ([end, amiss]) => {
    const rowsAmiss = eval(`(${amiss})`);
    const { Cluster } = await import("./pkg/caspaxos_playground.js");
    const operation = Cluster.prototype.operation;
    let reads = 0;
    Cluster.prototype.operation = function (id) {
      reads += 1;
      return operation.call(this, id);
    };
    window.playground.seekTo(Math.round(end / 2));
    const inSeek = reads;
    Cluster.prototype.operation = operation;
    const before = rowsAmiss(); // negative control: the rows left for later are caught, named
    await new Promise((resolve) => requestIdleCallback(resolve));
    await new Promise((resolve) => setTimeout(resolve, 0));
    return { inSeek, before, after: rowsAmiss(), newest: window.playground.cluster.lastOperationId };
  }, [run.end, rowsAmiss.toString()]);
  await page.screenshot({ path: path.join(SHOTS, "seek-results-rows.png") });
  assert.ok(r.inSeek >= 1 && r.inSeek <= 24, `the seek read ${r.inSeek} operations (at most the 24 newest rows)`);
  assert.equal(r.before.rows, 200, "the list holds its 200 rows");
  const unpainted = r.before.amiss.filter((x) => x.endsWith(": unpainted"));
  assert.equal(unpainted.length, 200 - 24, `the oracle names each row left for later: ${r.before.amiss.slice(0, 3)}`);
  assert.equal(unpainted[0], `#${r.newest - 24}: unpainted`, "the 24 newest rows are painted, the older ones left");
  assert.deepEqual(r.after, { rows: 200, amiss: [] }, "once idle, every row shows its operation");
  assert.deepEqual(errors, []);
  await page.close();
});
