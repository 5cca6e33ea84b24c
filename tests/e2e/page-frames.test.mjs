// A frame redraws only what changed (issue 9: "every view fast at any size"): the page redraws its
// views every frame and its slower panels every 150 ms, and each writes to the DOM only what is
// new — a redraw with nothing new touches no element; a change touches the panels it concerns and
// no other. The results list reads from the cluster only rows whose state may have changed.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { open, pageFixture, SHOTS } from "./helpers.mjs";

const { server, browser } = pageFixture();
const empty = (url) => `${url}?scenario=none`;

/** In the page: runs `act`, then a full redraw (every panel, the slower ones too), and returns the
 * ids of the page's elements nearest the mutated nodes, with their mutation counts. */
function mutationsOf(page, act = "") {
  return page.evaluate((act) => {
    const counts = {};
    const owner = (n) => {
      for (let e = n.nodeType === 1 ? n : n.parentElement; e; e = e.parentElement) if (e.id) return e.id;
      return "(none)";
    };
    const observer = new MutationObserver(() => {});
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    // eslint-disable-next-line no-new-func
    new Function("playground", act)(window.playground);
    window.playground.refresh();
    for (const m of observer.takeRecords()) counts[owner(m.target)] = (counts[owner(m.target)] ?? 0) + 1;
    observer.disconnect();
    return counts;
  }, act);
}

test("a redraw with nothing new touches no element; a crash touches exactly the timeline, the node's status and its acceptor's table", async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  await page.click("#increment");
  await page.evaluate(() => { window.playground.setPlaying(false); window.playground.advance(200); });
  await page.waitForFunction(() => window.playground.cluster.pending === 0);
  await mutationsOf(page); // the increment's result, drawn once
  // The check's report comes after the paint: let it land before counting.
  await page.waitForFunction(() => !document.getElementById("check-verdict").dataset.checking);
  await mutationsOf(page);
  assert.deepEqual(await mutationsOf(page), {}, "a redraw with nothing new writes nothing");
  assert.deepEqual(await mutationsOf(page), {}, "nor does the next");
  // Control: a crash (no time passes) is drawn by the panels it concerns, and only by them.
  const crashed = await mutationsOf(page, 'playground.cluster.crash("a2")');
  assert.deepEqual(Object.keys(crashed).sort(), ["acceptor-state", "nodes", "timeline"], `the crash redrew ${JSON.stringify(crashed)}`);
  assert.equal(await page.textContent('#nodes li[data-node="a2"] .status'), "down");
  assert.deepEqual(await mutationsOf(page), {}, "and once drawn, nothing again");
  assert.deepEqual(errors, []);
  await page.close();
});

test("the results list reads from the cluster only rows whose state may have changed, and each row in flight catches up with its retries", { timeout: 120000 }, async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  const OPS = 100;
  const ATTEMPTS_READ = await page.evaluate(async () => (await import("./results.js")).ATTEMPTS_READ); // rows in flight one redraw reads
  await page.evaluate((n) => {
    const c = window.playground.cluster;
    window.playground.setPlaying(false);
    c.crash("a2");
    c.crash("a3"); // no quorum: every operation stays in flight, retrying
    for (let i = 0; i < n; i++) c.increment(`k${i}`).catch(() => {});
    window.playground.refresh();
  }, OPS);
  // Rows beyond the first redraw's share are painted when the page is idle.
  await page.waitForFunction((n) => [...document.querySelectorAll("#results li[data-op]")].filter((li) => li.textContent).length === n, OPS);
  // Counts the list's reads: `operation()` on this cluster.
  const reads = (act) => page.evaluate((act) => {
    const c = window.playground.cluster;
    let n = 0;
    const own = Object.getPrototypeOf(c).operation;
    c.operation = function (...args) { n += 1; return own.apply(this, args); };
    new Function("playground", act)(window.playground);
    window.playground.refresh();
    delete c.operation;
    return n;
  }, act);
  assert.equal(await reads(""), 0, "nothing new: no row is read");
  const moved = await reads("playground.advance(50)");
  assert.ok(moved > 0 && moved <= ATTEMPTS_READ, `new events: a turn of the rows in flight is read (${moved}), not every one of the ${OPS}`);
  // Past the first timeout every operation is on its second attempt; redraw by redraw, with new
  // events each time, every row comes to say so: ceil(100 / ATTEMPTS_READ) turns read each row once.
  await page.evaluate(() => window.playground.advance(400));
  const truth = await page.evaluate(() => {
    const c = window.playground.cluster;
    return [...document.querySelectorAll("#results li[data-op]")].map((li) => c.operation(Number(li.dataset.op)).attempts);
  });
  assert.ok(truth.every((a) => a > 1), `every operation retried: attempts ${truth.join(",")}`);
  const shownRetrying = () => page.$$eval("#results li[data-op]", (lis) => lis.filter((li) => /retrying \(attempt \d+\)/.test(li.textContent)).length);
  let redraws = 0;
  while ((await shownRetrying()) < OPS && redraws < 2 * Math.ceil(OPS / ATTEMPTS_READ)) {
    await reads("playground.advance(3)");
    redraws += 1;
  }
  assert.equal(await shownRetrying(), OPS, `every row shows its retry after ${redraws} redraws`);
  assert.ok(redraws <= Math.ceil(OPS / ATTEMPTS_READ) + 1, `within a turn of the rows: ${redraws} redraws`);
  // Control: an operation that returns is read at once (not waiting for its turn), its row final.
  await page.evaluate(() => {
    const { cluster: c, advance, refresh } = window.playground;
    c.restart("a2");
    for (let i = 0; i < 100 && c.pending > 0; i++) advance(100);
    refresh();
  });
  const rows = await page.$$eval("#results li[data-op]", (lis) => lis.map((li) => li.textContent));
  assert.ok(rows.every((t) => / → \d+$/.test(t)), `after the restart every row shows its answer: ${rows.filter((t) => !/ → \d+$/.test(t)).slice(0, 3).join(" | ")}`);
  await page.screenshot({ path: path.join(SHOTS, "page-frames-results.png") });
  assert.deepEqual(errors, []);
  await page.close();
});

