// The page's Export session keeps -0 (outside tester 15, finding 5): the file is JSON text that
// writes -0 as -0 (`JSON.stringify` writes 0), and Import reads it back bit for bit, so the
// imported run replays to the original's event-log hash.
import { test } from "node:test";
import assert from "node:assert/strict";
import { open, pageFixture } from "./helpers.mjs";

const { server, browser } = pageFixture();

test("a run that put -0: Export writes -0, Import of the file replays to the same event-log hash", async () => {
  const original = await open(browser.context, `${server.url}?scenario=none`);
  const made = await original.page.evaluate(async () => {
    const { Cluster } = await import("./pkg/caspaxos_playground.js");
    const pg = window.playground;
    const c = pg.cluster;
    c.put("k", -0);
    c.put("list", [1, -0, { z: -0 }]);
    while (c.pending > 0) c.runUntilIdle();
    pg.refresh();
    // The negative control: the text JSON.stringify writes (Export before) replays to another run.
    const plain = Cluster.fromSession(JSON.parse(JSON.stringify(c.session())));
    while (plain.tape.actions > 0 || plain.pending > 0) plain.runUntilIdle();
    const control = plain.eventLogHash();
    plain.free();
    return { hash: c.eventLogHash(), control };
  });
  assert.notEqual(made.control, made.hash, "JSON.stringify's text (0 for -0) replays to another run");
  await original.page.evaluate(() => {
    const make = URL.createObjectURL;
    URL.createObjectURL = (blob) => { window.exported = blob; return make(blob); };
    HTMLAnchorElement.prototype.click = () => {};
  });
  await original.page.click("#export-session");
  const text = await original.page.evaluate(() => window.exported.text());
  assert.equal(text.match(/(?<![\w.])-0(?![\w.])/g)?.length, 3, "the file writes each -0 as -0");
  assert.ok(text.includes("\n  "), "the file is indented JSON, as before");

  const imported = await open(browser.context, `${server.url}?scenario=none`);
  await imported.page.setInputFiles("#import-session", { name: "negzero.json", mimeType: "application/json", buffer: Buffer.from(text) });
  await imported.page.waitForFunction(() => /^Imported/.test(document.getElementById("session-out").textContent));
  const hash = await imported.page.evaluate(() => {
    const c = window.playground.cluster;
    while (c.tape.actions > 0 || c.pending > 0) c.runUntilIdle();
    return c.eventLogHash();
  });
  assert.equal(hash, made.hash, "the imported file replays to the original's event-log hash");
  assert.deepEqual([...original.errors, ...imported.errors], []);
  for (const p of [original, imported]) await p.page.close();
});
