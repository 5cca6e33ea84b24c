// Membership change in the page (paper §2.3.1–§2.3.3), issue 11 §2/§4: the cluster panel's
// membership, "Add acceptor" and Remove with the running step and the rescan's progress, the
// buttons disabled while a change runs, the errors (InvalidArgument, Unavailable), acceptor lanes
// that appear and disappear, the steps drawn as bands, the acceptor-state panel, share links, and
// the break-it switches found by the search. Every scenario's claims are asserted in page.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { open, pageFixture, SHOTS } from "./helpers.mjs";

const { server, browser } = pageFixture();

/** Moves virtual time by `ms` (paused) and redraws every panel. */
const advance = (page, ms) => page.evaluate((t) => { window.playground.advance(t); window.playground.refresh(); }, ms);
/** The lanes the timeline draws now, top to bottom. */
const lanes = (page) => page.$$eval("#timeline text.lane-label", (ts) => ts.map((t) => t.dataset.node));
const captions = (page) => page.$$eval("#acceptor-state table caption", (cs) => cs.map((c) => c.textContent.trim().split(" ")[0]));
const nodeList = (page) => page.$$eval("#nodes li", (lis) => lis.map((li) => li.dataset.node));
/** Runs until no change runs (a timeout fails the test). */
async function settle(page) {
  await page.evaluate(() => { window.playground.setPlaying(false); window.playground.cluster.runUntilIdle(); window.playground.refresh(); });
}

