// Page tests for what a share link and an exported session hold, and whose claims the page ticks
// (outside tester 14): a link's `&scenario=` is checked against the scenario's own run; Share and
// Export give the whole run, not the run up to the point shown; a run changed from the console,
// or sought back before its events, shows no stale ✓.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { open, pageFixture, runToIdle, SHOTS } from "./helpers.mjs";

const { server, browser } = pageFixture();

/** Clicks Share and waits for the link; returns the page's URL. */
async function share(page) {
  await page.evaluate(() => { document.getElementById("session-out").textContent = ""; });
  await page.click("#share");
  await page.waitForFunction(() => /link ready/.test(document.getElementById("session-out").textContent));
  return page.inputValue("#share-url");
}

/** Clicks Export session; returns the document the page offered for download. */
async function exported(page) {
  await page.evaluate(() => {
    if (window.exportedBlobs) return;
    window.exportedBlobs = [];
    const make = URL.createObjectURL;
    URL.createObjectURL = (blob) => { window.exportedBlobs.push(blob); return make(blob); };
    HTMLAnchorElement.prototype.click = () => {};
  });
  await page.click("#export-session");
  return JSON.parse(await page.evaluate(() => window.exportedBlobs.at(-1).text()));
}

/** Where the run the page shows ends (a seek to its end): time, events, hash, actions. */
const wholeEnd = (page) => page.evaluate(() => {
  const s = window.playground.cluster.seek();
  const r = { now: s.now, steps: s.steps, hash: s.eventLogHash(), actions: s.session().actions.length };
  s.free();
  return r;
});

/** The claims as the page shows them: "✓", "✗" or "·" (not yet checked) each, and the note. */
const claims = (page) => page.evaluate(() => ({
  marks: [...document.querySelectorAll("#claims li")].map((li) => ({ true: "✓", false: "✗" })[li.dataset.ok] ?? "·").join(""),
  hidden: document.getElementById("claims-box").hidden,
  note: document.querySelector(".claims-note")?.textContent ?? null,
  scenario: window.playground.scenario?.id ?? null,
}));

const allTicked = (page) => page.waitForFunction(() => {
  const lis = [...document.querySelectorAll("#claims li")];
  return lis.length > 0 && lis.every((li) => li.dataset.ok === "true");
}, null, { timeout: 60000 });

test("a link's &scenario= is trusted only for the scenario's own run; the scenario's own links, mid-run and at the end, still tick its claims", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=counter`);
  await page.evaluate(() => { window.playground.setPlaying(false); window.playground.advance(100); window.playground.refresh(); });
  const mid = await share(page); // shared mid-run: a prefix of the scenario's actions
  await runToIdle(page);
  await allTicked(page);
  const end = await share(page);
  const counterClaims = (await claims(page)).marks;
  assert.match(counterClaims, /^✓+$/);
  assert.match(end, /&scenario=counter$/);
  assert.match(mid, /&scenario=counter$/);
  const fiveAcceptors = await page.evaluate(async () => {
    const { Cluster } = await import("./pkg/caspaxos_playground.js");
    const c = new Cluster({ seed: 1, acceptors: 5, autoAdvance: false });
    c.increment("counter");
    c.runUntilIdle();
    const link = c.sessionLink();
    c.free();
    return link;
  });
  const opened = [];
  for (const [name, url, own] of [
    ["the scenario's link at its end", end, true],
    ["the scenario's link made mid-run", mid, true],
    ["the counter's run labelled minority", end.replace("&scenario=counter", "&scenario=minority"), false],
    ["the counter's run labelled no-cache", end.replace("&scenario=counter", "&scenario=no-cache"), false],
    ["a 5-acceptor run labelled counter", end.replace(/#session=[^&]+/, `#session=${fiveAcceptors}`), false],
  ]) {
    const copy = await open(browser.context, url);
    const said = await copy.page.textContent("#session-out");
    if (own) {
      assert.doesNotMatch(said, /not the scenario/, name);
      assert.match(await copy.page.textContent("#intro"), /Now playing: /, name);
      await runToIdle(copy.page);
      await allTicked(copy.page);
      assert.deepEqual(await claims(copy.page), { marks: counterClaims, hidden: false, note: null, scenario: "counter" }, name);
    } else {
      assert.match(said, /This link's run is not the scenario it names \("[a-z-]+"\); opened as a plain run\./, name);
      await runToIdle(copy.page);
      const shown = await claims(copy.page);
      assert.deepEqual(shown, { marks: "", hidden: true, note: null, scenario: null }, `${name}: no scenario, no claims`);
      assert.doesNotMatch(await copy.page.textContent("#intro"), /Now playing/, name);
      if (name.includes("minority")) await copy.page.screenshot({ path: path.join(SHOTS, "share-whole-mislabelled.png") });
    }
    opened.push(...copy.errors);
    await copy.page.close();
  }
  assert.deepEqual([...errors, ...opened], []);
  await page.close();
});

