// Makes trailing parameters typed `X | undefined` optional (`name?: X`) in the .d.ts that
// wasm-bindgen writes, which marks every parameter required: without this, TypeScript's strict
// mode refuses `c.increment("k")`, the contract's own example. Run by `./build.sh build` on
// www/pkg/caspaxos_playground.d.ts; tests/e2e/types/usage.ts checks the result with tsc --strict.
import { readFileSync, writeFileSync } from "node:fs";

/** Splits a parameter list at its top-level commas. */
function splitParams(list) {
  const out = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if ("({[<".includes(c)) depth++;
    else if (")}]>".includes(c) && list[i - 1] !== "=") depth--;
    else if (c === "," && depth === 0) {
      out.push(list.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (list.trim()) out.push(list.slice(start).trim());
  return out;
}

/** One signature line with its trailing `| undefined` parameters made optional. */
export function optionalTrailing(line) {
  const m = line.match(/^(\s*(?:static )?(?:constructor|[A-Za-z_$][\w$]*))\((.*)\)(: .*|;)$/);
  if (!m) return line;
  const params = splitParams(m[2]);
  for (let i = params.length - 1; i >= 0; i--) {
    const p = params[i].match(/^([\w$]+): (.*) \| undefined$/);
    if (!p) break;
    params[i] = `${p[1]}?: ${p[2]}`;
  }
  return `${m[1]}(${params.join(", ")})${m[3]}`;
}

if (process.argv[2]) {
  const file = process.argv[2];
  const text = readFileSync(file, "utf8").split("\n").map(optionalTrailing).join("\n");
  writeFileSync(file, text);
}
