// History like Porcupine: hovering an operation shows the register before and after its
// linearization point and its place in the key's order; a violation draws the longest consistent
// order and the operation that fits nowhere; results name operations by the same #id.
import { test } from "node:test";
import assert from "node:assert/strict";
import { open, pageFixture } from "./helpers.mjs";

const { server, browser } = pageFixture();

/** Plays scenario `id` to its end and fits the views to the whole run. */
async function playToEnd(page, id) {
  await page.evaluate((s) => { window.playground.loadScenario(s); window.playground.setSpeed(100); }, id);
  await page.waitForFunction(() => document.getElementById("claims").dataset.checked, null, { timeout: 20000 });
  await page.evaluate(() => { const tl = window.playground.timeline; tl.fit(tl.lastAt); window.playground.refresh(); });
}

test("hover an operation: the register before and after it, and its place in the linearization", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await playToEnd(page, "counter");
  await page.hover('#history rect[data-op="3"]');
  await page.waitForFunction(() => document.getElementById("lin-op").textContent.startsWith("#3 "));
  assert.equal(await page.textContent("#lin-op"), "#3 increment counter via p2 → 4: register v3 3 → v4 4; 4. of 4 in counter's linearization");
  const chips = await page.$$eval("#lin-order .lin-chip", (bs) => bs.map((b) => `${b.textContent}${b.classList.contains("focus") ? "*" : ""}`));
  assert.deepEqual(chips, ["#0 increment", "#1 increment", "#2 increment", "#3 increment*"]);
  // The results list names the same operation by the same number.
  const before = await page.$eval('#results li[data-op="3"]', (li) => getComputedStyle(li, "::before").content);
  assert.equal(before, '"#3 "', "the row shows its #id");
  await page.hover('#lin-order .lin-chip[data-op="1"]');
  await page.waitForFunction(() => document.getElementById("lin-op").textContent.startsWith("#1 "));
  assert.match(await page.textContent("#lin-op"), /^#1 increment counter via p1 → 2: register v1 1 → v2 2; 2\. of 4/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a violation: the longest consistent order, then the operation that fits nowhere", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await playToEnd(page, "durability");
  const v = await page.evaluate(() => window.playground.cluster.check().violation);
  assert.equal(v.kind, "linearizability");
  await page.waitForFunction(() => document.querySelector("#lin-order .lin-chip.nowhere"));
  const title = await page.textContent("#lin-order .lin-title");
  assert.equal(title, "Longest consistent order of counter, then:");
  const placed = await page.$$eval("#lin-order .lin-chip.placed", (bs) => bs.map((b) => Number(b.dataset.op)));
  assert.deepEqual(placed, v.longest, "the checker's longest consistent order, drawn");
  const nowhere = await page.$$eval("#lin-order .lin-chip.nowhere", (bs) => bs.map((b) => Number(b.dataset.op)));
  assert.deepEqual(nowhere, [2]);
  assert.match(await page.textContent("#lin-op"), /^#2 get counter via p2 → 1: register v1 1 \(unchanged\); fits no linearization of counter$/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the History panel follows the timeline's window and says how many operations it leaves out; Fit shows them all", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await playToEnd(page, "counter");
  const total = await page.evaluate(() => window.playground.cluster.history().length);
  assert.equal(await page.$$eval("#history rect.hop", (rs) => rs.length), total, "fitted: every operation is drawn");
  assert.equal(await page.$("#history text.window-note"), null, "and no note");
  await page.evaluate(() => { const tl = window.playground.timeline; tl.fit(tl.lastAt); for (let i = 0; i < 6; i++) tl.zoom?.(0.5); window.playground.refresh(); });
  await page.click("#zoom-in");
  await page.click("#zoom-in");
  await page.click("#zoom-in");
  const note = await page.textContent("#history text.window-note");
  const [, shown, of] = note.match(/^(\d+) of (\d+) operations in the timeline's window · Fit shows them all$/) ?? [];
  assert.equal(Number(of), total, note);
  assert.ok(Number(shown) < total, note);
  assert.equal(await page.$$eval("#history rect.hop", (rs) => rs.length), Number(shown), "the note counts the bars drawn");
  await page.click("#fit");
  await page.waitForFunction(() => !document.querySelector("#history text.window-note"), null, { timeout: 5000 });
  assert.deepEqual(errors, []);
  await page.close();
});
