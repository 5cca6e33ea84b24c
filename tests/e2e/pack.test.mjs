// The npm package (`./build.sh pack`, built by `./build.sh test` before this runs): the tarball
// installed into a temporary folder as a tutorial author would install it; its package.json;
// its exports resolved by Node; Cluster used from it in Node; the element and Cluster embedded
// from it in a page in Chromium; and its .d.ts files checked with tsc --strict against a usage
// file that touches every member the runtime has.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { launch, ROOT } from "./helpers.mjs";
import { serveFolder } from "./static.mjs";

const E2E = path.join(ROOT, "tests/e2e");
const TSC = path.join(E2E, "node_modules/.bin/tsc");
const PKG = "caspaxos-playground";
let dir; // the temporary install folder
let installed; // dir/node_modules/caspaxos-playground
let browser;
let server;
// A LiveCluster runs on real timers: its phase timeout is 2 × latency.max + 10 ms. With a 1 ms
// latency that is 12 ms, which a loaded CI machine's timers overshoot in all 16 attempts ("no
// quorum", seen once at load ~10). These checks are about loading the module, not speed.
const LIVE_OPTIONS = { latency: { min: 1, max: 50 }, maxAttempts: 100 };

before(async () => {
  const tarballs = (await readdir(path.join(ROOT, "target"))).filter((f) => /^caspaxos-playground-.*\.tgz$/.test(f));
  assert.equal(tarballs.length, 1, `one tarball in target/: ${tarballs}`);
  dir = await mkdtemp(path.join(process.env.TMPDIR || tmpdir(), "caspaxos-pack-"));
  await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "tutorial", private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", path.join(ROOT, "target", tarballs[0])], { cwd: dir, stdio: "pipe" });
  installed = path.join(dir, "node_modules", PKG);
  await copyFile(path.join(E2E, "pages/packed.html"), path.join(dir, "index.html"));
  server = await serveFolder(dir, "/tutorial/");
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("package.json: name, the crate's version, ES module, exports with types, files, sideEffects, license", async () => {
  const pkg = JSON.parse(await readFile(path.join(installed, "package.json"), "utf8"));
  const cargo = await readFile(path.join(ROOT, "Cargo.toml"), "utf8");
  assert.equal(pkg.name, PKG);
  assert.equal(pkg.version, cargo.match(/^version = "(.*)"$/m)[1]);
  assert.equal(pkg.type, "module");
  assert.equal(pkg.license, "MIT");
  assert.match(await readFile(path.join(installed, "LICENSE"), "utf8"), /^MIT License\n/, "the license's text ships with it");
  assert.equal(pkg.types, "./pkg/caspaxos_playground.d.ts");
  assert.deepEqual(pkg.exports["."], { types: "./pkg/caspaxos_playground.d.ts", default: "./pkg/caspaxos_playground.js" });
  assert.deepEqual(pkg.exports["./element"], { types: "./element.d.ts", default: "./element.js" });
  assert.deepEqual(pkg.exports["./live"], { types: "./pkg/live/caspaxos_live.d.ts", default: "./pkg/live/caspaxos_live.js" });
  assert.ok(pkg.sideEffects.includes("./pkg/live/snippets/**"), "the live module's guard snippet has side effects too");
  assert.ok(Array.isArray(pkg.files) && Array.isArray(pkg.sideEffects) && pkg.sideEffects.includes("./element.js"));
  // Every file the exports name is in the package.
  for (const target of Object.values(pkg.exports).flatMap((e) => (typeof e === "string" ? [e] : Object.values(e)))) {
    await readFile(path.join(installed, target));
  }
});

test("Node resolves the exports, and Cluster and LiveCluster work from the package", () => {
  const script = `
    import { readFile } from "node:fs/promises";
    import { fileURLToPath } from "node:url";
    const main = import.meta.resolve("${PKG}");
    const element = import.meta.resolve("${PKG}/element");
    const { default: init, Cluster } = await import("${PKG}");
    const wasm = new URL("caspaxos_playground_bg.wasm", main);
    await init({ module_or_path: await readFile(fileURLToPath(wasm)) });
    const c = new Cluster({ seed: 1 });
    const liveUrl = import.meta.resolve("${PKG}/live");
    const live = await import("${PKG}/live");
    await live.default({ module_or_path: await readFile(fileURLToPath(new URL("caspaxos_live_bg.wasm", liveUrl))) });
    const l = new live.LiveCluster(${JSON.stringify(LIVE_OPTIONS)});
    const liveN = await l.increment("k");
    l.free();
    console.log(JSON.stringify({ main, element, liveUrl, n: await c.increment("k"), liveN, keyChars: Cluster.limits.keyChars, liveHasCluster: "Cluster" in live }));`;
  const out = JSON.parse(execFileSync("node", ["--input-type=module", "-e", script], { cwd: dir }).toString());
  assert.ok(out.main.endsWith(`/node_modules/${PKG}/pkg/caspaxos_playground.js`), out.main);
  assert.ok(out.element.endsWith(`/node_modules/${PKG}/element.js`), out.element);
  assert.ok(out.liveUrl.endsWith(`/node_modules/${PKG}/pkg/live/caspaxos_live.js`), out.liveUrl);
  assert.equal(out.n, 1);
  assert.equal(out.liveN, 1, "a LiveCluster from the package increments");
  assert.equal(out.liveHasCluster, false, "the live module holds LiveCluster only");
  assert.equal(out.keyChars, 256);
});

test("a page embeds the packed element and Cluster with one module script each; the live module loads only when imported", async () => {
  const page = await browser.context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await page.goto(server.url);
  await page.waitForFunction(() => window.embedded !== undefined, null, { timeout: 15000 });
  assert.equal(await page.evaluate(() => window.embedded.counter), 11);
  await page.waitForFunction(() => document.getElementById("widget").cluster?.now > 20, null, { timeout: 15000 });
  assert.deepEqual(errors, []);
  assert.deepEqual(server.requests.filter((r) => r.status !== 200), [], "every file the element loads is in the package");
  const liveRequests = () => server.requests.filter((r) => r.path.includes("/pkg/live/"));
  assert.deepEqual(liveRequests(), [], "the element and Cluster never load the live module");
  // The live module, imported from the package in the page: its own wasm, and it works.
  const liveN = await page.evaluate(async (liveOptions) => {
    const live = await import("./node_modules/caspaxos-playground/pkg/live/caspaxos_live.js");
    await live.default();
    const l = new live.LiveCluster(liveOptions);
    const n = await l.increment("k");
    l.free();
    return n;
  }, LIVE_OPTIONS);
  assert.equal(liveN, 1);
  assert.ok(liveRequests().some((r) => r.path.endsWith("/pkg/live/caspaxos_live_bg.wasm")), "the live wasm came when imported");
  assert.deepEqual(errors, []);
  await page.close();
});

/** `name(`, `name:` or `get/set name` members of `interface CaspaxosPlayground` in element.d.ts. */
function declaredMembers(dts, iface) {
  const body = dts.slice(dts.indexOf(`export interface ${iface} `)).split("\n}")[0];
  return [...body.matchAll(/^ {2}(?:readonly )?([A-Za-z]\w*)[(?:<]/gm)].map((m) => m[1]);
}

test("element.d.ts declares exactly the element's methods, properties, attributes and events", async () => {
  const dts = await readFile(path.join(installed, "element.d.ts"), "utf8");
  const source = await readFile(path.join(installed, "element.js"), "utf8");
  const page = await browser.context.newPage();
  await page.goto(server.url);
  await page.waitForFunction(() => customElements.get("caspaxos-playground") !== undefined);
  const runtime = await page.evaluate(() => {
    const cls = customElements.get("caspaxos-playground");
    return { members: Object.getOwnPropertyNames(cls.prototype).filter((n) => n !== "constructor"), observed: cls.observedAttributes };
  });
  await page.close();
  const declared = declaredMembers(dts, "CaspaxosPlayground").filter((n) => n !== "addEventListener");
  assert.deepEqual([...new Set(declared)].sort(), [...runtime.members].sort());
  const attributes = declaredMembers(dts, "CaspaxosPlaygroundAttributes");
  const read = [...source.matchAll(/(?:get|has)Attribute\("([a-z-]+)"\)/g)].map((m) => m[1]);
  assert.deepEqual(attributes.sort(), [...new Set([...runtime.observed, ...read])].sort());
  const events = declaredMembers(dts, "CaspaxosPlaygroundEventMap");
  const dispatched = [...source.matchAll(/new CustomEvent\("([a-z]+)"/g)].map((m) => m[1]);
  assert.deepEqual(events.sort(), [...new Set(dispatched)].sort());
  // Negative control: the comparison sees a member the runtime lacks.
  assert.notDeepEqual([...declared, "rewind"].sort(), [...runtime.members].sort());
});

test("the shipped .d.ts files pass tsc --strict on a usage file that touches every member; a wrong use fails", async () => {
  for (const f of ["usage.ts", "bad.ts", "plain.ts"]) await copyFile(path.join(E2E, "types", f), path.join(dir, f));
  const check = async (file, lib) => {
    const config = JSON.parse(await readFile(path.join(E2E, "types/tsconfig.json"), "utf8"));
    config.files = [file];
    if (lib) config.compilerOptions.lib = lib;
    await writeFile(path.join(dir, "tsconfig.check.json"), JSON.stringify(config));
    return spawnSync(TSC, ["-p", "tsconfig.check.json"], { cwd: dir, encoding: "utf8", timeout: 180000 });
  };
  const good = await check("usage.ts");
  assert.equal(good.status, 0, `tsc on usage.ts:\n${good.stdout}${good.stderr}`);
  const bad = await check("bad.ts");
  assert.notEqual(bad.status, 0, "tsc accepts bad.ts");
  assert.match(bad.stdout, /bad\.ts\(5,9\): error TS2322/, bad.stdout);
  assert.match(bad.stdout, /bad\.ts\(6,11\): error TS2345/, bad.stdout);
  assert.match(bad.stdout, /bad\.ts\(8,18\): error TS2540/, bad.stdout);
  assert.match(bad.stdout, /bad\.ts\(9,17\): error TS2345/, bad.stdout); // addAcceptor takes no argument
  // A plain lib (no esnext.disposable) with skipLibCheck false: the shipped .d.ts still check.
  const plain = await check("plain.ts", ["es2022", "dom"]);
  assert.equal(plain.status, 0, `tsc on plain.ts with lib es2022 + dom:\n${plain.stdout}${plain.stderr}`);
  // Every member the runtime Cluster and LiveCluster have (but the glue's internals) is used in
  // usage.ts (LiveCluster's on `l.`, inside its own function).
  const usage = await readFile(path.join(E2E, "types/usage.ts"), "utf8");
  const liveUsage = usage.slice(usage.indexOf("export async function live("), usage.indexOf("export function element("));
  const members = JSON.parse(execFileSync("node", ["--input-type=module", "-e", `
    const { Cluster } = await import("${PKG}");
    const { LiveCluster } = await import("${PKG}/live");
    const own = (o) => Object.getOwnPropertyNames(o).filter((n) => !["constructor", "length", "name", "prototype"].includes(n) && !n.startsWith("__"));
    console.log(JSON.stringify({ cluster: [...own(Cluster.prototype), ...own(Cluster)], live: own(LiveCluster.prototype), liveStatic: own(LiveCluster) }));`], { cwd: dir }).toString());
  const unused = (names, text, on) => names.filter((m) => !new RegExp(`${on}\\.${m}\\b`).test(text));
  assert.deepEqual(unused(members.cluster, usage, ""), [], "Cluster members usage.ts never touches");
  assert.deepEqual(unused(members.live, liveUsage, "\\bl"), [], "LiveCluster members usage.ts never touches");
  assert.deepEqual(unused(members.liveStatic, liveUsage, "\\bLiveCluster"), [], "LiveCluster statics usage.ts never touches");
  // Negative control: a member the usage never touches is caught.
  assert.deepEqual(unused([...members.live, "rewind"], liveUsage, "\\bl"), ["rewind"]);
});

test("what the runtime returns from every view type-checks against the shipped types (tsc --strict, excess fields too)", async () => {
  // types/shapes.mjs drives a cluster through every kind of recorded action and operation, then
  // writes each view's value as an object literal typed by the .d.ts (`ReturnType<Cluster[...]>`).
  await copyFile(path.join(E2E, "types", "shapes.mjs"), path.join(dir, "shapes.mjs"));
  const shapes = execFileSync("node", ["shapes.mjs"], { cwd: dir, encoding: "utf8" });
  for (const kind of ["gcDelay", "gc", "workers", "delivery", "deliver", "dropMessage", "addAcceptor", "removeAcceptor", "addProposer", "removeProposer"]) {
    assert.ok(shapes.includes(`"do":"${kind}"`), `the session has a ${kind} action`);
  }
  assert.match(shapes, /"verdict":"unknown","reason":"the search ran out of budget"/, "a check out of budget says why, and is type-checked");
  const check = async (text) => {
    await writeFile(path.join(dir, "shapes.ts"), text);
    const config = JSON.parse(await readFile(path.join(E2E, "types/tsconfig.json"), "utf8"));
    config.files = ["shapes.ts"];
    await writeFile(path.join(dir, "tsconfig.shapes.json"), JSON.stringify(config));
    return spawnSync(TSC, ["-p", "tsconfig.shapes.json"], { cwd: dir, encoding: "utf8", timeout: 180000 });
  };
  const good = await check(shapes);
  assert.equal(good.status, 0, `tsc on the runtime's views:\n${good.stdout.slice(0, 4000)}${good.stderr}`);
  // Negative controls: an action kind the types lack, and a field a view does not have.
  const bogus = await check(shapes.replace(`"do":"heal"`, `"do":"bogus"`));
  assert.match(bogus.stdout, /shapes\.ts\(\d+,\d+\): error TS2322: Type '"bogus"' is not assignable/, bogus.stdout);
  const extra = await check(shapes.replace(`"outcome":`, `"bogusField":1,"outcome":`));
  assert.match(extra.stdout, /error TS2353: Object literal may only specify known properties, and '"bogusField"' does not exist in type 'HistoryEntry'/, extra.stdout);
});
