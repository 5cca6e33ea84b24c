// Membership (paper §2.3), issue 11 §1: flexible quorums through the JS API (loaded in Node: every
// bad input is an InvalidArgument naming the rule, and the cluster stays usable), `membership()`,
// the page's cluster form and quorum line, the break-it switch found by the search, and the
// "Flexible quorums" scenario's claims on the run the page draws.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ROOT, open, pageFixture } from "./helpers.mjs";
import init, { Cluster } from "../../www/pkg/caspaxos_playground.js";
import { MEMBERSHIP_SCENARIOS } from "../../www/scenarios-membership.js";
import { evaluate, describeClaim } from "../../www/claims.js";

await init({ module_or_path: await readFile(path.join(ROOT, "www/pkg/caspaxos_playground_bg.wasm")) });

const { server, browser } = pageFixture();

/** The error `f` throws: its name and message. */
function thrown(f) {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof Error, `an Error, got ${e}`);
    return { name: e.name, message: e.message };
  }
  assert.fail("nothing was thrown");
}

test("quorums: each bad value is an InvalidArgument naming the rule; good ones are used", async () => {
  const bad = [
    [{ acceptors: 3, quorums: { prepare: 1, accept: 2 } }, "quorums must intersect: prepare + accept must exceed the number of acceptors, got 1 + 2 <= 3"],
    [{ acceptors: 5, quorums: { prepare: 2 } }, "got 2 + 3 <= 5"],
    [{ acceptors: 3, quorums: { prepare: 0, accept: 3 } }, "options.quorums.prepare must be in 1..=3, got 0"],
    [{ acceptors: 3, quorums: { accept: 4 } }, "options.quorums.accept must be in 1..=3, got 4"],
    [{ quorums: { prepare: 1.5 } }, "options.quorums.prepare must be an integer"],
    [{ quorums: { prepare: "2" } }, "options.quorums.prepare must be an integer"],
    [{ quorums: { read: 2 } }, 'options.quorums has an unknown field "read"; known fields: prepare, accept'],
    [{ quorums: 2 }, "options.quorums must be an object"],
    [{ quorums: [2, 2] }, "options.quorums must be an object, got an array"],
    [{ break: { disjointQuorums: "yes" } }, "options.break.disjointQuorums must be a boolean"],
  ];
  for (const [options, message] of bad) {
    const e = thrown(() => new Cluster(options));
    assert.equal(e.name, "InvalidArgument", JSON.stringify(options));
    assert.ok(e.message.includes(message), `${JSON.stringify(options)}: ${e.message}`);
  }
  // A good shape, used by the proposer: read one, write all — with a3 down no accept can finish.
  const c = new Cluster({ acceptors: 3, quorums: { prepare: 1, accept: 3 }, maxAttempts: 2 });
  const m = c.membership();
  assert.deepEqual(m, { acceptors: ["a1", "a2", "a3"], prepare: { nodes: ["a1", "a2", "a3"], quorum: 1 }, accept: { nodes: ["a1", "a2", "a3"], quorum: 3 }, step: null, changing: null, progress: null, proposers: ["p1", "p2"], stopped: null });
  assert.equal(await c.increment("k"), 1);
  c.crash("a3");
  await assert.rejects(c.increment("k"), (e) => e.name === "Unavailable" && e.indeterminate === true);
  c.restart("a3");
  // The uncertain increment reached a1 and a2 only: not an accept quorum, so not chosen; a read
  // may answer either value, and the history stays linearizable either way.
  assert.ok([1, 2].includes(await c.get("k")));
  assert.equal(c.check().ok, true);
  c.free();
});

