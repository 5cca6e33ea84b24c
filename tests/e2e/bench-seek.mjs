// The page's seek at scale, for `./build.sh bench`: a run of `actions` increments made through the
// JS API, then the page's whole seek (`seekTo`) to the start, the middle, the end and random
// points, each split into its parts: the Rust seek (`Cluster.seek`), fetching events as objects
// (`events()`), the timeline store's ingest, the timeline's render, and the rest (panels); then
// the browser's style, layout and paint of the frame after it (`paint`: `toPaint` is the seek to
// the end of that paint), and the state panel's check (`check()`: in the seek, or after the paint).
import { open } from "./helpers.mjs";

/** In the page: a run of `actions` increments (10 keys, each through one of the page's proposers). */
export async function buildRun(actions) {
  const pg = window.playground;
  const c = pg.cluster;
  const proposers = c.membership().proposers; // the page starts with two: a third was refused
  for (let i = 0; i < actions; i++) {
    c.increment(`k${i % 10}`, { proposer: proposers[(i % 10) % proposers.length] });
    if (i % 10 === 9) c.runFor(10);
  }
  while (c.pending > 0) c.runUntilIdle();
  pg.refresh();
  return { events: c.eventCount, end: c.now };
}

/** In the page: times `seekTo` at each of `fractions` of the run's end, split into its parts.
 * `rewind` false: the timeline ingests the sought run's events again (the page before issue 9's
 * rewind), for a side-by-side row. `end`: the run's end (the fractions' whole). */
