// The hosted site (`./build.sh dist`, built by `./build.sh test` before this runs): served from a
// sub-path as GitHub Pages serves it (/caspaxos/), the page, the tutorial and its element work,
// every request stays under the sub-path and finds its file, the wasm has a content-hashed name,
// nothing else ships, a missing path gets the 404 page; and the shipped wasm is within its size
// budget without the benchmark workloads.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import path from "node:path";
import { launch, open, openTutorial, ROOT } from "./helpers.mjs";
import { serveFolder } from "./static.mjs";

const DIST = path.join(ROOT, "dist");
const PREFIX = "/caspaxos/";
/** The shipped wasm's budget, gzipped (KiB, as everywhere here). Issue 12's goal is 150 KB; it is
 * NOT met: the size work brought the wasm to 151,527 bytes, then live mode (+14.6 KB), batching
 * (+4.7 KB), metrics (+2.7 KB) and flexible quorums (+1.8 KB) landed, 179,768 bytes in all
 * (README, "wasm size"). This gate holds it there (4.5 KB to spare) so nothing grows unnoticed;
 * the way back under 150 KB is loading LiveCluster's wasm only when the page switches to Live. */
const WASM_GZIP_BUDGET_BYTES = 180 * 1024;
/** Exports only the `workloads` feature compiles in (benchmarks and tests, never shipped). */
const WORKLOAD_EXPORTS = ["benchIncrements", "cluster_withCheckerWorkload"];

let server;
let browser;

before(async () => {
  server = await serveFolder(DIST, PREFIX);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function files(dir, base = dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await files(p, base)));
    else out.push(path.relative(base, p));
  }
  return out.sort();
}

/** What broke the rules of the site in a request log: paths outside the prefix, or missing. */
function strayRequests(requests) {
  return requests.filter((r) => !r.path.startsWith(PREFIX) || r.status !== 200);
}

test("the strays check catches a request outside the sub-path and a missing file (negative control)", () => {
  const log = [{ path: "/caspaxos/app.js", status: 200 }, { path: "/pkg/x.wasm", status: 200 }, { path: "/caspaxos/gone.js", status: 404 }];
  assert.deepEqual(strayRequests(log).map((r) => r.path), ["/pkg/x.wasm", "/caspaxos/gone.js"]);
});

