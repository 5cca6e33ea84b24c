// A run opened from a share link shows its own settings in the cluster form (an outside tester
// found the previous cluster's there, and Rebuild then built another run), and the Stats panel
// shows what the optimizations it runs with change (deliveries with envelopes, reads from a
// lease, batched operations, operations that waited for a pipeline lane).
import { test } from "node:test";
import assert from "node:assert/strict";
import { open, pageFixture, runToIdle } from "./helpers.mjs";

const { server, browser } = pageFixture();

/** The cluster form's fields, as the reader sees them. */
const form = (page) => page.evaluate(() => {
  const f = document.getElementById("rebuild");
  return {
    acceptors: f.acceptors.value, proposers: f.proposers.value, seed: f.seed.value, oneRtt: f.oneRtt.checked,
    prepareQuorum: f.prepareQuorum.value, acceptQuorum: f.acceptQuorum.value, batch: f.batch.value,
    lease: f.lease.value, clockDrift: f.clockDrift.value, pipeline: f.pipeline.value, envelopes: f.envelopes.checked,
    gcDelay: f.gcDelay.value,
  };
});

/** The Stats panel's rows: { name: value }. */
const stats = (page) => page.$$eval("#stats dd", (dds) => Object.fromEntries(dds.map((d) => [d.dataset.stat, d.textContent])));

test("a share link's run fills the cluster form with its own settings; Rebuild builds that run again", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  // A cluster with settings of its own, and one the page was showing before (lease 300, seed 1).
  const link = await page.evaluate(async () => {
    const { Cluster } = await import("./pkg/caspaxos_playground.js");
    const c = new Cluster({ acceptors: 5, seed: 5, quorums: { prepare: 4, accept: 2 }, batch: { max: 3 }, leases: { duration: 200 }, clockDrift: 0.05, pipeline: 4, envelopes: true, gcDelay: 20, autoAdvance: false });
    c.put("x", 1);
    c.runFor(50);
    const text = c.sessionLink();
    c.free();
    return text;
  });
  await page.fill("input[name=lease]", "300");
  await page.click("#rebuild button[type=submit]");
  await page.evaluate((l) => { location.hash = `#session=${l}`; }, link);
  await page.waitForFunction(() => /Opened a shared run/.test(document.getElementById("session-out").textContent), null, { timeout: 20000 });
  assert.deepEqual(await form(page), {
    acceptors: "5", proposers: "2", seed: "5", oneRtt: true, prepareQuorum: "4", acceptQuorum: "2", batch: "3",
    lease: "200", clockDrift: "0.05", pipeline: "4", envelopes: true, gcDelay: "20",
  });
  await runToIdle(page);
  const before = await page.evaluate(() => window.playground.cluster.session().start);
  await page.click("#rebuild button[type=submit]");
  assert.equal(await page.textContent("#rebuild-error"), "");
  const after = await page.evaluate(() => window.playground.cluster.session().start);
  assert.deepEqual(after, before, "Rebuild builds the opened run's cluster, not the previous one's");
  assert.deepEqual(errors, []);
  await page.close();
});

test("the Stats panel shows what envelopes, leases, batching and a pipeline bound change, only when they are on", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  const run = () => page.evaluate(() => {
    const c = window.playground.cluster;
    for (let i = 0; i < 6; i++) c.increment(`k${i % 3}`, { proposer: "p1" });
    for (let i = 0; i < 4; i++) c.get("k0", { proposer: "p1" });
    c.runUntilIdle();
    window.playground.refresh(true);
    return c.stats();
  });
  await run();
  const off = await stats(page);
  for (const name of ["deliveries (envelopes)", "reads from a lease", "batched", "waited for a pipeline lane"]) {
    assert.equal(off[name], undefined, `${name}: not shown while its switch is off`);
  }
  await page.fill("input[name=batch]", "4");
  await page.fill("input[name=lease]", "500");
  await page.fill("input[name=pipeline]", "2");
  await page.check("input[name=envelopes]");
  await page.click("#rebuild button[type=submit]");
  const s = await run();
  const on = await stats(page);
  assert.equal(on["deliveries (envelopes)"], String(s.deliveries));
  assert.ok(s.deliveries < s.messages, `envelopes carry several messages: ${s.deliveries} < ${s.messages}`);
  assert.equal(on["reads from a lease"], String(s.leaseReads));
  assert.equal(on.batched, String(s.batched));
  assert.equal(on["waited for a pipeline lane"], String(s.parked));
  assert.ok(s.parked > 0, "pipeline 2: operations on a third key waited");
  assert.deepEqual(errors, []);
  await page.close();
});
