// Page tests of the ballot timeline: labels that never overlap and sit on their arrows, the data
// they carry, details on click and by keyboard, stacked operations, many lanes, the default zoom,
// the phone (vertical scrolling passes through, horizontal swipe pans, pinch zooms, 24 px
// targets), and the dense view of a long run (bounded DOM).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { open, pageFixture, SHOTS } from "./helpers.mjs";
import { SCENARIOS } from "../../www/scenarios.js";

const PHONE = { width: 390, height: 844 };
const { server, browser } = pageFixture();

/** Opens a scenario and plays it to its end at 100×. */
async function playScenario(id, viewport) {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=${id}`, { viewport });
  await page.evaluate(() => window.playground.setSpeed(100));
  if (SCENARIOS.find((s) => s.id === id)?.steer) await deliverByHand(page);
  await page.waitForFunction(() => document.getElementById("claims").dataset.checked !== undefined, null, { timeout: 60000 });
  return { page, errors };
}

/** A scenario the reader steers (manual delivery) ends only by hand: deliver whatever waits
 * first, or step through a backoff, until no operation is in flight. */
async function deliverByHand(page) {
  for (let i = 0; i < 200 && (await page.evaluate(() => window.playground.cluster.pending)) > 0; i++) {
    if (await page.$('#held button[data-do="deliver"]')) await page.click('#held button[data-do="deliver"]');
    else await page.click("#step");
  }
  await page.evaluate(() => window.playground.refresh());
}

/**
 * In the page: every text box drawn in the timeline, the pairs that overlap, and the message
 * labels that do not touch their arrow. Boxes are the browser's own (getBoundingClientRect).
 */
function measureLabels() {
  const svg = document.querySelector("#timeline svg");
  const frame = svg.getBoundingClientRect();
  const texts = [...svg.querySelectorAll("text")].map((t) => ({ el: t, r: t.getBoundingClientRect(), text: t.textContent }));
  const overlaps = [];
  for (let i = 0; i < texts.length; i++) {
    for (let j = i + 1; j < texts.length; j++) {
      const a = texts[i].r;
      const b = texts[j].r;
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 0.5 && h > 0.5) overlaps.push([texts[i].text, texts[j].text]);
    }
  }
  // A segment touches a box if it crosses it: sample it finely (arrows are short).
  const touches = (line, r) => {
    const [x1, y1, x2, y2] = ["x1", "y1", "x2", "y2"].map((k) => Number(line.getAttribute(k)));
    for (let s = 0; s <= 200; s++) {
      const x = frame.left + x1 + ((x2 - x1) * s) / 200;
      const y = frame.top + y1 + ((y2 - y1) * s) / 200;
      if (x >= r.left && x <= r.right && y >= r.top && y <= r.bottom) return true;
    }
    return false;
  };
  const offArrow = [];
  const outside = [];
  for (const t of texts) {
    const r = t.r;
    if (r.left < frame.left - 0.5 || r.right > frame.right + 0.5 || r.top < frame.top - 0.5 || r.bottom > frame.bottom + 0.5) outside.push(t.text);
    if (!t.el.classList.contains("msg-label")) continue;
    const lines = [...svg.querySelectorAll(`line.msg[data-msg="${t.el.dataset.msg}"]`)];
    if (!lines.some((l) => touches(l, r))) offArrow.push(t.text);
  }
  const labels = texts.filter((t) => t.el.classList.contains("msg-label")).map((t) => t.text);
  return { texts: texts.length, labels, overlaps, offArrow, outside };
}

/** Sweeps the run at the default zoom, half a window at a time, measuring each view. */
async function sweepAtDefaultZoom(page) {
  return page.evaluate((measureSrc) => {
    const measure = new Function(`return (${measureSrc})()`);
    const pg = window.playground;
    const tl = pg.timeline;
    tl.follow = false;
    tl.resetZoom();
    const span = (tl.width - 44) * tl.msPerPx;
    const all = { views: 0, texts: 0, labels: [], overlaps: [], offArrow: [], outside: [] };
    for (let t0 = 0; t0 <= tl.lastAt; t0 += span / 2) {
      tl.t0 = t0;
      tl.render(pg.cluster.now);
      const m = measure();
      all.views += 1;
      all.texts += m.texts;
      all.labels.push(...m.labels);
      all.overlaps.push(...m.overlaps.map((p) => [t0, ...p]));
      all.offArrow.push(...m.offArrow.map((x) => [t0, x]));
      all.outside.push(...m.outside.map((x) => [t0, x]));
    }
    return all;
  }, measureLabels.toString());
}

test("every scenario at default zoom: no two labels overlap, each message label sits on its arrow, inside the box", async () => {
  const seen = [];
  for (const s of SCENARIOS) {
    const { page, errors } = await playScenario(s.id);
    const m = await sweepAtDefaultZoom(page);
    assert.ok(m.labels.length > 0, `${s.id}: labels are drawn (${m.views} views)`);
    assert.deepEqual(m.overlaps, [], `${s.id}: overlapping labels`);
    assert.deepEqual(m.offArrow, [], `${s.id}: labels off their arrows`);
    assert.deepEqual(m.outside, [], `${s.id}: labels outside the box`);
    seen.push(...m.labels);
    if (s.id === "dueling") {
      await page.evaluate(() => { const tl = window.playground.timeline; tl.resetZoom(); tl.t0 = 0; tl.render(window.playground.cluster.now); });
      await page.screenshot({ path: path.join(SHOTS, "timeline-dueling-default-zoom.png") });
    }
    assert.deepEqual(errors, []);
    await page.close();
  }
  // The labels carry the data: a promise's accepted ballot and value (or ∅), an accept's value
  // and piggybacked next promise, a conflict's blocking ballot; no "0.p0" for a missing ballot.
  assert.ok(seen.some((l) => /^promise \d+\.p\d \(\d+\.p\d=.+\)$/.test(l)), "a promise label with its accepted value");
  assert.ok(seen.some((l) => /^promise \d+\.p\d \(∅\)$/.test(l)), "a promise label with nothing accepted");
  assert.ok(seen.some((l) => /^accept \d+\.p\d =\S+ next \d+\.p\d$/.test(l)), "an accept label with value and next promise");
  assert.ok(seen.some((l) => /^conflict \d+\.p\d by \d+\.p\d$/.test(l)), "a conflict label with its blocking ballot");
  assert.ok(!seen.some((l) => /\b0\.p0\b/.test(l)), "no 0.p0");
});

test("negative control: the label measure catches an overlap and a label moved off its arrow", async () => {
  const { page } = await playScenario("counter");
  const m = await page.evaluate((measureSrc) => {
    const measure = new Function(`return (${measureSrc})()`);
    const tl = window.playground.timeline;
    tl.follow = false;
    tl.resetZoom();
    tl.t0 = 0;
    tl.render(window.playground.cluster.now);
    const [a, b] = document.querySelectorAll("#timeline text.msg-label");
    const twin = b.cloneNode(true);
    twin.textContent = "twin";
    twin.setAttribute("class", "op-label");
    twin.setAttribute("x", Number(b.getAttribute("x")) + 3);
    b.after(twin);
    a.setAttribute("y", Number(a.getAttribute("y")) + 500);
    return { moved: a.textContent, twinOf: b.textContent, ...measure() };
  }, measureLabels.toString());
  assert.deepEqual(m.offArrow, [m.moved], "the moved label is off its arrow");
  assert.deepEqual(m.outside, [m.moved], "and outside the box");
  assert.deepEqual(m.overlaps, [[m.twinOf, "twin"]], "exactly the twin overlaps its original");
  await page.close();
});

test("the monospace meters measure a label as the canvas measures it whole, with a canvas call per new character, not per new label; a wrong character width is caught", async () => {
  const { page, errors } = await playScenario("dueling");
  const m = await page.evaluate(async () => {
    const { TextMeter } = await import("/timeline-labels.js");
    const tl = window.playground.timeline;
    tl.follow = false;
    tl.resetZoom();
    tl.t0 = 0;
    tl.render(window.playground.cluster.now);
    const texts = (sel) => [...document.querySelectorAll(`#timeline ${sel}`)].map((t) => t.textContent);
    const ctx = document.createElement("canvas").getContext("2d");
    /** Labels whose width by `meter` differs from the canvas's whole measure by 0.01 px or more. */
    const misfits = (meter, labels) => {
      ctx.font = meter.font;
      return labels.filter((l) => Math.abs(meter.width(l) - ctx.measureText(l).width) >= 0.01);
    };
    const out = {};
    for (const [kind, sel] of [["msg", "text.msg-label"], ["tick", "text.ballot-tick"]]) {
      const labels = [...new Set(texts(sel))];
      const meter = new TextMeter(tl.meters[kind].font, { monospace: true });
      let calls = 0;
      const measure = meter.ctx.measureText.bind(meter.ctx);
      meter.ctx.measureText = (s) => { calls += 1; return measure(s); };
      out[kind] = { labels: labels.length, misfits: misfits(meter, labels), calls, chars: meter.chars.size };
    }
    // Control: one character's width wrong in the meter's table shows in every label that has it.
    const broken = new TextMeter(tl.meters.msg.font, { monospace: true });
    broken.width("promise");
    broken.chars.set("p", broken.chars.get("p") + 1);
    const withP = [...new Set(texts("text.msg-label"))].filter((l) => l.includes("p"));
    out.control = { withP: withP.length, misfits: misfits(broken, withP).length };
    return out;
  });
  for (const kind of ["msg", "tick"]) {
    assert.ok(m[kind].labels >= 5, `${kind}: labels drawn (${m[kind].labels})`);
    assert.deepEqual(m[kind].misfits, [], `${kind}: summed widths equal the canvas's`);
    assert.equal(m[kind].calls, m[kind].chars, `${kind}: one canvas call per distinct character (${m[kind].chars}), none per label (${m[kind].labels})`);
  }
  assert.ok(m.control.withP > 0 && m.control.misfits === m.control.withP, `the wrong width of "p" is caught in each of the ${m.control.withP} labels with a p: ${m.control.misfits}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("details: a click on a message or a node explains it; the keyboard opens, walks and closes them", async () => {
  const { page, errors } = await playScenario("dueling");
  await page.evaluate(() => { const tl = window.playground.timeline; tl.follow = false; tl.resetZoom(); tl.t0 = 0; window.playground.refresh(); });
  // Click the middle of a conflict's arrow.
  const target = await page.evaluate(() => {
    const line = [...document.querySelectorAll("#timeline line.msg.delivered")].find((l) => {
      const m = window.playground.timeline.hits.find((h) => h.kind === "msg" && String(h.a.msg) === l.dataset.msg);
      return m && m.a.message.type === "conflict";
    });
    const r = document.querySelector("#timeline").getBoundingClientRect();
    const at = (k) => Number(line.getAttribute(k));
    return { x: r.left + (at("x1") + at("x2")) / 2, y: r.top + (at("y1") + at("y2")) / 2 };
  });
  await page.mouse.click(target.x, target.y);
  const box = page.locator("#timeline .tl-details");
  assert.equal(await box.isVisible(), true);
  const text = await box.textContent();
  assert.match(text, /^conflict \d+\.p\d/);
  assert.match(text, /blocked by\d+\.p\d: the acceptor has seen this greater ballot/);
  assert.match(text, /route[ap]\d → [ap]\d/);
  assert.match(text, /∅ = no ballot yet/, "the legend for no ballot");
  await page.screenshot({ path: path.join(SHOTS, "timeline-details.png") });
  // A node: its lane label.
  const lane = await page.$eval('#timeline text.lane-label[data-node="a1"]', (t) => { const r = t.getBoundingClientRect(); return { x: r.left + r.width / 2, y: r.top + r.height / 2 }; });
  await page.mouse.click(lane.x, lane.y);
  assert.match(await box.textContent(), /^a1.*acceptor: stores one register per key.*key hotpromised \d+\.p\d, accepted \d+\.p\d/);
  await page.click('#timeline .tl-details [data-step="1"]');
  assert.match(await box.textContent(), /^a2.*acceptor/, "▶ steps to the next node");
  // Keyboard: Enter opens the message nearest the middle, focus moves into the box; ▶ walks; Escape closes.
  await page.keyboard.press("Escape");
  assert.equal(await box.isVisible(), false);
  await page.focus("#timeline");
  await page.keyboard.press("Enter");
  assert.equal(await box.isVisible(), true);
  const first = await box.textContent();
  assert.equal(await page.evaluate(() => document.activeElement.closest(".tl-details") !== null), true, "focus is in the details box");
  await page.focus('#timeline .tl-details [data-step="1"]');
  await page.keyboard.press("Enter");
  const second = await box.textContent();
  assert.notEqual(second, first, "Next shows another message");
  assert.equal(await page.evaluate(() => document.querySelectorAll("#timeline line.msg.selected").length), 1, "the selected message is drawn bold");
  await page.keyboard.press("Escape");
  assert.equal(await box.isVisible(), false);
  assert.equal(await page.evaluate(() => document.activeElement.id), "timeline", "focus returns to the timeline");
  assert.deepEqual(errors, []);
  await page.close();
});

test("open details follow their message and operation: in flight, then delivered and returned; focus stays on its button", async () => {
  // Outside tester 19: the panel kept "arrives: in flight" (and an operation's "returned: in
  // flight") after the message arrived and the view played on.
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  const box = page.locator("#timeline .tl-details");
  const rows = () => page.evaluate(() => Object.fromEntries([...document.querySelectorAll("#timeline .tl-details dt")].map((dt) => [dt.textContent, dt.nextElementSibling.textContent])));
  /** Opens the first drawn message or operation (`kind`) in flight by a click at its middle. */
  const openFirst = (kind) => page.evaluate((kind) => {
    const tl = window.playground.timeline;
    const inFlight = (h) => (kind === "msg" ? h.a.at === undefined : tl.op(h.id).end === null);
    const h = tl.hits.find((h) => h.kind === kind && inFlight(h));
    const [x, y] = kind === "msg" ? [(h.x1 + h.x2) / 2, (h.y1 + h.y2) / 2] : [(h.x0 + h.x1) / 2, (h.y0 + h.y1) / 2];
    tl.clickAt(x - tl.shift, y);
    return kind === "msg" ? h.a.msg : h.id;
  }, kind);
  const setUp = () => page.evaluate(() => {
    const c = window.playground.cluster;
    c.increment("k", { proposer: "p1" });
    c.runFor(1); // the prepares are on their way (latency ≥ 1 ms)
    window.playground.refresh();
  });
  await setUp();
  const msg = await openFirst("msg");
  assert.equal((await rows()).arrives, "in flight", "control: opened while in flight, it says so");
  await page.focus('#timeline .tl-details [data-step="1"]');
  await page.evaluate(() => { window.playground.cluster.runUntilIdle(); window.playground.refresh(); });
  const after = await rows();
  assert.equal(after.arrives, undefined, `message ${msg}: no longer in flight (${JSON.stringify(after)})`);
  assert.match(after.delivered ?? "", /^\d+ ms \(after \d+ ms\)$/);
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute("data-step")), "1", "focus stays on ▶");
  await page.keyboard.press("Escape");
  await setUp();
  const op = await openFirst("op");
  assert.match(await box.textContent(), new RegExp(`^operation #${op}`));
  assert.equal((await rows()).returned, "in flight", "control: opened in flight");
  await page.evaluate(() => { window.playground.cluster.runUntilIdle(); window.playground.refresh(); });
  assert.match((await rows()).returned, /^\d+ ms \(after \d+ ms\): ok$/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("concurrent operations on one lane stack; zoom resets when a scenario loads; the default window holds whole round trips", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=workers`);
  await page.waitForFunction(() => window.playground.cluster.pending >= 10);
  // Twenty frames while it plays: operations end and the next ones reuse their rows.
  for (let frame = 0; frame < 20; frame++) {
    await page.evaluate(() => window.playground.refresh());
    const rects = await page.$$eval("#timeline rect.op", (rs) => rs.map((r) => ({ id: r.dataset.op, y: r.getBBox().y, x: r.getBBox().x, w: r.getBBox().width, h: r.getBBox().height })));
    if (frame === 0) assert.ok(rects.length >= 10, `ten operations drawn (${rects.length})`);
    // Bars in one row may not even touch (the next operation in a row often starts the moment
    // the last one ended); rows may.
    const overlapping = rects.filter((a, i) => rects.some((b, j) => j > i && a.x <= b.x + b.w && b.x <= a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h));
    assert.deepEqual(overlapping, [], `frame ${frame}: no two operation bars overprint or touch`);
    await page.waitForTimeout(50);
  }
  // Zoom in, then load a scenario: the zoom is the default again.
  const zoom = await page.evaluate(async () => {
    const tl = window.playground.timeline;
    const initial = tl.msPerPx;
    tl.zoom(0.2);
    const zoomed = tl.msPerPx;
    document.querySelector('#scenario-list button[data-scenario="dueling"]').click();
    await new Promise((r) => setTimeout(r, 50));
    const latency = window.playground.cluster.state().network.latency.max;
    return { initial, zoomed, after: tl.msPerPx, span: (tl.width - 44) * tl.msPerPx, latency };
  });
  assert.ok(zoom.zoomed < zoom.initial);
  assert.equal(zoom.after, zoom.initial);
  assert.ok(zoom.span >= 2 * 2 * zoom.latency, `the default window (${zoom.span} ms) holds at least two worst-case round trips (${2 * zoom.latency} ms each)`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("an operation that ended at the window's left edge leaves its row to the next one: not widened over it, drawn only while some of it is in view", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=workers`);
  await page.evaluate(() => window.playground.setSpeed(100));
  await page.waitForFunction(() => window.playground.cluster.now >= 600);
  const seen = await page.evaluate(() => {
    const { timeline: tl, refresh } = window.playground;
    tl.follow = false;
    const s = tl.store;
    // An operation A followed in its row by B, which started the instant A ended.
    let pair = null;
    for (let a = 0; a < s.opCount && !pair; a++) {
      const A = s.op(a);
      if (A.end == null || A.end - A.start < 20) continue;
      for (let b = a + 1; b < s.opCount; b++) {
        const B = s.op(b);
        if (B.node === A.node && B.slot === A.slot && B.start === A.end) { pair = [A, B]; break; }
      }
    }
    if (!pair) return null;
    const [A, B] = pair;
    const bar = (id) => {
      const r = document.querySelector(`#timeline rect.op[data-op="${id}"]`);
      return r && { x: r.getBBox().x, w: r.getBBox().width };
    };
    const at = (pxBeforeEnd) => {
      tl.t0 = A.end - pxBeforeEnd * tl.msPerPx;
      refresh();
      return { a: bar(A.id), b: bar(B.id) };
    };
    return { edge: at(0), half: at(0.5), five: at(5) };
  });
  assert.ok(seen, "the workers run has an operation whose row's next one starts the instant it ends");
  const touches = (a, b) => a.x + a.w >= b.x;
  assert.equal(seen.edge.a, null, "ended at the left edge: nothing of it in view, not drawn");
  assert.equal(seen.half.a, null, "half a pixel in view, less its 1 px gap: not drawn");
  assert.ok(seen.edge.b && seen.half.b, "the next operation is drawn");
  assert.ok(seen.five.a, "five pixels in view: drawn");
  assert.equal(touches(seen.five.a, seen.five.b), false, `it stops short of the next (${JSON.stringify(seen.five)})`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a crowded lane: 60 concurrent operations on one proposer never overprint; those the lane cannot hold are counted as \"+N more\"", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  const drawn = await page.evaluate(() => {
    const c = window.playground.cluster;
    for (let i = 0; i < 60; i++) c.increment(`k${i}`, { proposer: "p1" });
    c.runFor(1);
    window.playground.refresh();
    const rects = [...document.querySelectorAll("#timeline rect.op")].map((r) => r.getBBox());
    const more = document.querySelector("#timeline text.op-more")?.textContent ?? "";
    return { rects: rects.map((b) => ({ x: b.x, y: b.y, w: b.width, h: b.height })), more, pending: c.pending };
  });
  assert.equal(drawn.pending, 60);
  const r = drawn.rects;
  const overlapping = r.filter((a, i) => r.some((b, j) => j > i && a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h));
  assert.deepEqual(overlapping, [], "no two operation bars overprint");
  const hidden = Number(/^\+(\d+) more$/.exec(drawn.more)?.[1] ?? 0);
  assert.ok(r.length >= 10, `most operations are drawn (${r.length})`);
  assert.equal(r.length + hidden, 60, `every operation is drawn or counted (${r.length} drawn, "${drawn.more}")`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("15 acceptors × 9 proposers fit the box, labels apart (1280×800 and phone)", async () => {
  for (const viewport of [{ width: 1280, height: 800 }, PHONE]) {
    const { page, errors } = await open(browser.context, `${server.url}?scenario=none`, { viewport });
    await page.evaluate(async () => {
      const f = document.getElementById("rebuild");
      f.acceptors.value = 15;
      f.proposers.value = 9;
      f.requestSubmit();
      const c = window.playground.cluster;
      for (let i = 1; i <= 9; i++) c.increment("k", { proposer: `p${i}` });
      c.runFor(40);
      window.playground.refresh();
    });
    const m = await page.evaluate((src) => new Function(`return (${src})()`)(), measureLabels.toString());
    const lanes = await page.$$eval("#timeline text.lane-label", (ts) => ts.map((t) => t.textContent));
    assert.equal(lanes.length, 24);
    assert.deepEqual(m.outside, [], `${viewport.width}: nothing outside the box`);
    assert.deepEqual(m.overlaps, [], `${viewport.width}: overlapping labels`);
    if (viewport === PHONE) await page.locator("#timeline").screenshot({ path: path.join(SHOTS, "timeline-24-lanes-phone.png") });
    assert.deepEqual(errors, []);
    await page.close();
  }
});

test("acceptor-state tables never wrap inside a token", async () => {
  for (const viewport of [{ width: 1280, height: 800 }, PHONE]) {
    const { page, errors } = await playScenario("lock", viewport);
    const broken = await page.evaluate(() => {
      const out = [];
      for (const td of document.querySelectorAll("#acceptor-state td")) {
        const text = td.firstChild;
        if (!text || text.nodeType !== Node.TEXT_NODE) continue;
        let at = 0;
        for (const token of text.data.split(" ")) {
          const range = document.createRange();
          range.setStart(text, at);
          range.setEnd(text, at + token.length);
          const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
          if (lines.size > 1) out.push(token);
          at += token.length + 1;
        }
      }
      return out;
    });
    assert.deepEqual(broken, [], `${viewport.width}: tokens broken across lines`);
    assert.deepEqual(errors, []);
    await page.close();
  }
});

test("phone: a vertical swipe over the timeline scrolls the page, a horizontal one pans the timeline, a pinch zooms; targets ≥ 24 × 24 px", async () => {
  const { page, errors } = await playScenario("counter", PHONE);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Emulation.setTouchEmulationEnabled", { enabled: true, maxTouchPoints: 5 });
  await page.evaluate(() => { window.scrollTo(0, 0); const tl = window.playground.timeline; tl.follow = false; tl.resetZoom(); tl.t0 = 100; window.playground.refresh(); });
  const r = await page.$eval("#timeline", (el) => { const b = el.getBoundingClientRect(); return { x: b.left + b.width / 2, y: b.top + b.height / 2, top: b.top, bottom: b.bottom }; });
  assert.ok(r.bottom < PHONE.height, "the timeline is in view on arrival");
  const view = () => page.evaluate(() => ({ scrollY: window.scrollY, scrollX: window.scrollX, t0: window.playground.timeline.t0, msPerPx: window.playground.timeline.msPerPx }));
  const touch = (type, points) => cdp.send("Input.dispatchTouchEvent", { type, touchPoints: points.map(([x, y, id]) => ({ x, y, id })) });
  const swipe = async (dx, dy) => {
    await touch("touchStart", [[r.x, r.y, 1]]);
    for (let i = 1; i <= 10; i++) await touch("touchMove", [[r.x + (dx * i) / 10, r.y + (dy * i) / 10, 1]]);
    await touch("touchEnd", []);
    // Let a fling settle: the page is still when the next gesture starts.
    await page.evaluate(async () => {
      for (let y = -1; y !== window.scrollY; ) {
        y = window.scrollY;
        await new Promise((done) => setTimeout(done, 200));
      }
    });
  };
  const start = await view();
  // Swipe up over the timeline: the page scrolls, the timeline stays.
  await swipe(0, -250);
  const scrolled = await view();
  assert.ok(scrolled.scrollY > start.scrollY + 100, `the page scrolled over the timeline (${start.scrollY} → ${scrolled.scrollY})`);
  assert.equal(scrolled.t0, start.t0, "the timeline did not pan");
  // Negative control: a timeline that traps touch (touch-action: none, as before) keeps the page still.
  const trap = await page.addStyleTag({ content: "#timeline, #timeline * { touch-action: none !important }" });
  await page.evaluate(() => new Promise((done) => { window.scrollTo(0, 0); requestAnimationFrame(() => requestAnimationFrame(done)); }));
  await swipe(0, -250);
  assert.equal((await view()).scrollY, 0, "the control: a trapping timeline does not scroll the page");
  await trap.evaluate((el) => el.remove());
  await page.evaluate(() => window.scrollTo(0, 0));
  // Swipe right: earlier times come into view; the page does not scroll sideways.
  await swipe(160, 0);
  const panned = await view();
  assert.ok(panned.t0 < start.t0 - 10, `the timeline panned (${start.t0} → ${panned.t0})`);
  assert.equal(panned.scrollX, 0);
  assert.equal(panned.scrollY, 0);
  // Pinch out: two fingers apart, the timeline zooms in.
  await touch("touchStart", [[r.x - 30, r.y, 1], [r.x + 30, r.y, 2]]);
  for (let d = 40; d <= 100; d += 10) await touch("touchMove", [[r.x - d, r.y, 1], [r.x + d, r.y, 2]]);
  await touch("touchEnd", []);
  const pinched = await view();
  assert.ok(pinched.msPerPx < panned.msPerPx * 0.5, `pinch zoomed in (${panned.msPerPx} → ${pinched.msPerPx} ms/px)`);
  // Targets: the timeline's buttons, and the lanes' hit areas (a tap on a lane label opens its node).
  const small = await page.$$eval("#zoom-in, #zoom-out, #fit, #follow, #play, #step, #idle", (els) => els.map((el) => {
    const b = (el.closest("label") ?? el).getBoundingClientRect();
    return { id: el.id, w: b.width, h: b.height };
  }).filter((b) => b.w < 24 || b.h < 24));
  assert.deepEqual(small, [], "buttons under 24 × 24 px");
  const lanes = await page.evaluate(() => window.playground.timeline.hits.filter((h) => h.kind === "node").map((h) => ({ node: h.node, w: h.x1 - h.x0, h: h.y1 - h.y0 })));
  assert.ok(lanes.length >= 5 && lanes.every((l) => l.w >= 24 && l.h >= 24), JSON.stringify(lanes));
  // Labels, axis labels included, stay apart on the narrow screen too.
  const m = await sweepAtDefaultZoom(page);
  assert.ok(m.labels.length > 0);
  assert.deepEqual([m.overlaps, m.offArrow, m.outside], [[], [], []], "phone: overlapping, off-arrow or outside labels");
  await page.evaluate(() => { const tl = window.playground.timeline; tl.resetZoom(); tl.t0 = 0; window.playground.refresh(); });
  await page.screenshot({ path: path.join(SHOTS, "timeline-phone.png") });
  // A tap on a node's name opens its details.
  const a2 = await page.$eval('#timeline text.lane-label[data-node="a2"]', (t) => { const b = t.getBoundingClientRect(); return { x: b.left + b.width / 2, y: b.top + b.height / 2 }; });
  await touch("touchStart", [[a2.x, a2.y, 1]]);
  await touch("touchEnd", []);
  await page.waitForFunction(() => /^a2/.test(document.querySelector("#timeline .tl-details")?.textContent ?? ""));
  await page.screenshot({ path: path.join(SHOTS, "timeline-phone-details.png") });
  assert.deepEqual(errors, []);
  await page.close();
});

test("a long run (100,000+ events): Fit draws density per lane with true counts, the DOM stays small, memory stays bounded; zoomed in, each message again", async () => {
  const { page, errors } = await open(browser.context, `${server.url}test-pages/timeline-bench.html`);
  const r = await page.evaluate(async () => {
    const { cluster: c } = await window.bench.workload(100000);
    const { timeline: tl, history } = window.bench.panels(c);
    tl.pull(c);
    const stats = c.stats();
    tl.fit(c.now);
    tl.render(c.now);
    history.render(c.now);
    const counts = [...document.querySelectorAll("#timeline text.lane-count")].map((t) => Number(t.textContent.replace(/\D/g, "")));
    const ctx = tl.canvas.getContext("2d");
    const dpr = window.devicePixelRatio || 1;
    const inked = tl.nodes.map((n) => {
      const row = ctx.getImageData(0, Math.round(tl.y(n) * dpr), tl.canvas.width, 1).data;
      let px = 0;
      for (let i = 3; i < row.length; i += 4) if (row[i] > 0) px += 1;
      return px;
    });
    const opsCounted = tl.store.opsBetween(0, c.now);
    const opsInHistory = c.history().length;
    const historyDense = document.querySelectorAll("#history path.hop-dense").length;
    const fit = { opsCounted, opsInHistory, historyDense, mode: tl.mode, dom: document.querySelectorAll("#timeline *, #history *").length, counts, inked, canvasShown: !tl.canvas.hidden };
    // Zoom into the middle at the default zoom: the messages there, one line each (fetched as a window).
    tl.follow = false;
    tl.resetZoom();
    tl.t0 = c.now / 2;
    tl.render(c.now);
    const t1 = tl.timeAt(tl.width);
    const expected = c.events(tl.store.seqRange(tl.t0 - 100, t1 + 100)[0], 20000).filter((e) => (e.kind === "deliver" || e.kind === "drop") && e.at >= tl.t0 && e.sentAt <= t1).length;
    const zoomed = { mode: tl.mode, lines: document.querySelectorAll("#timeline line.msg.delivered, #timeline line.msg.drop").length, expected, canvasShown: !tl.canvas.hidden };
    const s = tl.store;
    const memory = { events: s.events, tail: s.tail.length, window: s.window.events.length };
    const events = c.eventCount;
    const end = c.now;
    c.free();
    window.showFit = () => { tl.fit(end); tl.render(end); history.render(end); };
    return { stats, fit, zoomed, memory, events };
  });
  assert.ok(r.events >= 100000);
  assert.equal(r.fit.mode, "dense");
  assert.equal(r.fit.canvasShown, true);
  assert.ok(r.fit.dom < 400, `DOM nodes in the Fit view: ${r.fit.dom}`);
  // Each message counts once where it was sent and once where it arrived (or was lost).
  assert.equal(r.fit.counts.length, 6);
  assert.equal(r.fit.counts.reduce((a, b) => a + b, 0), r.stats.messages + r.stats.delivered + r.stats.dropped, JSON.stringify({ counts: r.fit.counts, stats: r.stats }));
  assert.ok(r.fit.inked.every((px) => px > 100), `every lane is inked: ${r.fit.inked}`);
  assert.equal(r.fit.opsCounted, r.fit.opsInHistory, "the operation histogram counts every operation once");
  assert.ok(r.fit.historyDense >= 1, "the history view draws its operations as density");
  assert.equal(r.zoomed.mode, "sparse");
  assert.equal(r.zoomed.canvasShown, false);
  assert.ok(r.zoomed.expected > 20);
  assert.equal(r.zoomed.lines, r.zoomed.expected, "one line per message in the window");
  assert.equal(r.memory.events, r.events, "the timeline saw every event");
  assert.ok(r.memory.tail <= 25000 && r.memory.window <= 60000, `bounded: ${JSON.stringify(r.memory)}`);
  await page.evaluate(() => new Promise((done) => { window.showFit(); requestAnimationFrame(done); }));
  await page.screenshot({ path: path.join(SHOTS, "timeline-dense-fit.png"), clip: { x: 0, y: 0, width: 640, height: 480 } });
  assert.deepEqual(errors, []);
  await page.close();
});

/** In the page: draws the view again from scratch (every element parsed anew) and returns the
 * content as it was kept and as drawn fresh, and the elements in which they differ. */
function redrawFromScratch() {
  const tl = window.playground.timeline;
  const layers = Object.values(tl.layers);
  const drawn = () => layers.flatMap((l) => [...l.group.children].map((el) => el.outerHTML));
  const kept = drawn();
  for (const l of layers) for (const el of l.group.children) l.changed(el);
  tl.drawn = null;
  tl.render(tl.lastNow);
  const fresh = drawn();
  const differ = kept.filter((m, i) => m !== fresh[i]);
  return { kept: kept.length, fresh: fresh.length, differ };
}

/** In the page: `n` frames of 2 virtual ms each (as playing draws them); per frame the elements
 * parsed and kept, and how many the timeline holds. `rebuild`: each frame marks every element
 * changed first (what a whole rebuild, the drawing before, parsed). */
async function playFrames([n, rebuild]) {
  const pg = window.playground;
  const tl = pg.timeline;
  const layers = Object.values(tl.layers);
  const total = (k) => layers.reduce((a, l) => a + l[k], 0);
  const out = [];
  for (let i = 0; i < n; i++) {
    if (rebuild) for (const l of layers) for (const el of l.group.children) l.changed(el);
    const [c0, r0] = [total("created"), total("reused")];
    pg.advance(2);
    pg.refresh();
    out.push({ created: total("created") - c0, reused: total("reused") - r0, children: layers.reduce((a, l) => a + l.group.childElementCount, 0), mode: tl.mode, shift: Math.round(tl.shift) });
  }
  return out;
}

test("playing, the timeline keeps the elements it draws again (follow and Fit): it parses only what is new, what it keeps is what a fresh drawing draws, the dense canvas redraws only changed columns", async (t) => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await page.fill("#workers", "10");
  await page.fill("#per-worker", "100");
  await page.click("#run-workers");
  await page.evaluate(() => window.playground.setPlaying(false));
  const sum = (frames, k) => frames.reduce((a, f) => a + f[k], 0);
  // The follow view: the window moves each frame; what did not move (lanes, their labels) is kept.
  const follow = await page.evaluate(async ([play, n, scratch]) => {
    const tl = window.playground.timeline;
    tl.follow = true;
    window.playground.advance(300); // the view has left t = 0: it moves with time
    const label = () => tl.svg.querySelector('text.lane-label[data-node="a1"]');
    const first = label();
    const frames = await new Function(`return (${play})`)()([n, false]);
    const sameLabel = label() === first;
    const { differ } = new Function(`return (${scratch})()`)();
    // A click on an arrow (where the browser shows it) opens that message; the hit targets are in
    // the drawing's coordinates, `shift` right of the container's.
    const line = [...tl.content.querySelectorAll("line.msg.delivered")].at(-1);
    const [r, box] = [line.getBoundingClientRect(), tl.container.getBoundingClientRect()];
    const at = [r.left + r.width / 2 - box.left, r.top + r.height / 2 - box.top];
    tl.clickAt(...at);
    const { hitTest } = await import("/timeline-draw.js");
    const unshifted = hitTest(tl.hits, ...at);
    return { frames, differ, sameLabel, clicked: tl.selected?.msg, line: Number(line.dataset.msg), unshifted: unshifted?.a?.msg ?? null };
  }, [playFrames.toString(), 30, redrawFromScratch.toString()]);
  t.diagnostic(`follow, 30 frames: kept ${sum(follow.frames, "reused")}, parsed ${sum(follow.frames, "created")} elements`);
  assert.equal(follow.sameLabel, true, "a lane label is the same element after 30 frames");
  // The first frame draws the jump `advance(300)` made (a jump is parsed at once, like a zoom);
  // from the second on the view follows: each frame keeps elements. (On CI, loaded, the first
  // frame once kept 5 of 112, every later one 53 to 93.)
  const following = follow.frames.slice(1);
  assert.ok(following.every((f) => f.reused >= 6), `every frame keeps elements: ${JSON.stringify(follow.frames)}`);
  assert.ok(follow.frames.at(-1).shift > 0, `the moving layers are shifted: ${JSON.stringify(follow.frames)}`);
  assert.ok(sum(follow.frames, "reused") > sum(follow.frames, "created"), `following, more elements are kept than parsed: ${JSON.stringify(follow.frames)}`);
  assert.equal(follow.clicked, follow.line, "a click opens the arrow under it");
  assert.notEqual(follow.unshifted, follow.line, "the control: the click's point taken unshifted misses it");
  assert.deepEqual(follow.differ, [], "follow: what is kept is what a fresh drawing draws");
  // The still layer at a zoom whose shifts are fractions of a pixel: its x is the container's, not
  // the frame's less the shift (that differs in its last digits from frame to frame, and the lane
  // or gutter was made anew): every element of it is kept.
  const madeStill = await page.evaluate(async ([play]) => {
    const tl = window.playground.timeline;
    tl.msPerPx = 0.1373;
    tl.follow = true;
    const frames = new Function(`return (${play})`)();
    await frames([1, false]);
    const first = [...tl.layers.still.group.children];
    await frames([30, false]);
    return [...tl.layers.still.group.children].filter((el) => !first.includes(el)).map((el) => el.outerHTML);
  }, [playFrames.toString()]);
  assert.deepEqual(madeStill, [], "following, the still layer is kept whole");
  // The Fit view: the window stands still; a frame parses a few elements, it keeps most.
  const fit = await page.evaluate(async ([play, n]) => {
    const tl = window.playground.timeline;
    tl.fit(window.playground.cluster.now + 200);
    return new Function(`return (${play})`)()([n, false]);
  }, [playFrames.toString(), 30]);
  const [created, reused] = [sum(fit.slice(1), "created"), sum(fit.slice(1), "reused")];
  t.diagnostic(`Fit, 29 frames: kept ${reused}, parsed ${created} elements (${fit[0].mode})`);
  assert.ok(reused > 4 * created, `Fit: kept ${reused}, parsed ${created} over 29 frames: ${JSON.stringify(fit)}`);
  assert.deepEqual(await page.evaluate(redrawFromScratch).then((r) => r.differ), [], "Fit: what is kept is what a fresh drawing draws");
  // Negative control of the reuse measure: a whole rebuild each frame (the drawing before) keeps nothing.
  const rebuilt = await page.evaluate(([play, n]) => new Function(`return (${play})`)()([n, true]), [playFrames.toString(), 5]);
  assert.deepEqual(rebuilt.map((f) => f.reused), [0, 0, 0, 0, 0], "the control: a rebuild keeps no element");
  assert.ok(rebuilt.every((f) => f.created === f.children), JSON.stringify(rebuilt));
  // Negative control of the fresh-drawing check: an element changed in place, unannounced, is caught.
  const tampered = await page.evaluate((scratch) => {
    const el = window.playground.timeline.svg.querySelector('text.lane-label[data-node="p1"]');
    el.setAttribute("fill", "#ff0000");
    window.playground.timeline.drawn = null;
    window.playground.refresh();
    return new Function(`return (${scratch})()`)();
  }, redrawFromScratch.toString());
  assert.equal(tampered.differ.length, 1, JSON.stringify(tampered.differ));
  assert.match(tampered.differ[0], /^<text class="lane-label" data-node="p1".*fill="#ff0000"/, "the control: the tampered lane label is what differs");
  assert.deepEqual(errors, []);
  await page.close();
});

/** In the page: `n` following frames of 2 virtual ms; per frame, of the messages (arrows) and
 * operations drawn in the frame before and in this one, those whose element was made anew, and
 * how many arrows went from in flight to arrived; per frame, whether each layer's children are
 * exactly what its pool holds (what the render drew: nothing left behind). `unkeyed`: the old
 * drawing, each keyed item written as markup (a changed item is parsed anew). */
async function followKeyed([n, unkeyed]) {
  const pg = window.playground;
  const tl = pg.timeline;
  const { RetainedGroup, Keyed } = await import("/timeline-retain.js");
  const { esc } = await import("/timeline-labels.js");
  const update = RetainedGroup.prototype.update;
  const markupOf = (k) => {
    const attrs = [];
    for (let i = 0; i < k.attrs.length; i += 2) attrs.push(` ${k.attrs[i]}="${esc(k.attrs[i + 1])}"`);
    return `<${k.tag}${attrs.join("")}>${k.text === null ? "" : esc(k.text)}${k.title === null ? "" : `<title>${esc(k.title)}</title>`}</${k.tag}>`;
  };
  if (unkeyed) RetainedGroup.prototype.update = function (items) { return update.call(this, items.map((k) => (k instanceof Keyed ? markupOf(k) : k))); };
  const drawn = () => {
    const els = new Map();
    for (const el of tl.content.querySelectorAll("line.msg[data-msg], rect.op[data-op]")) {
      const id = `${el.localName}${el.dataset.msg ?? el.dataset.op}`;
      els.set(id, els.has(id) ? null : el); // a message delivered twice: two arrows, not compared
    }
    return els;
  };
  const layers = Object.values(tl.layers);
  const pooled = (l) => l.byKey.size + [...l.byMarkup.values()].reduce((a, els) => a + els.length, 0);
  const frames = [];
  const seen = new Set();
  try {
    let before = drawn();
    let inflight = new Set();
    for (let i = 0; i < n; i++) {
      pg.advance(2);
      pg.refresh();
      const now = drawn();
      let kept = 0;
      let remade = 0;
      let arrived = 0;
      for (const [id, el] of now) {
        seen.add(id);
        const was = before.get(id);
        if (!was || !el) continue;
        if (was === el) kept += 1;
        else remade += 1;
        if (was === el && el.classList.contains("delivered") && inflight.has(id)) arrived += 1;
      }
      inflight = new Set([...now].filter(([, el]) => el?.classList.contains("inflight")).map(([id]) => id));
      const children = layers.reduce((a, l) => a + l.group.childElementCount, 0);
      frames.push({ kept, remade, arrived, children, exact: layers.every((l) => l.group.childElementCount === pooled(l)), sizes: layers.map((l) => [l.group.childElementCount, pooled(l)]).join("|"), mode: tl.mode });
      before = now;
    }
  } finally {
    RetainedGroup.prototype.update = update;
  }
  return { frames, seen: seen.size };
}

test("following, a frame keeps the element of each message and operation still drawn (an arrow in flight grows and arrives in place, a pending operation widens): no markup parsed; a long follow keeps the DOM to what it draws; the old drawing (markup) is caught making them anew", async (t) => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await page.fill("#workers", "10");
  await page.fill("#per-worker", "1000");
  await page.click("#run-workers");
  await page.evaluate(() => {
    window.playground.setPlaying(false);
    window.playground.timeline.follow = true;
    window.playground.advance(300);
    window.playground.refresh();
  });
  const follow = (n, unkeyed) => page.evaluate(([play, n, unkeyed]) => new Function(`return (${play})`)()([n, unkeyed]), [followKeyed.toString(), n, unkeyed]);
  const run = await follow(40, false);
  const sum = (k, r = run) => r.frames.reduce((a, f) => a + f[k], 0);
  t.diagnostic(`40 frames: kept ${sum("kept")}, made anew ${sum("remade")}, in flight to arrived in place ${sum("arrived")}`);
  assert.ok(run.frames.every((f) => f.mode === "sparse"), JSON.stringify(run.frames));
  assert.equal(sum("remade"), 0, `no message or operation drawn in two frames is made anew: ${JSON.stringify(run.frames)}`);
  assert.ok(sum("kept") > 40 * 10 && sum("arrived") >= 10, `elements are kept, arrows arrive in place: ${JSON.stringify(run.frames)}`);
  // The control: the old drawing writes each item as markup; an arrow in flight (its head moves
  // every frame), a pending operation (it widens) and an arrival are parsed anew.
  const old = await follow(10, true);
  assert.ok(sum("remade", old) >= 10 && sum("arrived", old) === 0, `the control: the old drawing makes them anew: ${JSON.stringify(old.frames)}`);
  // A long follow: each frame's DOM is exactly what it draws (what left the window is removed),
  // though far more messages passed through it than it ever holds.
  const long = await follow(400, false);
  const most = Math.max(...long.frames.map((f) => f.children));
  t.diagnostic(`400 frames: ${long.seen} messages and operations drawn, at most ${most} elements at once`);
  assert.ok(long.frames.every((f) => f.exact), "each layer holds exactly what the render drew" + JSON.stringify(long.frames.filter((f) => !f.exact).slice(0, 5)));
  assert.ok(long.seen > 3 * most, `more passed through (${long.seen}) than the DOM ever held (${most})`);
  await page.screenshot({ path: path.join(SHOTS, "timeline-follow-keyed.png") }); // (before the control below litters it)
  // The control of the bound: a pool whose removals do nothing leaves elements behind, and is caught.
  const leaky = await page.evaluate(async ([play]) => {
    const remove = Element.prototype.remove;
    Element.prototype.remove = function () {};
    try {
      return await new Function(`return (${play})`)()([20, false]);
    } finally {
      Element.prototype.remove = remove;
    }
  }, [followKeyed.toString()]);
  assert.ok(leaky.frames.some((f) => !f.exact), `the control: elements left behind are caught: ${JSON.stringify(leaky.frames)}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("following a run fed in columns, arrows in flight take their colour from the intake: drawing them fetches no message from the source; a click on one reads it for its details (control: reading each flight's message fetches)", async () => {
  const { page, errors } = await open(browser.context, `${server.url}test-pages/timeline-bench.html`);
  const r = await page.evaluate(async () => {
    const { cluster: c } = await window.bench.workload(5000);
    const { timeline: tl } = window.bench.panels(c);
    tl.pull(c);
    const events = c.events;
    let single = 0;
    c.events = function (since, limit) {
      if (limit === 1) single += 1; // what a lazy flight's `message` fetches
      return events.call(this, since, limit);
    };
    let stop = false;
    for (let w = 0; w < 10; w++) (async () => { while (!stop) await c.increment(`k${w}`, { proposer: `p${1 + (w % 3)}` }); })();
    let drawn = 0;
    for (let i = 0; i < 30; i++) {
      c.runFor(2);
      tl.pull(c);
      tl.render(c.now);
      drawn += tl.content.querySelectorAll("line.msg.inflight").length;
    }
    const drawing = single;
    const hit = tl.hits.find((h) => h.kind === "msg" && h.a.at === undefined); // an arrow in flight
    tl.clickAt((hit.x1 + hit.x2) / 2 - tl.shift, (hit.y1 + hit.y2) / 2);
    const sel = tl.selected?.a;
    const shown = sel !== undefined && sel.at === undefined && tl.sends.has(sel.msg); // (the nearest arrow: one in flight)
    const details = tl.details.el.textContent;
    const type = sel?.message.type;
    // The control: what the drawing did before (each arrow's colour read from its message).
    single = 0;
    for (const s of tl.sends.values()) void s.message.ballot.proposer;
    stop = true;
    c.events = events;
    return { drawn, drawing, shown, details, type, readAll: single, inFlight: tl.sends.size };
  });
  assert.ok(r.drawn >= 30, `arrows in flight were drawn: ${r.drawn}`);
  assert.equal(r.drawing, 0, "30 frames drawing arrows in flight fetch no message");
  assert.ok(r.shown && r.details.includes("in flight") && r.details.includes(r.type), `a click on an arrow in flight shows its message: ${JSON.stringify(r)}`);
  assert.ok(r.readAll > 0, `the control: reading each flight's message fetches (${r.readAll} of ${r.inFlight})`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the dense view while playing: only the columns that changed are drawn again, and the canvas equals a whole redraw", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  for (const [n, m] of [[30, 40], [10, 100]]) {
    await page.fill("#workers", String(n));
    await page.fill("#per-worker", String(m));
    await page.click("#run-workers");
    if (n === 30) await page.click("#idle").then(() => page.waitForSelector("#idle:not([data-running])", { timeout: 120000 }));
  }
  const r = await page.evaluate(async (play) => {
    const pg = window.playground;
    const tl = pg.timeline;
    pg.setPlaying(false);
    const dense = await import("/timeline-dense.js");
    tl.fit(pg.cluster.now + 100);
    const pixels = () => tl.canvas.getContext("2d").getImageData(0, 0, tl.canvas.width, tl.canvas.height).data;
    /** Pixels that differ between the canvas as drawn and a whole redraw of the same view. */
    const againstWhole = () => {
      const kept = pixels();
      dense.forgetDenseDraw(tl.canvas);
      tl.drawn = null;
      tl.render(tl.lastNow);
      const whole = pixels();
      const differ = [];
      for (let i = 0; i < kept.length; i += 4) if (kept[i] !== whole[i] || kept[i + 1] !== whole[i + 1] || kept[i + 2] !== whole[i + 2] || kept[i + 3] !== whole[i + 3]) differ.push([(i / 4) % tl.canvas.width, Math.floor(i / 4 / tl.canvas.width)]);
      return differ;
    };
    const redrawn = [];
    const frames = await new Function(`return (${play})`)()([20, false]);
    for (let i = 0; i < 10; i++) {
      pg.advance(2);
      pg.refresh();
      redrawn.push(dense.lastDenseDraw(tl.canvas));
    }
    const clean = againstWhole();
    // Negative control: a stray mark in a column no frame redraws survives the partial redraws.
    const ctx = tl.canvas.getContext("2d");
    ctx.fillStyle = "#000";
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillRect(tl.canvas.width - 2, 1, 1, 1);
    pg.advance(2);
    pg.refresh();
    const stray = againstWhole();
    return { modes: frames.map((f) => f.mode), redrawn: redrawn.map((d) => [d.redrawn, d.columns]), clean, stray, width: tl.canvas.width };
  }, playFrames.toString());
  assert.ok(r.modes.every((m) => m === "dense"), `the Fit view is dense: ${r.modes}`);
  assert.ok(r.redrawn.every(([n, of]) => n < of / 4), `each frame redrew few columns: ${JSON.stringify(r.redrawn)}`);
  assert.deepEqual(r.clean, [], "the canvas equals a whole redraw");
  assert.deepEqual(r.stray, [[r.width - 2, 1]], "the control: exactly the stray pixel differs");
  assert.deepEqual(errors, []);
  await page.close();
});

test("following a run fed in columns, a frame fetches only its new events (the window is extended, and equals the source's); a jump fetches a whole window", async () => {
  const { page, errors } = await open(browser.context, `${server.url}test-pages/timeline-bench.html`);
  const r = await page.evaluate(async () => {
    const { cluster: c } = await window.bench.workload(30000);
    const { timeline: tl } = window.bench.panels(c);
    tl.pull(c); // columns: no event kept as an object, a drawing fetches its window
    let fetched = 0;
    const events = c.events.bind(c);
    // Events fetched for windows (a message in flight reads its own one alone: lazyFlight).
    c.events = (since, limit) => { const got = events(since, limit); if (limit > 1) fetched += got.length; return got; };
    let stop = false;
    for (let w = 0; w < 10; w++) (async () => { while (!stop) await c.increment(`k${w}`, { proposer: `p${1 + (w % 3)}` }); })();
    const frame = async () => { await new Promise((resolve) => setTimeout(resolve, 0)); c.runFor(16); tl.pull(c); tl.render(c.now); };
    tl.follow = true;
    await frame(); // the first frame fetches its window
    const perFrame = [];
    let added = 0;
    for (let i = 0; i < 20; i++) {
      const [before, eventsBefore] = [fetched, tl.store.events];
      await frame();
      perFrame.push(fetched - before);
      added += tl.store.events - eventsBefore;
    }
    const s = tl.store;
    const w = s.window;
    const fresh = events(w.from, w.to - w.from);
    const same = fresh.length === w.events.length && fresh.every((e, i) => JSON.stringify(e) === JSON.stringify(w.events[i]));
    const mode = tl.mode;
    // The control: a jump back to the middle of the run is not the fetched window's continuation.
    tl.follow = false;
    tl.t0 = c.now / 2;
    const [jumpBefore] = [fetched];
    tl.render(c.now);
    const jump = fetched - jumpBefore;
    const jumped = tl.store.window; // the window the jump drew
    stop = true;
    return { perFrame, added, same, mode, window: [w.from, w.to, s.events], jump, jumpedWindow: jumped.to - jumped.from };
  });
  assert.equal(r.mode, "sparse", "the follow view draws each message (its window's events)");
  assert.ok(r.added > 20 * 20, `events came in while following: ${r.added}`);
  assert.ok(r.perFrame.reduce((a, b) => a + b, 0) <= r.added, `following fetched at most the new events: ${JSON.stringify(r)}`);
  assert.equal(r.window[1], r.window[2], "the window reaches the newest event");
  assert.equal(r.same, true, "the extended window holds the source's events");
  // The control: the counter sees a whole window fetched when one is (how every frame fetched
  // before), and it is more than any following frame fetched. (Not a fixed ratio: how many events
  // a frame adds depends on how fast the clients' promises settle.)
  assert.ok(r.jumpedWindow > 0 && r.jump >= r.jumpedWindow, `the control: a jump fetches its whole window (${r.jump} events for a window of ${r.jumpedWindow})`);
  assert.ok(r.jump > Math.max(...r.perFrame), `the control: a jump fetches more than a frame following (${r.jump}; a frame: ${r.perFrame})`);
  assert.deepEqual(errors, []);
  await page.close();
});

/** In the page: a histogram fed random counts (late operation outcomes too) in steps; after each
 * step its cached aggregates — density, outcomes, sums — against a fresh copy's computed whole and
 * a plain sum. `tamper`: a count written behind add()'s back at that step (the control). */
async function histogramAgainstFresh(tamper) {
  const { DensityHistogram, SENT, RECEIVED, LOST, CHANNELS, BUCKETS, outcomeChannel } = await import("/timeline-histogram.js");
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const differ = [];
  let checks = 0;
  for (let trial = 0; trial < 10; trial++) {
    const h = new DensityHistogram(5);
    let at = 0;
    const views = [[0, 0.5 + random() * 50, 300 + Math.floor(random() * 400)], [random() * 1000, 0.2 + random() * 3, 500]];
    for (let step = 0; step < 200; step++) {
      for (let k = 0; k < 40; k++) {
        at += random() * 30;
        const lane = Math.floor(random() * 5);
        const channel = Math.floor(random() * CHANNELS);
        h.seen(at, step * 40 + k);
        h.add(lane, channel, channel > LOST && random() < 0.3 ? Math.max(0, at - random() * 200) : at);
      }
      if (tamper === step) h.counts[(0 * CHANNELS + SENT) * BUCKETS + 3] += 5;
      if (step % 5) continue;
      const fresh = new DensityHistogram(5);
      fresh.copyFrom(h);
      for (const [t0, msPerPx, columns] of views) {
        checks += 1;
        const [a, b] = [h.density(t0, msPerPx, columns), fresh.density(t0, msPerPx, columns)];
        if (a.max !== b.max || a.traffic.some((v, i) => v !== b.traffic[i]) || a.lost.some((v, i) => v !== b.lost[i])) differ.push(["density", trial, step]);
        const pending = [[1, at - 5]];
        const [wa, wb] = [h.worstOutcomes(t0, msPerPx, columns, pending), fresh.worstOutcomes(t0, msPerPx, columns, pending)];
        if (wa.some((v, i) => v !== wb[i])) differ.push(["outcomes", trial, step]);
        const [b0, b1] = h.bucketRange(t0, t0 + msPerPx * columns);
        for (const channels of [[SENT, RECEIVED, LOST], [outcomeChannel(1), outcomeChannel(3)]]) {
          const plain = new Array(5).fill(0);
          for (let l = 0; l < 5; l++) for (const c of channels) for (let x = b0; x <= b1; x++) plain[l] += h.counts[(l * CHANNELS + c) * BUCKETS + x];
          if (h.sum(channels, t0, t0 + msPerPx * columns).some((v, i) => v !== plain[i])) differ.push(["sum", trial, step]);
        }
      }
    }
  }
  return { checks, differ };
}

test("the histogram's cached aggregates (prefix sums, density and outcome strips redrawn from the first changed column) equal a fresh whole computation", async () => {
  const { page, errors } = await open(browser.context, `${server.url}test-pages/timeline-bench.html`);
  const clean = await page.evaluate(histogramAgainstFresh, null);
  assert.ok(clean.checks >= 800, `checks: ${clean.checks}`);
  assert.deepEqual(clean.differ, [], "cached aggregates equal fresh ones");
  // The control: a count changed behind add()'s back (no stamp, no prefix reset) is caught as a stale sum.
  const stale = await page.evaluate(histogramAgainstFresh, 100);
  assert.ok(stale.differ.length > 0 && stale.differ.every(([what, , step]) => what === "sum" && step >= 100), JSON.stringify(stale.differ.slice(0, 5)));
  assert.deepEqual(errors, []);
  await page.close();
});

/** In the page: the history view drawn again from scratch; its content as kept and as drawn fresh
 * (in the container's coordinates: a bar's x less the moving group's shift), and where they differ. */
function historyFromScratch() {
  const h = window.playground.history;
  const layers = Object.values(h.layers);
  const drawn = () => layers.flatMap((l) => [...l.group.children].map((el) => el.outerHTML));
  const kept = drawn();
  for (const l of layers) for (const el of l.group.children) l.changed(el);
  h.drawn = null;
  h.render(h.now);
  const fresh = drawn();
  return { kept: kept.length, differ: kept.filter((m, i) => m !== fresh[i]) };
}

test("following, the history view keeps the bars still in view (the timeline's shift moves them), draws what a fresh drawing draws, and skips a frame that draws the same", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await page.fill("#workers", "10");
  await page.fill("#per-worker", "1000"); // still running when the page gets here, however loaded the machine
  await page.click("#run-workers");
  const r = await page.evaluate((scratch) => {
    const pg = window.playground;
    pg.setPlaying(false);
    const h = pg.history;
    const layers = Object.values(h.layers);
    const total = (k) => layers.reduce((a, l) => a + l[k], 0);
    pg.timeline.follow = true;
    pg.advance(300);
    pg.refresh();
    const bar = [...h.svg.querySelectorAll("rect.hop.ok")][0];
    const frames = [];
    let stayed = true;
    for (let i = 0; i < 20; i++) {
      const [c0, r0] = [total("created"), total("reused")];
      pg.advance(2);
      pg.refresh();
      frames.push({ created: total("created") - c0, reused: total("reused") - r0 });
      const x = bar.getBoundingClientRect().right;
      if (bar.isConnected && x > h.svg.getBoundingClientRect().left + 44) stayed &&= h.svg.contains(bar);
    }
    // The control of the reuse measure: every element marked changed (a whole redraw) keeps none.
    const rebuilt = [];
    for (let i = 0; i < 3; i++) {
      for (const l of layers) for (const el of l.group.children) l.changed(el);
      const r0 = total("reused");
      pg.advance(2);
      pg.refresh();
      rebuilt.push(total("reused") - r0);
    }
    const shift = h.layers.moving.group.getAttribute("transform");
    const { differ } = new Function(`return (${scratch})()`)();
    // A render with nothing new to draw changes nothing (paused: the same frame again).
    const before = [total("created"), total("reused")];
    h.render(h.now);
    const same = [total("created") - before[0], total("reused") - before[1]];
    // The control of the fresh-drawing check: a bar changed in place, unannounced, is caught.
    h.svg.querySelector("rect.hop").setAttribute("fill", "#ff0000");
    h.drawn = null;
    h.render(h.now);
    const tampered = new Function(`return (${scratch})()`)().differ;
    return { frames, stayed, rebuilt, shift, differ, same, tampered };
  }, historyFromScratch.toString());
  // A bar in flight grows each frame (parsed again); a finished one in view is kept.
  assert.ok(r.frames.every((f) => f.reused >= 3), `every frame keeps the finished bars: ${JSON.stringify(r.frames)}`);
  assert.equal(r.stayed, true, "a finished bar in view is the same element frame after frame");
  assert.deepEqual(r.rebuilt, [0, 0, 0], "the control: a whole redraw keeps no element");
  assert.match(r.shift ?? "", /^translate\(-[\d.]+ 0\)$/, "the bars are moved by the timeline's shift");
  assert.deepEqual(r.differ, [], "what the history keeps is what a fresh drawing draws");
  assert.deepEqual(r.same, [0, 0], "a frame with nothing new draws nothing");
  assert.equal(r.tampered.length, 1, JSON.stringify(r.tampered));
  assert.match(r.tampered[0], /^<rect class="hop[^"]*".*fill="#ff0000"/, "the control: the tampered bar is what differs");
  assert.deepEqual(errors, []);
  await page.close();
});
