// Page tests for sessions, share links, seeking, the custom element, the tutorial and the
// iframe postMessage API.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { deflateRawSync } from "node:zlib";
import { open, openTutorial, pageFixture, runToIdle } from "./helpers.mjs";
import { LESSONS } from "../../www/lessons.js";

const { server, browser } = pageFixture();

/** The page with an empty cluster (no scenario playing). */
const empty = (url) => `${url}?scenario=none`;

const hash = (page) => page.evaluate(() => window.playground.cluster.eventLogHash());

/** Clicks Share and waits for the link (compressing it is asynchronous); returns the page's URL. */
async function share(page) {
  await page.click("#share");
  await page.waitForFunction(() => /link ready/.test(document.getElementById("session-out").textContent));
  return page.inputValue("#share-url");
}

test("a share link reproduces the run: same event-log hash", async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  await page.click("#increment");
  await page.evaluate(() => window.playground.advance(13));
  await page.click('#nodes li[data-node="a3"] button[data-action="crash"]');
  await page.fill("#drop", "20");
  await page.dispatchEvent("#drop", "input");
  await page.click("#increment");
  await runToIdle(page);
  const url = await share(page);
  assert.match(url, /#session=[A-Za-z0-9_-]+$/);
  assert.ok(url.split("#session=")[1].length <= 300, "a typical session fits in 300 characters");
  const original = await hash(page);
  await page.click("#verify");
  assert.match(await page.textContent("#session-out"), /✓ deterministic/);

  const copy = await open(browser.context, url);
  assert.match(await copy.page.textContent("#session-out"), /Opened a shared run: \d+ recorded actions/);
  await runToIdle(copy.page);
  assert.equal(await hash(copy.page), original);
  assert.deepEqual([...errors, ...copy.errors], []);
  await page.close();
  await copy.page.close();
});

test("malformed, truncated, oversized and future links: a clear message and a default cluster", async () => {
  const cases = [
    ["%25%25%25", /not a link character/],
    ["AQ", /truncated/],
    ["Aze-C0s", /newer version/], // format 3, sealed by its CRC-32
    ["Aw", /neither a session document nor a share link/], // format 3 without the seal
    ["garbage", /neither a session document nor a share link/],
    ["A".repeat(17000), /malformed|truncated/],
    // A compressed link that opens to 13 MB (more than a link holds): refused while it inflates.
    [`z${deflateRawSync(Buffer.alloc(13_000_000)).toString("base64url")}`, /too long/],
    ["z" + "AAAA".repeat(10), /compressed data is damaged/],
    ["<img src=x onerror=alert(1)>", /could not be opened/],
  ];
  for (const [payload, message] of cases) {
    const { page, errors } = await open(browser.context, `${server.url}#session=${payload}`);
    const text = await page.textContent("#session-out");
    assert.match(text, /The link could not be opened/, payload.slice(0, 20));
    assert.match(text, message);
    assert.equal(await page.locator("#nodes li").count(), 5, "a default cluster");
    assert.equal(await page.locator("img").count(), 0, "nothing from the link becomes HTML");
    assert.deepEqual(errors, []);
    await page.close();
  }
});

/** Links made before compression, by the crate's format 1 (tests/golden/links_v1.txt). */
const FORMAT_1_LINKS = Object.fromEntries(
  readFileSync(new URL("../golden/links_v1.txt", import.meta.url), "utf8").trim().split("\n").map((line) => line.split(" ")),
);

test("links made before compression still open; the page's links are compressed and open to the same run", async () => {
  // Recorded actions still to come once the link is open (those at 0 ms have happened).
  const actions = { typical: 13, every_action: 19, fuzz: 0 };
  for (const [name, link] of Object.entries(FORMAT_1_LINKS)) {
    const { page, errors } = await open(browser.context, `${server.url}#session=${link}`);
    // None left to play: it says so, and promises no end (a run started at 0 ms goes on; it said
    // "0 recorded actions to play, until 0 ms" of a workers run with 23 s to play).
    const said = actions[name] ? new RegExp(`Opened a shared run: ${actions[name]} recorded actions still to play, the last at \\d+ ms\\.`) : /Opened a shared run: every recorded action happened at 0 ms; what they started runs on\./;
    assert.match(await page.textContent("#session-out"), said, name);
    assert.deepEqual(errors, [], name);
    await page.close();
  }
  const { page, errors } = await open(browser.context, `${server.url}#session=${FORMAT_1_LINKS.typical}`);
  await runToIdle(page);
  const original = await hash(page);
  const compressed = (await share(page)).split("#session=")[1];
  assert.match(compressed, /^z[A-Za-z0-9_-]+$/);
  assert.ok(compressed.length < FORMAT_1_LINKS.typical.length, `${compressed.length} characters`);
  const copy = await open(browser.context, `${server.url}#session=${compressed}`);
  assert.match(await copy.page.textContent("#session-out"), /Opened a shared run: 13 recorded actions/);
  await runToIdle(copy.page);
  assert.equal(await hash(copy.page), original);
  assert.deepEqual([...errors, ...copy.errors], []);
  await page.close();
  await copy.page.close();
});

