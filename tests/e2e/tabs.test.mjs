// The tab cluster (issue 13 §2) in real Chromium tabs of one origin: one client tab and three
// acceptor tabs on a BroadcastChannel, acceptors durable in IndexedDB. Increments finish through a
// closed acceptor tab; a reloaded acceptor tab reports the promise and accepted value it had; with
// two closed, operations end Unavailable. Bad input gets named errors; a malformed message is
// dropped and counted. Negative control: with storage disabled, the reload comparison catches the
// lost state and names it (acknowledging before the commit is a test build's switch: the wasm and
// native tests use it; the shipped page refuses it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { pageFixture } from "./helpers.mjs";

const AXE = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const { server, browser } = pageFixture();

/** Opens tabs.html with `params`; resolves once the tab joined (or failed to). */
async function openTab(params) {
  const page = await browser.context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${server.url}tabs.html?${new URLSearchParams(params)}`);
  await page.waitForSelector("html[data-ready]", { timeout: 15000 });
  return { page, errors };
}

const acceptorTab = (channel, id, extra = {}) => openTab({ channel, role: "acceptor", acceptors: id, ...extra });
const clientTab = (channel, extra = {}) => openTab({ channel, role: "client", acceptors: "3", proposers: "2", ...extra });
const stateOf = (page) => page.evaluate(() => window.tabs.node.state().acceptors[0]);

/** The reload oracle: what an acceptor reported before a restart and no longer reports after it. */
function lostState(before, after) {
  const lost = [];
  for (const [key, r] of Object.entries(before.registers)) {
    const now = after.registers[key];
    const ballot = (b) => (b ? `${b.counter}.${b.proposer}` : "none");
    if (ballot(now?.promise) !== ballot(r.promise)) lost.push(`${before.id} ${key}: promise ${ballot(r.promise)} -> ${ballot(now?.promise)}`);
    if (JSON.stringify(now?.accepted ?? null) !== JSON.stringify(r.accepted)) lost.push(`${before.id} ${key}: accepted ${ballot(r.accepted?.ballot)} -> ${ballot(now?.accepted?.ballot)}`);
  }
  return lost;
}

/** Runs `workers` x `each` increments in the client tab through its page controls; resolves to the results. */
async function run(client, workers, each, { whileRunning } = {}) {
  const done = await client.evaluate(() => window.tabs.done);
  const start = await client.evaluate(() => window.tabs.results.length);
  await client.fill("#workers", String(workers));
  await client.fill("#per-worker", String(each));
  await client.click("#run");
  if (whileRunning) await whileRunning();
  await client.waitForFunction((d) => window.tabs.done > d, done, { timeout: 120000 });
  return client.evaluate((s) => window.tabs.results.slice(s), start);
}

test("a client tab and three acceptor tabs: a closed tab, a reload that keeps state, two closed tabs", async () => {
  const channel = `run-${Date.now()}`;
  const acceptors = [];
  for (const id of ["a1", "a2", "a3"]) acceptors.push(await acceptorTab(channel, id));
  const { page: client, errors } = await clientTab(channel, { maxAttempts: "6" });
  assert.equal(await client.textContent("#error"), "");

  // Close a3's tab once 20 increments are done: the others finish on a1 and a2.
  const results = await run(client, 4, 25, {
    whileRunning: async () => {
      await client.waitForFunction(() => window.tabs.results.length >= 20, null, { timeout: 60000 });
      await acceptors[2].page.close();
    },
  });
  assert.deepEqual(results.map((r) => r.error ?? "ok").filter((e) => e !== "ok"), [], "every increment succeeds");
  assert.deepEqual(results.map((r) => r.value).sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i + 1), "each increment applied exactly once");
  assert.match(await client.textContent("#client-out"), /increments 100\/100: 100 ok, 0 failed .* linearizable ✓/);
  assert.equal(await client.evaluate(() => window.tabs.node.check().ok), true);

  // Reload a2: its promise and accepted value come back from IndexedDB before it answers.
  const a2 = acceptors[1].page;
  const before = await stateOf(a2);
  assert.equal(before.registers.counter.accepted.value, 100, JSON.stringify(before));
  assert.notEqual(before.registers.counter.promise, null, "a2 holds the next round's promise (one round trip)");
  await a2.reload();
  await a2.waitForSelector("html[data-ready=true]", { timeout: 15000 });
  const after = await stateOf(a2);
  assert.deepEqual(lostState(before, after), [], "nothing lost");
  assert.deepEqual(after, before);
  assert.match(await a2.textContent("#registers"), /counter/);
  const more = await run(client, 1, 5);
  assert.deepEqual(more.map((r) => r.value), [101, 102, 103, 104, 105], "the restarted a2 serves");

  // Close a2 as well: one of three acceptors left, no quorum.
  await a2.close();
  const lost = await run(client, 1, 2);
  assert.deepEqual(lost.map((r) => r.error), ["Unavailable", "Unavailable"]);
  assert.match(lost[0].message, /quorum|attempt/i);
  assert.match(await client.textContent("#client-out"), /0 ok, 2 failed \(Unavailable\)/);
  assert.equal(await client.evaluate(() => window.tabs.node.check().ok), true, "the history with failures is still linearizable");
  assert.deepEqual(errors, []);
  await client.close();
  await acceptors[0].page.close();
});

test("bad input and taken node ids get named errors; a malformed message is dropped and counted", async () => {
  const channel = `bad-${Date.now()}`;
  const { page: a1 } = await acceptorTab(channel, "a1");
  const { page: client } = await clientTab(channel);
  const { page: other, errors } = await openTab({});
  const outcomes = await other.evaluate(async (channel) => {
    const { LiveCluster, AcceptorTab } = await (await import("./live-module.js")).loadLive();
    const attempt = async (f) => {
      try {
        await f();
        return "resolved";
      } catch (e) {
        return `${e.name}: ${e.message}`;
      }
    };
    const held = await AcceptorTab.join(channel, { acceptors: ["a3"] });
    const out = {
      taken: await attempt(() => AcceptorTab.join(channel, { acceptors: ["a1"] })),
      proposerTaken: await attempt(() => LiveCluster.join(channel, { acceptors: 3, proposers: 1 })),
      twice: await attempt(() => AcceptorTab.join(channel, { acceptors: ["a3"] })),
      emptyChannel: await attempt(() => AcceptorTab.join("", { acceptors: ["a2"] })),
      notString: await attempt(() => AcceptorTab.join(7, { acceptors: ["a2"] })),
      noAcceptors: await attempt(() => AcceptorTab.join(channel, {})),
      proposerId: await attempt(() => AcceptorTab.join(channel, { acceptors: ["p1"] })),
      outOfRange: await attempt(() => AcceptorTab.join(channel, { acceptors: ["a16"] })),
      badId: await attempt(() => AcceptorTab.join(channel, { acceptors: ["x"] })),
      duplicate: await attempt(() => AcceptorTab.join(channel, { acceptors: ["a2", "a2"] })),
      notArray: await attempt(() => AcceptorTab.join(channel, { acceptors: "a2" })),
      storage: await attempt(() => AcceptorTab.join(channel, { acceptors: ["a2"], storage: "disk" })),
      unknownOption: await attempt(() => AcceptorTab.join(channel, { acceptors: ["a2"], seed: 1 })),
      clientOption: await attempt(() => LiveCluster.join(channel, { acceptors: 0 })),
      wipeOther: await attempt(() => held.wipe("a1")),
      wipeBad: await attempt(() => held.wipe("z")),
    };
    // Garbage on the channel, as another script on this origin could post.
    const raw = new BroadcastChannel(`caspaxos/${channel}`);
    raw.postMessage("garbage");
    raw.postMessage({ v: 9, kind: "hello", tab: 1, nodes: [] });
    raw.postMessage({ v: 1, kind: "prepare", tab: 1, from: "p1", to: "a1", key: "k", ballot: [1, 0] });
    raw.close();
    held.free();
    out.freed = await attempt(async () => held.state());
    out.freedWipe = await attempt(() => held.wipe("a3"));
    out.rejoin = await attempt(async () => (await AcceptorTab.join(channel, { acceptors: ["a3"], storage: "none" })).free());
    return out;
  }, channel);
  assert.match(outcomes.taken, /^InvalidArgument: node a1 is taken by another tab on channel "bad-\d+"/);
  assert.match(outcomes.proposerTaken, /^InvalidArgument: node p1 is taken by another tab/);
  assert.match(outcomes.twice, /^InvalidArgument: this tab already joined channel "bad-\d+" as a3/);
  assert.match(outcomes.emptyChannel, /^InvalidArgument: channel/);
  assert.match(outcomes.notString, /^InvalidArgument: channel must be a string/);
  assert.match(outcomes.noAcceptors, /^InvalidArgument: options.acceptors is required/);
  assert.match(outcomes.proposerId, /^InvalidArgument: options.acceptors\[0\] must be an acceptor id a1..a15, got "p1"/);
  assert.match(outcomes.outOfRange, /^InvalidArgument: options.acceptors\[0\] must be an acceptor id a1..a15, got "a16"/);
  assert.match(outcomes.badId, /^InvalidArgument: options.acceptors\[0\] must be an acceptor id a1\.\.a15, got the string "x"/);
  assert.match(outcomes.duplicate, /^InvalidArgument: options.acceptors\[1\]: a2 is named twice/);
  assert.match(outcomes.notArray, /^InvalidArgument: options.acceptors must be an array/);
  assert.match(outcomes.storage, /^InvalidArgument: options.storage must be "indexedDB" or "none", got "disk"/);
  assert.match(outcomes.unknownOption, /^InvalidArgument: .*seed/);
  assert.match(outcomes.clientOption, /^InvalidArgument: options.acceptors/);
  assert.match(outcomes.wipeOther, /^InvalidArgument: acceptor: a1 does not run in this tab/);
  assert.match(outcomes.wipeBad, /^InvalidArgument: acceptor must be a node id/);
  assert.match(outcomes.freed, /^InvalidArgument: this AcceptorTab was freed/);
  assert.match(outcomes.freedWipe, /^InvalidArgument: this AcceptorTab was freed/);
  assert.equal(outcomes.rejoin, "resolved", "a freed tab's ids are free again");
  await a1.waitForFunction(() => window.tabs.node.stats().malformed === 3, null, { timeout: 5000 });
  const stats = await a1.evaluate(() => window.tabs.node.stats());
  assert.equal(stats.lastMalformed, "ballot is not a ballot [counter, proposer]");
  assert.equal(await client.evaluate(() => window.tabs.node.stats().malformed), 3);
  // The page shows a refused join by name.
  const { page: dup } = await acceptorTab(channel, "a1");
  assert.equal(await dup.getAttribute("html", "data-ready"), "error");
  assert.match(await dup.textContent("#error"), /^InvalidArgument: node a1 is taken by another tab/);
  assert.deepEqual(errors, []);
  for (const p of [a1, client, other, dup]) await p.close();
});

/** Three acceptor tabs with `extra` options, a client, 10 increments; then a2 is reloaded. */
async function reloadAfterIncrements(channel, extra) {
  const tabs = [];
  for (const id of ["a1", "a2", "a3"]) tabs.push((await acceptorTab(channel, id, extra)).page);
  const { page: client } = await clientTab(channel);
  const results = await run(client, 2, 5);
  assert.equal(results.filter((r) => r.ok).length, 10);
  const before = await stateOf(tabs[1]);
  await tabs[1].reload();
  await tabs[1].waitForSelector("html[data-ready=true]", { timeout: 15000 });
  const after = await stateOf(tabs[1]);
  for (const p of [...tabs, client]) await p.close();
  return { before, after };
}

test("negative control: with storage disabled, a reload loses a2's promise and accepted value, and the comparison says so", async () => {
  const { before, after } = await reloadAfterIncrements(`none-${Date.now()}`, { storage: "none" });
  const p = before.registers.counter.promise;
  const a = before.registers.counter.accepted.ballot;
  assert.deepEqual(lostState(before, after), [`a2 counter: promise ${p.counter}.${p.proposer} -> none`, `a2 counter: accepted ${a.counter}.${a.proposer} -> none`]);
});

test("the shipped build has no ackBeforeCommit (a test build's negative control): an AcceptorTab refuses it by name", async () => {
  const { page, errors } = await acceptorTab(`early-${Date.now()}`, "a1", { ackBeforeCommit: "1" });
  assert.equal(await page.getAttribute("html", "data-ready"), "error");
  assert.match(await page.textContent("#error"), /^InvalidArgument: .*ackBeforeCommit/);
  assert.deepEqual(errors, []);
  await page.close();
});

/** axe-core's serious and critical violations in `page` (page-a11y.test.mjs has the scan's negative control). */
async function scan(page) {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(async () => window.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations.filter((v) => ["serious", "critical"].includes(v.impact)).map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(" | ")}`);
}

test("the tab page (join form, client tab, acceptor tab) has no serious or critical axe violations, at desktop and phone sizes", async () => {
  const channel = `a11y-${Date.now()}`;
  const acceptors = [];
  for (const id of ["a1", "a2", "a3"]) acceptors.push((await acceptorTab(channel, id)).page);
  const { page: client } = await clientTab(channel);
  await run(client, 1, 3);
  const { page: form } = await openTab({});
  await acceptors[0].waitForFunction(() => document.querySelectorAll("#registers tr").length === 1);
  for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    for (const [name, page] of [["join form", form], ["client tab", client], ["acceptor tab", acceptors[0]]]) {
      await page.setViewportSize(viewport);
      assert.deepEqual(await scan(page), [], `${name} at ${viewport.width}x${viewport.height}`);
    }
  }
  for (const p of [...acceptors, client, form]) await p.close();
});
