// Pipelining in the page (issue 14 §2): the cluster form's pipeline bound and envelopes switch,
// their bad values, and an envelope on the timeline: one arrow labelled with its count, whose
// details list its parts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { open, pageFixture } from "./helpers.mjs";

const { server, browser } = pageFixture();

/** Increments keys a, b, c and d at once through p1, runs to the end; what the cluster saw. */
const fourKeys = (page) => page.evaluate(() => {
  const c = window.playground.cluster;
  for (const k of ["a", "b", "c", "d"]) c.increment(k, { proposer: "p1" });
  c.runUntilIdle();
  window.playground.refresh();
  const s = c.stats();
  return { ok: s.ok, messages: s.messages, deliveries: s.deliveries, parked: s.parked, start: c.session().start };
});

test("the cluster form's pipeline and envelopes fields switch pipelining on and off; a bad bound is refused naming the field", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  assert.equal(await page.getAttribute("input[name=pipeline]", "max"), "256", "bounded by Cluster.limits.pipeline");
  await page.fill("input[name=pipeline]", "3");
  await page.check("input[name=envelopes]");
  await page.click("#rebuild button[type=submit]");
  assert.equal(await page.textContent("#rebuild-error"), "");
  const on = await fourKeys(page);
  assert.equal(on.ok, 4);
  assert.equal(on.parked, 1, "d waited for a lane");
  assert.ok(on.deliveries < on.messages, `envelopes: ${JSON.stringify(on)}`);
  assert.equal(on.start.pipeline, 3);
  assert.equal(on.start.envelopes, true);
  assert.equal(await page.inputValue("input[name=pipeline]"), "3", "the form shows the running cluster's bound");
  assert.equal(await page.isChecked("input[name=envelopes]"), true);

  await page.fill("input[name=pipeline]", "0");
  await page.click("#rebuild button[type=submit]");
  assert.match(await page.textContent("#rebuild-error"), /^InvalidArgument: options\.pipeline must be in 1\.\.=256, got 0/);

  await page.fill("input[name=pipeline]", "");
  await page.uncheck("input[name=envelopes]");
  await page.click("#rebuild button[type=submit]");
  const off = await fourKeys(page);
  assert.equal(off.parked, 0, "empty: no bound");
  assert.equal(off.deliveries, off.messages, "off: one delivery per message");
  assert.equal(off.start.pipeline, undefined);
  assert.equal(off.start.envelopes, undefined);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the timeline draws an envelope as one arrow labelled with its count; its details list the parts", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=none`);
  await page.fill("input[name=pipeline]", "3");
  await page.check("input[name=envelopes]");
  await page.click("#rebuild button[type=submit]");
  await fourKeys(page);
  await page.evaluate(() => { const tl = window.playground.timeline; tl.follow = false; tl.resetZoom(); tl.t0 = 0; window.playground.refresh(); });
  const drawn = await page.evaluate(() => {
    const lines = [...document.querySelectorAll("#timeline line.msg")];
    const first = lines.filter((l) => window.playground.timeline.hits.some((h) => h.kind === "msg" && String(h.a.msg) === l.dataset.msg && h.a.sentAt === 0 && h.a.from === "p1"));
    return {
      firstInstant: first.map((l) => ({ parts: l.dataset.parts, envelope: l.classList.contains("envelope") })),
      labels: [...document.querySelectorAll("#timeline text.msg-label")].map((t) => t.textContent).filter((t) => t.startsWith("envelope")),
    };
  });
  // At 0 ms p1 sends a prepare for a, b and c to each of 3 acceptors: 9 messages, 3 arrows.
  assert.deepEqual(drawn.firstInstant, [...Array(3)].map(() => ({ parts: "3", envelope: true })), JSON.stringify(drawn));
  // Labels go where they fit: at least one envelope's is drawn, each with its count.
  assert.ok(drawn.labels.length > 0, "an envelope's label is drawn");
  for (const t of drawn.labels) assert.match(t, /^envelope ×[34]: (prepare|promise|accept|accepted) \d+\.p1.* …$/);

  await page.locator("#timeline").scrollIntoViewIfNeeded();
  const target = await page.evaluate(() => {
    const line = document.querySelector('#timeline line.msg.envelope[data-parts="3"]');
    const r = document.querySelector("#timeline").getBoundingClientRect();
    const at = (k) => Number(line.getAttribute(k));
    return { x: r.left + (at("x1") + at("x2")) / 2, y: r.top + (at("y1") + at("y2")) / 2 };
  });
  await page.mouse.click(target.x, target.y);
  const text = await page.locator("#timeline .tl-details").textContent();
  assert.match(text, /^envelope ×3/);
  assert.match(text, /envelope3 messages in one delivery: one latency, one loss draw/);
  assert.match(text, /part 1prepare \d+\.p1 for key "a".*part 2prepare \d+\.p1 for key "b".*part 3prepare \d+\.p1 for key "c"/);
  assert.deepEqual(errors, []);
  await page.close();
});
