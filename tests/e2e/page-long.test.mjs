// The page in a long session (issue 9) and the intro after a membership change: driven with its
// own controls to hundreds of thousands of events, the DOM stays bounded and every control still
// answers (no timing is asserted: bench-page.mjs measures it); the intro names the members the
// cluster has now, not the ones it started with.
import { test } from "node:test";
import assert from "node:assert/strict";
import { open, pageFixture, runToIdle } from "./helpers.mjs";

const { server, browser } = pageFixture();

const elements = (page) => page.evaluate(() => document.getElementsByTagName("*").length);
const cluster = (page) => page.evaluate(() => { const c = window.playground.cluster; return { events: c.eventCount, steps: c.steps, now: c.now, pending: c.pending }; });

/** Moves the seek slider to `ms` (as a reader lets go of it). */
const seekWithSlider = (page, ms) => page.$eval("#seek", (el, v) => { el.value = String(v); el.dispatchEvent(new Event("change", { bubbles: true })); }, ms);

/** A workers run of `n` × `m` started with the client panel and run to idle with the button. */
async function workers(page, n, m) {
  await page.fill("#workers", String(n));
  await page.fill("#per-worker", String(m));
  await page.click("#run-workers");
  await runToIdle(page, { timeout: 240000 });
  assert.match(await page.textContent("#workers-out"), /^final count (\d+), expected \1 ✓$/, "the run finished, every increment counted");
}

test("a long session: the DOM stays bounded as the run grows past 200,000 events, and Step, Fit, the seek slider and Increment still answer", { timeout: 600000 }, async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await workers(page, 100, 50);
  const first = await cluster(page);
  assert.ok(first.events > 50000, `a long run: ${first.events} events`);
  const domFirst = await elements(page);
  // A point in the middle draws more (operations pending, messages in flight): measured at the
  // middle of this run, then again at the middle of the longer one below.
  await seekWithSlider(page, Math.round(first.now / 2));
  const domFirstMiddle = await elements(page);
  await seekWithSlider(page, first.now);
  await workers(page, 100, 100);
  const second = await cluster(page);
  assert.ok(second.events > 200000, `a longer run: ${second.events} events`);
  const domSecond = await elements(page);
  assert.ok(domSecond <= domFirst + 100, `the DOM does not grow with the run: ${domFirst} elements at ${first.events} events, ${domSecond} at ${second.events}`);
  // Every control answers.
  await page.click("#increment");
  assert.equal((await cluster(page)).pending, 1, "Increment started an operation");
  assert.equal(await page.getAttribute("#play", "aria-pressed"), "true", "and time moves for it");
  await page.click("#play");
  assert.equal(await page.getAttribute("#play", "aria-pressed"), "false", "Pause answers");
  const started = await cluster(page);
  await page.click("#step");
  assert.equal((await cluster(page)).steps, started.steps + 1, "Step ran one event");
  await page.click("#fit");
  assert.equal(await page.isChecked("#follow"), false, "Fit leaves the follow view");
  const middle = Math.round(second.now / 2);
  await seekWithSlider(page, middle);
  const sought = await cluster(page);
  assert.ok(sought.now <= middle && sought.now > middle - 100, `the slider sought to ${middle} ms: now ${sought.now}`);
  await page.waitForFunction(() => !document.getElementById("check-verdict").dataset.checking, null, { timeout: 60000 });
  assert.match(await page.textContent("#check-verdict"), /linearizable|ran out of budget/, "the checker answered for the point sought");
  const domSought = await elements(page);
  assert.ok(domSought <= domFirstMiddle + 100, `the middle of a run four times as long draws as much: ${domFirstMiddle} elements, now ${domSought}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the intro names the members the cluster has now: after growing to five acceptors, and after every acceptor was replaced", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=grow-under-load`);
  assert.match(await page.textContent("#intro"), /acceptors a1–a3 store one register per key, proposers p1–p2 change it/);
  await runToIdle(page);
  await page.evaluate(() => window.playground.refresh());
  const grown = await page.evaluate(() => window.playground.cluster.membership().acceptors);
  assert.deepEqual(grown, ["a1", "a2", "a3", "a4", "a5"], "the scenario grew the cluster");
  assert.match(await page.textContent("#intro"), /acceptors a1–a5 store/);
  await page.evaluate(() => window.playground.loadScenario("replace-all"));
  await runToIdle(page);
  await page.evaluate(() => window.playground.refresh());
  assert.deepEqual(await page.evaluate(() => window.playground.cluster.membership().acceptors), ["a4", "a5", "a6"]);
  assert.match(await page.textContent("#intro"), /acceptors a4–a6 store/, "no acceptor of the first three is named");
  assert.deepEqual(errors, []);
  await page.close();
});

test("the live panel's workers fields are bounded by the cluster's own limits", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  const limits = await page.evaluate(() => window.playground.cluster.constructor.limits);
  assert.equal(await page.getAttribute("#live-workers", "max"), String(limits.workers));
  assert.equal(await page.getAttribute("#live-per-worker", "max"), String(limits.incrementsPerWorker));
  assert.deepEqual(errors, []);
  await page.close();
});
