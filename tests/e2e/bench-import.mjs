// Opening a long session document in Chromium: `node bench-import.mjs [rounds] [sizes]` (after
// `./build.sh build`). For each size (default 100000,300000,1000000 actions) two documents: the
// increments all at point 0 (a script's loop: every one still pending when the run is opened) and
// spread over time (ten every 10 ms, at the points a run made them, replayed to its end). Each
// open is `Cluster.fromSession(doc)` in a fresh page, the document built in the page beforehand.
// With `BEFORE=<folder holding pkg/>` (e.g. a www/ built from an earlier commit) the same opens
// alternate with that build, round by round, side by side; `BEFORE_MAX` (default 300000) caps the
// sizes it runs (the build before this change took minutes at 1,000,000); `SPREAD_MAX` (default
// all) caps the sizes of the spread documents (each built by a run in the page); `NOW=<folder>` measures
// that folder's pkg/ instead of www/'s. Each line: min / median / max ms, and the wasm memory
// after the open.
import { serve, launch, wwwWithPkg } from "./helpers.mjs";

/** In the page: a document of `n` increments (`spread`: ten every 10 ms as a run made them). */
async function openDocument([n, spread]) {
  const m = await import("./pkg/caspaxos_playground.js");
  const wasm = await m.default();
  let doc;
  if (spread) {
    // The run is made through the API: each action's point is one a replay reaches.
    const c = new m.Cluster({ seed: 3, proposers: 3, latency: { min: 1, max: 5 }, autoAdvance: false });
    for (let i = 0; i < n; i++) {
      c.increment(`k${i % 10}`, { proposer: `p${1 + ((i % 10) % 3)}` });
      if (i % 10 === 9) c.runFor(10);
    }
    c.runUntilIdle();
    doc = c.session();
    c.free();
  } else {
    const c = new m.Cluster({ seed: 3 });
    doc = c.session();
    const a = { do: "invoke", proposer: "p1", key: "k", op: "increment", input: null, steps: 0, at: 0 };
    doc.actions = Array.from({ length: n }, () => ({ ...a }));
    c.free();
  }
  const t = performance.now();
  const opened = m.Cluster.fromSession(doc);
  const ms = performance.now() - t;
  const ok = opened.session().actions.length === n;
  return { ms, ok, memoryMB: wasm.memory.buffer.byteLength / 2 ** 20 };
}

async function timeOpen(context, url, n, spread) {
  const page = await context.newPage();
  await page.goto(new URL("index.html?scenario=none", url).href);
  const r = await page.evaluate(openDocument, [n, spread]);
  await page.close();
  if (!r.ok) throw new Error(`the opened run of ${n} actions does not hold them`);
  return r;
}

const stats = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return `${v[0].toFixed(0)} / ${v[v.length >> 1].toFixed(0)} / ${v.at(-1).toFixed(0)}`;
};

async function main() {
  const rounds = Number(process.argv[2] ?? 3);
  const sizes = (process.argv[3] ?? "100000,300000,1000000").split(",").map(Number);
  const beforeMax = Number(process.env.BEFORE_MAX ?? 300_000);
  const spreadMax = Number(process.env.SPREAD_MAX ?? Infinity);
  const servers = { now: await serve(process.env.NOW && (await wwwWithPkg(process.env.NOW, "import-now"))) };
  if (process.env.BEFORE) servers.before = await serve(await wwwWithPkg(process.env.BEFORE, "import-before"));
  const browser = await launch();
  try {
    for (const spread of [false, true]) {
      for (const n of sizes.filter((n) => !spread || n <= spreadMax)) {
        const rows = {};
        for (let i = 0; i < rounds; i++) {
          for (const [name, server] of Object.entries(servers)) {
            if (name === "before" && n > beforeMax) continue;
            (rows[name] ??= []).push(await timeOpen(browser.context, server.url, n, spread));
          }
        }
        console.log(`open ${n} increments ${spread ? "ten every 10 ms" : "all at point 0"}, ${rounds} rounds, min / median / max:`);
        for (const [name, r] of Object.entries(rows)) {
          const perAction = stats(r.map((x) => (x.ms * 1e3) / n));
          console.log(`  ${name.padEnd(6)} ${stats(r.map((x) => x.ms))} ms (${perAction} µs per action); wasm memory after ${stats(r.map((x) => x.memoryMB))} MB`);
        }
      }
    }
  } finally {
    await browser.close();
    for (const s of Object.values(servers)) await s.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
