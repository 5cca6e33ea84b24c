// Small leftovers of a review, in the real page:
// - an operation that ended Unavailable says its change's fate once in its results row (the
//   message carries it, made in one place in Rust: OpError::unanswered); other errors say none;
// - a results row in flight, once painted, is not read again while the caller says it is still
//   in flight (Run to idle), and is read while it is not;
// - the seek slider reaches an opened session's end (format 2) and a seek there lands at the
//   end's event; a session of format 1 ends at its last action.
// Each check first shows the state it rules out (the negative control: the check could fail).
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { open, pageFixture, SHOTS } from "./helpers.mjs";

const { server, browser } = pageFixture();
const empty = () => `${server.url}?scenario=none`;

/** How many times a row's text says a change's fate. */
const fates = (text) => (text.match(/may have been applied|not applied/g) ?? []).length;

test("an Unavailable results row says its change's fate once, the right one; other errors say none", async () => {
  const { page, errors } = await open(browser.context, empty());
  const rows = await page.evaluate(async () => {
    const pg = window.playground;
    const c = pg.cluster;
    const ended = {};
    const watch = (name, p) => p.then(() => (ended[name] = "ok"), (e) => (ended[name] = e.name));
    // p1 sends its accepts, then crashes: unknown (it may have been applied).
    const unknownId = c.lastOperationId + 1;
    watch("unknown", c.increment("u", { proposer: "p1" }));
    while (!c.events(0).some((e) => e.kind === "send" && e.from === "p1" && e.message.type === "accept")) c.step();
    c.crash("p1");
    // p2 crashes before its prepares are answered: not applied; then p2 is down: not applied.
    const crashedId = c.lastOperationId + 1;
    watch("crashed", c.increment("n", { proposer: "p2" }));
    c.crash("p2");
    const downId = c.lastOperationId + 1;
    watch("down", c.increment("d", { proposer: "p2" }));
    // No acceptor answers: p1 (back up) gives up after its attempts, not applied.
    c.restart("p1");
    for (const a of ["a1", "a2", "a3"]) c.crash(a);
    const gaveUpId = c.lastOperationId + 1;
    watch("gaveUp", c.increment("g", { proposer: "p1" }));
    while (c.pending > 0) c.runUntilIdle();
    for (const a of ["a1", "a2", "a3"]) c.restart(a);
    // Another error: a versioned write that finds another version.
    const conflictId = c.lastOperationId + 1;
    watch("conflict", c.write("w", 5, 1, { proposer: "p1" }));
    while (c.pending > 0) c.runUntilIdle();
    await new Promise((r) => setTimeout(r, 0));
    pg.refresh();
    const text = (id) => document.querySelector(`#results li[data-op="${id}"]`)?.textContent;
    const outcome = (id) => c.operation(id).outcome;
    return Object.fromEntries(
      Object.entries({ unknown: unknownId, crashed: crashedId, down: downId, gaveUp: gaveUpId, conflict: conflictId })
        .map(([name, id]) => [name, { text: text(id), outcome: outcome(id), ended: ended[name] }]),
    );
  });
  await page.screenshot({ path: path.join(SHOTS, "results-fates.png") });
  const want = {
    unknown: ["unknown", /✗ Unavailable: proposer p1 crashed; the change may have been applied$/],
    crashed: ["failed", /✗ Unavailable: proposer p2 crashed; the change was not applied$/],
    down: ["failed", /✗ Unavailable: proposer p2 is down; the change was not applied$/],
    gaveUp: ["failed", /✗ Unavailable: no quorum of acceptors answered within \d+ attempts; the change was not applied$/],
    conflict: ["failed", /✗ VersionConflict: expected version 5, but the key is at version 0$/],
  };
  for (const [name, [outcome, text]] of Object.entries(want)) {
    const row = rows[name];
    assert.equal(row.outcome, outcome, `${name}: ${JSON.stringify(row)}`);
    assert.equal(row.ended, name === "conflict" ? "VersionConflict" : "Unavailable", name);
    assert.match(row.text, text, name);
    assert.equal(fates(row.text), name === "conflict" ? 0 : 1, `${name} says its fate ${name === "conflict" ? "never" : "once"}: ${row.text}`);
  }
  // Control: a row for an Unavailable whose message does not say its fate would say it nowhere
  // (the page adds nothing), and this check catches it.
  const bare = await page.evaluate(async () => {
    const { ResultsView } = await import("./results.js");
    const view = new ResultsView(document.createElement("ol"));
    const op = { id: 0, op: "get", key: "k", proposer: "p1", outcome: "unknown", attempts: 1, error: { name: "Unavailable", message: "made up without its fate" } };
    view.render({ lastOperationId: 0, operation: () => op });
    return view.list.textContent;
  });
  assert.equal(bare, "get k via p1 ✗ Unavailable: made up without its fate");
  assert.equal(fates(bare), 0, "the control's row says no fate: the check above would fail on it");
  assert.equal(fates(`${rows.crashed.text} (not applied)`), 2, "and a row that says it twice is caught too");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a results row in flight is read until painted, then not again while it is still in flight; read again when not", async () => {
  const { page, errors } = await open(browser.context, empty());
  const r = await page.evaluate(async () => {
    const { ResultsView } = await import("./results.js");
    const c = new window.playground.cluster.constructor({ autoAdvance: false });
    const view = new ResultsView(document.createElement("ol"));
    let reads = 0;
    const counted = { get lastOperationId() { return c.lastOperationId; }, operation: (id) => (reads++, c.operation(id)) };
    const render = (stillPending) => {
      reads = 0;
      view.render(counted, () => "", stillPending);
      return reads;
    };
    for (let i = 0; i < 5; i++) c.increment(`k${i}`).catch(() => {});
    const inFlight = () => true;
    const out = { first: render(inFlight) };
    out.rowsFirst = [...view.list.children].map((li) => li.textContent);
    out.again = render(inFlight);
    c.increment("k5").catch(() => {});
    out.newRow = render(inFlight); // only the new row, unpainted, is read
    out.control = render(() => false); // not known to be in flight: every open row is read
    c.runUntilIdle();
    out.ended = render(inFlight); // Run to idle's store no longer has them: they would be read
    out.endedSaid = render(() => false);
    out.settled = render(() => false); // ended rows are not read again
    out.rowsEnd = [...view.list.children].map((li) => li.textContent);
    c.free();
    return out;
  });
  assert.equal(r.first, 5, "each new row is read once, even while said to be in flight");
  assert.ok(r.rowsFirst.every((t) => /^increment k\d via p\d … pending$/.test(t)), r.rowsFirst.join("; "));
  assert.equal(r.again, 0, "a painted row in flight is not read again");
  assert.equal(r.newRow, 1, "a new row is read: it has no text yet");
  assert.equal(r.control, 6, "control: rows not known to be in flight are read each render");
  assert.equal(r.ended, 0, "still said to be in flight: not read (the caller's word)");
  assert.equal(r.endedSaid, 6, "not in flight any more: read, and settled");
  assert.equal(r.settled, 0, "settled rows are not read again");
  assert.ok(r.rowsEnd.every((t) => /^increment k\d via p\d → 1$/.test(t)), r.rowsEnd.join("; "));
  assert.deepEqual(errors, []);
  await page.close();
});