/** Links of format 2, with the run's end and a checksum (tests/golden/links_v2.txt). */
const FORMAT_2_LINKS = Object.fromEntries(
  readFileSync(new URL("../golden/links_v2.txt", import.meta.url), "utf8").trim().split("\n").map((line) => line.split(" ")),
);

test("a link with one changed character is refused by its checksum, before anything replays; unchanged, it opens", async () => {
  const link = FORMAT_2_LINKS.every_action;
  const i = link.length >> 1;
  const changed = link.slice(0, i) + (link[i] === "A" ? "B" : "A") + link.slice(i + 1);
  for (const [payload, says] of [
    [changed, /^The link could not be opened \(the link is damaged: its checksum does not match its data/],
    [link, /^Opened a shared run: 19 recorded actions still to play/], // the control
  ]) {
    const { page, errors } = await open(browser.context, `${server.url}#session=${payload}`);
    assert.match(await page.textContent("#session-out"), says);
    assert.deepEqual(errors, []);
    await page.close();
  }
});

test("a session of 100,000 actions: its link and its document open, and it seeks", async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  const r = await page.evaluate(async () => {
    const { Cluster } = await import("./pkg/caspaxos_playground.js");
    const { packLink, unpackLink } = await import("./link.js");
    const c = new Cluster({ proposers: 3, autoAdvance: false, latency: { min: 1, max: 5 } });
    for (let i = 0; i < 100_000; i++) {
      c.increment(`k${i % 10}`, { proposer: `p${1 + ((i % 10) % 3)}` }); // each key through one proposer
      if (i % 10 === 9) c.runFor(10);
    }
    while (c.pending > 0) c.runUntilIdle();
    const tape = c.sessionLink();
    const link = await packLink(tape);
    const opened = await unpackLink(link, Cluster.limits.linkChars);
    const doc = JSON.stringify(c.session());
    const middle = JSON.parse(doc).actions[50_000].at;
    const t0 = performance.now();
    const mid = Cluster.fromSession(opened, { until: middle });
    const seekMs = performance.now() - t0;
    const ahead = mid.tape.actions;
    while (mid.tape.actions > 0 || mid.pending > 0) mid.runUntilIdle();
    const imported = Cluster.fromSession(JSON.parse(doc), { until: 0 });
    // The document opened to its end is the run; the control: one action's key changed is not.
    const t1 = performance.now();
    const whole = Cluster.fromSession(JSON.parse(doc)).eventLogHash();
    const importMs = performance.now() - t1;
    const edited = JSON.parse(doc);
    edited.actions[50_000].key = "elsewhere"; // it was k0
    return { tape: tape.length, link: link.length, doc: doc.length, same: opened === tape, ahead, seekMs, importMs,
      replayed: mid.eventLogHash() === c.eventLogHash(), imported: imported.tape.actions,
      roundTrip: whole === c.eventLogHash(), edited: Cluster.fromSession(edited).eventLogHash() === c.eventLogHash() };
  });
  console.log(`100,000 actions: tape ${r.tape} characters, compressed link ${r.link}, document ${r.doc} bytes; seek to the middle ${r.seekMs.toFixed(0)} ms; the document opened to its end in ${r.importMs.toFixed(0)} ms`);
  assert.equal(r.roundTrip, true, "the exported document opens to the same run (event log hash)");
  assert.equal(r.edited, false, "the control: the document with one action's key changed opens to another run");
  assert.equal(r.same, true, "the compressed link opens to the tape");
  assert.ok(r.link < r.tape / 4, `compressed ${r.link} of ${r.tape}`);
  assert.ok(r.ahead >= 49_990 && r.ahead <= 50_000, `${r.ahead} actions ahead of the middle`);
  assert.equal(r.replayed, true, "seeking to the middle and playing on gives the same run");
  assert.equal(r.imported, 99_990, "the exported document imports (the 10 actions at 0 ms have happened)");
  assert.deepEqual(errors, []);
  await page.close();
});