test("addAcceptor / removeAcceptor from JS: the steps run with progress, a second change and bad ids are InvalidArgument", async () => {
  const c = new Cluster({ seed: 4, autoAdvance: false });
  const put = c.put("k", 1);
  c.runUntilIdle();
  await put;
  // The cluster picks the id: an argument is refused, not ignored.
  await assert.rejects(c.addAcceptor("a4"), (e) => e.name === "InvalidArgument" && e.message.startsWith('addAcceptor() takes no arguments, got the string "a4"'));
  await assert.rejects(c.addProposer(3), (e) => e.name === "InvalidArgument" && e.message.startsWith("addProposer() takes no arguments, got the number 3"));
  assert.deepEqual([c.membership().acceptors.length, c.membership().proposers.length], [3, 2], "nothing was added");
  const adding = c.addAcceptor();
  await assert.rejects(c.addAcceptor(), (e) => e.name === "InvalidArgument" && /one change at a time/.test(e.message));
  const seen = new Set();
  const progress = [];
  /** The step the log opened last and has not ended (a step logs its name at its start and its end). */
  const openInLog = () => {
    let open = null;
    for (const e of c.events()) if (e.kind === "membership" && e.acceptor) open = e.step === "done" || e.step === open ? null : e.step;
    return open;
  };
  while (c.membership().step !== null) {
    const m = c.membership();
    assert.equal(m.step, openInLog(), `at ${c.now} ms`);
    seen.add(m.step);
    if (m.progress && JSON.stringify(m.progress) !== JSON.stringify(progress.at(-1))) progress.push(m.progress);
    assert.equal(m.changing, "a4");
    c.step();
  }
  assert.equal(await adding, "a4");
  // Nothing in flight: turn on and the accept quorum change are done in the call's instant, so
  // stepping sees only the rescan (its read takes a round trip); the log has every step.
  assert.deepEqual([...seen], ["catch-up rescan"]);
  const starts = c.events().filter((e) => e.kind === "membership" && e.acceptor === "a4").map((e) => e.step).filter((s, i, all) => s !== "done" && all.indexOf(s) === i);
  assert.deepEqual(starts, ["turn on", "accept quorum change", "catch-up rescan", "prepare quorum change"]);
  assert.deepEqual(progress, [{ done: 0, keys: 1 }, { done: 1, keys: 1 }], "the rescan shows its keys done");
  assert.deepEqual(c.membership().prepare, { nodes: ["a1", "a2", "a3", "a4"], quorum: 3 });
  const kinds = c.events().filter((e) => e.kind === "membership").map((e) => e.step);
  assert.equal(kinds.at(-1), "done");
  for (const [id, message] of [["p1", "must be an acceptor id"], ["a9", "unknown node a9"], [3, "id"]]) {
    await assert.rejects(c.removeAcceptor(id), (e) => e.name === "InvalidArgument" && e.message.includes(message), String(id));
  }
  c.autoAdvance = true;
  assert.equal(await c.removeAcceptor("a1"), null);
  assert.deepEqual(c.membership().acceptors, ["a2", "a3", "a4"]);
  assert.equal(await c.get("k"), 1);
  c.free();
});

test("membership(): majority by default; the break switch turns the prepare quorum into N - accept", () => {
  const c = new Cluster({ acceptors: 5 });
  const sizes = () => [c.membership().prepare.quorum, c.membership().accept.quorum];
  assert.deepEqual(sizes(), [3, 3]);
  c.setBreak({ disjointQuorums: true });
  assert.deepEqual(sizes(), [2, 3], "2 + 3 = 5: they can miss each other");
  c.setBreak({});
  assert.deepEqual(sizes(), [3, 3], "switched off");
  assert.equal(thrown(() => c.setBreak({ disjointQuorums: 1 })).name, "InvalidArgument");
  assert.deepEqual(sizes(), [3, 3], "a refused switch changes nothing");
  // A session keeps the quorums: its link replays them.
  const f = new Cluster({ acceptors: 4, quorums: { prepare: 2, accept: 3 } });
  f.setBreak({ disjointQuorums: true });
  const back = Cluster.fromSession(f.sessionLink());
  back.runUntilIdle();
  assert.deepEqual([back.membership().prepare.quorum, back.membership().accept.quorum], [1, 3], "the switch on top of 2/3 of 4");
  back.setBreak({});
  assert.deepEqual([back.membership().prepare.quorum, back.membership().accept.quorum], [2, 3], "the configured quorums came back through the link");
  for (const x of [c, f, back]) x.free();
});

