// The small things users hit (issue 10 §5), each a page test: the partition editor follows the
// actual partition; crash on a down node / restart on an up node says so; an empty expected
// version is refused, not read as 0; bad widget attributes show an error; "act to fork" goes
// once the reader acts; workers run in virtual time (issue 10 §4).
import { test } from "node:test";
import assert from "node:assert/strict";
import { open, pageFixture, runToIdle } from "./helpers.mjs";

const { server, browser } = pageFixture();

const empty = (url) => `${url}?scenario=none`;
/** Each node's group in the partition editor: { a1: "A", ... }. */
const editorGroups = (page) => page.$$eval("#partition-editor select", (ss) => Object.fromEntries(ss.map((s) => [s.dataset.node, s.value])));
const nodeButton = (id, action) => `#nodes li[data-node="${id}"] button[data-action="${action}"]`;

test("the partition editor follows the actual partition: after Isolate, Heal, Apply and a scenario", async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  const all = (g) => ({ p1: g, p2: g, a1: g, a2: g, a3: g });
  assert.deepEqual(await editorGroups(page), all("A"));
  await page.click(nodeButton("a2", "isolate"));
  assert.deepEqual(await editorGroups(page), { ...all("A"), a2: "B" }, "Isolate a2 puts it alone in a group");
  await page.click("#heal");
  assert.deepEqual(await editorGroups(page), all("A"), "Heal: one group again");
  await page.selectOption('#partition-editor select[data-node="p2"]', "C");
  await page.selectOption('#partition-editor select[data-node="a3"]', "C");
  await page.click("#partition-apply");
  const groups = await page.evaluate(() => window.playground.cluster.state().network.groups);
  assert.deepEqual(groups, [["a1", "a2", "p1"], ["a3", "p2"]], "Apply partitions as the editor says (every group listed)");
  assert.deepEqual(await editorGroups(page), { ...all("A"), p2: "B", a3: "B" }, "the editor shows the groups as they are");
  await page.evaluate(() => window.playground.loadScenario("partition"));
  await page.evaluate(() => { window.playground.setPlaying(false); window.playground.advance(70); window.playground.refresh(); });
  const actual = await page.evaluate(() => window.playground.cluster.state().network.groups);
  assert.equal(actual.length, 2, "the scenario partitioned the cluster");
  const shown = await editorGroups(page);
  for (const [i, g] of actual.entries()) for (const n of g) assert.equal(shown[n], "AB"[i], `${n} in group ${"AB"[i]}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("crash on a down node and restart on an up node say so, and change nothing", async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  await page.click(nodeButton("a1", "restart"));
  assert.equal(await page.textContent("#network-error"), "a1 is already up: nothing to restart (crash it first)");
  await page.click(nodeButton("a1", "crash"));
  assert.equal(await page.textContent("#network-error"), "", "a real crash clears the note");
  assert.equal(await page.textContent('#nodes li[data-node="a1"] .status'), "down");
  const events = await page.evaluate(() => window.playground.cluster.eventCount);
  await page.click(nodeButton("a1", "crash"));
  assert.equal(await page.textContent("#network-error"), "a1 is already down: nothing to crash (restart it first)");
  assert.equal(await page.evaluate(() => window.playground.cluster.eventCount), events, "no event for a crash that changes nothing");
  await page.click(nodeButton("a1", "restart"));
  assert.equal(await page.textContent('#nodes li[data-node="a1"] .status'), "up");
  assert.deepEqual(errors, []);
  await page.close();
});

test("empty number fields are refused by name, not read as 0: workers, acceptors, latency", async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  const cases = [
    ["#workers", "#run-workers", "#workers-out", "workers"],
    ["#per-worker", "#run-workers", "#workers-out", "increments per worker"],
    ["#rebuild [name=acceptors]", null, "#rebuild-error", "acceptors"],
    ["#rebuild [name=proposers]", null, "#rebuild-error", "proposers"],
    ["#rebuild [name=seed]", null, "#rebuild-error", "seed"],
    ["#lat-max", "change", "#network-error", "latency max"],
  ];
  for (const [field, action, out, name] of cases) {
    const before = await page.inputValue(field);
    await page.fill(field, "");
    if (action === "change") await page.dispatchEvent(field, "change");
    else if (action) await page.click(action);
    else await page.$eval("#rebuild", (f) => f.dispatchEvent(new Event("submit", { cancelable: true })));
    assert.equal(await page.textContent(out), `InvalidArgument: ${name} is empty: type a number`, field);
    await page.fill(field, before);
  }
  assert.equal(await page.evaluate(() => window.playground.cluster.history().length), 0, "no worker ran");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a too-long key, lock or owner is not cut silently: the cluster's refusal shows", async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  const long = "k".repeat(300);
  const limit = await page.evaluate(() => window.playground.cluster.constructor.limits.keyChars);
  for (const [field, button] of [["#key", "#increment"], ["#lock", "#acquire"], ["#owner", "#acquire"]]) {
    const before = await page.inputValue(field);
    await page.fill(field, long);
    assert.equal((await page.inputValue(field)).length, 300, `${field} keeps all 300 characters`);
    await page.click(button);
    const first = await page.textContent("#results li");
    assert.match(first, /✗ InvalidArgument: /, `${field}: ${first}`);
    assert.ok(first.includes(String(limit)), `${field}: the message names the limit ${limit}: ${first}`);
    await page.fill(field, before);
  }
  assert.equal(await page.evaluate(() => window.playground.cluster.history().length), 0, "nothing ran");
  assert.deepEqual(errors, []);
  await page.close();
});

test("an empty expected version is refused, not read as 0", async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  await page.fill("#key", "doc");
  await page.fill("#version", "");
  await page.click("#write");
  const first = await page.textContent("#results li");
  assert.match(first, /InvalidArgument: expected version is empty: type the version you read/);
  assert.equal(await page.evaluate(() => window.playground.cluster.history().length), 0, "nothing was written");
  await page.fill("#version", "0");
  await page.click("#write");
  await runToIdle(page);
  assert.deepEqual(await page.evaluate(() => window.playground.cluster.history().map((h) => [h.op, h.input.expectedVersion, h.outcome])), [["write", 0, "ok"]]);
  assert.deepEqual(errors, []);
  await page.close();
});

test("bad widget attributes show an error instead of silent defaults", async () => {
  const page = await browser.context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${server.url}test-pages/two-widgets.html`);
  await page.waitForFunction(() => document.getElementById("two").cluster);
  const status = (id) => page.evaluate((x) => {
    const el = document.getElementById(x);
    return { text: el.shadowRoot.querySelector('[data-out="status"]').textContent, error: el.dataset.error ?? null, cluster: !!el.cluster };
  }, id);
  const add = (id, attrs) => page.evaluate(([x, a]) => {
    const el = document.createElement("caspaxos-playground");
    el.id = x;
    for (const [k, v] of Object.entries(a)) el.setAttribute(k, v);
    document.body.append(el);
  }, [id, attrs]);
  await add("nope", { scenario: "nope" });
  await add("big", { acceptors: "99" });
  await add("word", { seed: "many" });
  await page.waitForFunction(() => ["nope", "big", "word"].every((x) => document.getElementById(x).dataset.error));
  const nope = await status("nope");
  assert.match(nope.text, /^InvalidArgument: scenario="nope" is not a scenario; known: counter, kv, /);
  assert.equal(nope.cluster, false, "no cluster with a default the page did not ask for");
  assert.match((await status("big")).text, /^InvalidArgument: acceptors="99" must be a whole number in 1\.\.=15$/);
  assert.match((await status("word")).text, /^InvalidArgument: seed="many" must be a whole number in 0\.\.=9007199254740991$/);
  // Fixing the attribute builds the cluster and clears the error.
  await page.evaluate(() => document.getElementById("big").setAttribute("acceptors", "5"));
  const fixed = await status("big");
  assert.deepEqual([fixed.error, fixed.cluster], [null, true]);
  assert.equal(await page.evaluate(() => document.getElementById("big").cluster.state().acceptors.length), 5);
  assert.deepEqual(errors, []);
  await page.close();
});

