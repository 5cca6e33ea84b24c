// Manual delivery in the page: messages wait in a list; the reader delivers one next or drops
// it; the order decides who is refused; the choices replay from a seek, a share link and Verify.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { open, pageFixture, SHOTS, runToIdle } from "./helpers.mjs";

const { server, browser } = pageFixture();

/** The waiting messages' texts, as the list shows them. */
const heldTexts = (page) => page.$$eval('#held button[data-do="deliver"]', (bs) => bs.map((b) => b.textContent));
/** Clicks the waiting message whose text starts with `text` (deliver, or ✕ to drop). */
async function pick(page, text, what = "deliver") {
  const id = await page.$$eval('#held button[data-do="deliver"]', (bs, t) => bs.find((b) => b.textContent.startsWith(t))?.dataset.id, text);
  assert.ok(id !== undefined, `a waiting "${text}" in ${JSON.stringify(await heldTexts(page))}`);
  await page.click(`#held button[data-do="${what}"][data-id="${id}"]`);
}

test("manual delivery: messages wait, the reader's order decides who is refused, and the run replays", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await page.check("#manual");
  assert.match(await page.textContent("#time-note"), /Manual delivery: messages wait for you/);
  await page.fill("#key", "duel");
  await page.click("#increment");
  await page.selectOption("#proposer", "p2");
  await page.click("#increment");
  assert.equal(await page.evaluate(() => window.playground.playing), false, "time waits for the reader");
  assert.deepEqual(await heldTexts(page), ["p1→a1 prepare duel 1.p1", "p1→a2 prepare duel 1.p1", "p1→a3 prepare duel 1.p1", "p2→a1 prepare duel 1.p2", "p2→a2 prepare duel 1.p2", "p2→a3 prepare duel 1.p2"]);
  assert.match(await page.textContent("#held-note"), /6 waiting/);
  assert.match((await page.$$eval("#results li", (lis) => lis.map((li) => li.textContent)))[0], /manual delivery: its messages wait for you/);
  // p2's prepare reaches a1 first: p1's is refused, naming 1.p2.
  await pick(page, "p2→a1 prepare");
  await pick(page, "p1→a1 prepare");
  assert.ok((await heldTexts(page)).includes("a1→p1 conflict duel 1.p1 (blocked by 1.p2)"), JSON.stringify(await heldTexts(page)));
  await pick(page, "p1→a3 prepare", "drop");
  const drops = await page.evaluate(() => window.playground.cluster.events().filter((e) => e.kind === "drop").map((e) => `${e.from}->${e.to} ${e.reason}`));
  assert.deepEqual(drops, ["p1->a3 manual"]);
  await page.screenshot({ path: path.join(SHOTS, "manual-delivery.png") });
  // Back to automatic: everything waiting arrives and both increments end, each applied once.
  await page.uncheck("#manual");
  await runToIdle(page);
  const outputs = await page.evaluate(() => window.playground.cluster.history().map((h) => `${h.proposer} ${h.outcome} ${h.output}`));
  assert.deepEqual(outputs.sort(), ["p1 ok 2", "p2 ok 1"]);
  const hash = await page.evaluate(() => window.playground.cluster.eventLogHash);
  await page.click("#verify");
  assert.match(await page.textContent("#session-out"), /✓ deterministic/);
  // A seek to the start and Run to idle replays the reader's choices.
  await page.evaluate(() => window.playground.seekTo(0));
  await runToIdle(page);
  assert.equal(await page.evaluate(() => window.playground.cluster.eventLogHash), hash, "the seek replays the deliveries");
  // So does a share link, opened in a fresh page.
  await page.click("#share");
  const link = await page.inputValue("#share-url");
  const shared = await open(browser.context, link);
  await runToIdle(shared.page);
  assert.equal(await shared.page.evaluate(() => window.playground.cluster.eventLogHash), hash, "the link replays the deliveries");
  assert.deepEqual([...errors, ...shared.errors], []);
  await shared.page.close();
  await page.close();
});

