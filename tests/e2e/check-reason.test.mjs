// A key the checker has no verdict for says why (issue 9's outside tester, F2): increments of one
// key asked for faster than the page's cluster answers queue behind it, the incremental checker's
// folds cannot keep up, and past its cap of operations held the key is `unknown` for the rest of
// the run. The state panel's verdict shows check()'s reason for it, after the backlog cleared;
// a tenth of that run (its control) folds as it goes and says it is linearizable. The same runs
// natively: src/checker/pile_up_tests.rs.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { open, pageFixture, SHOTS } from "./helpers.mjs";

const { server, browser } = pageFixture();

/** Increments of `q` through p1 asked for every 10 ms, and for how many ticks (pile_up_tests.rs). */
const PILE_UP = { perTick: 3, ticks: 4000 };

/** In the page: the pile-up, run until idle, the page redrawn; returns `q`'s verdict from check(). */
async function pileUp(page, { perTick, ticks }) {
  return page.evaluate(({ perTick, ticks }) => {
    const c = window.playground.cluster;
    for (let t = 0; t < ticks; t++) {
      for (let i = 0; i < perTick; i++) c.increment("q", { proposer: "p1" });
      c.runFor(10);
    }
    while (c.pending > 0) c.runUntilIdle();
    window.playground.refresh();
    return c.check().keys.q;
  }, { perTick, ticks });
}

/** The state panel's verdict, once its check (maybe deferred past the paint) has answered. */
async function shownVerdict(page) {
  await page.waitForFunction(() => {
    const v = document.getElementById("check-verdict");
    return !v.dataset.checking && v.textContent !== "";
  }, null, { timeout: 60000 });
  return { text: await page.textContent("#check-verdict"), className: await page.getAttribute("#check-verdict", "class") };
}

test("a key the checker gave up on says why in the state panel, after its backlog cleared; a run that folds does not", { timeout: 300000 }, async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  const q = await pileUp(page, PILE_UP);
  assert.equal(q.verdict, "unknown", JSON.stringify(q));
  assert.match(q.reason, /^the checker gave up on this key for the rest of the run: it held \d+ settled operations that no fold could drop/);
  const shown = await shownVerdict(page);
  assert.equal(shown.className, "verdict unsure");
  assert.equal(shown.text, `? ${q.reason} (key q)`, "the panel shows check()'s reason, naming the key");
  await page.locator("#check-verdict").scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, "check-reason.png") });
  assert.deepEqual(errors, []);
  await page.close();

  // Control: a tenth of the pile-up folds as it goes: linearizable, no reason.
  const control = await open(browser.context, `${server.url}?scenario=none`);
  const small = await pileUp(control.page, { ...PILE_UP, ticks: PILE_UP.ticks / 10 });
  assert.deepEqual([small.verdict, small.reason], ["ok", undefined]);
  const fine = await shownVerdict(control.page);
  assert.equal(fine.className, "verdict good");
  assert.match(fine.text, /^✓ linearizable \(1 key, \d+ operations\)$/);
  assert.doesNotMatch(fine.text, /gave up|ran out/);
  assert.deepEqual(control.errors, []);
  await control.page.close();
});
