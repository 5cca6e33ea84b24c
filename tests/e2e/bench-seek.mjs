// The page's seek at scale, for `./build.sh bench`: a run of `actions` increments made through the
// JS API, then the page's whole seek (`seekTo`) to the start, the middle, the end and random
// points, each split into its parts: the Rust seek (`Cluster.seek`), fetching events as objects
// (`events()`), the timeline store's ingest, the timeline's render, and the rest (panels).
import { open } from "./helpers.mjs";

/** In the page: a run of `actions` increments (10 keys, 3 proposers, each key through one). */
export async function buildRun(actions) {
  const pg = window.playground;
  const c = pg.cluster;
  for (let i = 0; i < actions; i++) {
    c.increment(`k${i % 10}`, { proposer: `p${1 + ((i % 10) % 3)}` });
    if (i % 10 === 9) c.runFor(10);
  }
  while (c.pending > 0) c.runUntilIdle();
  pg.refresh();
  return { events: c.eventCount, end: c.now };
}

/** In the page: times `seekTo` at each of `fractions` of the run's end, split into its parts. */
export async function profileSeeks(fractions) {
  const { Cluster } = await import("./pkg/caspaxos_playground.js");
  const { TimelineStore } = await import("./timeline-store.js");
  const { Timeline } = await import("./timeline.js");
  const pg = window.playground;
  const parts = { rust: 0, events: 0, ingest: 0, render: 0 };
  if (window.__detail) {
    const { page } = await import("./page.js");
    const { TimelineStore: S } = await import("./timeline-store.js");
    const hooks = [...page.onAdopt.map((f, i) => [page.onAdopt, i, `adopt${i}`]), ...page.onRefresh.map((f, i) => [page.onRefresh, i, `refresh${i}`])];
    for (const [arr, i, name] of hooks) { const f = arr[i]; parts[name] = 0; arr[i] = (...a) => { const t = performance.now(); try { return f(...a); } finally { parts[name] += performance.now() - t; } }; }
    parts.storeAt = 0;
    const at = S.prototype.at; S.prototype.at = function (...a) { const t = performance.now(); try { return at.apply(this, a); } finally { parts.storeAt += performance.now() - t; } };
  }
  const wrap = (proto, name, part) => {
    const f = proto[name];
    proto[name] = function (...args) {
      const t = performance.now();
      try {
        return f.apply(this, args);
      } finally {
        parts[part] += performance.now() - t;
      }
    };
    return () => { proto[name] = f; };
  };
  const unwrap = [
    wrap(Cluster.prototype, "seek", "rust"),
    wrap(Cluster.prototype, "events", "events"),
    wrap(TimelineStore.prototype, "ingest", "ingest"),
    wrap(Timeline.prototype, "render", "render"),
  ];
  const end = pg.cluster.now;
  const out = [];
  try {
    for (const f of fractions) {
      for (const k of Object.keys(parts)) parts[k] = 0;
      const until = Math.round(end * f);
      const t = performance.now();
      pg.seekTo(until);
      const whole = performance.now() - t;
      out.push({ f, until, whole, ...parts, rest: whole - parts.rust - parts.events - parts.ingest - parts.render, steps: pg.cluster.steps });
    }
  } finally {
    for (const u of unwrap) u();
  }
  return out;
}

/** Runs the profile in a fresh page of `url`: `actions` increments, then `fractions` seeks. */
export async function pageSeekProfile(context, url, actions, fractions) {
  const { page } = await open(context, `${url}?scenario=none`);
  try {
    await page.evaluate(`window.__detail = ${!!process.env.SEEK_DETAIL}; window.__buildRun = ${buildRun.toString()}; window.__profileSeeks = ${profileSeeks.toString()};`);
    const run = await page.evaluate((n) => window.__buildRun(n), actions);
    const seeks = await page.evaluate((fs) => window.__profileSeeks(fs), fractions);
    return { ...run, seeks };
  } finally {
    await page.close();
  }
}
