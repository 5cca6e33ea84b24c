// The hosted site (`./build.sh dist`, built by `./build.sh test` before this runs): served from a
// sub-path as GitHub Pages serves it (/caspaxos/), the page, the tutorial and its element work,
// every request stays under the sub-path and finds its file, each wasm module has a
// content-hashed name, nothing else ships, a missing path gets the 404 page; each module is within
// its size budget without the benchmark workloads; and the live module loads only when the page
// switches to Live.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import path from "node:path";
import { open, openTutorial, ROOT, pageFixture } from "./helpers.mjs";
import { serveFolder } from "./static.mjs";

const DIST = path.join(ROOT, "dist");
const PREFIX = "/caspaxos/";
/** The shipped wasm modules (README, "Two modules"), each with its gzipped budget (KiB, as
 * everywhere here; README, "wasm size" has the numbers) and two exports it must have. The core
 * (Cluster) is what the page and the element load: issue 12's goal for it is 150 KB, not met and
 * waiting on a product decision (README, "wasm size"). These gates are today's sizes plus a little,
 * so that growth is caught. The live module's gate went from 138 to 139 KiB a session later
 * (core 199,137 B, live 141,310 B on the merge: 2 B under 138 KiB; measured merge by merge) for:
 * values counted by what they take in memory, the history bounded by them in every run and the
 * tape's inputs kept as text (objmem, outside tester 20b: a tab died near 4 GB of many-field
 * objects; +677 core / +167 live on the merge), the violation's clause carried as data and the
 * out-of-budget telling shorter (tidy8: -645 / -23), messages carried by their log records
 * (runtime7: -35 / -24), an increment's exactness (+3 / +31). The core's gate stays 195 KiB.
 * The core's gate went from 194 to 195 KiB a session before that (core
 * 199,137 B, live 141,159 B on the merge; 197,619 / 140,233 before) for: a violation proved on an
 * earlier history told from the whole history, so its order replays with real answers (outside
 * tester 20; +271 B at its branch, +1,091 on the merge, most of it the wording of the case out of
 * budget), session() written as text (+181 on the merge), the stack guard's deep-value class
 * (-70), and the rest of the merge's inlining (runtime6 alone -396; the big values' fold by name
 * left native-only: +1,347 B in the wasm). The core's gate went from 192 to 194 KiB a session before (core
 * 197,619 B, live 140,233 B on the merge; 196,475 / 139,223 before) for: a violation's longest
 * consistent order told past a duplicated answer (+277 B at its branch), the event window and the
 * checker's folds bounded by value bytes (+416), the end of time's waits (-12 alone), fewer
 * wasm<->JS calls an operation (-150) and a lighter operation renewal (-299) — and about +900 B
 * that none of them costs alone: merged, the optimizer inlines differently (measured merge by
 * merge: api5 after runtime5 +446, the end of time after the rest +553). No pure cut was found
 * (walk5: LLVM inline thresholds and binaryen passes all grew it). The core is 193,971 B and the live module 140,430 B (Node's zlib,
 * level 9; 188,826 and 137,757 a session before). The core's gate went from 190 to 192 KiB a
 * session later (core 195,387 B, live 138,507 B), for the checker's answers: a violation once
 * proven stays a violation and gets/reads join the forced chains (outside tester 17: a found
 * violation turned `unknown`; core +1,8 KB on the merge), three exact reductions that decide the
 * small mixed histories that ended `unknown` (+0.6 KB), a call back into the cluster named for what
 * the cluster was running (+0.8 KB with the invoke paths' refactor); less the search's hash map
 * type reused (-271). Then the one state of a refused call's origin, `carry_out` told by an enum
 * and one reader of the events' window: core 194,426 B, live 138,472 B (-949 and -35 on the same
 * base, built at 195,375 and 138,507). Before that, the core's gate went from 185 to 190 KiB, the
 * live module's from 135 to 138 KiB, for: a batch of increments on one key decided by forced
 * chains instead of ending `unknown` (core +2,742 B, live +2,534), documents read and checked
 * action by action (+917), the replay's refusal of points the run never stood at and messages
 * that quote at most 60 characters (+1,120), a window for runs that cannot be replayed (+582),
 * the compact tape (+459) and an operation's fate said in one place (+103); each measured at its
 * branch, against the same base. The live module
 * (LiveCluster) loads only when a reader switches to Live or a program imports it. */
const MODULES = [
  { name: "caspaxos_playground", dir: "pkg", budget: 195 * 1024, exports: ["cluster_new", "cluster_check"], not: "livecluster_" },
  { name: "caspaxos_live", dir: "pkg/live", budget: 139 * 1024, exports: ["livecluster_new", "livecluster_check"], not: "cluster_" },
];
/** Exports only the `workloads` feature compiles in (benchmarks and tests, never shipped). */
const WORKLOAD_EXPORTS = ["benchIncrements", "cluster_withCheckerWorkload"];