test("the page seeks a run of 100,000 actions from its checkpoints: each point equals a replay from the start, and playing on gives the whole run", async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  const r = await page.evaluate(async () => {
    const { Cluster } = await import("./pkg/caspaxos_playground.js");
    const pg = window.playground;
    const c = pg.cluster;
    for (let i = 0; i < 100_000; i++) {
      c.increment(`k${i % 10}`, { proposer: `p${1 + ((i % 10) % 3)}` });
      if (i % 10 === 9) c.runFor(10);
    }
    while (c.pending > 0) c.runUntilIdle();
    pg.refresh();
    const whole = c.eventLogHash();
    const end = c.now;
    const tape = c.sessionLink();
    const points = [];
    for (const f of [0.5, 0.1, 0.9, 0.3, 0]) {
      const until = Math.round(end * f);
      const t0 = performance.now();
      pg.seekTo(until);
      const ms = performance.now() - t0;
      const replay = Cluster.fromSession(tape, { until });
      points.push({ until, ms, now: pg.cluster.now, same: pg.cluster.eventLogHash() === replay.eventLogHash(), steps: pg.cluster.steps === replay.steps });
      replay.free();
    }
    const last = pg.cluster;
    while (last.tape.actions > 0 || last.pending > 0) last.runUntilIdle();
    return { points, playedOn: last.eventLogHash() === whole, note: document.getElementById("session-out").textContent };
  });
  console.log(`page seeks in a 100,000-action run: ${r.points.map((p) => `${p.until} ms in ${p.ms.toFixed(0)} ms`).join(", ")}`);
  for (const p of r.points) {
    assert.equal(p.same, true, `the seek to ${p.until} ms equals a replay from the start`);
    assert.equal(p.steps, true, `the seek to ${p.until} ms stops at the replay's event`);
  }
  assert.equal(r.playedOn, true, "seeking back and playing on gives the whole run");
  assert.deepEqual(errors, []);
  await page.close();
});

test("seek back, play on, fork", async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  await page.click("#step"); // a reader who steps: a click does not start play, this test moves time
  for (let i = 0; i < 3; i++) {
    await page.click("#increment");
    await page.evaluate(() => window.playground.advance(40));
  }
  await runToIdle(page);
  const end = await hash(page);
  const t = await page.evaluate(() => window.playground.cluster.now);
  await page.evaluate(() => window.playground.seekTo(45));
  assert.equal(await page.textContent("#now"), "45");
  assert.match(await page.textContent("#session-out"), /at 45 ms — event \d+, restored from the nearest checkpoint in [\d.]+ ms; \d+ recorded actions ahead/);
  await runToIdle(page);
  assert.equal(await hash(page), end, "playing on after a seek gives the same run");
  assert.equal(await page.evaluate(() => window.playground.cluster.now), t);
  await page.evaluate(() => window.playground.seekTo(45));
  await page.click("#fork");
  await runToIdle(page);
  assert.notEqual(await hash(page), end, "a fork drops the recorded future");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a scenario's future survives a seek and a share link; the results list is rebuilt from history", async () => {
  // The whole partition scenario, straight: its hash, and the heal at 700 ms.
  const straight = await open(browser.context, `${server.url}?scenario=partition`);
  await straight.page.evaluate(() => window.playground.setPlaying(false));
  await runToIdle(straight.page);
  const whole = await hash(straight.page);
  await straight.page.close();

  const { page, errors } = await open(browser.context, `${server.url}?scenario=partition`);
  await page.evaluate(() => { window.playground.setPlaying(false); window.playground.advance(400 - window.playground.cluster.now); window.playground.refresh(); });
  // Shared at 400 ms, before the heal: the link names the scenario.
  const url = await share(page);
  assert.match(url, /#session=[A-Za-z0-9_-]+&scenario=partition$/);
  // Seek back to 100 ms: the rows are the history's at 100 ms, with the scenario's labels.
  await page.evaluate(() => window.playground.seekTo(100));
  assert.deepEqual(await page.$$eval("#results li", (lis) => lis.map((li) => li.textContent)), [
    "increment via p2 (majority side) … pending — paused: ▶ Play runs it",
    "increment via p1 (minority side) … pending — paused: ▶ Play runs it",
    "increment via p1 → 1",
  ]);
  await runToIdle(page);
  assert.equal(await hash(page), whole, "seek + play gives the scenario's whole run, heal included");
  assert.ok(await page.evaluate(() => window.playground.cluster.events().some((e) => e.kind === "heal" && e.at === 700)), "the heal at 700 ms");
  assert.deepEqual((await page.$$eval("#results li", (lis) => lis.map((li) => li.textContent))).reverse(), [
    "increment via p1 → 1",
    "increment via p1 (minority side) → 3",
    "increment via p2 (majority side) → 2",
  ]);
  await page.waitForFunction(() => document.querySelectorAll('#claims li[data-ok="true"]').length === document.querySelectorAll("#claims li").length);

  // The shared link: the scenario's text, its heal still to come, rows from history with the
  // scenario's own names for its operations (an outside tester saw generic ones).
  const copy = await open(browser.context, url);
  assert.match(await copy.page.textContent("#scenario-text"), /^A partition: p1 and a1 are cut off/);
  assert.match(await copy.page.textContent("#intro"), /Now playing: A partition/);
  await runToIdle(copy.page);
  assert.equal(await hash(copy.page), whole, "the shared run plays on to the scenario's end");
  assert.deepEqual((await copy.page.$$eval("#results li", (lis) => lis.map((li) => li.textContent))).reverse(), [
    "increment via p1 → 1",
    "increment via p1 (minority side) → 3",
    "increment via p2 (majority side) → 2",
  ]);
  assert.deepEqual([...errors, ...copy.errors], []);
  await page.close();
  await copy.page.close();
});