test("Add acceptor: each step shows while it runs, the rescan's progress, the buttons wait; a4 gets a lane, a row, a table", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  assert.equal(await page.textContent("#members-out"), "proposers p1 p2 · acceptors a1 a2 a3 · prepare to a1 a2 a3 (2 of 3) · accept to a1 a2 a3 (2 of 3)");
  assert.equal(await page.isDisabled("#add-acceptor"), false);
  // Keys for the rescan to walk, written while paused.
  await page.evaluate(() => { const c = window.playground.cluster; for (const k of ["k1", "k2", "k3", "k4"]) c.put(k, k).catch(() => {}); c.runUntilIdle(); });
  await page.evaluate(() => window.playground.setPlaying(false));
  await page.click("#add-acceptor");
  await page.evaluate(() => window.playground.setPlaying(false)); // the click started time: step it by hand
  const seen = new Map(); // step -> what the panel said
  let started = false;
  for (let i = 0; i < 400; i++) {
    const panel = await page.evaluate(() => ({
      step: window.playground.cluster.membership().step,
      text: document.getElementById("change-out").textContent,
      disabled: document.getElementById("add-acceptor").disabled,
      why: document.getElementById("add-acceptor").title,
      removes: [...document.querySelectorAll('#nodes li[data-node^="a"] button[data-action=remove]')].map((b) => b.disabled),
      bar: document.getElementById("change-progress").hidden ? null : document.getElementById("change-progress").value,
    }));
    if (started && !panel.step) break;
    started ||= !!panel.step;
    if (panel.step && !seen.has(panel.text)) seen.set(panel.text, panel);
    if (panel.step) {
      assert.equal(panel.disabled, true, `Add acceptor waits during ${panel.step}`);
      assert.equal(panel.why, "a change (adding a4) is running: one change at a time");
      assert.ok(panel.removes.length >= 3 && panel.removes.every(Boolean), "every acceptor's remove waits too");
    }
    // A client operation keeps running during the change.
    if (panel.step === "accept quorum change" && !(await page.$('#results li[data-op="4"]'))) await page.click("#increment");
    await advance(page, 3);
  }
  const texts = [...seen.keys()];
  console.log(texts.join("\n"));
  // (Turning a4 on takes no time: it is a band on the timeline, never a panel's state.)
  for (const step of ["accept quorum change", "catch-up rescan", "prepare quorum change"]) {
    assert.ok(texts.some((t) => t.startsWith(`adding a4 — step: ${step}`)), `the panel showed ${step}: ${texts}`);
  }
  // The rescan reads the 5 keys at once: its progress goes 0 → 5 of 5 while the step still runs.
  for (const done of [0, 5]) assert.ok(texts.includes(`adding a4 — step: catch-up rescan: ${done} of 5 keys rescanned`), `the rescan's progress ${done}/5: ${texts}`);
  await settle(page);
  assert.equal(await page.textContent("#change-out"), "");
  assert.equal(await page.isDisabled("#add-acceptor"), false, "free again");
  assert.equal(await page.textContent("#members-out"), "proposers p1 p2 · acceptors a1 a2 a3 a4 · prepare to a1 a2 a3 a4 (3 of 4) · accept to a1 a2 a3 a4 (3 of 4)");
  assert.ok((await page.$$eval("#results li", (lis) => lis.map((li) => li.textContent))).includes("add acceptor → a4"));
  assert.match(await page.textContent('#results li[data-op="4"]'), /^increment counter via p1 → 1$/, "the increment answered during the change");
  assert.deepEqual(await lanes(page), ["p1", "p2", "a1", "a2", "a3", "a4"]);
  assert.deepEqual(await captions(page), ["a1", "a2", "a3", "a4"]);
  assert.deepEqual(await nodeList(page), ["p1", "p2", "a1", "a2", "a3", "a4"]);
  assert.ok(await page.$('#partition-editor select[data-node="a4"]'), "a4 can be put in a partition group");
  const a4 = await page.$$eval("#acceptor-state table", (ts) => [...ts.at(-1).tBodies[0].rows].map((r) => r.cells[0].textContent));
  assert.deepEqual(a4, ["counter", "k1", "k2", "k3", "k4"], "the rescan brought every key to a4");
  // The steps as bands across the acceptor lanes, named, with the rescan's keys.
  await page.click("#fit");
  const bands = await page.$$eval("#timeline rect.member-step", (rs) => rs.map((r) => [r.dataset.acceptor, r.dataset.step, r.getAttribute("aria-label")]));
  assert.deepEqual(bands.map((b) => b[1]), ["turn on", "accept quorum change", "catch-up rescan", "prepare quorum change"]);
  assert.ok(bands.every((b) => b[0] === "a4"));
  assert.match(bands[2][2], /^membership change of a4: catch-up rescan a4 5\/5 keys \(\d+–\d+ ms\)$/);
  assert.ok(await page.$$eval("#timeline text.member-label", (ts) => ts.some((t) => t.textContent.startsWith("catch-up rescan a4"))), "a band carries its name");
  assert.equal(await page.textContent(".legend .lg-member"), "membership step");
  await page.screenshot({ path: path.join(SHOTS, "membership-add.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test("Remove: a1 leaves; its lane stays while its past is in view and disappears after; the panels follow", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await page.evaluate(() => { const c = window.playground.cluster; c.put("k", 42).catch(() => {}); c.runUntilIdle(); });
  await page.click('#nodes button[aria-label="remove a1"]');
  await settle(page);
  assert.ok((await page.$$eval("#results li", (lis) => lis.map((li) => li.textContent))).includes("remove a1 → done"));
  assert.equal(await page.textContent("#members-out"), "proposers p1 p2 · acceptors a2 a3 · prepare to a2 a3 (2 of 2) · accept to a2 a3 (2 of 2)");
  assert.deepEqual(await captions(page), ["a2", "a3"]);
  assert.deepEqual(await nodeList(page), ["p1", "p2", "a2", "a3"]);
  await page.click("#fit");
  assert.deepEqual(await lanes(page), ["p1", "p2", "a1", "a2", "a3"], "the whole run: a1's lane holds its past");
  const bands = await page.$$eval("#timeline rect.member-step", (rs) => rs.map((r) => r.dataset.step));
  assert.deepEqual(bands, ["prepare quorum change", "accept quorum change", "catch-up rescan", "prepare quorum change", "turn off"]);
  // Later, with a1's turn off out of view, its lane is gone.
  await page.evaluate(() => { const c = window.playground.cluster; c.increment("c").catch(() => {}); c.runFor(2000); window.playground.timeline.follow = true; window.playground.refresh(); });
  assert.deepEqual(await lanes(page), ["p1", "p2", "a2", "a3"], "after a1 left the view, its lane disappears");
  // A removed acceptor cannot be removed again, nor the last one: InvalidArgument, shown by the panel.
  await page.click('#nodes button[aria-label="remove a2"]');
  await settle(page);
  await page.click('#nodes button[aria-label="remove a3"]');
  await page.waitForFunction(() => document.getElementById("membership-error").textContent !== "");
  assert.match(await page.textContent("#membership-error"), /^remove a3 ✗ InvalidArgument: .*last acceptor/);
  assert.equal(await page.textContent("#members-out"), "proposers p1 p2 · acceptors a3 · prepare to a3 (1 of 1) · accept to a3 (1 of 1)", "the cluster is unchanged");
  assert.equal(await page.evaluate(async () => { const c = window.playground.cluster; const p = c.get("k"); c.runUntilIdle(); return p; }), 42, "still usable, 42 kept");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a change with no quorum stops Unavailable in a state the paper allows; Add acceptor resumes it", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await page.evaluate(() => { const c = window.playground.cluster; c.put("k", 1).catch(() => {}); c.runUntilIdle(); });
  await page.click('#nodes li[data-node="a2"] button[data-action="crash"]');
  await page.click('#nodes li[data-node="a3"] button[data-action="crash"]');
  await page.click("#add-acceptor");
  await settle(page);
  const error = await page.textContent("#membership-error");
  assert.match(error, /^add acceptor ✗ Unavailable: the change adding a4 stopped at its step '[a-z -]+' after \d+ failed attempts/);
  assert.equal(await page.textContent("#change-out"), "", "nothing runs");
  const m = await page.evaluate(() => window.playground.cluster.membership());
  assert.ok(m.prepare.quorum + m.accept.quorum > m.acceptors.length, `every prepare quorum meets every accept quorum: ${JSON.stringify(m)}`);
  await page.click('#nodes li[data-node="a2"] button[data-action="restart"]');
  await page.click("#add-acceptor");
  assert.equal(await page.textContent("#membership-error"), "", "a new attempt clears the error");
  await settle(page);
  assert.match(await page.textContent("#members-out"), /^proposers p1 p2 · acceptors a1 a2 a3 a4 · prepare to a1 a2 a3 a4 \(3 of 4\)/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a share link reopens a run with membership changes: the same members, lanes and bands", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await page.evaluate(() => { const c = window.playground.cluster; c.put("k", 7).catch(() => {}); c.runUntilIdle(); });
  await page.click("#add-acceptor");
  await settle(page);
  await page.click('#nodes button[aria-label="remove a2"]');
  await settle(page);
  const hash = await page.evaluate(() => window.playground.cluster.eventLogHash());
  await page.click("#share");
  await page.waitForFunction(() => /link ready/.test(document.getElementById("session-out").textContent));
  const url = await page.inputValue("#share-url");
  await page.close();
  const { page: again, errors: errors2 } = await open(browser.context, url);
  await settle(again);
  assert.equal(await again.evaluate(() => window.playground.cluster.eventLogHash()), hash, "the same run");
  assert.equal(await again.textContent("#members-out"), "proposers p1 p2 · acceptors a1 a3 a4 · prepare to a1 a3 a4 (2 of 3) · accept to a1 a3 a4 (2 of 3)");
  await again.click("#fit");
  assert.deepEqual(await lanes(again), ["p1", "p2", "a1", "a2", "a3", "a4"]);
  assert.equal(await again.locator("#timeline rect.member-step").count(), 9, "4 steps adding a4, 5 removing a2");
  assert.deepEqual(await captions(again), ["a1", "a3", "a4"]);
  assert.deepEqual([...errors, ...errors2], []);
  await again.close();
});

test("break it: skipping the rescan and rescanning one key are found by the search as a lost write", async () => {
  for (const [toggle, flag] of [["#break-skip-rescan", "skipRescan"], ["#break-rescan-one", "rescanOneKey"]]) {
    const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
    await page.click(toggle);
    assert.equal(await page.evaluate((f) => window.playground.cluster.session().actions.at(-1)?.break?.[f], flag), true, "the switch is a recorded action");
    await page.click("#find");
    await page.waitForFunction(() => /counterexample at seed \d+|no counterexample/.test(document.querySelector("#find-out").textContent), null, { timeout: 60000 });
    await page.evaluate(() => window.playground.setPlaying(false));
    assert.match(await page.textContent("#find-out"), /^counterexample at seed 1 \(after 1 runs\), caught by the linearizability checker/, toggle);
    assert.match(await page.textContent("#scenario-text"), /get k → null .* fits no linearization: .* last written by put k 42/, toggle);
    assert.equal(await page.isChecked(toggle), true, "the run shown has the switch on");
    assert.deepEqual(errors, []);
    await page.close();
  }
  // With the switches off the search sweeps randomized runs again (the paper's scenario without a
  // switch is the scenario "Grow and shrink after a write to F+1", linearizable: page.test.mjs).
  const { page } = await open(browser.context, `${server.url}?scenario=none`);
  await page.click("#find");
  await page.waitForFunction(() => /runs linearizable/.test(document.querySelector("#find-out").textContent), null, { timeout: 30000 });
  await page.click("#find-cancel");
  await page.close();
});

test("Add proposer / remove a proposer (§2.3.4): at once, with a lane, a node row and a choice in the client panel", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await page.click("#add-proposer");
  await page.waitForFunction(() => [...document.querySelectorAll("#results li")].some((li) => li.textContent === "add proposer → p3"));
  await settle(page);
  assert.match(await page.textContent("#members-out"), /^proposers p1 p2 p3 · acceptors a1 a2 a3 ·/);
  assert.deepEqual(await page.$$eval("#proposer option", (os) => os.map((o) => o.value)), ["p1", "p2", "p3"]);
  assert.deepEqual(await nodeList(page), ["p1", "p2", "p3", "a1", "a2", "a3"]);
  await page.selectOption("#proposer", "p3");
  await page.click("#increment");
  await page.waitForFunction(() => /^increment counter via p3 → 1$/.test(document.querySelector("#results li")?.textContent ?? ""), null, { timeout: 10000 });
  await settle(page);
  assert.deepEqual(await lanes(page), ["p1", "p2", "p3", "a1", "a2", "a3"], "p3's lane appeared");
  await page.click('#nodes button[aria-label="remove p1"]');
  await page.waitForFunction(() => [...document.querySelectorAll("#results li")].some((li) => li.textContent === "remove p1 → done"));
  await settle(page);
  assert.deepEqual(await page.$$eval("#proposer option", (os) => os.map((o) => o.value)), ["p2", "p3"]);
  assert.equal(await page.inputValue("#proposer"), "p3", "the choice stays on a proposer still there");
  assert.deepEqual(await nodeList(page), ["p2", "p3", "a1", "a2", "a3"]);
  await page.click("#fit");
  assert.deepEqual(await lanes(page), ["p1", "p2", "p3", "a1", "a2", "a3"], "p1's past stays in view");
  await page.click('#nodes button[aria-label="remove p2"]');
  await settle(page);
  await page.click('#nodes button[aria-label="remove p3"]');
  await page.waitForFunction(() => document.getElementById("membership-error").textContent !== "");
  assert.match(await page.textContent("#membership-error"), /^remove p3 ✗ InvalidArgument: the last proposer cannot be removed/);
  assert.deepEqual(errors, []);
  await page.close();
});