test("dist/ holds the page, the tutorial, the element and their modules, the wasm under its content hash, and nothing else", async () => {
  const list = await files(DIST);
  const wasm = list.filter((f) => f.endsWith(".wasm"));
  assert.equal(wasm.length, 1, `one wasm: ${wasm}`);
  const bytes = await readFile(path.join(DIST, wasm[0]));
  const hash = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
  assert.equal(wasm[0], `pkg/caspaxos_playground_bg.${hash}.wasm`);
  const glue = await readFile(path.join(DIST, "pkg/caspaxos_playground.js"), "utf8");
  assert.ok(glue.includes(`'caspaxos_playground_bg.${hash}.wasm'`), "the glue loads the hashed name");
  assert.ok(!glue.includes("'caspaxos_playground_bg.wasm'"), "and no longer the plain one");
  for (const f of ["index.html", "tutorial.html", "404.html", "element.js", "app.js", "page.js", "player.js", "panels/delivery.js", "style.css", "pkg/caspaxos_playground.js"]) {
    assert.ok(list.includes(f), `${f} ships`);
  }
  const www = await readdir(path.join(ROOT, "www"));
  const panels = await readdir(path.join(ROOT, "www/panels"));
  for (const f of list) {
    const known = f.startsWith("pkg/") || f === "404.html" || www.includes(f) || (f.startsWith("panels/") && panels.includes(f.slice("panels/".length)));
    assert.ok(known, `${f} is one of the page's files`);
    assert.ok(!/\.(d\.ts|ts|map|json|md)$/.test(f) && !f.includes("test"), `${f}: no types, maps, manifests or tests`);
  }
  // Relative URLs only: no root-relative src/href/import in the HTML and JS that ship.
  for (const f of list.filter((x) => /\.(html|js|css)$/.test(x) && x !== "404.html")) {
    const text = await readFile(path.join(DIST, f), "utf8");
    const rooted = text.match(/(?:src|href)\s*=\s*["']\/(?!\/)[^"']*|from\s+["']\/[^"']*|url\(\s*["']?\/(?!\/)[^)]*/g);
    assert.equal(rooted, null, `${f} uses root-relative URLs: ${rooted}`);
  }
});

test("the shipped wasm is within 150 KB gzipped and has no benchmark or test workloads", async () => {
  const list = await files(DIST);
  const bytes = await readFile(path.join(DIST, list.find((f) => f.endsWith(".wasm"))));
  const gzipped = gzipSync(bytes, { level: 9 }).length;
  console.log(`shipped wasm: ${bytes.length} bytes raw, ${gzipped} bytes gzipped (budget ${WASM_GZIP_BUDGET_BYTES}, ${WASM_GZIP_BUDGET_BYTES - gzipped} to spare)`);
  assert.ok(gzipped <= WASM_GZIP_BUDGET_BYTES, `${gzipped} bytes gzipped, over the ${WASM_GZIP_BUDGET_BYTES}-byte budget`);
  const exports = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name);
  assert.ok(exports.includes("cluster_new") && exports.includes("cluster_check"), "the contract's exports are there");
  const workloads = (names) => names.filter((n) => WORKLOAD_EXPORTS.includes(n));
  assert.deepEqual(workloads(exports), [], "no workload exports");
  // Negative control: the filter sees them when they are there.
  assert.deepEqual(workloads([...exports, "benchIncrements"]), ["benchIncrements"]);
});

test("served from /caspaxos/, the page runs and every request stays under the sub-path and finds its file", async () => {
  const { page, errors } = await open(browser.context, server.url);
  await page.waitForFunction(() => window.playground.cluster.now > 30);
  const result = await page.evaluate(async () => await window.playground.cluster.increment("dist-check"));
  assert.equal(result, 1);
  // The forms' bounds come from Cluster.limits (index.html writes none of them).
  const bounds = await page.evaluate(() => {
    const l = window.playground.cluster.constructor.limits;
    const attr = (sel, a) => Number(document.querySelector(sel).getAttribute(a));
    return {
      got: [attr("input[name=acceptors]", "max"), attr("input[name=proposers]", "max"), attr("#lat-max", "max")],
      want: [l.acceptors, l.proposers, l.latencyMs],
      // No maxlength on text fields: it would cut a pasted key silently (the cluster refuses it).
      maxlength: ["#key", "#lock", "#owner"].map((sel) => document.querySelector(sel).getAttribute("maxlength")),
    };
  });
  assert.deepEqual(bounds.got, bounds.want);
  assert.deepEqual(bounds.want, [15, 9, 60000]);
  assert.deepEqual(bounds.maxlength, [null, null, null]);
  assert.deepEqual(errors, []);
  const wasm = server.requests.filter((r) => r.path.endsWith(".wasm"));
  assert.equal(wasm.length, 1);
  assert.match(wasm[0].path, /^\/caspaxos\/pkg\/caspaxos_playground_bg\.[0-9a-f]{16}\.wasm$/);
  assert.deepEqual(strayRequests(server.requests), []);
  await page.close();
});

test("served from /caspaxos/, the tutorial's element plays its scenario", async () => {
  const before = server.requests.length;
  const { page, errors } = await openTutorial(browser.context, server.url);
  await page.waitForFunction(() => document.getElementById("widget").cluster?.now > 0, null, { timeout: 15000 });
  assert.deepEqual(errors, []);
  assert.deepEqual(strayRequests(server.requests.slice(before)), []);
  await page.close();
});

test("a missing path under the site gets the 404 page, which links back to the playground", async () => {
  const page = await browser.context.newPage();
  const response = await page.goto(`${server.url}no/such/page`);
  assert.equal(response.status(), 404);
  assert.equal(await page.textContent("h1"), "Nothing here");
  await page.waitForSelector("#home[data-checked=true]");
  await page.click("#home");
  await page.waitForSelector("html[data-ready=true]", { timeout: 15000 });
  assert.equal(new URL(page.url()).pathname, PREFIX);
  await page.close();
});

test("a site served at / (a user site or a custom domain): the 404 page links to /, not to the missing path's first segment", async () => {
  const root = await serveFolder(DIST, "/");
  const page = await browser.context.newPage();
  try {
    const response = await page.goto(`${root.url}no/such/page`);
    assert.equal(response.status(), 404);
    await page.waitForSelector("#home[data-checked=true]");
    assert.equal(await page.getAttribute("#home", "href"), "/");
    await page.click("#home");
    await page.waitForSelector("html[data-ready=true]", { timeout: 15000 });
    assert.equal(new URL(page.url()).pathname, "/");
  } finally {
    await page.close();
    await root.close();
  }
});
