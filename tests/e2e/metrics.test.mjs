// The metrics panel (issue 14 §4): its plots and table show exactly what `cluster.metrics()`
// returns, the DOM stays the same size on a long run, and an exported session carries the plots'
// data.
import { test } from "node:test";
import assert from "node:assert/strict";
import { open, pageFixture } from "./helpers.mjs";

const { server, browser } = pageFixture();

const empty = (url) => `${url}?scenario=none`;
const HEIGHT = 70;

/** Runs a workers run to its end in virtual time and redraws the panels. */
async function runWorkers(page, workers, increments) {
  await page.evaluate(([workers, increments]) => {
    window.playground.setPlaying(false);
    const c = window.playground.cluster;
    c.runWorkers({ workers, increments, key: "hot" });
    c.runUntilIdle(10_000_000);
    window.playground.refresh();
  }, [workers, increments]);
}

/** What each plot shows: its scale's top, and per line its points as [x, y] (null at a break). */
const plotted = (page) => page.$$eval("#metrics svg", (svgs) => svgs.map((svg) => ({
  id: svg.id,
  max: Number(svg.dataset.max),
  lines: [...svg.querySelectorAll("path")].map((p) => ({ field: p.dataset.field, d: p.getAttribute("d") })),
})));

/** The values a path's `d` encodes, one per series bucket (x at the bucket's middle). */
function valuesOf(d, max, buckets) {
  const values = new Array(buckets).fill(null);
  const step = 300 / buckets;
  for (const [, x, y] of d.matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)) {
    const i = Math.round(Number(x) / step - 0.5);
    values[i] = ((HEIGHT - Number(y)) / HEIGHT) * max;
  }
  return values;
}

/** Checks every plotted value against the metrics; returns the first mismatch, or null. */
function mismatch(plots, metrics) {
  const n = metrics.series.length;
  for (const p of plots) {
    const fields = p.lines.map((l) => l.field);
    const want = Math.max(1, ...metrics.series.flatMap((b) => fields.map((f) => b[f] ?? 0)));
    if (Math.abs(p.max - want) > 1e-9) return `${p.id}: scale top ${p.max}, metrics' largest ${want}`;
    const tolerance = (0.06 / HEIGHT) * p.max; // y is rounded to 0.1 of a 70-unit plot
    for (const l of p.lines) {
      const got = valuesOf(l.d, p.max, n);
      for (let i = 0; i < n; i++) {
        const expected = metrics.series[i][l.field];
        if (expected === null ? got[i] !== null : got[i] === null || Math.abs(got[i] - expected) > tolerance) {
          return `${p.id} ${l.field} bucket ${i}: plotted ${got[i]}, metrics ${expected}`;
        }
      }
    }
  }
  return null;
}

test("the plots and the table show what metrics() returns", async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  await runWorkers(page, 10, 20);
  const metrics = await page.evaluate(() => window.playground.cluster.metrics());
  assert.ok(metrics.series.length > 3, `a run of several buckets (${metrics.series.length})`);
  assert.ok(metrics.series.some((b) => b.conflicts > 0), "ten workers on one key conflict");
  assert.equal(metrics.kinds.increment.count, 200);
  assert.equal(metrics.kinds.get.count, 2, "the run reads the key before and after");
  const plots = await plotted(page);
  assert.deepEqual(plots.map((p) => p.id), ["metric-latency", "metric-rates", "metric-costs"]);
  assert.equal(mismatch(plots, metrics), null);
  // Negative control: the comparison catches a plot of other numbers, and says where.
  const doubled = { ...metrics, series: metrics.series.map((b) => ({ ...b, retries: b.retries * 2 + 1 })) };
  assert.match(mismatch(plots, doubled) ?? "", /^metric-costs: scale top|^metric-costs retries bucket 0:/);

  const rows = await page.$$eval("#metric-kinds tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  const want = Object.entries(metrics.kinds).map(([k, s]) => [k, ...["count", "p50", "p90", "p99", "max"].map((f) => String(s[f]))]);
  assert.deepEqual(rows, want);
  const inc = metrics.kinds.increment;
  assert.ok(inc.p50 <= inc.p90 && inc.p90 <= inc.p99 && inc.p99 <= inc.max, JSON.stringify(inc));
  assert.deepEqual(errors, []);
  await page.close();
});

test("the panel's DOM stays the same size on a long run, and the series at most 60 buckets", async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  const size = () => page.evaluate(() => ({
    elements: document.querySelectorAll("#metrics *, #metric-kinds *").length,
    points: [...document.querySelectorAll("#metrics path")].map((p) => (p.getAttribute("d") ?? "").split(/[ML]/).length - 1),
  }));
  await runWorkers(page, 10, 10);
  const small = await size();
  await runWorkers(page, 50, 200);
  const long = await size();
  const m = await page.evaluate(() => window.playground.cluster.metrics());
  assert.equal(m.kinds.increment.count, 100 + 10_000);
  assert.ok(m.series.length <= 60 && m.bucketMs > 100, `series ${m.series.length} buckets of ${m.bucketMs} ms`);
  assert.equal(long.elements, small.elements, "no element per operation or per bucket");
  for (const n of long.points) assert.ok(n <= 60, `a line has ${n} points`);
  assert.equal(mismatch(await plotted(page), m), null, "after merging buckets the plots still match");
  assert.deepEqual(errors, []);
  await page.close();
});

test("an exported session carries the metrics, and still opens", async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  await runWorkers(page, 3, 5);
  // The file the page offers for download: the Blob behind the link it clicks.
  await page.evaluate(() => {
    const make = URL.createObjectURL;
    URL.createObjectURL = (blob) => { window.exported = blob; return make(blob); };
    HTMLAnchorElement.prototype.click = () => {};
  });
  await page.click("#export-session");
  const doc = JSON.parse(await page.evaluate(() => window.exported.text()));
  const metrics = await page.evaluate(() => window.playground.cluster.metrics());
  assert.deepEqual(doc.metrics, metrics);
  const replayed = await page.evaluate((doc) => {
    const Cluster = window.playground.cluster.constructor;
    const c = Cluster.fromSession(doc, { until: doc.metrics.now });
    c.runUntilIdle(1_000_000);
    const m = c.metrics();
    c.free();
    return m;
  }, doc);
  assert.deepEqual(replayed.kinds, metrics.kinds, "the replay recomputes the same metrics");
  assert.deepEqual(errors, []);
  await page.close();
});
