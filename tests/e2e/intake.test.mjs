// The timeline's intake in columns (issue 9): `Cluster.eventColumns(since, limit)` carries, row by
// row, exactly the fields of what `events(since, limit)` returns (the rest given whole), and a
// timeline store fed columns knows what one fed the objects knows (its messages in flight read
// their objects from the cluster when asked); negative controls: a column shifted by one row is
// caught, by both oracles. Then the page: Run to idle takes the events in columns, and its
// timeline equals a fresh ingest of the run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { open, pageFixture, runToIdle } from "./helpers.mjs";

const { server, browser } = pageFixture();
const SEEDS = [1, 7];
const BATCH = 997; // batches end anywhere: mid-operation, between a send and its arrival

test("eventColumns rows equal events()' objects, a store fed them equals one fed objects, and a shifted column is caught", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  const r = await page.evaluate(async ({ seeds, size }) => {
    const { Cluster } = await import("./pkg/caspaxos_playground.js");
    const o = await import("/test-pages/store-oracle.js");
    const k = await import("/test-pages/columns-oracle.js");
    const { TimelineStore } = await import("/timeline-store.js");
    const { fetchEvents } = await import("/timeline-rewind.js");
    const fedColumns = (c, batches) => {
      const s = new TimelineStore(o.lanesOf(c), c);
      for (const b of batches) s.ingestColumns(b);
      return s;
    };
    const runs = [
      ...seeds.map((seed) => [`varied run, seed ${seed}`, o.variedRun(Cluster, seed, 1500)]),
      ["envelopes", (() => {
        const c = new Cluster({ acceptors: 3, proposers: 2, seed: 3, envelopes: true, pipeline: 4, autoAdvance: false });
        c.setDropRate(0.1);
        for (const key of ["e", "f", "g"]) c.runWorkers({ workers: 4, increments: 30, key });
        c.runUntilIdle();
        return c;
      })()],
    ];
    const out = [];
    for (const [name, c] of runs) {
      const objects = fetchEvents(c, 0, c.eventCount);
      const batches = k.batchesOf(c, size);
      const rare = batches.reduce((n, b) => n + b.rare.length, 0);
      const kinds = [...new Set(objects.map((e) => (e.parts ? `${e.kind} envelope` : e.kind)))].sort();
      const want = o.freshStore(c);
      const got = fedColumns(c, batches);
      const row = k.firstDifference(batches, objects);
      const store = o.compareStores(got, want, { tail: false });
      // Mid-run (half the batches), messages are in flight: each reads its object from the
      // cluster when asked, and the stores still agree.
      const half = batches.slice(0, batches.length >> 1);
      const midGot = fedColumns(c, half);
      const midWant = new TimelineStore(o.lanesOf(c), c);
      midWant.ingest(objects.slice(0, midGot.events));
      const lazyRead = [...midGot.sends.values()].filter((s) => Object.getOwnPropertyDescriptor(s, "message").get).length;
      store.push(...o.compareStores(midGot, midWant, { tail: false }).map((d) => `mid-run: ${d}`));
      // Negative controls: the `to` column shifted a row in the first batch.
      const bad = [k.shifted(batches[0], "to"), ...batches.slice(1)];
      const badRow = k.firstDifference(bad, objects);
      const badStore = o.compareStores(fedColumns(c, bad), want, { tail: false });
      const toOf = (e) => (e.parts ? undefined : e.to); // an envelope's row says nothing of it
      const firstShift = objects.findIndex((e, i) => i + 1 < batches[0].count && toOf(e) !== undefined && toOf(e) !== toOf(objects[i + 1]));
      out.push({ name, events: objects.length, rare, kinds, lazyRead, row, store, badRow, badStore: badStore.slice(0, 2), firstShift, tail: [got.tail.length, got.tailFrom === got.events] });
      c.free();
    }
    return out;
  }, { seeds: SEEDS, size: BATCH });
  for (const run of r) {
    console.log(`${run.name}: ${run.events} events, ${run.rare} given whole; kinds ${run.kinds.join(", ")}; ${run.lazyRead} messages in flight read lazily`);
    assert.equal(run.row, null, `${run.name}: a row differs from events()`);
    assert.deepEqual(run.store, [], `${run.name}: the store fed columns differs from one fed objects`);
    assert.deepEqual(run.tail, [0, true], `${run.name}: columns leave no tail of objects`);
    assert.ok(run.badRow?.startsWith(`event ${run.firstShift}:`), `${run.name}: the shifted column is caught at the first event it changed (${run.firstShift}): ${run.badRow}`);
    assert.ok(run.badStore.some((d) => d.startsWith("histogram") || d.startsWith("messages in flight")), `${run.name}: the store oracle catches the shifted column: ${run.badStore}`);
  }
  const varied = r.filter((x) => x.name.startsWith("varied"));
  for (const run of r) assert.ok(run.lazyRead > 0, `${run.name}: some messages were in flight mid-run`);
  for (const run of varied) {
    for (const kind of ["crash", "deliver", "drop", "duplicate", "gc", "heal", "invoke", "lease", "partition", "restart", "return", "send", "timeout", "wipe"]) assert.ok(run.kinds.includes(kind), `${run.name} has ${kind} events`);
  }
  assert.ok(r.at(-1).kinds.includes("deliver envelope") && r.at(-1).kinds.includes("drop envelope"), "the envelope run delivers and drops envelopes");
  assert.deepEqual(errors, []);
  await page.close();
});

