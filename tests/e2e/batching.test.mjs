// Batching from JavaScript (issue 14 §1): the `batch: { max }` option, its argument checks, and
// that batched operations each get their own answer and the run stays linearizable.
import { test } from "node:test";
import assert from "node:assert/strict";
import { open, pageFixture } from "./helpers.mjs";

const { server, browser } = pageFixture();

test("batch: { max } batches queued operations; each caller gets its own answer", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  const run = (batch) => page.evaluate(async (batch) => {
    const Cluster = window.playground.cluster.constructor;
    const c = new Cluster({ seed: 3, ...(batch ? { batch } : {}) });
    const answers = await Promise.all([...Array(12)].map(() => c.increment("hot")));
    const read = await c.get("hot");
    const s = c.stats();
    const verdict = c.check();
    const doc = c.session();
    c.free();
    return { answers, read, batched: s.batched, messages: s.messages, ok: verdict.ok, start: doc.start };
  }, batch);
  const on = await run({ max: 8 });
  const off = await run(null);
  assert.deepEqual([...on.answers].sort((a, b) => a - b), [...Array(12)].map((_, i) => i + 1), "every increment its own answer, once");
  assert.equal(on.read, 12);
  assert.ok(on.batched > 0 && on.ok, JSON.stringify(on));
  assert.deepEqual(on.start.batch, { max: 8 }, "the session records the switch");
  assert.equal(off.batched, 0);
  assert.equal(off.start.batch, undefined);
  assert.ok(on.messages < off.messages / 2, `fewer messages: ${on.messages} with, ${off.messages} without`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a bad batch option is an InvalidArgument that says what was expected", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  const cases = [
    [{ max: 0 }, "options.batch.max must be in 1..=64, got 0"],
    [{ max: 65 }, "options.batch.max must be in 1..=64, got 65"],
    [{ max: 2.5 }, null],
    [{}, "options.batch must be an object { max }, got an object"],
    [{ max: 4, min: 1 }, null],
    [5, null],
  ];
  const results = await page.evaluate((cases) => {
    const Cluster = window.playground.cluster.constructor;
    return cases.map(([batch]) => {
      try {
        new Cluster({ batch }).free();
        return null;
      } catch (e) {
        return { name: e.name, message: e.message };
      }
    });
  }, cases);
  for (const [i, [batch, message]] of cases.entries()) {
    const r = results[i];
    assert.ok(r, `batch ${JSON.stringify(batch)} is refused`);
    assert.equal(r.name, "InvalidArgument", JSON.stringify(r));
    if (message) assert.equal(r.message, message);
  }
  const usable = await page.evaluate(async () => {
    const Cluster = window.playground.cluster.constructor;
    const c = new Cluster({ batch: { max: 2 } });
    const v = await c.increment("x");
    c.free();
    return v;
  });
  assert.equal(usable, 1, "after the errors, a valid option works");
  assert.deepEqual(errors, []);
  await page.close();
});

test("the page: the cluster form's batch field turns batching on (empty: off); a bad size is refused naming the field", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  const hotRun = () => page.evaluate(() => {
    const c = window.playground.cluster;
    for (let i = 0; i < 12; i++) c.increment("hot", { proposer: "p1" });
    c.runUntilIdle();
    return { batched: c.stats().batched, ok: c.stats().ok, start: c.session().start };
  });
  await page.fill("input[name=batch]", "8");
  await page.click("#rebuild button[type=submit]");
  assert.equal(await page.textContent("#rebuild-error"), "");
  const on = await hotRun();
  assert.ok(on.batched > 0, `operations rode along in a batch: ${JSON.stringify(on)}`);
  assert.equal(on.ok, 12);
  assert.deepEqual(on.start.batch, { max: 8 });
  assert.equal(await page.inputValue("input[name=batch]"), "8", "the form shows the running cluster's batch size");
  await page.fill("input[name=batch]", "0");
  await page.click("#rebuild button[type=submit]");
  assert.match(await page.textContent("#rebuild-error"), /^InvalidArgument: .*batch/);
  await page.fill("input[name=batch]", "");
  await page.click("#rebuild button[type=submit]");
  const off = await hotRun();
  assert.equal(off.batched, 0, "empty: off");
  assert.equal(off.start.batch, undefined);
  assert.deepEqual(errors, []);
  await page.close();
});
