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

test("Add acceptor: the panel names the step the log opened last at every instant, the rescan's progress, the buttons wait; a4 gets a lane, a row, a table", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  assert.equal(await page.textContent("#members-out"), "proposers p1 p2 · acceptors a1 a2 a3 · prepare to a1 a2 a3 (2 of 3) · accept to a1 a2 a3 (2 of 3)");
  assert.equal(await page.isDisabled("#add-acceptor"), false);
  // Keys for the rescan to walk, written while paused.
  await page.evaluate(() => { const c = window.playground.cluster; for (const k of ["k1", "k2", "k3", "k4"]) c.put(k, k).catch(() => {}); c.runUntilIdle(); });
  await page.evaluate(() => window.playground.setPlaying(false));
  // An increment in flight when the change starts: the accept quorum change waits for it to end.
  await page.click("#increment");
  await page.evaluate(() => window.playground.setPlaying(false));
  await page.click("#add-acceptor");
  await page.evaluate(() => window.playground.setPlaying(false)); // the click started time: step it by hand
  const seen = new Map(); // step -> what the panel said
  let started = false;
  for (let i = 0; i < 400; i++) {
    const panel = await page.evaluate(() => {
      // The step the log opened last and has not ended (a step logs its name when it starts and when it is done).
      let open = null;
      for (const e of window.playground.cluster.events()) {
        if (e.kind !== "membership" || !e.acceptor) continue;
        open = e.step === "done" || e.step === "stopped" || e.step === open ? null : e.step;
      }
      return {
        open,
        step: window.playground.cluster.membership().step,
        shown: document.getElementById("change-out").dataset.step ?? "",
        text: document.getElementById("change-out").textContent,
        disabled: document.getElementById("add-acceptor").disabled,
        why: document.getElementById("add-acceptor").title,
        removes: [...document.querySelectorAll('#nodes li[data-node^="a"] button[data-action=remove]')].map((b) => b.disabled),
      };
    });
    assert.equal(panel.step, panel.open, `membership().step is the step the log opened last (at ${i * 3} ms)`);
    if (started && !panel.step) break;
    started ||= !!panel.step;
    if (panel.step && !seen.has(panel.text)) seen.set(panel.text, panel);
    if (panel.step) {
      assert.equal(panel.shown, panel.step, "the panel shows the step running");
      assert.equal(panel.disabled, true, `Add acceptor waits during ${panel.step}`);
      assert.equal(panel.why, "a change (adding a4) is running: one change at a time");
      assert.ok(panel.removes.length >= 3 && panel.removes.every(Boolean), "every acceptor's remove waits too");
    }
    await advance(page, 3);
  }
  assert.ok(started, "the change ran");
  const texts = [...seen.keys()];
  console.log(texts.join("\n"));
  // Every step that took time was shown while it ran (turning a4 on takes none: it begins the
  // accept quorum change in its instant, a thin line on the timeline, never a panel's state).
  const took = await page.evaluate(() => {
    const starts = new Map();
    const spans = [];
    for (const e of window.playground.cluster.events()) {
      if (e.kind !== "membership" || e.acceptor !== "a4" || e.step === "done") continue;
      if (starts.has(e.step)) spans.push([e.step, e.at - starts.get(e.step)]);
      else starts.set(e.step, e.at);
    }
    return spans;
  });
  assert.deepEqual(took.map(([step]) => step), ["turn on", "accept quorum change", "catch-up rescan", "prepare quorum change"]);
  assert.equal(took[0][1], 0, "turn on is done in the instant it begins");
  assert.ok(took[1][1] > 0, "the accept quorum change waited for the increment in flight");
  for (const [step, ms] of took) {
    const shown = texts.some((t) => t.startsWith(`adding a4 — step: ${step}`));
    assert.equal(shown, ms > 0, `the panel showed ${step} (${ms} ms) exactly when it took time: ${texts}`);
  }
  // The rescan reads the 5 keys at once: its progress goes 0 → 5 of 5 while the step still runs.
  for (const done of [0, 5]) assert.ok(texts.includes(`adding a4 — step: catch-up rescan: ${done} of 5 keys rescanned`), `the rescan's progress ${done}/5: ${texts}`);
  await settle(page);
  assert.equal(await page.textContent("#change-out"), "");
  assert.equal(await page.isDisabled("#add-acceptor"), false, "free again");
  assert.equal(await page.textContent("#members-out"), "proposers p1 p2 · acceptors a1 a2 a3 a4 · prepare to a1 a2 a3 a4 (3 of 4) · accept to a1 a2 a3 a4 (3 of 4)");
  assert.ok((await page.$$eval("#results li", (lis) => lis.map((li) => li.textContent))).includes("add acceptor → a4"));
  assert.ok((await page.$$eval("#results li", (lis) => lis.map((li) => li.textContent))).includes("increment counter via p1 → 1"), "the increment answered during the change");
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
  assert.match(bands[0][2], /^membership change of a4: turn on a4 \(begun and done at \d+ ms: nothing to wait for\)$/, "an instant step says so");
  assert.deepEqual(await page.$$eval("#timeline rect.member-step.instant", (rs) => rs.map((r) => r.dataset.step)), ["turn on"].concat(took[3][1] ? [] : ["prepare quorum change"]));
  assert.ok(await page.$$eval("#timeline text.member-label", (ts) => ts.some((t) => t.textContent.startsWith("catch-up rescan a4"))), "a band carries its name");
  // Legible at 1280 px: every step's name is drawn (instants in the same place stack in rows),
  // no two overlap, and they lie over the message arrows (drawn after them, on a halo).
  const names = await page.$$eval("#timeline text.member-label", (ts) => ts.map((t) => { const b = t.getBBox(); return { text: t.textContent, x0: b.x, x1: b.x + b.width, y0: b.y, y1: b.y + b.height }; }));
  assert.deepEqual(names.map((n) => n.text).sort(), ["accept quorum change a4", "catch-up rescan a4 5/5 keys", "prepare quorum change a4", "turn on a4"]);
  for (const [i, a] of names.entries()) {
    for (const b of names.slice(i + 1)) assert.ok(a.x1 <= b.x0 || b.x1 <= a.x0 || a.y1 <= b.y0 || b.y1 <= a.y0, `${a.text} and ${b.text} do not overlap`);
  }
  const order = await page.$$eval("#timeline .tl-content > *", (els) => [els.findIndex((e) => e.classList.contains("member-label")), els.findLastIndex((e) => e.classList.contains("msg"))]);
  assert.ok(order[1] >= 0 && order[0] > order[1], `the names are drawn over the message arrows: ${order}`);
  assert.equal(await page.$eval("#timeline text.member-label", (t) => getComputedStyle(t).paintOrder), "stroke", "on a halo");
  assert.equal(await page.textContent(".legend .lg-member"), "membership step");
  await page.screenshot({ path: path.join(SHOTS, "membership-add.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test("steps begun in one instant: every band that took time carries its name (the tutorial's rescan), instants yield their row", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=write-to-f-plus-1`);
  await page.waitForFunction(() => document.getElementById("claims").dataset.checked !== undefined, null, { timeout: 60000 });
  await page.click("#fit");
  const bands = await page.$$eval("#timeline rect.member-step:not(.instant)", (rs) => rs.map((r) => `${r.dataset.step} ${r.dataset.acceptor}`));
  assert.ok(bands.includes("catch-up rescan a4"), `the grow's rescan took time: ${bands}`);
  const names = await page.$$eval("#timeline text.member-label", (ts) => ts.map((t) => { const b = t.getBBox(); return { text: t.textContent, x0: b.x, x1: b.x + b.width, y0: b.y, y1: b.y + b.height }; }));
  for (const band of bands) assert.ok(names.some((n) => n.text.startsWith(band)), `the band "${band}" is named: ${names.map((n) => n.text)}`);
  for (const [i, a] of names.entries()) {
    for (const b of names.slice(i + 1)) assert.ok(a.x1 < b.x0 || b.x1 < a.x0 || a.y1 <= b.y0 || b.y1 <= a.y0, `${a.text} and ${b.text} do not touch`);
  }
  await page.screenshot({ path: path.join(SHOTS, "membership-f-plus-1.png"), fullPage: true });
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

test("a change with no quorum stops Unavailable in a state the paper allows, the panel says so; Add acceptor resumes it", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await page.evaluate(() => { const c = window.playground.cluster; c.put("k", 1).catch(() => {}); c.runUntilIdle(); });
  await page.click('#nodes li[data-node="a2"] button[data-action="crash"]');
  await page.click('#nodes li[data-node="a3"] button[data-action="crash"]');
  await page.click("#add-acceptor");
  await settle(page);
  const error = await page.textContent("#membership-error");
  assert.match(error, /^add acceptor ✗ Unavailable: the change adding a4 stopped at its step '[a-z -]+' after \d+ failed attempts/);
  const m = await page.evaluate(() => window.playground.cluster.membership());
  assert.equal(m.step, null, "nothing runs");
  assert.deepEqual(Object.keys(m.stopped), ["kind", "node", "step", "reason"]);
  assert.equal(m.stopped.kind, "add");
  assert.equal(m.stopped.node, "a4");
  assert.match(m.stopped.reason, /^no quorum after \d+ failed attempts?$/);
  assert.equal(await page.textContent("#change-out"), `adding a4 stopped at ${m.stopped.step}: ${m.stopped.reason} — Add acceptor resumes it`, "the panel says where it stopped, why, and what resumes it");
  assert.equal(await page.getAttribute("#change-out", "data-step"), "stopped");
  const quorums = await page.textContent("#quorums-out");
  assert.ok(quorums.startsWith(`quorums: prepare ${m.prepare.quorum} of ${m.prepare.nodes.length} · accept ${m.accept.quorum} of ${m.accept.nodes.length}`), `the quorum line counts each phase's own set, as the membership line does: ${quorums} / ${JSON.stringify(m)}`);
  assert.ok(!quorums.includes("do not intersect"), quorums);
  const remove = '#nodes li[data-node="a1"] button[data-action="remove"]';
  assert.equal(await page.isDisabled(remove), true, "no other change while one waits to be resumed");
  assert.match(await page.getAttribute(remove, "title"), /^adding a4 stopped: Add acceptor resumes it first/);
  assert.equal(await page.isDisabled("#add-acceptor"), false, "the button that resumes it stays enabled");
  assert.ok(m.prepare.quorum + m.accept.quorum > m.acceptors.length, `every prepare quorum meets every accept quorum: ${JSON.stringify(m)}`);
  await page.click('#nodes li[data-node="a2"] button[data-action="restart"]');
  await page.click("#add-acceptor");
  assert.equal(await page.textContent("#membership-error"), "", "a new attempt clears the error");
  await settle(page);
  assert.match(await page.textContent("#members-out"), /^proposers p1 p2 · acceptors a1 a2 a3 a4 · prepare to a1 a2 a3 a4 \(3 of 4\)/);
  assert.equal(await page.textContent("#change-out"), "", "resumed and finished: no longer stopped");
  assert.equal(await page.evaluate(() => window.playground.cluster.membership().stopped), null);
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