test("bad arguments to eventColumns are clear errors, and the cluster stays usable", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  const r = await page.evaluate(async () => {
    const { Cluster } = await import("./pkg/caspaxos_playground.js");
    const c = new Cluster({ seed: 1, autoAdvance: false });
    c.runWorkers({ workers: 2, increments: 3, key: "k" });
    c.runUntilIdle();
    const thrown = [];
    for (const args of [[-1], [1.5], ["x"], [0, -2], [0, Infinity]]) {
      try {
        c.eventColumns(...args);
        thrown.push(null);
      } catch (e) {
        thrown.push(`${e.name}: ${e.message}`);
      }
    }
    const past = c.eventColumns(c.eventCount + 5, 10);
    const all = c.eventColumns();
    return { thrown, past: [past.since, past.count, past.rows.length], all: [all.since, all.count, all.rows.length / all.stride], events: c.eventCount };
  });
  for (const t of r.thrown) assert.match(t ?? "nothing thrown", /^InvalidArgument: (since|limit) /);
  assert.deepEqual(r.past, [r.events, 0, 0], "past the end: no rows, since clamped as events() clamps it");
  assert.deepEqual(r.all, [0, r.events, r.events], "no arguments: every event");
  assert.deepEqual(errors, []);
  await page.close();
});

test("Run to idle in the page takes the events in columns, and its timeline equals a fresh ingest of the run", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await page.fill("#workers", "20");
  await page.fill("#per-worker", "30");
  await page.click("#run-workers");
  await page.evaluate(() => {
    const c = window.playground.cluster;
    window.__calls = { events: 0, eventColumns: 0 };
    for (const name of ["events", "eventColumns"]) {
      const f = c[name];
      c[name] = function (...args) { window.__calls[name] += 1; return f.apply(this, args); };
    }
  });
  await runToIdle(page);
  const r = await page.evaluate(async () => {
    const o = await import("/test-pages/store-oracle.js");
    const c = window.playground.cluster;
    const calls = window.__calls;
    delete c.events;
    delete c.eventColumns;
    return { calls, events: c.eventCount, pending: c.pending, diff: o.compareStores(window.playground.timeline.store, o.freshStore(c), { tail: false }) };
  });
  assert.equal(r.pending, 0);
  assert.ok(r.events > 5000, `a run of some size: ${r.events}`);
  assert.ok(r.calls.eventColumns > 0, `the run's events came in columns: ${JSON.stringify(r.calls)}`);
  assert.deepEqual(r.diff, [], "the page's timeline store equals a fresh ingest of the run");
  assert.deepEqual(errors, []);
  await page.close();
});