export async function profileSeeks(fractions, rewind = true, end = window.playground.cluster.now) {
  const { Cluster } = await import("./pkg/caspaxos_playground.js");
  const { TimelineStore } = await import("./timeline-store.js");
  const { Timeline } = await import("./timeline.js");
  const pg = window.playground;
  const parts = { rust: 0, events: 0, ingest: 0, render: 0, check: 0 };
  if (window.__detail) {
    // The page's hooks one by one, wrapped once per page (wrapped again each call, they were
    // counted once more each time) and adding into this call's `parts`.
    const { page } = await import("./page.js");
    const { TimelineStore: S } = await import("./timeline-store.js");
    window.__seekParts = parts;
    if (!window.__hooksWrapped) {
      window.__hooksWrapped = true;
      const add = (name, t) => { window.__seekParts[name] = (window.__seekParts[name] ?? 0) + performance.now() - t; };
      // Each hook named by its first words (they are anonymous arrows): `adopt3 onAdopt` is the faults panel's.
      const named = (f, i, what) => `${what}${i} ${(f.name || f.toString()).replace(/\s+/g, " ").replace(/^\(?[^)]*\)? ?=> ?\{? ?/, "").slice(0, 28)}`;
      const hooks = [...page.onAdopt.map((f, i) => [page.onAdopt, i, named(f, i, "adopt")]), ...page.onRefresh.map((f, i) => [page.onRefresh, i, named(f, i, "refresh")])];
      window.__hookNames = hooks.map(([, , name]) => name);
      for (const [arr, i, name] of hooks) { const f = arr[i]; arr[i] = (...a) => { const t = performance.now(); try { return f(...a); } finally { add(name, t); } }; }
      const at = S.prototype.at; S.prototype.at = function (...a) { const t = performance.now(); try { return at.apply(this, a); } finally { add("storeAt", t); } };
    }
    for (const name of [...window.__hookNames, "storeAt"]) parts[name] = 0;
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
  const at = TimelineStore.prototype.at;
  if (!rewind) TimelineStore.prototype.at = () => null;
  const unwrap = [
    () => { TimelineStore.prototype.at = at; },
    wrap(Cluster.prototype, "seek", "rust"),
    wrap(Cluster.prototype, "events", "events"),
    wrap(TimelineStore.prototype, "ingest", "ingest"),
    wrap(Timeline.prototype, "render", "render"),
    wrap(Cluster.prototype, "check", "check"),
  ];
  const verdict = document.getElementById("check-verdict");
  const checked = async () => {
    for (let waited = 0; verdict.dataset.checking && waited < 5000; waited += 5) await new Promise((r) => setTimeout(r, 5));
  };
  const out = [];
  try {
    for (const f of fractions) {
      for (const k of Object.keys(parts)) parts[k] = 0;
      const until = Math.round(end * f);
      const t = performance.now();
      // Registered before the seek, so its task runs first after the frame's paint: before the
      // state panel's check, which waits for that paint too (`check`, after it).
      const painted = new Promise((r) => requestAnimationFrame(() => setTimeout(() => r(performance.now() - t), 0)));
      pg.seekTo(until);
      const whole = performance.now() - t;
      const paint = (await painted) - whole;
      const rest = whole - parts.rust - parts.events - parts.ingest - parts.render;
      await checked();
      out.push({ f, until, toPaint: whole + paint, whole, ...parts, rest, paint, steps: pg.cluster.steps });
    }
  } finally {
    for (const u of unwrap) u();
  }
  return out;
}

/** Runs the profile in a fresh page of `url`: `actions` increments, then the seeks of each of
 * `rows` ({ name, fractions, rewind }). */
export async function pageSeekProfile(context, url, actions, rows) {
  const { page } = await open(context, `${url}?scenario=none`);
  try {
    await page.evaluate(`window.__detail = ${!!process.env.SEEK_DETAIL}; window.__buildRun = ${buildRun.toString()}; window.__profileSeeks = ${profileSeeks.toString()};`);
    const run = await page.evaluate((n) => window.__buildRun(n), actions);
    const out = [];
    for (const row of rows) out.push({ ...row, seeks: await page.evaluate(({ fractions, rewind }) => window.__profileSeeks(fractions, rewind), row) });
    return { ...run, rows: out };
  } finally {
    await page.close();
  }
}

/** What `./build.sh bench` prints for the page's seek: at about 100,000 and 1,000,000 events,
 * the rewound store (start, middle, end, ten random points) beside the page before it (the
 * timeline ingesting the sought run's events again; the Rust seek as now). */
export async function benchPageSeek(context, url) {
  const stats = (xs) => { const s = [...xs].sort((a, b) => a - b); return `min ${s[0].toFixed(0)} / median ${s[s.length >> 1].toFixed(0)} / max ${s.at(-1).toFixed(0)} ms`; };
  let seed = 7;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (const actions of [10_000, 100_000]) {
    const randoms = Array.from({ length: 10 }, random);
    const rows = [
      { name: "rewound (now)", fractions: [0, 0.5, 1, ...randoms], rewind: true },
      { name: "re-ingested (before)", fractions: actions > 10_000 ? [0.5, 0, 1] : [0.5, 0, 1, ...randoms.slice(0, 4)], rewind: false },
    ];
    const r = await pageSeekProfile(context, url, actions, rows);
    console.log(`page seek in a ${actions}-action run of ${r.events} events (${r.end} ms):`);
    for (const row of r.rows) {
      const s = row.seeks;
      const named = s.slice(0, 3).map((x) => `${x.f === 0 ? "start" : x.f === 1 ? "end" : "middle"} ${x.toPaint.toFixed(0)} ms`).join(", ");
      const split = ["rust", "events", "ingest", "render", "rest", "paint", "check"].map((k) => `${k} ${stats(s.map((x) => x[k])).replace(/ ms$/, "")}`).join("; ");
      console.log(`  ${row.name.padEnd(21)} to paint: ${named}; all ${s.length}: ${stats(s.map((x) => x.toPaint))} (${split} ms)`);
    }
  }
}

/** `node bench-seek.mjs [actions] [points]` (after `./build.sh build`): the page's seek alone, in
 * a run of `actions` increments (default 100,000), at the start, the middle, the end and
 * `points` random points (default 50), each split into its parts (SEEK_DETAIL=1: the page's
 * hooks one by one too). BEFORE_WWW=/path/to/another/www: that copy of the page too, side by
 * side (a page of each, the same run built in both, their seeks alternated in groups of 4);
 * THIS_WWW=/path serves "now" from there (default www/: a snapshot lets www/ change meanwhile).
 * Figures: min / median / 95th percentile / max. SEEK_PROFILE=1: a CPU profile
 * of each page's first four seeks too (the page's functions by total time). */
async function main() {
  const { serve, launch } = await import("./helpers.mjs");
  const { profiled } = await import("./profile-tools.mjs");
  const actions = Number(process.argv[2] ?? 100_000);
  const points = Number(process.argv[3] ?? 50);
  let seed = 11;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const fractions = [0, 0.5, 1, ...Array.from({ length: points }, random)];
  const builds = [["now", process.env.THIS_WWW], ...(process.env.BEFORE_WWW ? [["before", process.env.BEFORE_WWW]] : [])];
  const servers = await Promise.all(builds.map(([, www]) => serve(www)));
  const browser = await launch();
  const stats = (xs) => { const v = [...xs].sort((a, b) => a - b); return `${v[0].toFixed(1)} / ${v[v.length >> 1].toFixed(1)} / ${v[Math.min(v.length - 1, Math.ceil(v.length * 0.95) - 1)].toFixed(1)} / ${v.at(-1).toFixed(1)}`; };
  try {
    const pages = [];
    for (const [i, [name]] of builds.entries()) {
      const { page } = await open(browser.context, `${servers[i].url}?scenario=none`);
      await page.evaluate(`window.__detail = ${!!process.env.SEEK_DETAIL}; window.__buildRun = ${buildRun.toString()}; window.__profileSeeks = ${profileSeeks.toString()};`);
      pages.push({ name, page, run: await page.evaluate((n) => window.__buildRun(n), actions), seeks: [] });
    }
    const cdps = process.env.SEEK_PROFILE ? await Promise.all(pages.map(async (p) => { const cdp = await p.page.context().newCDPSession(p.page); await cdp.send("Profiler.enable"); await cdp.send("Profiler.setSamplingInterval", { interval: 200 }); return cdp; })) : null;
    for (let i = 0; i < fractions.length; i += 4) {
      for (const [k, p] of pages.entries()) {
        await p.page.bringToFront(); // a page behind another gets no animation frames
        const seeks = () => p.page.evaluate(([f, end]) => window.__profileSeeks(f, true, end), [fractions.slice(i, i + 4), p.run.end]);
        // SEEK_PROFILE=1: the first group of seeks of each page under a CDP CPU profile.
        if (cdps && i === 0) await profiled(cdps[k], `CPU profile of ${p.name}'s first 4 seeks`, async () => p.seeks.push(...(await seeks())));
        else p.seeks.push(...(await seeks()));
      }
    }
    for (const { name, run, seeks: s } of pages) {
      console.log(`page seek (${name}) in a ${actions}-action run of ${run.events} events (${run.end} ms), ${s.length} seeks (start, middle, end, ${points} random), min / median / p95 / max ms:`);
      console.log(`  to paint: start ${s[0].toPaint.toFixed(1)}, middle ${s[1].toPaint.toFixed(1)}, end ${s[2].toPaint.toFixed(1)}`);
      for (const k of Object.keys(s[0]).filter((k) => !["f", "until", "steps"].includes(k))) console.log(`  ${k.padEnd(10)} ${stats(s.map((x) => x[k]))}`);
    }
  } finally {
    await browser.close();
    for (const server of servers) await server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
