// Run to idle on the page (issue 9): a long run goes a slice per frame with its progress in the
// status, Stop and Escape stop it, it stops at the event cap and says so — and whatever the slices,
// the cluster ends exactly where one synchronous runUntilIdle ends (the same event-log hash).
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { open, pageFixture, runToIdle, SHOTS } from "./helpers.mjs";

const { server, browser } = pageFixture();

/** A page with an empty cluster and a workers run of `n` × `m` increments started, paused. */
async function withWorkers(n, m, options) {
  const opened = await open(browser.context, `${server.url}?scenario=none`, options);
  const { page } = opened;
  await page.fill("#workers", String(n));
  await page.fill("#per-worker", String(m));
  await page.click("#run-workers");
  await page.evaluate(() => window.playground.setPlaying(false));
  // The reference: a copy of the run at this point, for runUntilIdle in one synchronous call.
  await page.evaluate(() => { const c = window.playground.cluster; window.reference = c.seek({ steps: c.steps, at: c.now }); });
  return opened;
}

/** The reference copy after `runUntilIdle(maxEvents)` from where it was copied (a fresh copy each
 * time): its event-log hash and steps. */
const referenceAfter = (page, maxEvents) => page.evaluate((max) => {
  const copy = window.reference.seek({ steps: window.reference.steps, at: window.reference.now });
  const ran = max === null ? copy.runUntilIdle() : copy.runUntilIdle(max);
  const out = { hash: copy.eventLogHash(), steps: copy.steps, ran };
  copy.free();
  return out;
}, maxEvents);

const shown = (page) => page.evaluate(() => ({ hash: window.playground.cluster.eventLogHash(), steps: window.playground.cluster.steps, pending: window.playground.cluster.pending }));
const note = (page) => page.textContent("#time-note");
/** The events a "Stopped after N events" note names. */
const eventsIn = (text) => Number(/after ([\d,]+) events?/.exec(text)[1].replaceAll(",", ""));

