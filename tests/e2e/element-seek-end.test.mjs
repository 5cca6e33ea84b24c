// The element's "end" after seek() (outside tester 15, finding 4): a seek back replays the run to
// that time with the recorded actions still to come on the cluster's tape; the run is not over
// until they are played and their operations have ended. Before, "end" fired at once after
// seek(100) in the minority scenario (its actions at 160 and 260 ms still on the tape) and after
// seek(0) too, and play went on past the run's end.
import { test } from "node:test";
import assert from "node:assert/strict";
import { pageFixture } from "./helpers.mjs";

const { server, browser } = pageFixture();

test("after seek() the element's end comes where the first play ended, once the tape's actions are played; its detail.at is the same at every speed", async () => {
  const page = await browser.context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${server.url}test-pages/blank.html`);
  const r = await page.evaluate(async () => {
    await import("/element.js");
    const el = document.createElement("caspaxos-playground");
    el.setAttribute("scenario", "minority");
    const ready = new Promise((resolve) => el.addEventListener("ready", resolve, { once: true }));
    document.body.append(el);
    await ready;
    const ends = [];
    const details = [];
    el.addEventListener("end", (e) => {
      ends.push(e.detail.now);
      details.push(e.detail);
    });
    const RUN = new Set(["invoke", "return", "crash", "restart", "wipe", "partition", "heal", "network", "membership"]);
    /** Plays until "end" (or 20 s of real time): the virtual time it came at (a frame's step:
     * loaded, many ms), the run's last event's time, its last operation's return or action
     * (read from its events), and what was left to come then. */
    const playToEnd = async (speed = 10) => {
      const seen = ends.length;
      el.speed = speed;
      el.play();
      for (let t = 0; t < 400 && ends.length === seen; t++) await new Promise((w) => setTimeout(w, 50));
      el.pause();
      const c = el.cluster;
      const events = c.events();
      const last = events[events.length - 1];
      const lastRunEvent = events.findLast((e) => RUN.has(e.kind));
      return { speed, end: ends[seen] ?? null, detail: details[seen] ?? null, lastEventAt: last.at, lastRunEventAt: lastRunEvent.at, tape: c.tape.actions, pending: c.pending };
    };
    const first = await playToEnd();
    const sought = [];
    for (const ms of [100, 0]) {
      el.seek(ms);
      await new Promise((w) => setTimeout(w, 100)); // a frame or more: an end due at once would fire
      const at = { now: el.cluster.now, tapeAtSeek: el.cluster.tape.actions, endedAtOnce: ends.length };
      sought.push({ ms, ...at, ...(await playToEnd()) });
    }
    el.load("minority"); // the same run from the start, played at speed 1 and at speed 100
    const slow = await playToEnd(1);
    el.load("minority");
    const fast = await playToEnd(100);
    return { first, sought, ends, slow, fast };
  });
  console.log(JSON.stringify(r));
  assert.ok(r.first.end >= r.first.lastEventAt && r.first.lastEventAt >= 260, `the first play ends at or after the scenario's last action: ${JSON.stringify(r.first)}`);
  const [at100, at0] = r.sought;
  assert.equal(at100.tapeAtSeek, 2, `seek(100) leaves the actions at 160 and 260 ms on the tape: ${JSON.stringify(at100)}`);
  assert.ok(at0.tapeAtSeek > at100.tapeAtSeek, "seek(0) has more of the tape to play");
  r.sought.forEach((s, i) => {
    assert.equal(s.endedAtOnce, i + 1, `no end right after seek(${s.ms}): ${JSON.stringify(r)}`);
    assert.ok(s.end !== null && s.end >= s.lastEventAt, `after seek(${s.ms}) the run ends: ${JSON.stringify(s)}`);
    assert.equal(s.lastEventAt, r.first.lastEventAt, `after seek(${s.ms}) the run ends where the first play did: ${JSON.stringify(s)}`);
    assert.deepEqual([s.tape, s.pending], [0, 0], "nothing left to come at the end");
  });
  // The end's `at` (outside tester 16, finding 7): the run's last operation's return or action,
  // the same at every speed and after seeks, where `now` is whenever a frame noticed.
  const runs = [r.first, ...r.sought, r.slow, r.fast];
  for (const run of runs) {
    assert.equal(run.detail.at, run.lastRunEventAt, `at speed ${run.speed}, the end's at is the run's last return or action: ${JSON.stringify(run)}`);
    assert.ok(run.detail.at <= run.detail.now, `the end is noticed at or after it came: ${JSON.stringify(run)}`);
  }
  assert.deepEqual(new Set(runs.map((run) => run.detail.at)).size, 1, `one end time for every speed and seek: ${JSON.stringify(runs.map((run) => run.detail))}`);
  assert.ok(r.first.detail.at >= 260, "at or after the scenario's last action (260 ms)");
  // The negative control: `now`, which frames decide, differs between speeds (100 runs a frame's
  // many ms past the end); `at` did not.
  assert.ok(r.fast.detail.now > r.fast.detail.at && r.fast.detail.now !== r.slow.detail.now, `now depends on the frames: ${JSON.stringify([r.slow.detail, r.fast.detail])}`);
  assert.deepEqual(errors, []);
  await page.close();
});
