// node www/npm/minify-imports.mjs MODULE.wasm GLUE.js
//
// Gives the functions the wasm imports from wasm-bindgen's glue short names ("a", "b", ...,
// "ba", ...), in the wasm's import section and in the glue's import object alike: wasm-bindgen
// names them `__wbg_<name>_<16 hex digits>`, which gzip cannot shrink (README, "wasm size").
// The glue's object must hold each old name exactly once, or nothing is written. Imports from
// other modules (the inline JS snippets, whose exports have their own names) are left alone.
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { WasmReader, leb } from "./wasm-bytes.mjs";

const [wasmPath, gluePath] = process.argv.slice(2);
if (!wasmPath || !gluePath) throw new Error("usage: minify-imports.mjs MODULE.wasm GLUE.js");
const glueModule = `./${basename(gluePath, ".js")}_bg.js`;
const wasm = readFileSync(wasmPath);
let glue = readFileSync(gluePath, "utf8");

const r = new WasmReader(wasm);
const parts = [wasm.subarray(0, 8)];
while (r.at < wasm.length) {
  const start = r.at;
  const id = r.byte();
  const end = r.u32() + r.at;
  if (id !== 2) {
    parts.push(wasm.subarray(start, end));
    r.at = end;
    continue;
  }
  const imports = [];
  let renamed = 0;
  for (let n = r.u32(); n > 0; n--) {
    const module = r.text();
    let field = r.text();
    const descStart = r.at;
    const kind = r.importDescriptor();
    if (module === glueModule && kind === 0) {
      const short = shortName(renamed++);
      glue = renameKey(glue, field, short);
      field = short;
    }
    imports.push(Buffer.concat([name(module), name(field), wasm.subarray(descStart, r.at)]));
  }
  if (r.at !== end) throw new Error("the import section was not read to its end");
  const body = Buffer.concat([leb(imports.length), ...imports]);
  parts.push(Buffer.from([2]), leb(body.length), body);
}
writeFileSync(wasmPath, Buffer.concat(parts));
writeFileSync(gluePath, glue);

function renameKey(source, from, to) {
  const key = `\n        ${from}: function(`;
  const first = source.indexOf(key);
  if (first < 0 || source.indexOf(key, first + 1) >= 0) {
    throw new Error(`${gluePath}: the import ${from} is not defined exactly once`);
  }
  if (source.split(from).length !== 2) throw new Error(`${gluePath}: ${from} is used besides its definition`);
  return source.replace(key, `\n        ${to}: function(`);
}

// 0 -> "a", 25 -> "z", 26 -> "ba": base 26 in letters (any word is a valid object key).
function shortName(index) {
  let out = "";
  do {
    out = String.fromCharCode(97 + (index % 26)) + out;
    index = Math.floor(index / 26);
  } while (index > 0);
  return out;
}

function name(value) {
  const bytes = Buffer.from(value);
  return Buffer.concat([leb(bytes.length), bytes]);
}
