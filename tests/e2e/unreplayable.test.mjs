// Page tests for runs that used a change function (outside tester 15, finding 3): such a run has
// no session document (`session()` refuses, as `sessionLink()` does), so the fencing scenario's
// check that the run on screen is its own compares the actions taken (`actionsTaken`) instead of
// a document, and Verify / Share link / Export session are disabled with the reason beside them; so
// is the seek slider (outside tester 17: it moved, then said "no seeking"), its tooltip saying why.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { open, pageFixture, runToIdle, SHOTS } from "./helpers.mjs";
import { SCENARIOS } from "../../www/scenarios.js";

const { server, browser } = pageFixture();

const REASON = "this run used a change function (code), which sessions never carry: it cannot be shared or replayed";
const NOTE = `Verify, Share link and Export session are off: ${REASON}.`;
const SEEK_WHY = `Seeking is off: ${REASON}.`;

/** The claims as the page shows them ("✓", "✗" or "·" each), the note of a changed run, and the
 * session bar: Verify, Share and Export disabled or not, the note beside them, the session's
 * status line. */
const shown = (page) => page.evaluate(() => ({
  marks: [...document.querySelectorAll("#claims li")].map((li) => ({ true: "✓", false: "✗" })[li.dataset.ok] ?? "·").join(""),
  changed: document.querySelector(".claims-note")?.textContent ?? null,
  verify: document.getElementById("verify").disabled,
  share: document.getElementById("share").disabled,
  export: document.getElementById("export-session").disabled,
  seek: document.getElementById("seek").disabled,
  seekWhy: document.getElementById("seek").title,
  fork: document.getElementById("fork").disabled,
  note: document.getElementById("unshareable").hidden ? null : document.getElementById("unshareable").textContent,
  out: document.getElementById("session-out").textContent,
}));

test("the fencing scenario (change functions) ticks every claim; Verify, Share and Export say why they are off", async () => {
  const lock = SCENARIOS.find((s) => s.id === "lock");
  const { page, errors } = await open(browser.context, `${server.url}?scenario=lock`);
  await page.evaluate(() => window.playground.setPlaying(false));
  await runToIdle(page);
  await page.waitForFunction(() => document.getElementById("claims").dataset.checked !== undefined, null, { timeout: 60000 });
  assert.equal(await page.evaluate(() => window.playground.cluster.replayable), false, "the scenario's run used change functions");
  assert.deepEqual(await shown(page), { marks: "✓".repeat(lock.claims.length), changed: null, verify: true, share: true, export: true, seek: true, seekWhy: SEEK_WHY, fork: true, note: NOTE, out: "" });
  for (const id of ["#verify", "#share", "#export-session"]) assert.equal(await page.getAttribute(id, "aria-describedby"), "unshareable");
  await page.screenshot({ path: path.join(SHOTS, "unreplayable-lock.png") });
  assert.deepEqual(errors, []);
  await page.close();
});

test("the negative control: one action from the console past the scenario's change function voids its claims", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=lock`);
  // Mid-run, past alice's change (80 ms), nothing else done: still the scenario's own run.
  await page.evaluate(() => { window.playground.setPlaying(false); window.playground.advance(200); window.playground.refresh(); });
  assert.equal(await page.evaluate(() => window.playground.cluster.replayable), false);
  assert.equal((await shown(page)).changed, null, "the scenario's own run, 200 ms in");
  // One crash the page did not make: another run (only the count of actions tells, no document).
  await page.evaluate(() => { window.playground.cluster.crash("a3"); window.playground.refresh(); });
  await runToIdle(page);
  const after = await shown(page);
  assert.equal(after.changed, "You changed this run, so these claims (about the scenario's own run) are no longer checked.");
  assert.doesNotMatch(after.marks, /✓/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a console c.change turns Verify, Share and Export off with the reason; the control: an ordinary run verifies, shares and exports", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await page.evaluate(() => { window.playground.cluster.increment("k"); window.playground.refresh(); });
  await runToIdle(page);
  // The control: a run without a change function has its session.
  assert.deepEqual(await shown(page), { marks: "", changed: null, verify: false, share: false, export: false, seek: false, seekWhy: "", fork: false, note: null, out: "" });
  await page.click("#verify"); // the control: an ordinary run verifies
  await page.waitForFunction(() => /^✓ deterministic: the replay gives the same event log/.test(document.getElementById("session-out").textContent));
  await page.click("#share");
  await page.waitForFunction(() => /link ready/.test(document.getElementById("session-out").textContent));
  const exported = await page.evaluate(async () => {
    const blobs = [];
    const make = URL.createObjectURL;
    URL.createObjectURL = (blob) => { blobs.push(blob); return make(blob); };
    HTMLAnchorElement.prototype.click = () => {};
    document.getElementById("export-session").click();
    await new Promise((r) => setTimeout(r, 0));
    return JSON.parse(await blobs[0].text());
  });
  assert.equal(exported.actions.length, 1, "the exported session holds the increment");
  // A change function from the console: no session any more, and the page says why.
  await page.evaluate(() => { window.playground.cluster.change("k", (x) => x + 1); window.playground.refresh(); });
  await runToIdle(page);
  const off = await shown(page);
  assert.deepEqual({ ...off, out: undefined }, { marks: "", changed: null, verify: true, share: true, export: true, seek: true, seekWhy: SEEK_WHY, fork: true, note: NOTE, out: undefined });
  assert.doesNotMatch(off.out, /InvalidArgument/, "no error in the status line: the buttons are off, not failing");
  await page.locator(".sessionbar").screenshot({ path: path.join(SHOTS, "unreplayable-console-change.png") });
  assert.deepEqual(errors, []);
  await page.close();
});