test("following a run fed in columns extends the timeline's window in place, not by a copy a frame; a copy of the store extends its own window and leaves the original's", async () => {
  const { page, errors } = await open(browser.context, `${server.url}test-pages/timeline-bench.html`);
  const r = await page.evaluate(async () => {
    const { cluster: c } = await window.bench.workload(30000);
    const { timeline: tl } = window.bench.panels(c);
    tl.pull(c);
    let stop = false;
    for (let w = 0; w < 10; w++) (async () => { while (!stop) await c.increment(`k${w}`, { proposer: `p${1 + (w % 3)}` }); })();
    const frame = async () => { await new Promise((resolve) => setTimeout(resolve, 0)); c.runFor(16); tl.pull(c); tl.render(c.now); };
    tl.follow = true;
    await frame();
    await frame(); // the first extension takes the fetched window as its own
    const s = tl.store;
    const array = s.window.events;
    const from = s.window.to;
    for (let i = 0; i < 10; i++) await frame();
    const inPlace = s.window.events === array && s.window.to > from;
    // The control: a copy of the store (a seek's, timeline-rewind.js) shares the window until it
    // extends it, and then extends a copy of its own.
    const lanes = tl.nodes;
    const copy = s.at(c, lanes);
    const [length, to] = [s.window.events.length, s.window.to];
    for (let i = 0; i < 3; i++) c.runFor(16);
    copy.ingest(c.events(copy.events));
    const got = copy.eventsBetween(copy.lastAt - 100, copy.lastAt); // starts before what it ingested: an extension
    stop = true;
    return {
      inPlace,
      copyOwn: copy.window.events !== s.window.events,
      copyExtended: copy.window.to > to,
      originalKept: s.window.events.length === length && s.window.to === to,
      got: got?.length ?? null,
    };
  });
  assert.equal(r.inPlace, true, "ten frames extended the same array");
  assert.ok(r.got > 0, `the copy drew its window: ${JSON.stringify(r)}`);
  assert.deepEqual({ copyOwn: r.copyOwn, copyExtended: r.copyExtended, originalKept: r.originalKept }, { copyOwn: true, copyExtended: true, originalKept: true }, JSON.stringify(r));
  assert.deepEqual(errors, []);
  await page.close();
});

/** In the page: the panels without paint containment, and each element that sticks out of its
 * panel (paint containment clips it) where nothing between them clips or scrolls it anyway. */
