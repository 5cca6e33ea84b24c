// The two size steps build.sh runs on each wasm module after wasm-bindgen (README, "wasm size"),
// on a module small enough to read: www/npm/minify-imports.mjs renames the glue's imports in
// the wasm and in the glue alike, and refuses a glue it cannot rename safely;
// www/npm/order-functions.mjs names every function by its rank, and the module wasm-opt
// reorders by those names computes what it computed before.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT } from "./helpers.mjs";

const BIN = path.join(ROOT, "tests/e2e/node_modules/binaryen/bin");
const LONG = ["__wbg_double_0123456789abcdef", "__wbg_negate_fedcba9876543210"];
const WAT = `(module
  (import "./m_bg.js" "${LONG[0]}" (func $double (param i32) (result i32)))
  (import "./snippets/inline0.js" "kept" (func $kept (param i32) (result i32)))
  (import "./m_bg.js" "${LONG[1]}" (func $negate (param i32) (result i32)))
  (func $z_last (param i32) (result i32) (call $double (i32.add (local.get 0) (i32.const 1))))
  (func $a_first (param i32) (result i32) (call $z_last (call $kept (local.get 0))))
  (func $m_mid (param i32) (result i32) (call $negate (call $a_first (local.get 0))))
  (export "run" (func $m_mid)))`;
// The glue as wasm-bindgen 0.2.130 writes its import object.
const glue = (extra = "") => `function __wbg_get_imports() {
    const import0 = {
        __proto__: null,
        ${LONG[0]}: function(arg0) {
            return arg0 * 2;
        },
        ${LONG[1]}: function(arg0) {
            return -arg0;
        },${extra}
    };
    return { "./m_bg.js": import0, "./snippets/inline0.js": { kept: (x) => x + 10 } };
}
export const imports = __wbg_get_imports();
`;

async function assembled() {
  const dir = await mkdtemp(path.join(process.env.TMPDIR || tmpdir(), "caspaxos-build-steps-"));
  await writeFile(path.join(dir, "m.wat"), WAT);
  execFileSync(path.join(BIN, "wasm-as"), [path.join(dir, "m.wat"), "-g", "-o", path.join(dir, "m_bg.wasm")]);
  return dir;
}

async function run(dir, wasmFile, glueFile) {
  const { imports } = await import(`${path.join(dir, glueFile)}?${Date.now()}`);
  const { instance } = await WebAssembly.instantiate(await readFile(path.join(dir, wasmFile)), imports);
  return instance.exports.run(5); // -(((5 + 10) + 1) * 2)
}

const importNames = async (file) =>
  WebAssembly.Module.imports(new WebAssembly.Module(await readFile(file))).map((i) => `${i.module} ${i.name}`);

test("minify-imports: the glue's imports get short names in the wasm and the glue alike; other modules' keep theirs", async () => {
  const dir = await assembled();
  await writeFile(path.join(dir, "m.js"), glue());
  assert.equal(await run(dir, "m_bg.wasm", "m.js"), -32);
  execFileSync("node", [path.join(ROOT, "www/npm/minify-imports.mjs"), path.join(dir, "m_bg.wasm"), path.join(dir, "m.js")]);
  assert.deepEqual(await importNames(path.join(dir, "m_bg.wasm")), ["./m_bg.js a", "./snippets/inline0.js kept", "./m_bg.js b"]);
  const text = await readFile(path.join(dir, "m.js"), "utf8");
  for (const name of LONG) assert.ok(!text.includes(name), `${name} is gone from the glue`);
  assert.equal(await run(dir, "m_bg.wasm", "m.js"), -32);
});

test("minify-imports refuses a glue that names an import twice, and writes nothing (negative control)", async () => {
  const dir = await assembled();
  const twice = glue(`\n        ${LONG[1]}: function(arg0) {\n            return 0;\n        },`);
  await writeFile(path.join(dir, "m.js"), twice);
  const before = await readFile(path.join(dir, "m_bg.wasm"));
  const result = spawnSync("node", [path.join(ROOT, "www/npm/minify-imports.mjs"), path.join(dir, "m_bg.wasm"), path.join(dir, "m.js")]);
  assert.notEqual(result.status, 0);
  assert.match(result.stderr.toString(), new RegExp(`the import ${LONG[1]} is not defined exactly once`));
  assert.deepEqual(await readFile(path.join(dir, "m_bg.wasm")), before);
  assert.equal(await readFile(path.join(dir, "m.js"), "utf8"), twice);
});

test("order-functions names each function by its rank; wasm-opt's reorder by those names computes the same", async () => {
  const dir = await assembled();
  await writeFile(path.join(dir, "m.js"), glue());
  const named = path.join(dir, "named.wasm");
  execFileSync("node", [path.join(ROOT, "www/npm/order-functions.mjs"), path.join(dir, "m_bg.wasm"), named]);
  const names = execFileSync(path.join(BIN, "wasm-dis"), [named]).toString().match(/\(func \$\S+/g);
  const ranks = names.filter((n) => /^\(func \$f\d{6}$/.test(n)).map((n) => n.slice(-6)).sort();
  assert.deepEqual(ranks, ["000000", "000001", "000002"], `every defined function has a rank: ${names}`);
  const reordered = path.join(dir, "reordered.wasm");
  execFileSync(path.join(BIN, "wasm-opt"), ["--reorder-functions-by-name", named, "-o", reordered]);
  assert.equal(await run(dir, "reordered.wasm", "m.js"), -32);
});