test("a long Run to idle goes a slice per frame, says its progress in the status, and ends where one synchronous runUntilIdle ends", async () => {
  const { page, errors } = await withWorkers(30, 100);
  const before = await shown(page);
  const want = await referenceAfter(page, null);
  assert.ok(want.ran > 20000, `a run long enough for many slices: ${want.ran} events`);
  await page.click("#idle");
  assert.equal(await page.textContent("#idle"), "■ Stop", "the button turns into Stop");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "idle", "focus stays on the button");
  // The cluster's steps when the progress is first said (read in the same task as the text).
  const during = await (await page.waitForFunction(() => /^Running to idle: [\d,]+ events run, \d+ operations? pending\./.test(document.getElementById("time-note").textContent) && { steps: window.playground.cluster.steps }, null, { timeout: 30000 })).jsonValue();
  assert.equal(await page.getAttribute("#time-note", "role"), "status", "the progress is in a live region");
  await page.screenshot({ path: path.join(SHOTS, "idle-progress.png") });
  assert.ok(during.steps > before.steps && during.steps < want.steps, "the page drew while part of the run was done");
  await page.waitForSelector("#idle:not([data-running])", { timeout: 60000 });
  const after = await shown(page);
  assert.equal(after.steps, want.steps, "as many steps as one synchronous run");
  assert.equal(after.hash, want.hash, "the same event log as one synchronous run");
  assert.equal(after.pending, 0);
  assert.equal(await note(page), `Ran to idle: ${(want.ran).toLocaleString("en-US")} events; nothing is scheduled.`);
  assert.equal(await page.textContent("#idle"), "Run to idle");
  assert.equal(await page.textContent("#workers-out"), "final count 3000, expected 3000 ✓");
  // A seek to the middle shows a point where operations are pending: the status no longer says
  // the run is idle (outside tester 12c: it still said "Ran to idle ...; nothing is scheduled").
  await page.evaluate(() => window.playground.seekTo(Math.round(window.playground.cluster.now / 2)));
  assert.ok(await page.evaluate(() => window.playground.cluster.pending) > 0, "operations pending at the middle");
  assert.doesNotMatch(await note(page), /Ran to idle|nothing is scheduled/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("Escape stops a Run to idle where it is (the same point as a synchronous run of as many events), and Run to idle goes on to the same end", async () => {
  const { page, errors } = await withWorkers(100, 100); // long enough that no stop below comes after its end
  const want = await referenceAfter(page, null);
  await page.click("#idle"); // its first slice runs in the click, the rest a slice per frame
  await page.keyboard.press("Escape");
  const text = await note(page);
  assert.match(text, /^Stopped \(you stopped it\) after [\d,]+ events; \d+ operations? still pending — Run to idle goes on from here\.$/);
  const stopped = await shown(page);
  const ran = eventsIn(text);
  const partial = await referenceAfter(page, ran);
  assert.equal(stopped.hash, partial.hash, `stopped after ${ran} events: the event log of a synchronous runUntilIdle(${ran})`);
  // Negative control: the stopped run is not the finished one, so the hash comparison can fail.
  assert.notEqual(stopped.hash, want.hash, "stopped early: not the finished run's log");
  assert.ok(stopped.pending > 0, "operations are still pending");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "idle");
  assert.equal(await page.textContent("#idle"), "Run to idle", "the button is Run to idle again");
  // The button stops it too (at once: the first slice ran in the click, the rest wait for frames).
  await page.click("#idle");
  assert.equal(await page.textContent("#idle"), "■ Stop");
  await page.click("#idle");
  assert.match(await note(page), /^Stopped \(you stopped it\)/);
  await runToIdle(page);
  const end = await shown(page);
  assert.equal(end.hash, want.hash, "stopped twice and resumed: still the synchronous run's event log");
  assert.equal(end.steps, want.steps);
  assert.deepEqual(errors, []);
  await page.close();
});

test("Run to idle stops at its event cap and says so plainly; again, it goes on to the synchronous run's end", async () => {
  const { page, errors } = await withWorkers(10, 100);
  const want = await referenceAfter(page, null);
  const cap = 5000;
  assert.ok(want.ran > cap, "the run is longer than the cap");
  const before = await shown(page);
  // The button's own path with a smaller cap (the button passes Cluster.limits.idleEvents).
  assert.equal(await page.evaluate(() => window.playground.cluster.constructor.limits.idleEvents), 1000000);
  await page.evaluate((max) => window.playground.runToIdle({ maxEvents: max }), cap);
  await page.waitForSelector("#idle:not([data-running])", { timeout: 30000 });
  const capped = await shown(page);
  assert.equal(capped.steps - before.steps, cap, "exactly the cap's events ran");
  assert.equal(capped.hash, (await referenceAfter(page, cap)).hash, "the event log of runUntilIdle(cap)");
  assert.equal(await note(page), `Stopped after 5,000 events; ${capped.pending} operation${capped.pending === 1 ? "" : "s"} still pending — Run to idle again to go on.`);
  assert.ok(capped.pending > 0);
  await page.screenshot({ path: path.join(SHOTS, "idle-cap.png") });
  await runToIdle(page);
  assert.equal((await shown(page)).hash, want.hash, "Run to idle again: the synchronous run's end");
  assert.equal(await page.textContent("#workers-out"), "final count 1000, expected 1000 ✓");
  assert.deepEqual(errors, []);
  await page.close();
});

test("Run to idle on a phone-sized page: the Stop button and the progress fit", async () => {
  const { page, errors } = await withWorkers(30, 100, { viewport: { width: 390, height: 844 } });
  await page.click("#idle");
  await page.waitForFunction(() => /^Running to idle/.test(document.getElementById("time-note").textContent), null, { timeout: 30000 });
  const box = await page.$eval("#idle", (b) => { const r = b.getBoundingClientRect(); return { right: r.right, width: innerWidth }; });
  assert.ok(box.right <= box.width, `the Stop button is on the page: ${JSON.stringify(box)}`);
  await page.screenshot({ path: path.join(SHOTS, "idle-progress-phone.png") });
  await page.keyboard.press("Escape");
  assert.deepEqual(errors, []);
  await page.close();
});