const { server, browser } = pageFixture({ start: () => serveFolder(DIST, PREFIX) });

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

/** A module's wasm file in dist/ (one per module). */
function wasmOf(list, m) {
  const found = list.filter((f) => path.dirname(f) === m.dir && f.endsWith(".wasm"));
  assert.equal(found.length, 1, `one wasm in ${m.dir}: ${found}`);
  return found[0];
}

test("dist/ holds the page, the tutorial, the element and their modules, each wasm under its content hash, and nothing else", async () => {
  const list = await files(DIST);
  assert.equal(list.filter((f) => f.endsWith(".wasm")).length, MODULES.length, "one wasm per module");
  for (const m of MODULES) {
    const wasm = wasmOf(list, m);
    const hash = createHash("sha256").update(await readFile(path.join(DIST, wasm))).digest("hex").slice(0, 16);
    assert.equal(wasm, `${m.dir}/${m.name}_bg.${hash}.wasm`);
    const glue = await readFile(path.join(DIST, m.dir, `${m.name}.js`), "utf8");
    assert.ok(glue.includes(`'${m.name}_bg.${hash}.wasm'`), `${m.name}'s glue loads the hashed name`);
    assert.ok(!glue.includes(`'${m.name}_bg.wasm'`), "and no longer the plain one");
  }
  for (const f of ["index.html", "tutorial.html", "404.html", "element.js", "app.js", "page.js", "player.js", "panels/delivery.js", "style.css", "pkg/caspaxos_playground.js", "pkg/live/caspaxos_live.js"]) {
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

/** The exports in `names` that belong to the other module (`not` is its prefix). */
const othersExports = (names, not) => names.filter((n) => n.startsWith(not));

for (const m of MODULES) {
  test(`${m.name}: within ${m.budget / 1024} KB gzipped, its class only, no benchmark or test workloads`, async () => {
    const bytes = await readFile(path.join(DIST, wasmOf(await files(DIST), m)));
    const gzipped = gzipSync(bytes, { level: 9 }).length;
    console.log(`${m.name} wasm: ${bytes.length} bytes raw, ${gzipped} bytes gzipped (budget ${m.budget}, ${m.budget - gzipped} to spare)`);
    assert.ok(gzipped <= m.budget, `${m.name}: ${gzipped} bytes gzipped, over the ${m.budget}-byte budget`);
    const exports = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name);
    for (const e of m.exports) assert.ok(exports.includes(e), `${e} is exported`);
    assert.deepEqual(othersExports(exports, m.not), [], `no ${m.not}* exports: the other class stays in its module`);
    const workloads = (names) => names.filter((n) => WORKLOAD_EXPORTS.includes(n));
    assert.deepEqual(workloads(exports), [], "no workload exports");
    // Negative controls: the filters see them when they are there.
    assert.deepEqual(workloads([...exports, "benchIncrements"]), ["benchIncrements"]);
    assert.deepEqual(othersExports([...exports, `${m.not}new`], m.not), [`${m.not}new`]);
  });
}

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
  const wasm = () => server.requests.filter((r) => r.path.endsWith(".wasm"));
  assert.equal(wasm().length, 1, "the simulated page loads the core module only");
  assert.match(wasm()[0].path, /^\/caspaxos\/pkg\/caspaxos_playground_bg\.[0-9a-f]{16}\.wasm$/);
  assert.deepEqual(server.requests.filter((r) => r.path.includes("/pkg/live/")), [], "nothing of the live module yet");
  // The Live switch fetches the live module (glue, snippet, hashed wasm) under the sub-path.
  await page.check("input[name=world][value=live]");
  await page.waitForFunction(() => document.body.dataset.world === "live", null, { timeout: 15000 });
  assert.equal(await page.evaluate(async () => await window.playground.live.increment("dist-live")), 1);
  assert.equal(wasm().length, 2);
  assert.match(wasm()[1].path, /^\/caspaxos\/pkg\/live\/caspaxos_live_bg\.[0-9a-f]{16}\.wasm$/);
  assert.deepEqual(strayRequests(server.requests), []);
  assert.deepEqual(errors, []);
  await page.close();
});

test("served from /caspaxos/, the tutorial's element plays its scenario", async () => {
  const before = server.requests.length;
  const { page, errors } = await openTutorial(browser.context, server.url);
  await page.waitForFunction(() => document.getElementById("widget").cluster?.now > 0, null, { timeout: 15000 });
  assert.deepEqual(errors, []);
  assert.deepEqual(strayRequests(server.requests.slice(before)), []);
  assert.deepEqual(server.requests.slice(before).filter((r) => r.path.includes("/pkg/live/")), [], "the element never loads the live module");
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