/** A session taken 400 ms after its last action (at 100 ms), its hash and steps there. */
async function sessionEndingAfterItsLastAction(page) {
  return page.evaluate(() => {
    const c = new window.playground.cluster.constructor({ autoAdvance: false, seed: 7 });
    c.runFor(100);
    c.increment("k").catch(() => {});
    c.runFor(400);
    const out = { doc: c.session(), hash: c.eventLogHash(), steps: c.steps, now: c.now };
    c.free();
    return out;
  });
}

async function importSession(page, doc, name) {
  await page.setInputFiles("#import-session", { name, mimeType: "application/json", buffer: Buffer.from(JSON.stringify(doc)) });
  await page.waitForFunction((n) => document.getElementById("session-out").textContent.startsWith(`Imported ${n}`), name);
}

test("the seek slider reaches an opened session's end, and a seek there lands at the end's event; format 1 ends at its last action", async () => {
  const { page, errors } = await open(browser.context, empty());
  const taken = await sessionEndingAfterItsLastAction(page);
  assert.equal(taken.now, 500);
  assert.deepEqual(taken.doc.end, { steps: taken.steps, at: 500 }, "a format-2 session carries its end");
  assert.equal(taken.doc.actions.at(-1).at, 100, "its last action is before it");

  await importSession(page, taken.doc, "v2.json");
  const opened = await page.evaluate(() => ({ max: Number(document.getElementById("seek").max), now: window.playground.cluster.now, tape: window.playground.cluster.tape }));
  assert.deepEqual(opened.tape, { actions: 1, end: 100, runEnd: 500 });
  assert.equal(opened.max, 500, "the slider's max is the session's end, not its last action");
  await page.evaluate(() => {
    const seek = document.getElementById("seek");
    seek.value = seek.max; // the reader drags it to its end
    seek.dispatchEvent(new Event("change"));
  });
  const end = await page.evaluate(() => ({ hash: window.playground.cluster.eventLogHash(), steps: window.playground.cluster.steps, now: window.playground.cluster.now, note: document.getElementById("session-out").textContent, max: Number(document.getElementById("seek").max) }));
  assert.deepEqual([end.hash, end.steps, end.now], [taken.hash, taken.steps, 500], `the seek to the slider's end lands at the end: ${end.note}`);
  assert.equal(end.max, 500, "the slider still ends there");
  await page.evaluate(() => window.playground.seekTo(50));
  const back = await page.evaluate(() => ({ now: window.playground.cluster.now, max: Number(document.getElementById("seek").max) }));
  assert.deepEqual(back, { now: 50, max: 500 }, "seeking back keeps the whole run on the slider");
  await page.screenshot({ path: path.join(SHOTS, "seek-session-end.png") });

  // Control: the same session in format 1 (no end) ends at its last action, on the slider too.
  const v1 = { ...taken.doc, version: 1 };
  delete v1.end;
  await importSession(page, v1, "v1.json");
  const old = await page.evaluate(() => ({ max: Number(document.getElementById("seek").max), tape: window.playground.cluster.tape }));
  assert.deepEqual(old, { max: 100, tape: { actions: 1, end: 100, runEnd: 100 } });
  assert.deepEqual(errors, []);
  await page.close();
});