test("'act to fork' disappears once the reader acts", async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  await page.click("#increment");
  await runToIdle(page);
  await page.click(nodeButton("a3", "crash"));
  await page.click("#increment");
  await runToIdle(page);
  await page.evaluate(() => window.playground.seekTo(0));
  assert.match(await page.textContent("#session-out"), /recorded actions ahead \(play to see them, or act to fork\)/);
  await page.click(nodeButton("a2", "isolate")); // an action: the recorded future is dropped
  assert.equal(await page.evaluate(() => window.playground.cluster.tape.actions), 0);
  const out = await page.textContent("#session-out");
  assert.doesNotMatch(out, /act to fork|recorded actions ahead/);
  assert.match(out, /^at 0 ms — event \d+, restored from the nearest checkpoint/, "the rest of the note stays");
  assert.deepEqual(errors, []);
  await page.close();
});

test("workers run in virtual time: Run to idle finishes all of it, and the run does not depend on playback speed", async () => {
  const start = async () => {
    const opened = await open(browser.context, empty(server.url));
    await opened.page.fill("#workers", "3");
    await opened.page.fill("#per-worker", "5");
    await opened.page.click("#run-workers");
    return opened;
  };
  const fast = await start();
  await runToIdle(fast.page);
  assert.equal(await fast.page.textContent("#workers-out"), "final count 15, expected 15 ✓", "Run to idle finished the run");
  const slow = await start();
  await slow.page.evaluate(() => window.playground.setSpeed(0.05));
  await slow.page.waitForFunction(() => window.playground.cluster.now > 20);
  await slow.page.evaluate(() => window.playground.setSpeed(100));
  await slow.page.waitForFunction(() => document.getElementById("workers-out").textContent.startsWith("final count"), null, { timeout: 20000 });
  await runToIdle(slow.page); // the late replies and timers, as in the fast run
  const hash = (p) => p.evaluate(() => window.playground.cluster.eventLogHash);
  assert.equal(await hash(slow.page), await hash(fast.page), "the same run, played slowly or not at all");
  assert.equal(await slow.page.evaluate(() => window.playground.cluster.session().actions.length), 1, "one recorded action");
  await fast.page.fill("#workers", "0");
  await fast.page.click("#run-workers");
  assert.match(await fast.page.textContent("#workers-out"), /^InvalidArgument: options.workers must be in 1..=100, got 0/);
  assert.deepEqual([...fast.errors, ...slow.errors], []);
  await fast.page.close();
  await slow.page.close();
});
