// Exporting and importing a long session in Chromium: `node bench-export.mjs [rounds] [sizes]`
// (after `./build.sh build`). For each size (default 10000,100000 actions) a document of
// increments all at point 0 with one `put` of a small object in every hundred (a value kept
// whole on the tape), opened with `Cluster.fromSession(doc)` (import, timed), then exported five
// times with `session()` and once with `sessionLink()` (each timed), in a fresh page; and the
// engine's `JSON.parse` of the exported text, the floor of any export returning an object. The wasm
// memory is read after the import and after each export: an export must not grow it by the text
// it writes. With `BEFORE=<folder holding pkg/>` (e.g. main's www/pkg copied aside) the same runs
// alternate with that build, round by round, side by side. Each line: min / median / max.
import os from "node:os";
import { serve, launch, wwwWithPkg } from "./helpers.mjs";

/** In the page: import a document of `n` actions, then export it. */
async function exportImport(n) {
  const m = await import("./pkg/caspaxos_playground.js");
  const wasm = await m.default();
  const mb = () => wasm.memory.buffer.byteLength / 2 ** 20;
  const c = new m.Cluster({ seed: 3, proposers: 3 });
  const doc = c.session();
  c.free();
  const inc = { do: "invoke", proposer: "p1", key: "k", op: "increment", input: null, steps: 0, at: 0 };
  const put = (i) => ({ ...inc, key: `v${i % 7}`, op: "put", input: { i, name: "é ☃ \"q\"\n" } });
  doc.actions = Array.from({ length: n }, (_, i) => (i % 100 === 99 ? put(i) : { ...inc, proposer: `p${1 + (i % 3)}` }));
  let t = performance.now();
  const opened = m.Cluster.fromSession(doc);
  const importMs = performance.now() - t;
  const memoryAfterImport = mb();
  const exportMs = [];
  const memoryAfterExport = [];
  let text = "";
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    const out = opened.session();
    exportMs.push(performance.now() - t);
    memoryAfterExport.push(mb());
    if (out.actions.length !== n) throw new Error(`the export holds ${out.actions.length} actions, not ${n}`);
    if (i === 0) text = JSON.stringify(out);
  }
  // The floor of any export that returns the document as an object: the engine's parse of its text.
  t = performance.now();
  JSON.parse(text);
  const parseMs = performance.now() - t;
  t = performance.now();
  const link = opened.sessionLink();
  const linkMs = performance.now() - t;
  opened.free();
  return { importMs, exportMs, linkMs, parseMs, memoryAfterImport, memoryAfterExport, textBytes: text.length, linkChars: link.length };
}

async function timeRun(context, url, n) {
  const page = await context.newPage();
  await page.goto(new URL("index.html?scenario=none", url).href);
  const r = await page.evaluate(exportImport, n);
  await page.close();
  return r;
}

const stats = (xs, digits = 0) => {
  const v = [...xs].sort((a, b) => a - b);
  return `${v[0].toFixed(digits)} / ${v[v.length >> 1].toFixed(digits)} / ${v.at(-1).toFixed(digits)}`;
};

async function main() {
  const rounds = Number(process.argv[2] ?? 3);
  const sizes = (process.argv[3] ?? "10000,100000").split(",").map(Number);
  const servers = { now: await serve() };
  if (process.env.BEFORE) servers.before = await serve(await wwwWithPkg(process.env.BEFORE, "export-before"));
  const browser = await launch();
  try {
    for (const n of sizes) {
      const rows = {};
      const loads = [];
      for (let i = 0; i < rounds; i++) {
        for (const [name, server] of Object.entries(servers)) {
          loads.push(os.loadavg()[0]);
          (rows[name] ??= []).push(await timeRun(browser.context, server.url, n));
        }
      }
      console.log(`${n} actions, ${rounds} rounds (load ${stats(loads, 1)}), min / median / max:`);
      for (const [name, r] of Object.entries(rows)) {
        const us = (ms) => (ms * 1e3) / n;
        const exports = r.flatMap((x) => x.exportMs);
        const growth = r.flatMap((x) => x.memoryAfterExport.slice(1).map((m) => m - x.memoryAfterExport[0]));
        console.log(`  ${name.padEnd(6)} session() ${stats(exports)} ms (${stats(exports.map(us), 1)} µs an action)`);
        console.log(`  ${"".padEnd(6)} JSON.parse(its text) ${stats(r.map((x) => x.parseMs))} ms (${stats(r.map((x) => us(x.parseMs)), 1)} µs an action)`);
        console.log(`  ${"".padEnd(6)} sessionLink() ${stats(r.map((x) => x.linkMs))} ms (${stats(r.map((x) => us(x.linkMs)), 1)} µs an action)`);
        console.log(`  ${"".padEnd(6)} fromSession(doc) ${stats(r.map((x) => x.importMs))} ms (${stats(r.map((x) => us(x.importMs)), 1)} µs an action)`);
        console.log(
          `  ${"".padEnd(6)} wasm memory: after the import ${stats(r.map((x) => x.memoryAfterImport))} MB, ` +
            `after the first export ${stats(r.map((x) => x.memoryAfterExport[0]))} MB, ` +
            `exports 2-5 past the first ${stats(growth, 1)} MB; text ${r[0].textBytes} B`,
        );
      }
    }
  } finally {
    await browser.close();
    for (const s of Object.values(servers)) await s.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
