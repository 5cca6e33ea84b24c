// The <caspaxos-playground> element as an outside embedder meets it: a scenario's text is never
// contradicted by attributes; every bad attribute value is an InvalidArgument shown in the status
// line, `data-error`, the console and an "error" event; `controls` changes rebuild the toolbar and
// keep the run; methods before "ready" and bad pauseAt() moments are clear errors; connect and
// disconnect are idempotent while wasm loads (one "ready", no frame loop left after remove()).
import { test } from "node:test";
import assert from "node:assert/strict";
import { pageFixture } from "./helpers.mjs";
import { readFileSync } from "node:fs";
import { SCENARIOS } from "../../www/scenarios.js";

/** The scenario ids the README's element section lists: "(the page's scenario ids: `a`, `b`)". */
function readmeScenarioIds(readme) {
  const list = readme.match(/the page's scenario ids: ([^)]*)\)/);
  assert.ok(list, "the README lists the element's scenario ids");
  return [...list[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
}

test("the README lists every scenario id the element accepts, and no other", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  assert.deepEqual(readmeScenarioIds(readme), SCENARIOS.map((s) => s.id));
  // The negative control: a list missing an id is caught.
  const short = readme.replace(", `erase-without-gc`", "");
  assert.notDeepEqual(readmeScenarioIds(short), SCENARIOS.map((s) => s.id));
});

const { server, browser } = pageFixture();

/** A blank page that has imported element.js (and so started loading wasm); console errors and
 * page errors are collected. `countFrames`: requestAnimationFrame calls are counted in `window.rafs`. */
async function blank({ countFrames = false } = {}) {
  const page = await browser.context.newPage();
  const consoleErrors = [];
  const pageErrors = [];
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  if (countFrames) {
    await page.addInitScript(() => {
      window.rafs = 0;
      const raf = window.requestAnimationFrame.bind(window);
      window.requestAnimationFrame = (f) => { window.rafs += 1; return raf(f); };
    });
  }
  await page.goto(`${server.url}test-pages/blank.html`);
  return { page, consoleErrors, pageErrors };
}

/** Adds a widget with `attrs` and waits for its "ready" or "error" event: { kind, name, message,
 * status, dataError, cluster, controlsSpeed }. */
function add(page, attrs) {
  return page.evaluate(async (a) => {
    await import("/element.js");
    const el = document.createElement("caspaxos-playground");
    for (const [k, v] of Object.entries(a)) el.setAttribute(k, v);
    const got = new Promise((resolve) => {
      el.addEventListener("ready", () => resolve({ kind: "ready" }));
      el.addEventListener("error", (e) => resolve({ kind: "error", name: e.detail.name, message: e.detail.message }));
    });
    document.body.append(el);
    const r = await got;
    r.status = el.shadowRoot.querySelector('[data-out="status"]').textContent;
    r.dataError = el.dataset.error ?? null;
    r.cluster = el.cluster !== null;
    el.remove();
    return r;
  }, attrs);
}

test("with a scenario, attributes that differ from its settings are an error naming them; its text never meets a run it does not describe", async () => {
  const { page, consoleErrors, pageErrors } = await blank();
  const seven = await add(page, { scenario: "dueling", seed: "7" });
  assert.equal(seven.kind, "error");
  assert.equal(seven.name, "InvalidArgument");
  assert.match(seven.message, /^seed="7" conflicts with scenario="dueling", whose text describes its own settings \(acceptors=3, proposers=3, seed=1\)/);
  assert.equal(seven.cluster, false, "no run the text would contradict");
  assert.doesNotMatch(seven.status, /p3 answers 1/, "the scenario's claims are not on screen");
  const several = await add(page, { scenario: "dueling", proposers: "1", acceptors: "5" });
  assert.match(several.message, /^acceptors="5", proposers="1" conflict with scenario="dueling"/);
  assert.doesNotMatch(several.status, /Three proposers/);
  // The README's example, and attributes equal to the scenario's own settings: the scenario runs.
  const readme = await add(page, { scenario: "dueling", controls: "full" });
  const same = await add(page, { scenario: "dueling", seed: "1", acceptors: "3", proposers: "3" });
  for (const r of [readme, same]) {
    assert.equal(r.kind, "ready");
    assert.match(r.status, /^Three proposers increment one key .* p3 answers 1, p1 2, p2 3\./);
  }
  // Without a scenario the attributes are the cluster.
  const own = await page.evaluate(async () => {
    const el = document.createElement("caspaxos-playground");
    el.setAttribute("seed", "7");
    el.setAttribute("proposers", "1");
    el.setAttribute("acceptors", "5");
    const ready = new Promise((r) => el.addEventListener("ready", r));
    document.body.append(el);
    await ready;
    const st = el.cluster.state();
    // A live scenario widget given a conflicting attribute: the error replaces its text.
    el.setAttribute("seed", "1");
    el.setAttribute("proposers", "3");
    el.setAttribute("acceptors", "3");
    el.setAttribute("scenario", "dueling");
    const before = el.shadowRoot.querySelector('[data-out="status"]').textContent;
    el.setAttribute("seed", "7");
    const after = el.shadowRoot.querySelector('[data-out="status"]').textContent;
    el.remove();
    return { acceptors: st.acceptors.length, proposers: st.proposers.length, before, after };
  });
  assert.deepEqual([own.acceptors, own.proposers], [5, 1]);
  assert.match(own.before, /^Three proposers/);
  assert.match(own.after, /^InvalidArgument: seed="7" conflicts with scenario="dueling"/);
  assert.equal(consoleErrors.length, 3, consoleErrors.join("\n"));
  assert.ok(consoleErrors.every((e) => /^<caspaxos-playground> InvalidArgument: .*conflicts? with scenario="dueling"/.test(e)), consoleErrors.join("\n"));
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test("every bad attribute value is an InvalidArgument in the status line, data-error, the console and an error event", async () => {
  const { page, consoleErrors, pageErrors } = await blank();
  const limits = await page.evaluate(async () => {
    const { default: init, Cluster } = await import("/pkg/caspaxos_playground.js");
    await init();
    return { acceptors: Cluster.limits.acceptors, proposers: Cluster.limits.proposers, seed: Cluster.limits.safeInteger };
  });
  const cases = [
    ...["99", "0", "-1", "abc", "2.5", "0x5", "1e1", " 5 ", ""].map((v) => ["acceptors", v, new RegExp(`^acceptors="${v.replace(/[.+]/g, "\\$&")}" must be a whole number in 1\\.\\.=${limits.acceptors}$`)]),
    ["proposers", "10", new RegExp(`^proposers="10" must be a whole number in 1\\.\\.=${limits.proposers}$`)],
    ...["-5", "9007199254740992", "", "many"].map((v) => ["seed", v, new RegExp(`^seed="${v}" must be a whole number in 0\\.\\.=${limits.seed}$`)]),
    ["scenario", "MINORITY", /^scenario="MINORITY" is not a scenario; known: counter, kv, /],
    ["scenario", "__proto__", /^scenario="__proto__" is not a scenario; known: counter, kv, /],
    ["controls", "FULL", /^controls="FULL" must be one of "minimal", "full"$/],
  ];
  for (const [key, value, message] of cases) {
    const r = await add(page, { [key]: value });
    const what = `${key}="${value}"`;
    assert.equal(r.kind, "error", what);
    assert.equal(r.name, "InvalidArgument", what);
    assert.match(r.message, message, what);
    assert.equal(r.status, `InvalidArgument: ${r.message}`, what);
    assert.equal(r.dataError, r.message, what);
    assert.equal(r.cluster, false, `${what}: no cluster with a default the page did not ask for`);
  }
  assert.equal(consoleErrors.length, cases.length, "one console error each");
  // Several bad attributes: all of them named at once, not the first only (an outside tester's finding).
  const several = await add(page, { seed: "-1", proposers: "0", controls: "FULL" });
  assert.equal(several.kind, "error");
  assert.equal(several.message, `controls="FULL" must be one of "minimal", "full"; proposers="0" must be a whole number in 1..=${limits.proposers}; seed="-1" must be a whole number in 0..=${limits.seed}`);
  consoleErrors.length = 0;
  // The limits themselves are fine.
  for (const a of [{ acceptors: String(limits.acceptors) }, { proposers: String(limits.proposers) }, { seed: String(limits.seed) }, { seed: "0" }]) {
    assert.equal((await add(page, a)).kind, "ready", JSON.stringify(a));
  }
  const load = await page.evaluate(async () => {
    const el = document.createElement("caspaxos-playground");
    const ready = new Promise((r) => el.addEventListener("ready", r));
    document.body.append(el);
    await ready;
    try {
      el.load("nope");
      return "no error";
    } catch (e) {
      return { name: e.name, message: e.message, scenario: el.getAttribute("scenario"), cluster: el.cluster !== null };
    } finally {
      el.remove();
    }
  });
  assert.deepEqual(load, { name: "InvalidArgument", message: `load(id): "nope" is not a scenario; known: ${load.message.split("known: ")[1]}`, scenario: null, cluster: true });
  assert.match(load.message, /known: counter, kv, /);
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test("changing controls on a live widget rebuilds the toolbar and keeps the run", async () => {
  const { page, consoleErrors, pageErrors } = await blank();
  const r = await page.evaluate(async () => {
    await import("/element.js");
    const el = document.createElement("caspaxos-playground");
    el.setAttribute("scenario", "dueling");
    const ready = new Promise((res) => el.addEventListener("ready", res));
    document.body.append(el);
    await ready;
    for (let i = 0; i < 30; i++) el.step();
    const bar = () => ({
      speed: el.shadowRoot.querySelector('[data-in="speed"]') !== null,
      nodes: el.shadowRoot.querySelectorAll("button[data-node]").length,
      now: el.cluster.now,
      steps: el.cluster.steps,
      status: el.shadowRoot.querySelector('[data-out="status"]').textContent,
    });
    const cluster = el.cluster;
    const minimal = bar();
    el.setAttribute("controls", "full");
    const full = bar();
    el.setAttribute("controls", "full"); // unchanged: nothing happens
    const again = bar();
    el.shadowRoot.querySelector('[data-do="step"]').click();
    const stepped = bar();
    el.setAttribute("controls", "minimal");
    const back = bar();
    el.play?.();
    el.setAttribute("controls", "FULL");
    const bad = { ...bar(), error: el.dataset.error, playing: el.playing };
    el.setAttribute("controls", "full");
    const fixed = { ...bar(), error: el.dataset.error ?? null };
    return { minimal, full, again, stepped, back, bad, fixed, same: el.cluster === cluster };
  });
  assert.equal(r.minimal.speed, false);
  assert.ok(r.minimal.now > 0);
  assert.deepEqual(r.full, { ...r.minimal, speed: true, nodes: 3 }, "full controls, the same run");
  assert.deepEqual(r.again, r.full);
  assert.equal(r.stepped.steps, r.full.steps + 1, "the new toolbar's Step button steps");
  assert.deepEqual(r.back, { ...r.stepped, speed: false, nodes: 0 });
  assert.match(r.bad.error, /^controls="FULL" must be one of/);
  assert.equal(r.bad.playing, false, "a bad attribute stops the run on screen (it is not what the attributes ask for)");
  assert.deepEqual(r.fixed, { ...r.stepped, speed: true, nodes: 3, error: null });
  assert.ok(r.same, "the run was never reset");
  assert.equal(consoleErrors.length, 1);
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test("methods before ready, and bad pauseAt() moments, are clear InvalidArgument errors", async () => {
  const { page, consoleErrors, pageErrors } = await blank();
  const r = await page.evaluate(async () => {
    await import("/element.js");
    const el = document.createElement("caspaxos-playground");
    const call = (f) => {
      try {
        f();
        return "no error";
      } catch (e) {
        return `${e.name}: ${e.message}`;
      }
    };
    const calls = {
      play: () => el.play(), pause: () => el.pause(), step: () => el.step(), continue: () => el.continue(),
      seek: () => el.seek(10), restoreState: () => el.restoreState(null),
    };
    const early = Object.fromEntries(Object.entries(calls).map(([k, f]) => [k, call(f)]));
    const ready = new Promise((res) => el.addEventListener("ready", res));
    document.body.append(el);
    await ready;
    const late = {
      restoreStateNull: call(() => el.restoreState(null)),
      seekText: call(() => el.seek("x")),
      seekNegative: call(() => el.seek(-5)),
      seekNaN: call(() => el.seek(NaN)),
      pauseAtNull: call(() => el.pauseAt([null])),
      pauseAtText: call(() => el.pauseAt("x")),
      pauseAtNoSay: call(() => el.pauseAt([{ on: { kind: "deliver" } }])),
      seekHuge: call(() => el.seek(1e300)),
      nowAfterHuge: el.cluster.now,
      seekFraction: call(() => el.seek(12.6)),
      nowAfterFraction: el.cluster.now,
    };
    // Still usable: it plays on, frame after frame.
    el.speed = 10;
    el.play();
    await new Promise((res) => setTimeout(res, 300));
    const now = el.cluster.now;
    el.remove();
    const removed = call(() => el.play());
    return { early, late, now, removed };
  });
  for (const [method, text] of Object.entries(r.early)) {
    assert.equal(text, `InvalidArgument: <caspaxos-playground>.${method}(): it is not ready: wait for its "ready" event (it must be in the document)`);
  }
  assert.equal(r.late.restoreStateNull, "InvalidArgument: restoreState(state): state must be what saveState() returned");
  assert.equal(r.late.seekText, "InvalidArgument: seek(ms): ms must be a finite number ≥ 0, got x");
  assert.equal(r.late.seekNegative, "InvalidArgument: seek(ms): ms must be a finite number ≥ 0, got -5", "a time before the start is an error, like NaN");
  assert.equal(r.late.seekNaN, "InvalidArgument: seek(ms): ms must be a finite number ≥ 0, got NaN");
  assert.equal(r.late.pauseAtNull, "InvalidArgument: pauseAt(moments): moments[0] must be { on: eventPattern (an object), say: string }");
  assert.equal(r.late.pauseAtText, "InvalidArgument: pauseAt(moments): moments must be an array of { on, say }, got string");
  assert.equal(r.late.pauseAtNoSay, "InvalidArgument: pauseAt(moments): moments[0] must be { on: eventPattern (an object), say: string }");
  // Any finite ms ≥ 0 is a time (outside tester 14): beyond the safe integers it is the last
  // one (no internal option named); a fraction is rounded to the nearest ms.
  assert.equal(r.late.seekHuge, "no error");
  assert.equal(r.late.nowAfterHuge, Number.MAX_SAFE_INTEGER);
  assert.deepEqual([r.late.seekFraction, r.late.nowAfterFraction], ["no error", 13]);
  assert.ok(r.now > 0, "the frame loop survived the bad calls");
  assert.match(r.removed, /^InvalidArgument: <caspaxos-playground>\.play\(\): it is not ready/);
  assert.deepEqual([consoleErrors, pageErrors], [[], []]);
  await page.close();
});

test("prepend, remove, prepend while wasm loads: one ready, and no frame loop left after remove()", async () => {
  const { page, consoleErrors, pageErrors } = await blank({ countFrames: true });
  const r = await page.evaluate(async () => {
    await import("/element.js");
    const el = document.createElement("caspaxos-playground");
    let readies = 0;
    el.addEventListener("ready", () => { readies += 1; });
    document.body.prepend(el);
    el.remove();
    document.body.prepend(el);
    await new Promise((res) => el.addEventListener("ready", res, { once: true }));
    await new Promise((res) => setTimeout(res, 300));
    const framesBefore = window.rafs;
    await new Promise((res) => setTimeout(res, 300));
    const running = window.rafs > framesBefore;
    el.remove();
    await new Promise((res) => setTimeout(res, 50));
    const atRemove = window.rafs;
    await new Promise((res) => setTimeout(res, 300));
    return { readies, running, leftAfterRemove: window.rafs - atRemove };
  });
  assert.equal(r.readies, 1, "one ready event");
  assert.ok(r.running, "the widget's frame loop runs while connected (the counter sees it)");
  assert.equal(r.leftAfterRemove, 0, "no frame requested after remove()");
  assert.deepEqual([consoleErrors, pageErrors], [[], []]);
  await page.close();
});