function panelOverflow() {
  const uncontained = [];
  const out = [];
  for (const panel of document.querySelectorAll(".panel")) {
    if (!/paint/.test(getComputedStyle(panel).contain)) uncontained.push(panel.className);
    const box = panel.getBoundingClientRect();
    if (box.width === 0) continue; // not shown (the live world's panels)
    if (getComputedStyle(panel).overflowY !== "visible") continue; // it scrolls: it clips its content anyway
    const walk = (el) => {
      for (const child of el.children) {
        const style = getComputedStyle(child);
        if (style.display === "none") continue;
        const r = child.getBoundingClientRect();
        const sticksOut = r.width > 0 && r.height > 0 && (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5);
        const hidden = style.clipPath !== "none" || style.clip !== "auto" || style.visibility === "hidden" || style.opacity === "0";
        if (sticksOut && !hidden) out.push(`${panel.className} > ${child.tagName.toLowerCase()}${child.id ? `#${child.id}` : ""}.${child.className?.baseVal ?? child.className}`);
        if (style.overflowX === "visible" && style.overflowY === "visible" && !(child instanceof SVGElement)) walk(child);
      }
    };
    walk(panel);
  }
  return { uncontained, out };
}

test("each panel lays out and paints on its own, and nothing in it sticks out (paint containment would clip it): desktop and phone, every disclosure open; an element pushed out is caught", async () => {
  for (const viewport of [{ width: 1280, height: 720 }, { width: 390, height: 844 }]) {
    const { page, errors } = await open(browser.context, `${server.url}?scenario=dueling`, { viewport });
    await page.evaluate(() => window.playground.setSpeed(100));
    await page.waitForFunction(() => document.getElementById("claims").dataset.checked !== undefined, null, { timeout: 60000 });
    await page.evaluate(() => { for (const d of document.querySelectorAll(".panel details")) d.open = true; });
    const shown = await page.evaluate(panelOverflow);
    assert.deepEqual(shown, { uncontained: [], out: [] }, `${viewport.width}px: ${JSON.stringify(shown)}`);
    await page.screenshot({ path: path.join(SHOTS, `page-frames-panels-${viewport.width}.png`), fullPage: true });
    // Controls: a button pushed past its panel's right edge, and a panel without containment,
    // are what the check reports.
    const { out: pushed, uncontained } = await page.evaluate((fn) => {
      document.getElementById("step").style.marginLeft = "3000px";
      document.querySelector(".panel.stats").style.contain = "none";
      return eval(`(${fn})`)();
    }, panelOverflow.toString());
    assert.deepEqual(uncontained, ["panel stats"]);
    assert.ok(pushed.length >= 1 && pushed.every((p) => /timeline-panel/.test(p)) && pushed.some((p) => /#step/.test(p) || /timebar/.test(p)), `the pushed button is caught: ${JSON.stringify(pushed)}`);
    assert.deepEqual(errors, []);
    await page.close();
  }
});

test("a slower panel out of view does no work on the slow panels' turn, catches up when the player pauses and when it comes into view, and a forced redraw then finds nothing new; in view it redraws (control)", async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  const r = await page.evaluate(async () => {
    const { refresh } = await import("/page.js");
    const p = window.playground;
    const c = p.cluster;
    p.setPlaying(false);
    const frames = (n) => new Promise((resolve) => { const f = () => (n-- > 0 ? requestAnimationFrame(f) : setTimeout(resolve, 0)); f(); });
    /** Mutations under each of `ids` while `act` runs. */
    const mutations = async (ids, act) => {
      const counts = Object.fromEntries(ids.map((id) => [id, 0]));
      const observers = ids.map((id) => {
        const o = new MutationObserver((ms) => { counts[id] += ms.length; });
        o.observe(document.getElementById(id), { subtree: true, childList: true, attributes: true, characterData: true });
        return o;
      });
      await act();
      for (const [i, o] of observers.entries()) counts[ids[i]] += o.takeRecords().length;
      observers.forEach((o) => o.disconnect());
      return counts;
    };
    const work = async () => {
      for (let i = 0; i < 5; i++) c.increment(`k${i}`);
      p.advance(200);
      await new Promise((resolve) => setTimeout(resolve, 200)); // the slow panels' turn is due (150 ms)
      refresh(false); // a frame of the render loop
    };
    const panels = ["metrics", "stats", "acceptor-state"];
    await work();
    refresh(true);
    window.scrollTo(0, 0);
    await frames(2); // the observer reports them out of view
    const hidden = await mutations([...panels, "timeline"], work);
    // Owed, paid when the player pauses (out of view still), after the pause's own refresh.
    const paidOnPause = await mutations(panels, async () => {
      p.setPlaying(true);
      p.setPlaying(false);
      await Promise.resolve();
    });
    await mutations(panels, work); // owed again
    const shownUp = await mutations(panels, async () => {
      document.querySelector(".panel.stats").scrollIntoView(); // the stats and the metrics in it, the acceptor state beside it
      await frames(3);
    });
    const afterShown = await mutations(panels, async () => refresh(true));
    const inView = await mutations(panels, work);
    return { hidden, paidOnPause, shownUp, afterShown, inView, y: document.getElementById("metrics").getBoundingClientRect().top };
  });
  for (const id of ["metrics", "stats", "acceptor-state"]) {
    assert.equal(r.hidden[id], 0, `${id}, out of view: no work on the slow turn (${JSON.stringify(r)})`);
    assert.ok(r.paidOnPause[id] > 0, `${id}: drawn when the player pauses`);
    assert.ok(r.shownUp[id] > 0, `${id}: drawn when it comes into view`);
    assert.equal(r.afterShown[id], 0, `${id}: then up to date (a forced redraw writes nothing)`);
    assert.ok(r.inView[id] > 0, `${id}, in view: the slow turn redraws it (control)`);
  }
  assert.ok(r.hidden.timeline > 0, "the frame itself drew the timeline");
  assert.deepEqual(errors, []);
  await page.close();
});