test("the by-hand scenario: its scripted deliveries show in the timeline and its claims hold", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=by-hand`);
  await page.evaluate(() => window.playground.setSpeed(100));
  await page.waitForFunction(() => document.getElementById("claims").dataset.checked, null, { timeout: 20000 });
  const claims = await page.$$eval("#claims li", (lis) => lis.map((li) => `${li.dataset.ok} ${li.textContent}`));
  assert.equal(claims.length, 6);
  for (const c of claims) assert.match(c, /^true /, c);
  assert.equal(await page.evaluate(() => window.playground.cluster.delivery), "auto", "the script hands delivery back");
  assert.deepEqual(errors, []);
  await page.close();
});

test("the ballot-reuse bug by hand: the scenario's own break switch shows, the oracle fires, and the next scenario is unbroken", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=reuse-by-hand`);
  assert.equal(await page.isChecked("#break-reuse"), true, "the switch shows what the cluster runs with");
  await page.evaluate(() => window.playground.setSpeed(100));
  await page.waitForFunction(() => document.getElementById("claims").dataset.checked, null, { timeout: 20000 });
  const claims = await page.$$eval("#claims li", (lis) => lis.map((li) => `${li.dataset.ok} ${li.textContent}`));
  for (const c of claims) assert.match(c, /^true /, c);
  assert.match(await page.textContent("#check-verdict"), /one-value-per-ballot|not linearizable/);
  await page.evaluate(() => { const tl = window.playground.timeline; tl.fit(tl.lastAt); window.playground.refresh(); });
  await page.screenshot({ path: path.join(SHOTS, "scenario-reuse-by-hand.png") });
  await page.click('[data-scenario="counter"]');
  assert.equal(await page.isChecked("#break-reuse"), false, "a scenario runs with its own switches: none");
  assert.deepEqual(errors, []);
  await page.close();
});

test("under manual delivery, play stops once only the held messages are left, and says they wait", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await page.check("#manual");
  await page.click("#increment");
  await page.evaluate(() => { window.playground.setSpeed(100); window.playground.setPlaying(true); });
  // The prepares wait; timeouts and retries run until the operation gives up; then play stops.
  await page.waitForFunction(() => !window.playground.playing, null, { timeout: 30000 });
  assert.match(await page.textContent("#time-note"), /the messages below wait for you/);
  assert.ok((await page.$$('#held button[data-do="deliver"]')).length > 0, "messages still wait");
  assert.equal(await page.evaluate(() => window.playground.cluster.history()[0].outcome), "failed", "the increment gave up: no quorum answered");
  assert.deepEqual(errors, []);
  await page.close();
});

test("your turn: the reader delivers every message by hand; the scenario's claims hold and stay checked", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=your-duel`);
  assert.equal(await page.evaluate(() => window.playground.playing), false, "the reader moves this run");
  assert.equal(await page.isChecked("#manual"), true);
  assert.equal((await heldTexts(page)).length, 6, "both proposers' prepares wait");
  // p1's prepares first this time; then whatever waits first, until both increments end.
  let waitsForTimer; // a time when nothing waited but a proposer did (a backoff)
  for (const a of ["a1", "a2", "a3"]) await pick(page, `p1→${a} prepare`);
  for (let i = 0; i < 200 && (await page.evaluate(() => window.playground.cluster.pending)) > 0; i++) {
    if (await page.$('#held button[data-do="deliver"]')) await page.click('#held button[data-do="deliver"]');
    else {
      assert.match(await page.textContent("#held-note"), /a proposer waits for a timer/);
      waitsForTimer ??= await page.evaluate(() => window.playground.cluster.now);
      await page.click("#step"); // a backoff: time must pass
    }
  }
  assert.equal(await page.evaluate(() => window.playground.cluster.pending), 0, "both increments ended");
  await page.evaluate(() => window.playground.refresh());
  const claims = await page.$$eval("#claims li", (lis) => lis.map((li) => `${li.dataset.ok} ${li.textContent}`));
  assert.deepEqual(claims.map((c) => c.split(" ")[0]), ["true", "true"], claims.join("\n"));
  assert.equal(await page.$(".claims-note"), null, "delivering by hand is this scenario's run, not a change to it");
  assert.match(await page.textContent("#caption"), /^Both increments are done/, "the caption follows the second return");
  // Deliver the leftovers (late replies): nothing waits ("start an operation"). A seek back to the
  // backoff, where nothing waits either, must still redraw the note: a proposer waits for a timer.
  while (await page.$('#held button[data-do="deliver"]')) await page.click('#held button[data-do="deliver"]');
  assert.match(await page.textContent("#held-note"), /start an operation/);
  assert.ok(waitsForTimer !== undefined, "the run had a backoff with nothing waiting");
  // 1 ms on: the delivery by hand that emptied the list happened at that very ms.
  await page.evaluate((ms) => window.playground.seekTo(ms), waitsForTimer + 1);
  assert.equal(await page.$$eval('#held button[data-do="deliver"]', (bs) => bs.length), 0, "nothing waits at the backoff");
  assert.match(await page.textContent("#held-note"), /a proposer waits for a timer/, "the note follows the seek");
  assert.deepEqual(errors, []);
  await page.close();
});

/** Delivers by hand until nothing is pending: the first waiting message `prefer` accepts, else the
 * first waiting one, else a Step (a backoff). Returns every waiting message's text seen on the way. */
async function deliverAll(page, prefer) {
  const seen = new Set();
  for (let i = 0; i < 200 && (await page.evaluate(() => window.playground.cluster.pending)) > 0; i++) {
    const texts = await heldTexts(page);
    texts.forEach((t) => seen.add(t));
    const next = texts.find(prefer) ?? texts[0];
    if (next !== undefined) await pick(page, next);
    else await page.click("#step");
  }
  assert.equal(await page.evaluate(() => window.playground.cluster.pending), 0, "both increments ended");
  return [...seen];
}

for (const [order, prefer, refused] of [
  ["p1's prepares first", (t) => /^p1→a\d prepare/.test(t), /^a\d→p1 conflict duel 1\.p1 \(blocked by 1\.p2\)$/],
  ["everything to and from p1 first", (t) => /^(p1→|a\d→p1 )/.test(t), /^a\d→p2 conflict duel 1\.p2 \(blocked by 2\.p1\)$/],
]) {
  test(`the by-hand text's other order holds: ${order}, and someone is still refused`, async () => {
    const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
    const text = await page.evaluate(async () => (await import("./scenarios.js")).SCENARIOS.find((s) => s.id === "by-hand").text);
    assert.match(text, order === "p1's prepares first" ? /deliver p1's prepares first and p1's accept is refused by 1\.p2/i : /deliver everything to and from p1 first and p2 is refused by 2\.p1/);
    await page.check("#manual");
    await page.fill("#key", "duel");
    await page.click("#increment");
    await page.selectOption("#proposer", "p2");
    await page.click("#increment");
    const seen = await deliverAll(page, prefer);
    assert.ok(seen.some((t) => refused.test(t)), `${refused} in ${JSON.stringify(seen)}`);
    assert.deepEqual(errors, []);
    await page.close();
  });
}