test("two <caspaxos-playground> elements on one page, isolated", async () => {
  const page = await browser.context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await page.goto(`${server.url}test-pages/two-widgets.html`);
  await page.waitForFunction(() => window.events.filter((e) => e.endsWith(":ready")).length === 2);
  const r = await page.evaluate(() => {
    const [one, two] = ["one", "two"].map((id) => document.getElementById(id));
    one.step();
    for (let i = 0; i < 200; i++) two.step();
    return {
      nowOne: one.cluster.now,
      nowTwo: two.cluster.now,
      acceptorsTwo: two.cluster.state().acceptors.length,
      svgs: [one, two].map((e) => e.shadowRoot.querySelectorAll(".timeline svg").length),
      buttonColor: getComputedStyle(two.shadowRoot.querySelector("button")).backgroundColor,
      crashButtons: two.shadowRoot.querySelectorAll("button[data-node]").length,
    };
  });
  assert.deepEqual(r.svgs, [1, 1]);
  assert.ok(r.nowTwo > r.nowOne, JSON.stringify(r));
  assert.equal(r.acceptorsTwo, 3, "an attribute equal to the scenario's own setting is fine");
  assert.notEqual(r.buttonColor, "rgb(255, 0, 0)", "the page's styles do not leak in");
  assert.equal(r.crashButtons, 3, "controls=full adds node buttons");
  assert.ok(await page.evaluate(() => window.events.includes("two:operation")));
  // The widget's Increment: after stepping, it waits and says why; on a fresh run, paused, time
  // starts and the increment finishes by itself.
  const press = (what) => page.evaluate((w) => document.getElementById("two").shadowRoot.querySelector(`[data-do="${w}"]`).click(), what);
  await press("increment");
  assert.equal(await page.evaluate(() => document.getElementById("two").playing), false);
  assert.equal(await page.evaluate(() => document.getElementById("two").shadowRoot.querySelector('[data-out="status"]').textContent), "increment counter … paused: Step runs one event, ▶ Play runs on");
  await press("restart");
  await press("increment");
  assert.equal(await page.evaluate(() => document.getElementById("two").playing), true);
  await page.waitForFunction(() => document.getElementById("two").cluster.history().some((h) => h.key === "counter" && h.outcome === "ok" && h.output === 1), null, { timeout: 15000 });
  assert.deepEqual(errors, []);
  await page.close();
});

