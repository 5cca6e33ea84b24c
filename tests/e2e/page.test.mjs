// Page tests: the real page (www/, built wasm) in Debian's headless Chromium, driven like a user.
// Run by `./build.sh test` (which builds www/pkg first): `node --test` in this folder.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { open, openTutorial, pageFixture, SHOTS, runToIdle } from "./helpers.mjs";
import { SCENARIOS } from "../../www/scenarios.js";
import { LESSONS } from "../../www/lessons.js";
import { evaluate, describeClaim, matches } from "../../www/claims.js";
import { Moments } from "../../www/narration.js";

const { server, browser } = pageFixture();

/** The page with an empty cluster (no scenario playing), for tests of one feature. */
const empty = (url) => `${url}?scenario=none`;

/** The result rows' texts, newest first. */
const results = (page) => page.$$eval("#results li", (lis) => lis.map((li) => li.textContent));
const click = (page, sel) => page.click(sel);

/** Where an element is, in the viewport (px): { top, bottom, left, right }. */
const box = (page, sel) => page.$eval(sel, (el) => { const r = el.getBoundingClientRect(); return { top: r.top, bottom: r.bottom, left: r.left, right: r.right }; });

test("the first view: a live cluster, one sentence, the timeline, the tutorial; nothing far down (1280x800, 390x844)", async () => {
  for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    const size = `${viewport.width}x${viewport.height}`;
    const { page, errors, loadMs } = await open(browser.context, `${server.url}sub/path/`, { viewport });
    console.log(`${size}: page interactive after ${loadMs} ms (localhost)`);
    // A short scenario is already playing, and time moves.
    assert.equal(await page.evaluate(() => window.playground.scenario?.id), "counter");
    assert.equal(await page.evaluate(() => window.playground.playing), true);
    await page.waitForFunction(() => window.playground.cluster.now > 30);
    assert.equal(await page.getAttribute("#play", "aria-pressed"), "true");
    // One sentence says what this is and what is playing.
    const intro = await page.textContent("#intro");
    assert.match(intro, /^A live, simulated CASPaxos cluster: acceptors a1–a3 store one register per key, proposers p1–p2 change it, and every arrow is one message/);
    assert.match(intro, /Now playing: Counter — p1 increments a counter three times, then p2 once\./);
    // A moment of the scenario is narrated as it happens.
    await page.waitForFunction(() => document.getElementById("caption").textContent !== "", null, { timeout: 15000 });
    const says = SCENARIOS.find((x) => x.id === "counter").moments.map((m) => m.say);
    assert.ok(says.includes(await page.textContent("#caption")), "the caption is one of the scenario's moments");
    // In view without scrolling: the sentence, the timeline, the way into the tutorial, the scenarios.
    const h = viewport.height;
    for (const sel of ["#intro", ".tutorial-link", "#timeline", "#scen-h"]) {
      const r = await box(page, sel);
      assert.ok(r.top >= 0 && r.top < h, `${size}: ${sel} starts in the first view (top ${r.top})`);
    }
    assert.ok((await box(page, "#timeline")).bottom <= h, `${size}: the whole timeline is in view`);
    assert.equal(await page.getAttribute(".tutorial-link", "href"), "./tutorial.html");
    // History and Break it: in view on a desktop, one tap away (the section links) on a phone.
    if (viewport.width >= 1280) {
      for (const sel of ["#history-h", "#break-h"]) assert.ok((await box(page, sel)).bottom <= h, `${size}: ${sel} in the first view`);
    }
    for (const [href, target] of [["#history-h", "#history-h"], ["#break-h", "#break-h"], ["#scen-h", "#scen-h"]]) {
      const link = await box(page, `nav.jump a[href="${href}"]`);
      assert.ok(link.bottom <= h && link.top >= 0, `${size}: the ${href} link is in the first view`);
      assert.ok((await box(page, target)).top < 2.5 * h, `${size}: ${target} is not far down`);
    }
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${size}: no horizontal scrolling (overflow ${overflow}px)`);
    await page.screenshot({ path: path.join(SHOTS, `first-view-${size}.png`) });
    // The nav link takes the reader there.
    await page.click('nav.jump a[href="#break-h"]');
    await page.waitForFunction(() => { const r = document.getElementById("break-h").getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight; });
    assert.deepEqual(errors, []);
    await page.close();
  }
});

test("any action makes time move: a fresh page's Increment and workers finish; stepping says why they wait", async () => {
  // An empty cluster, paused at t = 0: the clicks alone must finish the work.
  const { page, errors } = await open(browser.context, empty(server.url));
  assert.equal(await page.evaluate(() => window.playground.playing), false);
  await click(page, "#increment");
  await page.waitForFunction(() => document.querySelector('#results li[data-op="0"]')?.classList.contains("ok"), null, { timeout: 10000 });
  assert.match(await page.textContent('#results li[data-op="0"]'), /^increment counter via p1 → 1$/);
  await page.fill("#workers", "3");
  await page.fill("#per-worker", "5");
  await page.evaluate(() => window.playground.setPlaying(false)); // paused again, as a reader might
  await click(page, "#run-workers");
  await page.waitForFunction(() => document.getElementById("workers-out").textContent.startsWith("final count"), null, { timeout: 20000 });
  assert.equal(await page.textContent("#workers-out"), "final count 15, expected 15 ✓");
  // Pausing on the intro scenario, then acting, plays again.
  await page.goto(server.url);
  await page.waitForSelector("html[data-ready=true]");
  await click(page, "#play");
  assert.equal(await page.evaluate(() => window.playground.playing), false);
  await click(page, "#increment");
  assert.equal(await page.evaluate(() => window.playground.playing), true, "an operation started play");
  // A reader who steps keeps control: the operation waits, and its row says why.
  await click(page, "#step");
  await click(page, "#get");
  assert.equal(await page.evaluate(() => window.playground.playing), false);
  const waiting = (await results(page))[0];
  assert.match(waiting, /^get counter via p1 … pending — paused: Step \(→\) runs one event, ▶ Play runs on$/, waiting);
  assert.match(await page.textContent("#time-note"), /Stepping: each Step \(→\) runs one event/);
  await click(page, "#play");
  await page.waitForFunction(() => document.querySelector("#results li")?.classList.contains("ok"), null, { timeout: 10000 });
  assert.deepEqual(errors, []);
  await page.close();
});

test("reduced motion: the page starts paused and says so; an operation still runs to its end", async () => {
  const { page, errors } = await open(browser.context, server.url, { reducedMotion: true });
  assert.equal(await page.evaluate(() => window.playground.playing), false);
  assert.equal(await page.evaluate(() => window.playground.scenario?.id), "counter", "the scenario is loaded, waiting");
  assert.match(await page.textContent("#time-note"), /^Reduced motion: paused\. An operation you start runs to its end at once; ▶ Play animates\.$/);
  assert.match(await page.textContent("#intro"), /Reduced motion: the page does not play by itself/);
  await page.waitForTimeout(300);
  assert.equal(await page.textContent("#now"), "0", "nothing moved by itself");
  await click(page, "#increment");
  await page.waitForFunction(() => [...document.querySelectorAll("#results li")].some((li) => li.textContent.startsWith("increment counter via p1 → ")), null, { timeout: 10000 });
  assert.equal(await page.evaluate(() => window.playground.playing), false, "it jumped, it did not animate");
  await page.fill("#workers", "2");
  await page.fill("#per-worker", "4");
  await click(page, "#run-workers");
  await page.waitForFunction(() => document.getElementById("workers-out").textContent.startsWith("final count"), null, { timeout: 20000 });
  assert.match(await page.textContent("#workers-out"), /✓$/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the increment button updates the shown value", async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  await click(page, "#increment");
  assert.match((await results(page))[0], /increment counter via p1 … pending/);
  await runToIdle(page);
  await page.waitForFunction(() => document.querySelector("#results li")?.textContent.includes("→ 1"));
  await click(page, "#increment");
  await runToIdle(page);
  await page.waitForFunction(() => document.querySelector("#results li")?.textContent.includes("→ 2"));
  const registers = await page.textContent("#acceptor-state");
  assert.match(registers, /counter/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a crashed majority blocks an increment until restart; with no restart it ends Unavailable", async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  await click(page, '#nodes li[data-node="a2"] button[data-action="crash"]');
  await click(page, '#nodes li[data-node="a3"] button[data-action="crash"]');
  assert.equal(await page.textContent('#nodes li[data-node="a2"] .status'), "down");
  await click(page, "#increment");
  // Let 400 virtual ms pass: no quorum, so it is still pending and visibly retrying.
  await page.evaluate(() => { window.playground.advance(400); window.playground.refresh(); });
  const pending = (await results(page))[0];
  assert.match(pending, /retrying \(attempt \d+\)/, pending);
  assert.equal(await page.evaluate(() => window.playground.cluster.pending), 1);
  await click(page, '#nodes li[data-node="a2"] button[data-action="restart"]');
  await runToIdle(page);
  await page.waitForFunction(() => document.querySelector("#results li")?.textContent.includes("→ 1"));

  // Now crash two again and let the attempts run out.
  await click(page, '#nodes li[data-node="a2"] button[data-action="crash"]');
  await click(page, "#increment");
  await runToIdle(page);
  await page.waitForFunction(() => document.querySelector("#results li")?.textContent.includes("Unavailable"));
  assert.match((await results(page))[0], /✗ Unavailable: no quorum .* attempts/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the timeline draws one arrow per delivered message, crosses for lost ones", async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  await page.fill("#drop", "30");
  await page.dispatchEvent("#drop", "input");
  for (let i = 0; i < 4; i++) await click(page, "#increment");
  await runToIdle(page);
  await click(page, "#fit");
  const counts = await page.evaluate(() => {
    const events = window.playground.cluster.events();
    return {
      delivered: events.filter((e) => e.kind === "deliver").length,
      dropped: events.filter((e) => e.kind === "drop").length,
      arrows: document.querySelectorAll("#timeline line.msg.delivered").length,
      lost: document.querySelectorAll("#timeline line.msg.drop").length,
      crosses: document.querySelectorAll("#timeline path.cross").length,
      ops: document.querySelectorAll("#timeline rect.op").length,
    };
  });
  assert.ok(counts.delivered > 20, JSON.stringify(counts));
  assert.equal(counts.arrows, counts.delivered);
  assert.ok(counts.dropped > 0);
  assert.equal(counts.lost, counts.dropped);
  assert.equal(counts.crosses, counts.dropped);
  assert.equal(counts.ops, 4);
  await page.screenshot({ path: path.join(SHOTS, "timeline-loss.png") });
  assert.deepEqual(errors, []);
  await page.close();
});

test("failure scenarios run: a crashed majority, a partition", async () => {
  const { page, errors } = await open(browser.context, server.url);
  await click(page, '[data-scenario="majority"]');
  await click(page, "#play"); // pause; run to idle instead
  await runToIdle(page);
  await page.waitForFunction(() => [...document.querySelectorAll("#results li")].filter((li) => li.classList.contains("ok")).length === 2);
  assert.match(await page.textContent("#scenario-text"), /crashed majority/);
  assert.ok(await page.locator("#timeline rect.down").count() >= 1, "crash band drawn");
  assert.equal(await page.textContent('#nodes li[data-node="a2"] .status'), "up");
  assert.equal(await page.textContent('#nodes li[data-node="a3"] .status'), "down");

  await click(page, '[data-scenario="partition"]');
  await click(page, "#play");
  await runToIdle(page);
  await page.waitForFunction(() => document.querySelectorAll("#results li.ok").length === 3);
  await click(page, "#fit");
  assert.ok(await page.locator("#timeline rect.part").count() >= 2, "partition bands drawn");
  assert.deepEqual(errors, []);
  await page.close();
});

test("the 10 x 100 workers scenario counts exactly 1000", async () => {
  const { page, errors } = await open(browser.context, server.url);
  await click(page, '[data-scenario="workers"]');
  await page.evaluate(() => window.playground.setSpeed(100));
  await page.waitForFunction(() => document.querySelector("#workers-out")?.textContent.includes("final count"), null, { timeout: 60000 });
  assert.match(await page.textContent("#workers-out"), /final count 1000, expected 1000 ✓/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("keyboard: space plays and pauses, right arrow steps; focus is visible", async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  await click(page, "#increment");
  await page.focus("#timeline");
  await page.keyboard.press("ArrowRight");
  assert.ok(Number(await page.textContent("#now")) > 0, "a step moved time");
  await page.keyboard.press(" ");
  assert.equal(await page.getAttribute("#play", "aria-pressed"), "true");
  await page.keyboard.press(" ");
  assert.equal(await page.getAttribute("#play", "aria-pressed"), "false");
  await page.keyboard.press("Tab");
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, "none");
  assert.deepEqual(errors, []);
  await page.close();
});

test("bad input in the page shows inline errors, never a dialog", async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  let dialogs = 0;
  page.on("dialog", (d) => { dialogs += 1; d.dismiss(); });
  await page.fill("#value", "{not json");
  await click(page, "#put");
  assert.match((await results(page))[0], /InvalidArgument: value is not JSON/);
  await page.fill("#key", "");
  await click(page, "#increment");
  await runToIdle(page);
  await page.waitForFunction(() => document.querySelector("#results li")?.classList.contains("bad"));
  assert.match((await results(page))[0], /InvalidArgument: key must be a non-empty string/);
  await page.fill("#lat-min", "50");
  await page.fill("#lat-max", "10");
  await page.dispatchEvent("#lat-max", "change");
  assert.match(await page.textContent("#network-error"), /InvalidArgument: latency min \(50\) must not exceed max \(10\)/);
  await page.fill('#rebuild input[name="acceptors"]', "40");
  await page.evaluate(() => document.getElementById("rebuild").requestSubmit());
  assert.match(await page.textContent("#rebuild-error"), /InvalidArgument: options.acceptors must be in 1..=15/);
  await page.fill("#key", "counter");
  await click(page, "#increment");
  await runToIdle(page);
  await page.waitForFunction(() => document.querySelector("#results li")?.textContent.includes("→ 1"));
  assert.equal(dialogs, 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the JS contract from plain JS: free(), change functions, re-entrancy", async () => {
  const { page, errors } = await open(browser.context, server.url);
  const r = await page.evaluate(async () => {
    const { Cluster } = await import("./pkg/caspaxos_playground.js");
    const out = {};
    const c = new Cluster({ acceptors: 3, proposers: 2, seed: 42 });
    out.first = await c.increment("counter");
    out.changed = await c.change("counter", (x) => (x ?? 0) + 10);
    const inner = await c.change("counter", () => c.step()).catch((e) => e);
    out.reentrant = [inner.name, inner.cause && inner.cause.name, inner.cause && inner.cause.message];
    out.after = await c.get("counter");
    c.free();
    out.freedSync = (() => { try { c.step(); } catch (e) { return `${e.name}: ${e.message}`; } })();
    out.freedAsync = await c.increment("counter").then(() => "resolved", (e) => e.name);
    out.doubleFree = (() => { try { c.free(); return "ok"; } catch (e) { return e.message; } })();
    const d = new Cluster();
    out.fresh = await d.increment("k");
    return out;
  });
  assert.equal(r.first, 1);
  assert.equal(r.changed, 11);
  assert.deepEqual(r.reentrant, ["UpdateRejected", "InvalidArgument", "the cluster cannot be called from inside a change function"]);
  assert.equal(r.after, 11);
  assert.match(r.freedSync, /InvalidArgument: this Cluster was freed/);
  assert.equal(r.freedAsync, "InvalidArgument");
  assert.equal(r.doubleFree, "ok");
  assert.equal(r.fresh, 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test("embedding: the page works inside an iframe", async () => {
  const page = await browser.context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${server.url}pkg/caspaxos_playground.d.ts`); // same origin, any page will do
  await page.setContent(`<iframe id="f" src="${empty(`${server.url}sub/path/`)}" width="1200" height="800" title="playground"></iframe>`);
  const frame = page.frameLocator("#f");
  await frame.locator("html[data-ready=true]").waitFor({ timeout: 15000 });
  await frame.locator("#increment").click();
  await frame.locator("#idle").click();
  await frame.locator("#results li.ok").waitFor();
  assert.match(await frame.locator("#results li").first().textContent(), /→ 1/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("screenshots at 1280x720 and on a phone screen", async () => {
  const { page, errors } = await open(browser.context, server.url);
  await click(page, '[data-scenario="dueling"]');
  await page.evaluate(() => window.playground.setSpeed(0.05));
  await page.waitForFunction(() => window.playground.cluster.now > 160, null, { timeout: 20000 });
  await click(page, "#play");
  await page.screenshot({ path: path.join(SHOTS, "page-1280x720.png") });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate(() => window.playground.refresh());
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling on a phone (overflow ${overflow}px)`);
  await page.screenshot({ path: path.join(SHOTS, "page-phone.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test("break it: a toggle, a counterexample found, the violation drawn; the history view", async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  // A healthy run first: the history view shows a linearizable verdict with positions.
  await click(page, "#increment");
  await click(page, "#increment");
  await runToIdle(page);
  await page.evaluate(() => window.playground.refresh());
  assert.match(await page.textContent("#check-verdict"), /✓ linearizable \(1 key, 2 operations\)/);
  assert.equal(await page.locator("#history rect.hop").count(), 2);
  // Clicking an operation moves the timeline to it and highlights its messages.
  await page.click('#history rect.hop[data-op="1"]', { force: true });
  assert.equal(await page.isChecked("#follow"), false);
  assert.ok(await page.locator("#timeline line.msg.highlight").count() >= 6, "the op's messages are highlighted");
  assert.equal(await page.locator("#history rect.hop.selected").count(), 1);

  await click(page, "#break-quorum");
  await click(page, "#find");
  await page.waitForFunction(() => /counterexample at seed \d+/.test(document.querySelector("#find-out").textContent), null, { timeout: 60000 });
  await page.evaluate(() => window.playground.setPlaying(false));
  await runToIdle(page);
  await page.evaluate(() => window.playground.refresh());
  assert.match(await page.textContent("#check-verdict"), /✗ not linearizable/);
  assert.equal(await page.isVisible("#violation"), true);
  assert.match(await page.textContent("#violation"), /fits no linearization/);
  await click(page, "#violation"); // moves both views to the operation that fits no linearization
  assert.ok(await page.locator("#history rect.hop.involved").count() >= 1, "the operations involved are outlined");
  assert.equal(await page.locator("#history rect.hop.selected.involved").count(), 1);
  await click(page, "#fit");
  await page.screenshot({ path: path.join(SHOTS, "counterexample.png"), fullPage: true });

  // Nothing broken: the search finds nothing (a few seeds, then cancel).
  await click(page, "#break-quorum");
  await click(page, "#find");
  await page.waitForFunction(() => /runs linearizable/.test(document.querySelector("#find-out").textContent), null, { timeout: 30000 });
  await click(page, "#find-cancel");
  await page.waitForFunction(() => /cancelled after \d+ seeds/.test(document.querySelector("#find-out").textContent));
  assert.deepEqual(errors, []);
  await page.close();
});

test("every break-it switch is found by the search within 500 runs, saying what caught it", async () => {
  // One verdict: the linearizability checker and the step oracles. Reusing a ballot puts two
  // values under one ballot (seed 3) but every history stays linearizable; wiping sends a promise back.
  const switches = [
    ["#break-quorum", "linearizability"],
    ["#break-reuse", "one-value-per-ballot"],
    ["#break-any", "linearizability"],
    ["#break-blind", "linearizability"],
    ["#break-disjoint", "linearizability"],
    ["#break-wipe", "promise-regressed"],
  ];
  for (const [toggle, kind] of switches) {
    const { page, errors } = await open(browser.context, server.url);
    await click(page, toggle);
    await click(page, "#find");
    await page.waitForFunction(() => /counterexample at seed \d+|no counterexample/.test(document.querySelector("#find-out").textContent), null, { timeout: 120000 });
    await page.evaluate(() => window.playground.setPlaying(false));
    const out = await page.textContent("#find-out");
    console.log(`${toggle}: ${out}`);
    assert.match(out, /counterexample at seed \d+ \(after \d+ runs\), caught by the /, toggle);
    assert.equal(await page.getAttribute("#find-out", "data-kind"), kind, `${toggle}: ${out}`);
    assert.match(await page.textContent("#scenario-text"), new RegExp(`^Counterexample, seed \\d+ \\(${kind}\\): `));
    assert.deepEqual(errors, []);
    await page.close();
  }
});

/** The same claim made false: the negative control of the claims' evaluator, one per shape. */
function falsified(claim) {
  const c = { ...claim };
  if ("output" in c) c.output = { not: claim.output };
  else if ("error" in c) c.error = `Not${claim.error}`;
  else if ("roundTrips" in c) c.roundTrips += 1;
  else if ("messages" in c) c.messages += 1;
  else if ("refusedBy" in c) c.refusedBy = "999.p9";
  else if ("accepts" in c) c.accepts = { not: claim.accepts };
  else if ("attempts" in c) c.attempts += 1;
  else if ("endsAfter" in c) c.endsAfter = { kind: "return", op: claim.op }; // after its own return
  else if ("order" in c) c.order = [...claim.order].reverse();
  else if ("countsTo" in c) c.countsTo += 1;
  else if ("distinctWithin" in c) c.distinctWithin -= 1; // the highest answer falls outside (none answered: see below)
  else if ("count" in c || "stat" in c || "okDuring" in c) c.equals += 1;
  else if ("violation" in c) c.violation = claim.violation === null ? "linearizability" : null;
  else if ("oracle" in c) c.oracle = claim.oracle === "promise-regressed" ? "one-value-per-ballot" : "promise-regressed";
  else throw new Error(`no negative control for ${JSON.stringify(claim)}`);
  return c;
}

/** Asserts every claim on `run` (and that each one, made false, is caught). */
function assertClaims(where, claims, run) {
  for (const v of evaluate(claims, run)) assert.ok(v.ok, `${where}: "${describeClaim(v.claim)}" ${JSON.stringify(v.claim)} — the run shows ${v.actual}`);
  for (const v of evaluate(claims.map(falsified), run)) assert.equal(v.ok, false, `${where}: the falsified claim ${JSON.stringify(v.claim)} must not hold`);
}

/** What the evaluator reads, from a Cluster in the page (`cluster` is an expression for it). */
const runIn = (page, cluster) => page.evaluate((expr) => {
  const c = eval(expr); // a test's own expression
  return { history: c.history(), events: c.events(), check: c.check(), stats: c.stats() };
}, cluster);

/** Opens steered scenario `s`, runs to idle without delivering anything, and asserts that the
 * page ticks every claim and the evaluator agrees. */
async function assertClaimsLeftAlone(s) {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=${s.id}`);
  await runToIdle(page);
  await page.waitForFunction(() => window.playground.cluster.pending === 0, null, { timeout: 60000 });
  await page.evaluate(() => window.playground.refresh());
  await page.waitForFunction(() => document.getElementById("claims").dataset.checked !== undefined, null, { timeout: 60000 });
  const run = await runIn(page, "window.playground.cluster");
  assert.ok(run.history.every((h) => h.outcome !== "ok"), `${s.id} left alone: nothing was delivered, nothing answered`);
  for (const v of evaluate(s.claims, run)) assert.ok(v.ok, `${s.id} left alone: "${describeClaim(v.claim)}" — the run shows ${v.actual}`);
  const shown = await page.$$eval("#claims li", (lis) => lis.map((li) => [li.dataset.ok, li.textContent]));
  assert.deepEqual(shown, s.claims.map((c) => ["true", describeClaim(c)]), `${s.id} left alone: the page ticks every claim`);
  await page.screenshot({ path: path.join(SHOTS, `scenario-${s.id}-left-alone.png`) });
  assert.deepEqual(errors, []);
  await page.close();
}

test("distinctWithin: the claim catches two answers with one value and an answer out of range, and holds with none", () => {
  const claim = { key: "k", distinctWithin: 2 };
  const inc = (output, outcome = "ok") => ({ key: "k", op: "increment", outcome, output });
  const judged = (history) => evaluate([claim], { history })[0];
  assert.deepEqual([judged([]).ok, judged([inc(null, "failed"), inc(null, "unknown")]).ok, judged([inc(2)]).ok, judged([inc(2), inc(1)]).ok], [true, true, true, true]);
  assert.deepEqual(judged([inc(1), inc(1)]), { claim, ok: false, actual: "two increments answered 1" });
  assert.deepEqual(judged([inc(1), inc(3)]), { claim, ok: false, actual: "an increment answered 3" });
  assert.equal(judged([{ ...inc(1), key: "other" }, inc(1)]).ok, true, "another key's answers are not this key's");
});

test("every scenario and every tutorial step: each claim holds on the run the page drew", async () => {
  let claims = 0;
  for (const s of SCENARIOS) {
    assert.ok(s.claims.length > 0, `${s.id} states its claims`);
    const { page, errors } = await open(browser.context, `${server.url}?scenario=${s.id}`);
    assert.match(await page.textContent("#scenario-text"), new RegExp(`^${s.title.replace(/[()×+]/g, ".")}: `));
    await page.evaluate(() => window.playground.setSpeed(100));
    // A scenario the reader steers: this reader lets the network deliver everything.
    if (s.steer) await page.uncheck("#manual");
    // The page ticks the claims once the run is over.
    await page.waitForFunction(() => document.getElementById("claims").dataset.checked !== undefined, null, { timeout: 60000 });
    const run = await runIn(page, "window.playground.cluster");
    assertClaims(`scenario ${s.id}`, s.claims, run);
    claims += s.claims.length;
    const shown = await page.$$eval("#claims li", (lis) => lis.map((li) => [li.dataset.ok, li.textContent]));
    assert.deepEqual(shown, s.claims.map((c) => ["true", describeClaim(c)]), `${s.id}: the page ticks every claim`);
    // Every moment happened, and the caption tells the last of them.
    const moments = new Moments(s.moments);
    const hits = moments.feed(run.events);
    assert.ok(moments.done, `${s.id}: moments that never happened: ${s.moments.filter((_, i) => !moments.seen.has(i)).map((m) => m.say)}`);
    if (hits.length) assert.equal(await page.textContent("#caption"), hits.at(-1).moment.say);
    // The whole run in view (played at 100×, the clock ran on past its last event).
    await page.evaluate(() => { const tl = window.playground.timeline; tl.fit(tl.lastAt); window.playground.refresh(); });
    await page.screenshot({ path: path.join(SHOTS, `scenario-${s.id}.png`) });
    assert.deepEqual(errors, []);
    await page.close();
    // A steered scenario's claims hold on every run the reader can make: also with nothing
    // delivered, where Run to idle lets the timeouts use up every attempt.
    if (s.steer) await assertClaimsLeftAlone(s);
  }

  // The tutorial: each step pauses at each of its moments, at the event's time, then its run
  // shows every claim of its scenario and of its own.
  const { page, errors } = await openTutorial(browser.context, server.url);
  for (const [i, lesson] of LESSONS.entries()) {
    const where = `tutorial step ${i + 1}`;
    assert.equal(await page.textContent("#step-title"), lesson.title);
    const scenario = SCENARIOS.find((x) => x.id === lesson.scenario);
    const moments = lesson.moments ?? scenario.moments;
    assert.ok(moments.length > 0, `${where} has moments to pause at`);
    let after = -1; // the seq of the previous moment's event
    for (const [j, m] of moments.entries()) {
      await page.waitForFunction((k) => window.tutorial.pace.moment === k, j, { timeout: 30000 });
      const at = await page.evaluate(() => { const w = document.getElementById("widget"); return { playing: w.playing, now: w.cluster.now, events: w.cluster.events() }; });
      assert.equal(at.playing, false, `${where}: paused at moment ${j + 1}`);
      const event = at.events.find((e) => e.seq > after && matches(e, m.on));
      assert.ok(event, `${where}: moment ${j + 1}'s event happened`);
      assert.equal(at.now, event.at, `${where}: paused at moment ${j + 1}'s event (${event.text}), not later`);
      after = event.seq;
      assert.equal(await page.textContent("#caption"), m.say);
      // The last moment may end the run (nothing to come, nothing in flight): no Continue then.
      if (!(await page.evaluate(() => window.tutorial.pace.ended))) await page.click("#continue");
    }
    await page.waitForFunction(() => window.tutorial.pace.ended, null, { timeout: 30000 });
    const all = [...scenario.claims, ...(lesson.claims ?? [])];
    assertClaims(where, all, await runIn(page, 'document.getElementById("widget").cluster'));
    claims += all.length;
    if (all.some((c) => c.violation)) {
      const verdict = await page.evaluate(() => document.getElementById("widget").shadowRoot.querySelector('[data-out="verdict"]').textContent);
      assert.match(verdict, /^Not linearizable: get counter → 1 \(#2\)/, `${where}: the violation stays shown`);
    }
    if (i < LESSONS.length - 1) await page.click("#next");
  }
  console.log(`${claims} claims asserted over ${SCENARIOS.length} scenarios and ${LESSONS.length} tutorial steps`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("negative control on a real run: the old Key-value script (delete at 160 ms via p1) breaks exactly the claims about the get", async () => {
  // The text used to say the get after the put returns the put's value; in this script's run it
  // returns null (p2's first prepare is refused, it backs off, and the delete lands first).
  const { page, errors } = await open(browser.context, empty(server.url));
  const run = await page.evaluate(async () => {
    const { Cluster } = await import("./pkg/caspaxos_playground.js");
    const c = new Cluster({ seed: 1, autoAdvance: false });
    const at = (t) => c.runFor(t - c.now);
    const quiet = (p) => p.catch(() => {});
    quiet(c.put("user:1", { name: "Ada", langs: ["en"] }));
    at(80);
    quiet(c.get("user:1", { proposer: "p2" }));
    at(160);
    quiet(c.delete("user:1"));
    at(240);
    quiet(c.get("user:1", { proposer: "p2" }));
    c.runUntilIdle();
    const out = { history: c.history(), events: c.events(), check: c.check(), stats: c.stats() };
    c.free();
    return out;
  });
  const kv = SCENARIOS.find((s) => s.id === "kv");
  const broken = evaluate(kv.claims, run).filter((v) => !v.ok).map((v) => [v.claim.says, v.actual]);
  assert.deepEqual(broken, [
    ["its accept writes the put's value back", "accept 8.p2 = null"],
    ["the get answers the put's value", "null"],
  ]);
  assert.deepEqual(errors, []);
  await page.close();
});
