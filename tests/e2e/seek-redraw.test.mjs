// A seek redraws what changed, and only from what the sought point shows (issue 9, `redraw7`):
// after seeks back and forth through a run with a crash, a partition, a heal and a restart, the
// panels a seek redraws in place (the faults panel's node rows and partition editor, kept when the
// nodes are the same; the history; the timeline's operations, with thousands queued behind their
// keys; the acceptors' tables, from one `state()` per redraw) show what a page that opened the
// same point once shows — compared as the text, classes and boxes on screen of their elements.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { open, pageFixture, SHOTS } from "./helpers.mjs";

const { server, browser } = pageFixture();

/** In the page: a run of `actions` increments on 5 keys (they queue behind their keys: hundreds in
 * flight), a2 crashed, a partition, healed, a2 restarted; returns the times of those and its end. */
function makeRun(actions) {
  const pg = window.playground;
  const c = pg.cluster;
  const at = {};
  const faults = {
    [Math.round(actions * 0.3)]: ["crash", () => c.crash("a2")],
    [Math.round(actions * 0.45)]: ["partition", () => c.partition([["p1", "a1"], ["p2", "a2", "a3"]])],
    [Math.round(actions * 0.6)]: ["heal", () => c.heal()],
    [Math.round(actions * 0.75)]: ["restart", () => c.restart("a2")],
  };
  for (let i = 0; i < actions; i++) {
    c.increment(`k${i % 5}`, { proposer: `p${1 + (i % 2)}` }).catch(() => {}); // (the run's end frees the rest)
    if (i % 5 === 4) c.runFor(10);
    if (faults[i]) {
      faults[i][1]();
      at[faults[i][0]] = c.now;
    }
  }
  c.runFor(50);
  pg.refresh();
  return { ...at, end: c.now, session: c.session() };
}

/** In the page: what the redrawn panels show, once the state panel's check (after a seek's paint)
 * is done: each element of the history and of the timeline's operations as its tag, class,
 * data-op, text and box on screen (half pixels: a seek may keep the drawing's coordinates from
 * another origin, translated), the node rows, the partition editor's choices, the acceptors'
 * tables and the statistics as text. */
async function shown() {
  const verdict = document.getElementById("check-verdict");
  for (let waited = 0; verdict.dataset.checking && waited < 10000; waited += 10) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const box = (el, origin) => {
    const r = el.getBoundingClientRect();
    return [r.x - origin.x, r.y - origin.y, r.width, r.height].map((v) => Math.round(v * 2) / 2).join(",");
  };
  const elements = (svg, selector) => {
    const origin = svg.getBoundingClientRect();
    return [...svg.querySelectorAll(selector)]
      .map((el) => `${el.localName}.${el.getAttribute("class") ?? ""}#${el.dataset.op ?? ""} "${el.textContent}" @${box(el, origin)}`)
      .sort();
  };
  const text = (id) => document.getElementById(id).innerText;
  return {
    now: window.playground.cluster.now,
    history: elements(document.querySelector("#history svg"), "rect, text, path"),
    operations: elements(document.querySelector("#timeline svg"), "rect.op, text.op-label"),
    nodes: [...document.querySelectorAll("#nodes li")].map((li) => `${li.dataset.node} ${li.querySelector(".status").className}: ${li.querySelector(".status").textContent}`),
    partition: [...document.querySelectorAll("#partition-editor select")].map((s) => `${s.dataset.node} in ${s.value} of ${s.options.length}`),
    acceptors: text("acceptor-state"),
    stats: text("stats"),
  };
}

/** In a fresh page: the run of `session` opened at `until` (null: its end) in one adopt. */
async function openedAt([session, until]) {
  const { Cluster } = await import("./pkg/caspaxos_playground.js");
  const { adopt, page } = await import("./page.js");
  adopt(Cluster.fromSession(session, until === null ? {} : { until }), page.config);
  window.playground.setPlaying(false);
}

/** The differences between two `shown()` results, each named by panel and first differing entry. */
function differences(got, want) {
  const out = [];
  for (const k of Object.keys(want)) {
    const [a, b] = [got[k], want[k]];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    if (Array.isArray(a)) {
      const [onlyGot, onlyWant] = [a.filter((x) => !b.includes(x)), b.filter((x) => !a.includes(x))];
      out.push(`${k}: ${a.length} vs ${b.length} elements; sought only: ${onlyGot.slice(0, 2).join(" | ")}; fresh only: ${onlyWant.slice(0, 2).join(" | ")}`);
    } else out.push(`${k}: ${JSON.stringify(a).slice(0, 160)} vs ${JSON.stringify(b).slice(0, 160)}`);
  }
  return out;
}

/** Seeks the page through `points` (null: the end), comparing each with a fresh page opened there;
 * returns the differences found at each point. */
async function seeksAgainstFresh(page, run, points) {
  const found = [];
  for (const [i, until] of points.entries()) {
    await page.evaluate((t) => window.playground.seekTo(t), until ?? run.end);
    const sought = await page.evaluate(shown);
    const { page: fresh, errors } = await open(browser.context, `${server.url}?scenario=none`);
    await fresh.evaluate(openedAt, [run.session, until]);
    const want = await fresh.evaluate(shown);
    if (i === 0) await fresh.screenshot({ path: path.join(SHOTS, "seek-redraw-fresh.png") });
    await fresh.close();
    assert.deepEqual(errors, []);
    assert.equal(sought.now, want.now, "the same point");
    found.push(differences(sought, want));
  }
  return found;
}