test("the tutorial: Next and Back (Back replays the run left behind)", async () => {
  const { page, errors } = await openTutorial(browser.context, server.url);
  const widget = () => document.getElementById("widget");
  await page.evaluate((w) => { const el = eval(w)(); el.pause(); for (let i = 0; i < 40; i++) el.step(); }, widget.toString());
  const left = await page.evaluate((w) => eval(w)().cluster.eventLogHash(), widget.toString());
  await page.click("#next");
  assert.match(await page.textContent("#step-title"), /^2\. A read is a full round/);
  await page.click("#next");
  assert.match(await page.textContent("#progress"), new RegExp(`step 3 of ${LESSONS.length}`));
  await page.click("#back");
  await page.click("#back");
  assert.match(await page.textContent("#step-title"), /^1\. A first write/);
  assert.equal(await page.isDisabled("#back"), true);
  assert.equal(await page.evaluate((w) => eval(w)().cluster.eventLogHash(), widget.toString()), left, "Back is a seek to the run left behind");
  for (let i = 0; i < 7; i++) await page.click("#next");
  assert.match(await page.textContent("#step-title"), /^8\. Why acceptors must be durable/);
  const violation = await page.evaluate((w) => new Promise((resolve) => {
    const el = eval(w)();
    el.addEventListener("violation", (e) => resolve(e.detail.explanation), { once: true });
    el.pause();
    for (let i = 0; i < 400; i++) el.step();
  }), widget.toString());
  assert.match(violation, /fits no linearization/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the tutorial pauses at a moment; Back restores that exact view, words and status", async () => {
  const { page, errors } = await openTutorial(browser.context, server.url);
  await page.click("#next");
  await page.waitForFunction(() => window.tutorial.pace.moment === 0, null, { timeout: 30000 });
  await page.click("#continue");
  await page.waitForFunction(() => window.tutorial.pace.moment === 1, null, { timeout: 30000 }); // p2's conflict
  await page.click('#widget >> css=[data-do="zoom-in"]'); // the reader's own view
  const view = () => page.evaluate(() => {
    const w = document.getElementById("widget");
    const $ = (sel) => w.shadowRoot.querySelector(sel);
    return {
      svg: $(".timeline").innerHTML, status: $('[data-out="status"]').textContent, verdict: $('[data-out="verdict"]').textContent,
      now: w.cluster.now, hash: w.cluster.eventLogHash(), playing: w.playing,
      caption: document.getElementById("caption").textContent, moment: document.getElementById("moment").textContent,
      cont: [document.getElementById("continue").textContent, document.getElementById("continue").disabled],
      title: document.getElementById("step-title").textContent,
    };
  });
  const left = await view();
  assert.equal(left.playing, false);
  assert.match(left.caption, /^Conflict: p2's get starts with prepare 1\.p2, refused/);
  assert.equal(left.moment, "moment 2 of 5");
  assert.deepEqual(left.cont, ["Continue ▶", false]);
  await page.click("#next");
  await page.waitForFunction(() => window.tutorial.pace.moment === 0, null, { timeout: 30000 });
  await page.click("#back");
  assert.deepEqual(await view(), left, "Back shows exactly what the reader left");
  // And Continue goes on from there, to the next moment of that run.
  await page.click("#continue");
  await page.waitForFunction(() => window.tutorial.pace.moment === 2, null, { timeout: 30000 });
  assert.match(await page.textContent("#caption"), /^p2's promises reported the put's value/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the iframe postMessage API: commands in, events out", async () => {
  const page = await browser.context.newPage();
  await page.goto(`${server.url}pkg/caspaxos_playground.d.ts`);
  await page.setContent(`<iframe id="f" src="${server.url}" width="1200" height="800"></iframe>
    <script>window.got = []; addEventListener("message", (e) => { if (e.data && e.data.source === "caspaxos-playground") got.push(e.data); });</script>`);
  await page.waitForFunction(() => window.got.some((m) => m.type === "ready"));
  const send = (msg) => page.evaluate((m) => document.getElementById("f").contentWindow.postMessage(m, "*"), msg);
  await send({ type: "scenario", id: "minority" });
  await send({ type: "pause" });
  for (let i = 0; i < 60; i++) await send({ type: "step" });
  await page.waitForFunction(() => window.got.some((m) => m.type === "operation" && m.outcome === "ok"));
  await send({ type: "seek", ms: 10 });
  await page.waitForFunction(() => window.got.some((m) => m.type === "state" && m.now === 10));
  await send({ type: "explode" });
  await page.waitForFunction(() => window.got.some((m) => m.type === "error" && /unknown message/.test(m.message)));
  // Bad arguments to known messages say what was wrong (found by an outside tester).
  const bad = [NaN, "100", -5];
  for (const [i, ms] of bad.entries()) {
    await send({ type: "seek", ms });
    const seekErrors = (n) => window.got.filter((m) => m.type === "error" && /^seek needs ms/.test(m.message)).length === n;
    await page.waitForFunction(seekErrors, i + 1);
  }
  await send({ type: "scenario", id: "__proto__" });
  await page.waitForFunction(() => window.got.some((m) => m.type === "error" && /unknown scenario "__proto__"/.test(m.message)));
  await page.close();
});