/** Frames the page draws in `ms` of real time (0 when the renderer is stalled). */
const framesIn = (page, ms) => page.evaluate((ms) => new Promise((done) => {
  let n = 0;
  const end = performance.now() + ms;
  const tick = () => { n += 1; if (performance.now() < end) requestAnimationFrame(tick); else done(n); };
  requestAnimationFrame(tick);
  setTimeout(() => done(n), ms + 2000); // a stalled renderer never calls back: report what came
}), ms);

test("workers under manual delivery, then Run to idle: messages held for seconds are clipped to the view, frames keep coming, and the verdict has no ✓", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await page.check("#manual");
  await page.fill("#workers", "2");
  await page.fill("#per-worker", "3");
  await page.click("#run-workers");
  await runToIdle(page);
  await page.waitForFunction(() => !window.playground.cluster.workersRuns()[0] || window.playground.cluster.workersRuns()[0].finished, null, { timeout: 30000 });
  await page.click("#fit");
  await page.click("#zoom-in");
  await page.click("#zoom-in"); // a window of the last few ms: the held messages were sent long before it
  const lines = await page.$$eval("#timeline line.inflight", (ls) => ls.map((l) => Number(l.getAttribute("x1"))));
  assert.ok(lines.length > 0, "messages are still held");
  const left = Math.min(...lines);
  assert.ok(left > -10, `every held message starts at the view's edge, not ${left} px`);
  assert.ok(await framesIn(page, 1000) >= 10, "the page keeps drawing");
  const out = await page.textContent("#workers-out");
  assert.doesNotMatch(out, /✓/, `no ✓ for a run whose increments all failed: ${out}`);
  assert.match(out, /could not read the final count: the closing get failed \(6 of 6 increments failed or unknown\)|final count 0, expected 0 \(\+ up to 6 failed\/unknown\) ✗/);
  assert.equal(await page.isHidden("#workers-progress"), true, "the progress bar goes once the run is over");
  assert.deepEqual(errors, []);
  await page.close();
});

test("your turn, left alone: Run to idle delivers nothing, both increments give up, and the caption says so instead of claiming success", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=your-duel`);
  await runToIdle(page);
  await page.waitForFunction(() => window.playground.cluster.pending === 0, null, { timeout: 30000 });
  const outcomes = await page.evaluate(() => window.playground.cluster.history().map((h) => h.outcome));
  assert.ok(outcomes.every((o) => o !== "ok"), `nothing was delivered, so nothing answered: ${outcomes}`);
  const caption = await page.textContent("#caption");
  assert.doesNotMatch(caption, /Both increments are done|One increment is done/);
  assert.match(caption, /gave up/);
  // The proposer's message says "not applied" already: the row says it once, not "(not applied)" again.
  const rows = await page.$$eval("#results li.bad", (lis) => lis.map((li) => li.textContent));
  assert.equal(rows.length, 2, rows.join("\n"));
  for (const row of rows) assert.match(row, /✗ Unavailable: .*; the change was not applied$/, row);
  assert.deepEqual(errors, []);
  await page.close();
});