test("1280 × 800: every field and button of the cluster form can be reached by a click (nothing lies over it)", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`, { viewport: { width: 1280, height: 800 } });
  const covered = await page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll("#rebuild :is(input, button, select)")) {
      el.scrollIntoView({ block: "center" });
      const r = el.getBoundingClientRect();
      const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      if (!el.contains(top) && !top?.closest("label")?.contains(el)) out.push(`${el.id || el.name || el.textContent}: under ${top?.closest("[id]")?.id ?? top?.tagName}`);
    }
    return out;
  });
  assert.deepEqual(covered, []);
  await page.click("#rebuild button[type=submit]");
  assert.deepEqual(errors, []);
  await page.close();
});

test("the page: the cluster form sets the quorums, a bad pair is refused naming the rule, the line shows them", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  assert.equal(await page.textContent("#quorums-out"), "quorums: prepare 2 of 3 · accept 2 of 3 (majority)");
  await page.fill("input[name=acceptors]", "5");
  await page.fill("input[name=prepareQuorum]", "2");
  await page.fill("input[name=acceptQuorum]", "4");
  await page.click("#rebuild button[type=submit]");
  assert.equal(await page.textContent("#rebuild-error"), "");
  assert.equal(await page.textContent("#quorums-out"), "quorums: prepare 2 of 5 · accept 4 of 5");
  assert.deepEqual(await page.evaluate(() => window.playground.cluster.membership().accept.quorum), 4);
  await page.fill("input[name=acceptQuorum]", "3");
  await page.click("#rebuild button[type=submit]");
  assert.match(await page.textContent("#rebuild-error"), /InvalidArgument: quorums must intersect: prepare \+ accept must exceed the number of acceptors, got 2 \+ 3 <= 5/);
  assert.equal(await page.textContent("#quorums-out"), "quorums: prepare 2 of 5 · accept 4 of 5", "the cluster shown is unchanged");
  // The break-it switch shows in the line, as it is.
  await page.click("#break-disjoint");
  await page.evaluate(() => window.playground.refresh());
  assert.match(await page.textContent("#quorums-out"), /prepare 1 of 5 · accept 4 of 5 — they do not intersect \(1 \+ 4 ≤ 5\)/);
  assert.equal(await page.getAttribute("#quorums-out", "data-intersect"), "false");
  await page.click("#break-disjoint");
  // Empty fields: a majority again.
  await page.fill("input[name=prepareQuorum]", "");
  await page.fill("input[name=acceptQuorum]", "");
  await page.click("#rebuild button[type=submit]");
  assert.equal(await page.textContent("#quorums-out"), "quorums: prepare 3 of 5 · accept 3 of 5 (majority)");
  assert.deepEqual(errors, []);
  await page.close();
});

test("break it: quorums that do not intersect are found by the search, as a lost write", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await page.click("#break-disjoint");
  await page.click("#find");
  await page.waitForFunction(() => /counterexample at seed \d+|no counterexample/.test(document.querySelector("#find-out").textContent), null, { timeout: 120000 });
  await page.evaluate(() => window.playground.setPlaying(false));
  const out = await page.textContent("#find-out");
  assert.match(out, /counterexample at seed \d+ \(after \d+ runs\), caught by the linearizability checker/);
  assert.equal(await page.getAttribute("#find-out", "data-kind"), "linearizability");
  assert.match(await page.textContent("#scenario-text"), /^Counterexample, seed \d+ \(linearizability\): .* fits no linearization/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the Flexible quorums scenario: every claim holds on the run the page drew (and each, made false, fails)", async () => {
  for (const s of MEMBERSHIP_SCENARIOS.filter((x) => x.id === "flexible-quorums")) {
    const { page, errors } = await open(browser.context, `${server.url}?scenario=${s.id}`);
    await page.evaluate(() => window.playground.setSpeed(100));
    await page.waitForFunction(() => document.getElementById("claims").dataset.checked !== undefined, null, { timeout: 60000 });
    const run = await page.evaluate(() => {
      const c = window.playground.cluster;
      return { history: c.history(), events: c.events(), check: c.check(), stats: c.stats() };
    });
    for (const v of evaluate(s.claims, run)) assert.ok(v.ok, `${s.id}: "${describeClaim(v.claim)}" — the run shows ${v.actual}`);
    const wrong = s.claims.filter((c) => "output" in c).map((c) => ({ ...c, output: { not: c.output } }));
    for (const v of evaluate(wrong, run)) assert.equal(v.ok, false, `${s.id}: the falsified ${JSON.stringify(v.claim)} fails`);
    const shown = await page.$$eval("#claims li", (lis) => lis.map((li) => li.dataset.ok));
    assert.deepEqual(shown, s.claims.map(() => "true"), `${s.id}: the page ticks every claim`);
    assert.equal(await page.textContent("#quorums-out"), "quorums: prepare 2 of 4 · accept 3 of 4");
    assert.deepEqual(errors, []);
    await page.close();
  }
});
