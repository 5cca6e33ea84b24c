// Read leases from JavaScript and in the page (issue 14 §3): the `leases` and `clockDrift`
// options and their checks, reads answered with no message, the cluster form's fields, the lease
// band on the timeline, and the "trust read leases beyond the clock drift bound" switch, whose
// search finds a stale read the linearizability checker names.
import { test } from "node:test";
import assert from "node:assert/strict";
import { open, pageFixture } from "./helpers.mjs";

const { server, browser } = pageFixture();

test("leases: reads under a lease send no message, the session records the options, the log has the lease", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  const r = await page.evaluate(async () => {
    const Cluster = window.playground.cluster.constructor;
    const c = new Cluster({ seed: 4, leases: { duration: 500 }, clockDrift: 0.02 });
    await c.put("k", 1);
    await c.get("k");
    const before = c.stats().messages;
    const reads = [await c.get("k"), await c.read("k"), await c.get("k")];
    const s = c.stats();
    const lease = c.events().find((e) => e.kind === "lease");
    const asked = c.events().find((e) => e.kind === "send" && e.message.type === "accept" && e.message.leaseMs);
    const granted = c.events().find((e) => e.kind === "send" && e.message.type === "accepted" && e.message.lease);
    const doc = c.session();
    const verdict = c.check();
    c.free();
    return { reads, sent: s.messages - before, leaseReads: s.leaseReads, lease, asked: asked?.message.leaseMs, granted: !!granted, start: doc.start, ok: verdict.ok };
  });
  assert.deepEqual(r.reads, [1, { version: 1, value: 1 }, 1]);
  assert.equal(r.sent, 0, "no message for reads under the lease");
  assert.equal(r.leaseReads, 3);
  assert.equal(r.lease.node, "p1");
  assert.equal(r.lease.key, "k");
  assert.ok(r.lease.until > r.lease.at, JSON.stringify(r.lease));
  assert.match(r.lease.text, /^\d+ms p1 lease k until \d+ms$/);
  assert.equal(r.asked, 500);
  assert.ok(r.granted, "an accepted reply says the lease was granted");
  assert.deepEqual(r.start.leases, { duration: 500 });
  assert.equal(r.start.clockDrift, 0.02);
  assert.ok(r.ok);
  assert.deepEqual(errors, []);
  await page.close();
});

test("bad lease options are InvalidArgument errors that name the field and the rule", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  const cases = [
    [{ leases: { duration: 0 } }, "options.leases.duration must be in 1..=10000, got 0"],
    [{ leases: { duration: 10001 } }, "options.leases.duration must be in 1..=10000, got 10001"],
    [{ leases: {} }, "options.leases must be an object { duration }, got an object"],
    [{ leases: true }, null],
    [{ clockDrift: 0.5 }, "options.clockDrift must be a number in 0..=0.1 with at most 6 decimals (a rate error in parts per million), got 0.5"],
    [{ clockDrift: 0.0000001 }, null],
    [{ clockDrift: "0.01" }, null],
    [{ break: { trustLeases: "yes" } }, "options.break.trustLeases must be a boolean, got the string \"yes\""],
  ];
  const results = await page.evaluate((cases) => {
    const Cluster = window.playground.cluster.constructor;
    return cases.map(([options]) => {
      try {
        new Cluster(options).free();
        return null;
      } catch (e) {
        return { name: e.name, message: e.message };
      }
    });
  }, cases);
  for (const [i, [options, message]] of cases.entries()) {
    const r = results[i];
    assert.ok(r, `${JSON.stringify(options)} is refused`);
    assert.equal(r.name, "InvalidArgument", JSON.stringify(r));
    if (message) assert.equal(r.message, message);
  }
  const limits = await page.evaluate(() => window.playground.cluster.constructor.limits);
  assert.equal(limits.leaseMs, 10000);
  assert.equal(limits.clockDrift, 0.1);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the page: the form's lease and clock drift fields, the lease band on the holder's lane", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await page.fill("input[name=lease]", "400");
  await page.fill("input[name=clockDrift]", "0.05");
  await page.click("#rebuild button[type=submit]");
  assert.equal(await page.textContent("#rebuild-error"), "");
  const run = await page.evaluate(() => {
    const c = window.playground.cluster;
    c.put("doc", "v1");
    c.runFor(100);
    c.get("doc");
    c.runFor(60);
    c.get("doc");
    c.runFor(20);
    window.playground.refresh();
    return { leaseReads: c.stats().leaseReads, start: c.session().start };
  });
  assert.equal(run.leaseReads, 1, "the second read came from the lease");
  assert.deepEqual(run.start.leases, { duration: 400 });
  assert.equal(run.start.clockDrift, 0.05);
  const band = await page.$eval("svg rect.lease", (r) => ({ node: r.dataset.node, key: r.dataset.key, width: +r.getAttribute("width"), title: r.textContent }));
  assert.equal(band.node, "p1");
  assert.equal(band.key, "doc");
  assert.ok(band.width > 1, JSON.stringify(band));
  assert.match(band.title, /^p1 holds a read lease on doc: \d+–\d+ ms$/);
  assert.equal(await page.inputValue("input[name=lease]"), "400", "the form shows the running cluster's lease");
  await page.fill("input[name=lease]", "0");
  await page.click("#rebuild button[type=submit]");
  assert.match(await page.textContent("#rebuild-error"), /^InvalidArgument: options\.leases\.duration must be in 1\.\.=10000, got 0/);
  await page.fill("input[name=lease]", "");
  await page.fill("input[name=clockDrift]", "");
  await page.click("#rebuild button[type=submit]");
  const off = await page.evaluate(() => window.playground.cluster.session().start);
  assert.equal(off.leases, undefined, "empty: off");
  assert.deepEqual(errors, []);
  await page.close();
});

test("break it: trusting read leases beyond the drift bound is found by the search, as a stale read", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await page.click("#break-lease");
  await page.click("#find");
  await page.waitForFunction(() => /counterexample at seed \d+|no counterexample/.test(document.querySelector("#find-out").textContent), null, { timeout: 180000 });
  await page.evaluate(() => window.playground.setPlaying(false));
  assert.match(await page.textContent("#find-out"), /counterexample at seed \d+ \(after \d+ runs\), caught by the linearizability checker/);
  assert.equal(await page.getAttribute("#find-out", "data-kind"), "linearizability");
  assert.match(await page.textContent("#scenario-text"), /^Counterexample, seed \d+ \(linearizability\): get k → "old" \(#\d+\) at \d+–\d+ms fits no linearization: .* "new"/);
  const shown = await page.evaluate(() => {
    window.playground.advance(300);
    window.playground.refresh();
    const c = window.playground.cluster;
    return { leases: c.session().start.leases, bands: document.querySelectorAll("svg rect.lease[data-node=p1]").length };
  });
  assert.deepEqual(shown.leases, { duration: 2000 }, "the run shown is the scripted lease run");
  assert.ok(shown.bands >= 1, "p1's lease is drawn as it plays");
  assert.deepEqual(errors, []);
  await page.close();
});
