// node www/npm/order-functions.mjs IN.wasm OUT.wasm
//
// Chooses an order of the module's functions that gzip compresses better, and writes it as a
// name section (function i named by its rank, "f000042"): `wasm-opt --reorder-functions-by-name`
// then moves the bodies (and renumbers every call, table entry and export) — build.sh, "wasm
// size" in the README. Nothing else changes: the same functions, the same code.
//
// Deflate finds repeats only in the last 32 KiB it wrote, so functions alike should sit side by
// side. Greedy: after the functions placed so far, put the one that the window of the last
// 32 KiB of code makes the cheapest, in bytes saved against compressing it alone (zlib's preset
// dictionary measures exactly that). Only a few candidates are measured each step: the most
// alike to the last functions placed (MinHash of their 4-byte shingles) and the next ones in the
// input's order (wasm-opt's by-name order: the same module's functions).
import { readFileSync, writeFileSync } from "node:fs";
import { deflateRawSync } from "node:zlib";
import { WasmReader, leb } from "./wasm-bytes.mjs";

const WINDOW = 32 * 1024; // deflate's window
const SHINGLE = 4; // bytes hashed together for the likeness of two bodies
const HASHES = 64; // MinHash signature length
const RECENT = 2; // candidates are alike to one of the last RECENT functions placed...
const ALIKE = 24; // ...the ALIKE most alike,
const NEXT = 3; // plus the NEXT still unplaced after the last one in the input's order

const [input, output] = process.argv.slice(2);
if (!input || !output) throw new Error("usage: order-functions.mjs IN.wasm OUT.wasm");
const wasm = readFileSync(input);
const { importedFunctions, bodies, sections } = parse(wasm);
const order = greedyOrder(bodies);
if (new Set(order).size !== bodies.length) throw new Error("the order is not a permutation");
const rank = new Array(bodies.length);
order.forEach((fn, r) => (rank[fn] = r));
const kept = sections.filter((s) => !(s.id === 0 && s.name === "name"));
writeFileSync(
  output,
  Buffer.concat([wasm.subarray(0, 8), ...kept.map((s) => s.bytes), nameSection(importedFunctions, rank)]),
);

function parse(bytes) {
  const r = new WasmReader(bytes);
  let importedFunctions = 0;
  const bodies = [];
  const sections = [];
  while (r.at < bytes.length) {
    const start = r.at;
    const id = r.byte();
    const size = r.u32();
    const end = r.at + size;
    let name = null;
    if (id === 0) {
      name = r.text();
    } else if (id === 2) {
      for (let n = r.u32(); n > 0; n--) {
        r.chunk(); // module name
        r.chunk(); // field name
        if (r.importDescriptor() === 0) importedFunctions++;
      }
    } else if (id === 10) {
      for (let n = r.u32(); n > 0; n--) bodies.push(r.chunk());
    }
    sections.push({ id, name, bytes: bytes.subarray(start, end) });
    r.at = end;
  }
  return { importedFunctions, bodies, sections };
}

function greedyOrder(bodies) {
  const signatures = bodies.map(minHash);
  const alike = (a, b) => {
    let same = 0;
    for (let h = 0; h < HASHES; h++) if (signatures[a][h] === signatures[b][h]) same++;
    return same;
  };
  const alone = bodies.map((body) => deflateRawSync(body, { level: 9 }).length);
  const left = new Set(bodies.keys());
  const order = [];
  let window = Buffer.alloc(0);
  const place = (fn) => {
    left.delete(fn);
    order.push(fn);
    const joined = Buffer.concat([window, bodies[fn]]);
    window = joined.subarray(Math.max(0, joined.length - WINDOW));
  };
  place(0);
  while (left.size > 0) {
    const recent = order.slice(-RECENT);
    const scored = [...left].map((fn) => [Math.max(...recent.map((r) => alike(r, fn))), fn]);
    scored.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    const candidates = new Set(scored.slice(0, ALIKE).map(([, fn]) => fn));
    for (let fn = order[order.length - 1] + 1, added = 0; fn < bodies.length && added < NEXT; fn++) {
      if (left.has(fn)) (candidates.add(fn), added++);
    }
    let best = -1;
    let bestSaved = -Infinity;
    for (const fn of candidates) {
      const saved = alone[fn] - deflateRawSync(bodies[fn], { level: 9, dictionary: window }).length;
      if (saved > bestSaved || (saved === bestSaved && fn < best)) [best, bestSaved] = [fn, saved];
    }
    place(best);
  }
  return order;
}

// 64 minimums of a hash of each SHINGLE-byte window, each under its own mix of the hash.
function minHash(body) {
  const signature = new Uint32Array(HASHES).fill(0xffffffff);
  for (let i = 0; i + SHINGLE <= body.length; i++) {
    let hash = 2166136261; // FNV-1a
    for (let j = 0; j < SHINGLE; j++) hash = Math.imul(hash ^ body[i + j], 16777619);
    for (let h = 0; h < HASHES; h++) {
      let mixed = Math.imul(hash ^ Math.imul(h + 1, 0x9e3779b1), 0x85ebca6b);
      mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35) >>> 0;
      if (mixed < signature[h]) signature[h] = mixed;
    }
  }
  return signature;
}

function nameSection(importedFunctions, rank) {
  const entries = [];
  const name = (index, text) => entries.push(leb(index), leb(text.length), Buffer.from(text));
  for (let i = 0; i < importedFunctions; i++) name(i, `import${i}`);
  rank.forEach((r, fn) => name(importedFunctions + fn, `f${String(r).padStart(6, "0")}`));
  const functionNames = Buffer.concat([leb(importedFunctions + rank.length), ...entries]);
  const payload = Buffer.concat([leb(4), Buffer.from("name"), Buffer.from([1]), leb(functionNames.length), functionNames]);
  return Buffer.concat([Buffer.from([0]), leb(payload.length), payload]);
}
