// Page tests: the real page (www/, built wasm) in Debian's headless Chromium, driven like a user.
// Run by `./build.sh test` (which builds www/pkg first): `node --test` in this folder.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { serve, launch, open, ROOT } from "./helpers.mjs";

const SHOTS = path.join(ROOT, "target", "screenshots");
let server;
let browser;

before(async () => {
  await mkdir(SHOTS, { recursive: true });
  server = await serve();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** The result rows' texts, newest first. */
const results = (page) => page.$$eval("#results li", (lis) => lis.map((li) => li.textContent));
const click = (page, sel) => page.click(sel);

test("the page loads from a sub-path with no console errors and a working cluster", async () => {
  const { page, errors, loadMs } = await open(browser.context, `${server.url}sub/path/`);
  console.log(`page interactive after ${loadMs} ms (localhost)`);
  assert.equal(await page.locator("#nodes li").count(), 5, "3 acceptors + 2 proposers");
  assert.equal(await page.textContent("#now"), "0");
  assert.deepEqual(errors, []);
  await page.close();
});

test("the increment button updates the shown value", async () => {
  const { page, errors } = await open(browser.context, server.url);
  await click(page, "#increment");
  assert.match((await results(page))[0], /increment counter via p1 … pending/);
  await click(page, "#idle");
  await page.waitForFunction(() => document.querySelector("#results li")?.textContent.includes("→ 1"));
  await click(page, "#increment");
  await click(page, "#idle");
  await page.waitForFunction(() => document.querySelector("#results li")?.textContent.includes("→ 2"));
  const registers = await page.textContent("#acceptor-state");
  assert.match(registers, /counter/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a crashed majority blocks an increment until restart; with no restart it ends Unavailable", async () => {
  const { page, errors } = await open(browser.context, server.url);
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
  await click(page, "#idle");
  await page.waitForFunction(() => document.querySelector("#results li")?.textContent.includes("→ 1"));

  // Now crash two again and let the attempts run out.
  await click(page, '#nodes li[data-node="a2"] button[data-action="crash"]');
  await click(page, "#increment");
  await click(page, "#idle");
  await page.waitForFunction(() => document.querySelector("#results li")?.textContent.includes("Unavailable"));
  assert.match((await results(page))[0], /✗ Unavailable: no quorum .* attempts/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the timeline draws one arrow per delivered message, crosses for lost ones", async () => {
  const { page, errors } = await open(browser.context, server.url);
  await page.fill("#drop", "30");
  await page.dispatchEvent("#drop", "input");
  for (let i = 0; i < 4; i++) await click(page, "#increment");
  await click(page, "#idle");
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
  await click(page, "#idle");
  await page.waitForFunction(() => [...document.querySelectorAll("#results li")].filter((li) => li.classList.contains("ok")).length === 2);
  assert.match(await page.textContent("#scenario-text"), /crashed majority/);
  assert.ok(await page.locator("#timeline rect.down").count() >= 1, "crash band drawn");
  assert.equal(await page.textContent('#nodes li[data-node="a2"] .status'), "up");
  assert.equal(await page.textContent('#nodes li[data-node="a3"] .status'), "down");
  await page.screenshot({ path: path.join(SHOTS, "scenario-majority.png") });

  await click(page, '[data-scenario="partition"]');
  await click(page, "#play");
  await click(page, "#idle");
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
  const { page, errors } = await open(browser.context, server.url);
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
  const { page, errors } = await open(browser.context, server.url);
  let dialogs = 0;
  page.on("dialog", (d) => { dialogs += 1; d.dismiss(); });
  await page.fill("#value", "{not json");
  await click(page, "#put");
  assert.match((await results(page))[0], /InvalidArgument: value is not JSON/);
  await page.fill("#key", "");
  await click(page, "#increment");
  await click(page, "#idle");
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
  await click(page, "#idle");
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
  await page.setContent(`<iframe id="f" src="${server.url}sub/path/" width="1200" height="800" title="playground"></iframe>`);
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
  const { page, errors } = await open(browser.context, server.url);
  // A healthy run first: the history view shows a linearizable verdict with positions.
  await click(page, "#increment");
  await click(page, "#increment");
  await click(page, "#idle");
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
  await click(page, "#idle");
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

test("the lock scenario: a holder whose lease lapsed is refused by its fencing token", async () => {
  const { page, errors } = await open(browser.context, server.url);
  await click(page, '[data-scenario="lock"]');
  await page.evaluate(() => window.playground.setSpeed(100));
  await page.waitForFunction(() => document.querySelector("#results li")?.textContent.startsWith("get report →"), null, { timeout: 30000 });
  const rows = (await results(page)).reverse(); // oldest first
  const find = (prefix) => {
    const r = rows.find((t) => t.startsWith(prefix));
    assert.ok(r, `a row starting "${prefix}" in ${JSON.stringify(rows)}`);
    return r;
  };
  const lease = (prefix) => JSON.parse(find(prefix).split(" → ")[1]);
  // Every claim of the scenario's text, on the run it drew.
  assert.match(await page.textContent("#scenario-text"), /fencing token 1.*token 2.*token 1/);
  assert.deepEqual(lease("alice: acquireLease job"), { acquired: true, holder: "alice", expiresAt: lease("alice: acquireLease job").expiresAt, token: 1 });
  assert.match(find("alice writes the report with token 1"), / → \{"token":1,"text":"alice's draft"\}$/);
  const bob = lease("bob: acquireLease job via p2");
  assert.equal(bob.acquired, true, "alice's 150 ms lease lapsed");
  assert.equal(bob.token, 2);
  assert.match(find("bob writes the report with token 2"), /"bob's report"/);
  assert.match(find("alice wakes up, writes with token 1"), /✗ UpdateRejected: .*token 1 is stale: the report was written with token 2/);
  assert.match(find("get report"), /→ \{"token":2,"text":"bob's report"\}$/);
  // The story's order holds in the run: each step ended before the next began.
  const h = await page.evaluate(() => window.playground.cluster.history());
  for (let i = 1; i < h.length; i++) assert.ok(h[i - 1].returnAt < h[i].invokeAt, `#${i - 1} ended before #${i} began: ${JSON.stringify(h)}`);
  const verdict = await page.evaluate(() => window.playground.cluster.check().ok);
  assert.equal(verdict, true, "the run is linearizable");
  await page.screenshot({ path: path.join(SHOTS, "scenario-lock.png") });
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
