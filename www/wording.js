// Counts in text people read: "1 key", "2 keys" (as src/ops/wording.rs does for the wasm's messages).

/** `n` and `noun`, plural unless `n` is 1 (`noun` takes an `s`). */
export function counted(n, noun) {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
