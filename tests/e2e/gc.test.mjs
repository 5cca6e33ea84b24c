// Deletion with garbage collection (paper §3.1), issue 11 §3, in the page: the client panel's
// "Collect (gc)" button, the acceptor-state panel's tombstones and erase floors, the timeline's
// gc marks, the cluster form's "gc after" field, and the break-it switch found by the search as a
// resurrected value. The scenarios' claims are asserted with every other scenario's in
// page.test.mjs; the JS API's bad input in tests/web.rs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { open, pageFixture } from "./helpers.mjs";

const { server, browser } = pageFixture();

/** Runs a client-panel button and waits until its row (the newest) has ended. */
async function click(page, id) {
  const before = await page.$$eval("#results li", (lis) => lis.length);
  await page.click(`#${id}`);
  await page.waitForFunction((n) => {
    const rows = document.querySelectorAll("#results li");
    return rows.length > n && !rows[0].classList.contains("pending");
  }, before, { timeout: 20000 });
  return page.textContent("#results li");
}

const cells = (page) => page.$$eval("#acceptor-state table", (ts) => ts.map((t) => ({
  caption: t.caption.textContent,
  rows: [...t.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.textContent)),
})));

test("the client panel: delete leaves a tombstone on every acceptor's table; Collect erases it, sets the floor, and draws the steps", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await page.fill("#key", "doc");
  await page.fill("#value", "42");
  assert.match(await click(page, "put"), /^put doc 42 via p1 → 42$/);
  assert.match(await click(page, "delete"), /^delete doc via p1 → done$/);
  await page.evaluate(() => window.playground.cluster.runUntilIdle());
  await page.evaluate(() => window.playground.refresh?.(true));
  let tables = await cells(page);
  assert.equal(tables.length, 3);
  for (const t of tables) {
    const row = t.rows.find((r) => r[0] === "doc");
    assert.ok(row, `${t.caption} shows doc`);
    assert.equal(row[3], "∅ tombstone", `${t.caption}: the delete's tombstone is marked`);
    assert.doesNotMatch(t.caption, /erased/);
  }
  // The row follows the collection's history entry: on how many acceptors it erased the register.
  assert.match(await click(page, "gc"), /^gc doc via p1 → \{"erased":3\}$/);
  await page.evaluate(() => window.playground.cluster.runUntilIdle());
  tables = await cells(page);
  for (const t of tables) {
    assert.ok(!t.rows.some((r) => r[0] === "doc"), `${t.caption}: doc is erased`);
    assert.match(t.caption, /· erased below \d+\.p1$/, "the acceptor's erase floor is shown");
  }
  const steps = await page.$$eval("#timeline path.gc", (ps) => ps.map((p) => p.dataset.step));
  assert.deepEqual([...new Set(steps)].sort(), ["done", "invalidate", "replicate", "start"], `the collection's steps are drawn: ${steps}`);
  // Collecting a key that holds a value erases nothing and says why.
  await page.fill("#key", "alive");
  await click(page, "put");
  assert.match(await click(page, "gc"), /^gc alive via p1 → \{"erased":0\}$/);
  // A bad key is refused by name, and the page goes on.
  await page.fill("#key", "");
  assert.match(await click(page, "gc"), /✗ InvalidArgument: .*key/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the cluster form's 'gc after' field collects in the background (empty: off); a bad delay is refused naming the field", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await page.fill("input[name=gcDelay]", "20");
  await page.click("#rebuild button[type=submit]");
  assert.equal(await page.textContent("#rebuild-error"), "");
  assert.equal(await page.inputValue("input[name=gcDelay]"), "20", "the form shows the running cluster's delay");
  const run = await page.evaluate(async () => {
    const c = window.playground.cluster;
    await Promise.all([c.put("k", 1), c.runUntilIdle()]);
    const d = c.delete("k");
    c.runUntilIdle();
    await d;
    return { gcDelay: c.gcDelay, collections: c.history().filter((h) => h.op === "gc").map((h) => h.output), read: await Promise.all([c.read("k"), c.runUntilIdle()]).then(([r]) => r) };
  });
  assert.equal(run.gcDelay, 20);
  assert.deepEqual(run.collections, [{ erased: 3 }], "one background collection after the delete");
  assert.deepEqual(run.read, { version: 0, value: null }, "the key reads as never written");
  await page.fill("input[name=gcDelay]", "-1");
  await page.click("#rebuild button[type=submit]");
  assert.match(await page.textContent("#rebuild-error"), /^InvalidArgument: .*gcDelay/);
  await page.fill("input[name=gcDelay]", "");
  await page.click("#rebuild button[type=submit]");
  assert.equal(await page.evaluate(() => window.playground.cluster.gcDelay), null, "empty: off");
  assert.deepEqual(errors, []);
  await page.close();
});

test("break it: erasing tombstones without the GC protocol is found by the search as a resurrected value", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await page.click("#break-erase");
  assert.equal(await page.evaluate(() => window.playground.cluster.session().actions.at(-1)?.break?.eraseWithoutGc), true, "the switch is a recorded action");
  await page.click("#find");
  await page.waitForFunction(() => /counterexample at seed \d+|no counterexample/.test(document.querySelector("#find-out").textContent), null, { timeout: 120000 });
  await page.evaluate(() => window.playground.setPlaying(false));
  assert.match(await page.textContent("#find-out"), /counterexample at seed \d+ \(after \d+ runs\), caught by the linearizability checker/);
  assert.match(await page.textContent("#scenario-text"), /fits no linearization: .* last written by gc /, "the explanation names the collection");
  assert.deepEqual(errors, []);
  await page.close();
});
