// Seeking at scale (issue 9): the timeline store cut back to a point equals a fresh ingest of the
// run up to there (www/timeline-rewind.js), with negative controls for its oracle; the page's seek
// fetches only the last events before the point; a 100,000-action session exported, imported from
// a file, opened from a share link and sought gives the original's event-log hash.
import { test } from "node:test";
import assert from "node:assert/strict";
import { open, pageFixture } from "./helpers.mjs";

const { server, browser } = pageFixture();

/** The page with an empty cluster (no scenario playing). */
const empty = (url) => `${url}?scenario=none`;
const SEEDS = [1, 7, 42];
const POINTS = 40;

test("a timeline store cut back (or on) to any point of a varied run equals a fresh ingest up to there", async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  const r = await page.evaluate(async ({ seeds, points }) => {
    const { Cluster } = await import("./pkg/caspaxos_playground.js");
    const o = await import("/test-pages/store-oracle.js");
    const out = [];
    for (const seed of seeds) {
      const c = o.variedRun(Cluster, seed, 1500);
      const lanes = o.lanesOf(c);
      const full = o.freshStore(c);
      const rnd = o.random(seed);
      let prev = full;
      let checked = 0;
      const kinds = new Set();
      for (let i = 0; i < points; i++) {
        const until = i === 0 ? c.now : i === 1 ? 0 : Math.floor(rnd() * c.now);
        const sought = c.seek({ until });
        const want = o.freshStore(sought);
        const fromFull = full.at(sought, lanes);
        const fromPrev = prev.at(sought, lanes); // a store already cut back: forward or back again
        kinds.add(sought.eventCount < prev.events ? "back" : sought.eventCount > prev.events ? "forward" : "same");
        for (const [how, got] of [["from the furthest point", fromFull], ["from the previous point", fromPrev]]) {
          const d = o.compareStores(got, want);
          if (d.length) out.push({ seed, until, how, diff: d.slice(0, 5) });
        }
        checked += 1;
        prev = fromPrev;
        sought.free();
      }
      out.push({ seed, checked, events: c.eventCount, ops: full.opCount, sends: [...kinds].sort().join(), partitions: full.partitions.length, down: full.down.length, leases: full.leases.length, collections: full.collections.length });
      c.free();
    }
    return out;
  }, { seeds: SEEDS, points: POINTS });
  const failures = r.filter((x) => x.diff);
  assert.deepEqual(failures, [], `the rewound store differs (seed and point in each): ${JSON.stringify(failures, null, 1)}`);
  for (const run of r) {
    console.log(`seed ${run.seed}: ${run.checked} points in ${run.events} events (${run.ops} operations, ${run.down} crashes, ${run.partitions} partitions, ${run.leases} leases, ${run.collections} collections); seeks ${run.sends}`);
    assert.equal(run.checked, POINTS, `seed ${run.seed}`);
    assert.equal(run.sends, "back,forward,same", `seed ${run.seed}: stores were cut back and moved on`);
    assert.ok(run.down > 0 && run.partitions > 0 && run.leases > 0 && run.collections > 0, `seed ${run.seed}: the run has every kind of interval`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test("negative controls: the store oracle catches a count, a message in flight, a pending operation, a partition and a bucket not recounted", async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  const caught = await page.evaluate(async () => {
    const { Cluster } = await import("./pkg/caspaxos_playground.js");
    const o = await import("/test-pages/store-oracle.js");
    const c = o.variedRun(Cluster, 3, 800);
    const lanes = o.lanesOf(c);
    const full = o.freshStore(c);
    // A point with messages in flight, an operation pending and a partition that ends later.
    let sought = null;
    for (let until = Math.floor(c.now / 2); until > 0; until -= 1) {
      sought?.free();
      sought = c.seek({ until });
      const s = full.at(sought, lanes);
      if (s.sends.size && s.open.size && s.partitions.some((p) => p.end !== null)) break;
    }
    const want = o.freshStore(sought);
    const fresh = () => full.at(sought, lanes);
    const out = { clean: o.compareStores(fresh(), want) };
    const corrupt = {
      count: (s) => { s.hist.counts[s.hist.counts.findIndex((n) => n > 0)] += 1; },
      message: (s) => s.sends.delete(s.sends.keys().next().value),
      pending: (s) => s.open.delete(s.open.values().next().value),
      partition: (s) => { s.partitions.find((p) => p.end !== null).end = null; },
      bucket: (s) => s.hist.truncateMessages(s.hist.bucketRange(s.lastAt, s.lastAt)[0]),
    };
    for (const [name, f] of Object.entries(corrupt)) {
      const s = fresh();
      f(s);
      out[name] = o.compareStores(s, want);
    }
    sought.free();
    c.free();
    return out;
  });
  assert.deepEqual(caught.clean, [], "the uncorrupted store passes");
  assert.match(caught.count.join("\n"), /^histogram lane \d+ channel \d+ bucket \d+: \d+ vs \d+$/m);
  assert.match(caught.message.join("\n"), /^messages in flight:/m);
  assert.match(caught.pending.join("\n"), /^open:/m);
  assert.match(caught.partition.join("\n"), /^partitions:/m);
  assert.match(caught.bucket.join("\n"), /^histogram lane \d+ channel [012] bucket \d+: 0 vs [1-9]\d*$/m);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the page's seek cuts its timeline back: it fetches only the last events before the point, and the timeline equals a fresh ingest, also after playing on", async () => {
  const { page, errors } = await open(browser.context, empty(server.url));
  const r = await page.evaluate(async () => {
    const { Cluster } = await import("./pkg/caspaxos_playground.js");
    const o = await import("/test-pages/store-oracle.js");
    const pg = window.playground;
    const c = pg.cluster;
    for (let i = 0; i < 10_000; i++) {
      c.increment(`k${i % 10}`, { proposer: `p${1 + ((i % 10) % 2)}` });
      if (i % 10 === 9) c.runFor(10);
    }
    c.runUntilIdle();
    pg.refresh();
    let fetched = 0;
    const events = Cluster.prototype.events;
    Cluster.prototype.events = function (since, limit) {
      const got = events.call(this, since, limit);
      fetched += got.length;
      return got;
    };
    const end = c.now;
    const out = [];
    try {
      for (const f of [0.5, 0.1, 0.9, 1, 0]) {
        fetched = 0;
        pg.seekTo(Math.round(end * f));
        out.push({ f, fetched, events: pg.cluster.eventCount, diff: o.compareStores(pg.timeline.store, o.freshStore(pg.cluster)) });
      }
      pg.seekTo(Math.round(end * 0.4));
      pg.advance(500);
      pg.refresh();
      out.push({ f: "0.4, then 500 ms played", diff: o.compareStores(pg.timeline.store, o.freshStore(pg.cluster)) });
    } finally {
      Cluster.prototype.events = events;
    }
    return out;
  });
  for (const p of r) {
    assert.deepEqual(p.diff, [], `seek to ${p.f} of the run`);
    if (p.fetched !== undefined) {
      console.log(`seek to ${p.f} of the run (${p.events} events): ${p.fetched} events fetched`);
      assert.ok(p.fetched <= 4000, `seek to ${p.f}: ${p.fetched} events fetched (a rewind fetches the last ones before the point)`);
    }
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test("a session of 100,000 actions made in the page: exported, imported from the file, opened from its share link, each plays to the original's event-log hash and seeks to a replay's", async () => {
  const original = await open(browser.context, empty(server.url));
  const made = await original.page.evaluate(() => {
    const pg = window.playground;
    const c = pg.cluster;
    for (let i = 0; i < 100_000; i++) {
      c.increment(`k${i % 10}`, { proposer: `p${1 + (i % 2)}` });
      if (i % 10 === 9) c.runFor(30);
    }
    while (c.pending > 0) c.runUntilIdle();
    pg.refresh();
    return { hash: c.eventLogHash(), events: c.eventCount, actions: c.session().actions.length, end: c.now };
  });
  assert.equal(made.actions, 100_000);
  // The file the page offers for download: the Blob behind the link it clicks.
  await original.page.evaluate(() => {
    const make = URL.createObjectURL;
    URL.createObjectURL = (blob) => { window.exported = blob; return make(blob); };
    HTMLAnchorElement.prototype.click = () => {};
  });
  await original.page.click("#export-session");
  const file = { name: "caspaxos-session.json", mimeType: "application/json", buffer: Buffer.from(await original.page.evaluate(() => window.exported.text())) };
  await original.page.click("#share");
  await original.page.waitForFunction(() => /link ready/.test(document.getElementById("session-out").textContent));
  const url = await original.page.inputValue("#share-url");

  /** In a page that opened the session: plays it to its end (hash), then seeks to the middle
   * and compares with a replay of the session from the start to there. */
  const playAndSeek = (page) => page.evaluate(async (end) => {
    const { Cluster } = await import("./pkg/caspaxos_playground.js");
    const pg = window.playground;
    const c = pg.cluster;
    while (c.tape.actions > 0 || c.pending > 0) c.runUntilIdle();
    pg.refresh();
    const hash = c.eventLogHash();
    const tape = c.sessionLink();
    const middle = Math.round(end / 2);
    const t0 = performance.now();
    pg.seekTo(middle);
    const seekMs = performance.now() - t0;
    const replay = Cluster.fromSession(tape, { until: middle });
    const sought = { same: pg.cluster.eventLogHash() === replay.eventLogHash(), steps: pg.cluster.steps === replay.steps };
    replay.free();
    return { hash, sought, seekMs, note: document.getElementById("session-out").textContent };
  }, made.end);

  const imported = await open(browser.context, empty(server.url));
  await imported.page.setInputFiles("#import-session", file);
  await imported.page.waitForFunction(() => /^Imported/.test(document.getElementById("session-out").textContent));
  const fromFile = await playAndSeek(imported.page);
  const linked = await open(browser.context, url);
  assert.match(await linked.page.textContent("#session-out"), /Opened a shared run: \d+ recorded actions/);
  const fromLink = await playAndSeek(linked.page);
  console.log(`100,000 actions, ${made.events} events, link ${url.split("#session=")[1].length} characters: imported file seeks to the middle in ${fromFile.seekMs.toFixed(0)} ms, the link's run in ${fromLink.seekMs.toFixed(0)} ms`);
  for (const [name, r] of [["the imported file", fromFile], ["the share link", fromLink]]) {
    assert.equal(r.hash, made.hash, `${name} plays to the original's event-log hash`);
    assert.deepEqual(r.sought, { same: true, steps: true }, `${name}: the seek to the middle equals a replay (${r.note})`);
  }
  assert.notEqual(fromFile.hash, "0".repeat(16));
  assert.deepEqual([...original.errors, ...imported.errors, ...linked.errors], []);
  for (const p of [original, imported, linked]) await p.page.close();
});
