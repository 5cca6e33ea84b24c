// The element at the end of virtual time (outside tester 17): seek(1e300) lands at
// Cluster.limits.safeInteger ms, where the clock ends. Before, an increment and play() threw
// "ms must be in 0..=0" on every frame, `playing` stayed true and the increment never answered.
// Now what is due after the end runs at it: the increment answers, play stops there, no error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { pageFixture } from "./helpers.mjs";

const { server, browser } = pageFixture();

test("after seek(1e300) an increment answers, play stops at the clock's end, nothing throws", async () => {
  const page = await browser.context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${server.url}test-pages/blank.html`);
  const r = await page.evaluate(async () => {
    const { Cluster } = await import("/pkg/caspaxos_playground.js");
    await import("/element.js");
    const el = document.createElement("caspaxos-playground"); // bare: its play waits for the reader
    const ready = new Promise((resolve) => el.addEventListener("ready", resolve, { once: true }));
    document.body.append(el);
    await ready;
    const wait = (ms) => new Promise((w) => setTimeout(w, ms));
    /** Seeks to `ms`, starts an increment, plays: its answer (or "no answer" after 10 s of real
     * time), where the clock is, and whether play still runs 300 ms after the answer. */
    const incrementAfterSeek = async (ms) => {
      el.seek(ms);
      const from = el.cluster.now;
      const answer = el.cluster.increment("zz").then((v) => `ok ${v}`, (e) => `${e.name}: ${e.message}`);
      el.speed = 100;
      el.play();
      const got = await Promise.race([answer, wait(10000).then(() => "no answer")]);
      await wait(300);
      const out = { ms, from, got, now: el.cluster.now, playing: el.playing };
      el.pause();
      return out;
    };
    const control = await incrementAfterSeek(1000);
    const end = await incrementAfterSeek(1e300);
    return { control, end, limit: Cluster.limits.safeInteger };
  });
  console.log(JSON.stringify(r));
  assert.equal(r.end.from, r.limit, "seek(1e300) lands where the clock ends");
  assert.match(r.end.got, /^(ok \d+|Unavailable: .*)$/, `the increment answers at the end: ${JSON.stringify(r.end)}`);
  assert.equal(r.end.now, r.limit, "the clock stays at its end");
  assert.equal(r.end.playing, false, "play stops at the clock's end");
  // Control: after seek(1000) time runs past where it landed and the bare element's play goes on
  // (it waits for the reader), so the stop above is the end's doing.
  assert.equal(r.control.from, 1000);
  assert.match(r.control.got, /^ok \d+$/);
  assert.ok(r.control.now > 1000, JSON.stringify(r.control));
  assert.equal(r.control.playing, true, JSON.stringify(r.control));
  assert.deepEqual(errors, []);
  await page.close();
});