test("after seeks back and forth, the history, the timeline's operations, the faults and acceptors panels show what a page opened at that point shows", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  const run = await page.evaluate(makeRun, 1500);
  const down = Math.round((run.partition + run.heal) / 2); // a2 down, the network cut
  const mended = Math.round((run.restart + run.end) / 2); // all up, healed
  const points = [down, mended, down, Math.round(run.crash / 2), null, down];
  const found = await seeksAgainstFresh(page, run, points);
  await page.screenshot({ path: path.join(SHOTS, "seek-redraw-sought.png") });
  assert.deepEqual(found, points.map(() => []), "every point as a fresh page shows it");
  // The points show what they should: a2 down and the cut at `down`, in the sought page.
  await page.evaluate((t) => window.playground.seekTo(t), down);
  const atDown = await page.evaluate(shown);
  assert.ok(atDown.nodes.includes("a2 status down: down"), atDown.nodes.join("; "));
  assert.deepEqual(atDown.partition, ["p1 in A of 3", "p2 in B of 3", "a1 in A of 3", "a2 in B of 3", "a3 in B of 3"]);
  assert.ok(atDown.history.length > 10 && atDown.operations.length > 10, `bars drawn: ${atDown.history.length} history, ${atDown.operations.length} timeline`);
  const queued = await page.evaluate(() => window.playground.timeline.store.open.size);
  assert.ok(queued > 100, `operations queue behind their keys: ${queued} in flight`);
  // The outcome strips (the history's and the dense view's) find the pending operations in view
  // from the fewer of those started there and those pending: equal to marking every pending one,
  // in the follow view, Fit and a narrow view; control: without the pending ones two of them differ.
  const strips = await page.evaluate(() => {
    const tl = window.playground.timeline;
    const s = tl.store;
    const every = (t0, msPerPx, columns, pending = [...s.open]) => s.hist.worstOutcomes(t0, msPerPx, columns, pending.map((id) => [s.opLane.data[id], s.opStart.data[id]]));
    const views = [[tl.t0, tl.msPerPx, 800], [0, s.lastAt / 800, 800], [s.lastAt * 0.45, 0.05, 800]];
    const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
    // The pending operations found, against filtering all of them, in those views and in windows
    // that begin or end at a pending operation's start (the ends of a binary search).
    const starts = [...s.open].slice(0, 40).map((id) => s.opStart.data[id]);
    const windows = [...views.map(([t0, msPerPx, columns]) => [t0, t0 + msPerPx * columns]), ...starts.flatMap((t) => [[t, t + 1], [t - 1, t], [t, t]])];
    const found = (t0, t1) => { const out = new Set(); s.forPendingStartedBetween(t0, t1, (id) => out.add(id)); return out; };
    const filtered = (t0, t1) => new Set([...s.open].filter((id) => s.opStart.data[id] >= t0 && s.opStart.data[id] <= t1));
    const wrong = windows.flatMap(([t0, t1]) => {
      const [got, want] = [found(t0, t1), filtered(t0, t1)];
      const [missing, extra] = [[...want].filter((id) => !got.has(id)), [...got].filter((id) => !want.has(id))];
      return missing.length || extra.length ? [`[${t0}, ${t1}]: missing ${missing.join(",")}; extra ${extra.join(",")}`] : [];
    });
    return { wrong, views: views.map((v) => ({ equal: same(s.opOutcomes(...v), every(...v)), control: same(s.opOutcomes(...v), every(...v, [])) })) };
  });
  assert.deepEqual(strips.wrong, [], "the pending operations started in each window, as filtering all of them finds them");
  assert.deepEqual(strips.views.map((x) => x.equal), [true, true, true], "the strips mark the pending operations as marking all of them does");
  assert.deepEqual([strips.views[0].control, strips.views[2].control], [false, false], "without the pending operations the follow and the narrow view differ (the oracle sees them)");
  assert.deepEqual(errors, []);
  await page.close();
});

test("negative control: a panel that does not redraw after a seek is caught, named at the point it went stale", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  const run = await page.evaluate(makeRun, 600);
  const down = Math.round((run.partition + run.heal) / 2);
  const mended = Math.round((run.restart + run.end) / 2);
  // After a first seek, the faults panel's refresh (node status) and the history's redraw stop: what an optimization that skipped a changed panel would do.
  await page.evaluate((t) => window.playground.seekTo(t), down);
  await page.evaluate(async () => {
    const { page: pg } = await import("./page.js");
    const i = pg.onRefresh.findIndex((f) => f.toString().includes("renderStatus"));
    pg.onRefresh[i] = () => {};
    window.playground.history.render = () => {};
  });
  const found = await seeksAgainstFresh(page, run, [down, mended]);
  assert.deepEqual(found[0], [], "at the point both last drew, nothing differs");
  const named = found[1].map((d) => d.split(":")[0]);
  // (The partition editor is set on the adopt as well: it stays right.)
  assert.deepEqual(named, ["history", "nodes"], found[1].join("\n"));
  assert.match(found[1][1], /a2 status down: down/, "the stale status is named");
  assert.deepEqual(errors, []);
  await page.close();
});