test("Share link and Export session give the whole run after opening a link and after seeking back; after a fork, the forked run", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await page.evaluate(() => {
    const c = window.playground.cluster;
    c.autoAdvance = false;
    c.increment("a"); c.runFor(30); c.crash("a1"); c.increment("a"); c.runFor(100); c.restart("a1"); c.runUntilIdle(); c.runFor(250);
    window.playground.refresh();
  });
  const whole = await wholeEnd(page);
  assert.equal(whole.actions, 4);
  const link1 = await share(page);

  // Opened (at 0 ms, every action still to play) and shared at once: the same run, the same link.
  const copy = await open(browser.context, link1);
  assert.equal(await copy.page.evaluate(() => window.playground.cluster.now), 0);
  const link2 = await share(copy.page);
  assert.equal(link2.split("#")[1], link1.split("#")[1], "the address bar keeps a link to the same whole run");
  const doc = await exported(copy.page);
  assert.deepEqual([doc.actions.length, doc.end], [4, { steps: whole.steps, at: whole.now }], "the exported document is the whole run");
  // The opened link seeks (its cluster, the whole run on its tape, is what a seek restores from:
  // before, the first seek threw "Cannot read properties of null"), and plays on to the same end.
  await copy.page.evaluate(() => window.playground.seekTo(40));
  assert.match(await copy.page.textContent("#session-out"), /^at 40 ms — event \d+, restored from the nearest checkpoint/);
  await runToIdle(copy.page);
  const played = await copy.page.evaluate((end) => {
    const c = window.playground.cluster;
    c.runFor(end - c.now);
    return { now: c.now, steps: c.steps, hash: c.eventLogHash(), actions: c.session().actions.length };
  }, whole.now);
  assert.deepEqual(played, whole, "played on from the seek: the same run");
  await copy.page.close();
  const again = await open(browser.context, link2);
  assert.deepEqual(await wholeEnd(again.page), whole, "the re-shared link opens to the same end");
  await again.page.close();

  // Seeking back to 10 ms in one's own run: Share and Export still give the whole run.
  await page.evaluate(() => window.playground.seekTo(10));
  assert.equal(await page.evaluate(() => window.playground.cluster.now), 10);
  const link3 = await share(page);
  assert.equal(link3.split("#")[1], link1.split("#")[1]);
  assert.deepEqual([(await exported(page)).end, (await exported(page)).actions.length], [{ steps: whole.steps, at: whole.now }, 4]);

  // Control: a new action after seeking back forks the run: the share holds the forked run.
  await page.click("#increment");
  await runToIdle(page);
  const forked = await page.evaluate(() => ({ now: window.playground.cluster.now, steps: window.playground.cluster.steps, hash: window.playground.cluster.eventLogHash(), actions: window.playground.cluster.session().actions.length }));
  assert.notEqual(forked.hash, whole.hash);
  assert.equal(forked.actions, 2, "the increment at 0 ms and the new one: the recorded future is gone");
  const link4 = await share(page);
  const f = await open(browser.context, link4);
  assert.deepEqual(await wholeEnd(f.page), forked);
  assert.deepEqual((await exported(page)).end, { steps: forked.steps, at: forked.now });
  await f.page.close();
  assert.deepEqual([...errors, ...copy.errors, ...again.errors, ...f.errors], []);
  await page.close();
});

test("claims: a seek back clears the ✓ until the run's end; a plain play keeps them", async () => {
  // Control: the partition scenario played straight ticks every claim.
  const { page, errors } = await open(browser.context, `${server.url}?scenario=partition`);
  await page.evaluate(() => window.playground.setPlaying(false));
  await runToIdle(page);
  await allTicked(page);
  const ticked = (await claims(page)).marks;
  assert.match(ticked, /^✓{3,}$/);
  // Seeking back before the events the claims describe: no ✓ stays; played on, they are ticked again.
  await page.evaluate(() => window.playground.seekTo(100));
  assert.deepEqual(await claims(page), { marks: "·".repeat(ticked.length), hidden: false, note: null, scenario: "partition" });
  await page.screenshot({ path: path.join(SHOTS, "share-whole-sought-back.png") });
  await runToIdle(page);
  await allTicked(page);
  assert.deepEqual(await claims(page), { marks: ticked, hidden: false, note: null, scenario: "partition" });
  assert.deepEqual(errors, []);
  await page.close();
});

test("claims: a run changed through playground.cluster (no UI) is voided, not ticked", async () => {
  const changed = await open(browser.context, `${server.url}?scenario=partition`);
  await changed.page.evaluate(() => { window.playground.setPlaying(false); window.playground.advance(200); window.playground.cluster.crash("a3"); window.playground.refresh(); });
  await runToIdle(changed.page);
  await changed.page.waitForSelector(".claims-note");
  const shown = await claims(changed.page);
  assert.equal(shown.note, "You changed this run, so these claims (about the scenario's own run) are no longer checked.");
  assert.doesNotMatch(shown.marks, /✓/);
  assert.match(await changed.page.textContent("#intro"), /You changed the run of A partition/);
  await changed.page.screenshot({ path: path.join(SHOTS, "share-whole-console-change.png") });
  assert.deepEqual(changed.errors, []);
  await changed.page.close();
});
