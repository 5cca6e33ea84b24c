// Counts in text people read: "1 key", "2 keys" (as src/ops/wording.rs does for the wasm's messages).

/** `n` and `noun`, plural unless `n` is 1 (`noun` takes an `s`). */
export function counted(n, noun) {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** Like {@link counted}, with the digits grouped for reading: "1,000,000 events". */
export function countedGrouped(n, noun) {
  return `${n.toLocaleString("en-US")} ${noun}${n === 1 ? "" : "s"}`;
}

/** A present-tense verb agreeing with `n` subjects: "conflicts" for one, "conflict" for more. */
export function agreeing(n, verb) {
  return n === 1 ? `${verb}s` : verb;
}
