// Where opening a long session document goes, in Chromium: `node profile-import.mjs [sizes]`
// (after `./build.sh build`). For each size (default 100000,1000000) a document of that many
// increments at point 0, opened twice in fresh pages: once with its last action malformed (the
// reading alone: it is refused after every action before it was read), once whole (reading and
// replay); each with a CDP CPU profile of the open (PROFILE=0: none) and the time per action.
// `NOW=<folder>` measures that folder's pkg/ instead of www/'s.
import { cp, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { ROOT, serve, launch } from "./helpers.mjs";
import { profiled } from "./profile-tools.mjs";

async function build([n]) {
  const m = await import("./pkg/caspaxos_playground.js");
  window.__wasm = await m.default();
  window.__m = m;
  const c = new m.Cluster({ seed: 3 });
  const doc = c.session();
  c.free();
  const a = { do: "invoke", proposer: "p1", key: "k", op: "increment", input: null, steps: 0, at: 0 };
  doc.actions = Array.from({ length: n }, () => ({ ...a }));
  window.__doc = doc;
}

function open([readOnly]) {
  const doc = window.__doc;
  if (readOnly) doc.actions[doc.actions.length - 1] = { ...doc.actions[0], do: "nothing" };
  const t = performance.now();
  let refused = null;
  try {
    window.__m.Cluster.fromSession(doc);
  } catch (e) {
    refused = e.message;
  }
  return { ms: performance.now() - t, refused, memoryMB: window.__wasm.memory.buffer.byteLength / 2 ** 20 };
}

async function main() {
  const sizes = (process.argv[2] ?? "100000,1000000").split(",").map(Number);
  let www;
  if (process.env.NOW) {
    www = path.join(ROOT, "target", "tmp", "www-profile-import");
    await rm(www, { recursive: true, force: true });
    await mkdir(www, { recursive: true });
    await cp(path.join(ROOT, "www"), www, { recursive: true });
    await rm(path.join(www, "pkg"), { recursive: true, force: true });
    await cp(path.join(process.env.NOW, "pkg"), path.join(www, "pkg"), { recursive: true });
  }
  const server = await serve(www);
  const browser = await launch();
  try {
    for (const n of sizes) {
      for (const readOnly of [true, false]) {
        const page = await browser.context.newPage();
        await page.goto(new URL("index.html?scenario=none", server.url).href);
        await page.evaluate(build, [n]);
        const cdp = await browser.context.newCDPSession(page);
        await cdp.send("Profiler.enable");
        let r;
        const label = `${n} actions, ${readOnly ? "reading alone" : "reading and replay"}`;
        if (process.env.PROFILE === "0") r = await page.evaluate(open, [readOnly]);
        else await profiled(cdp, label, async () => (r = await page.evaluate(open, [readOnly])));
        const us = (r.ms * 1e3) / n;
        console.log(`${label}: ${r.ms.toFixed(0)} ms, ${us.toFixed(1)} µs an action, wasm memory ${r.memoryMB.toFixed(0)} MB${r.refused ? `; refused: ${r.refused.slice(0, 80)}` : ""}`);
        await page.close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
