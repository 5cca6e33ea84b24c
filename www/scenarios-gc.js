// Scenarios of deletion with garbage collection (paper §3.1): the protocol, and its broken twin
// that erases tombstones naively. Same shape as scenarios.js (which lists them with its own); a
// page test asserts every claim.

const returns = (op) => ({ kind: "return", op });
const P = (proposer) => ({ proposer });
const gcStep = (step) => ({ kind: "gc", step });

/** The paper's example, A(1:42) B(2:∅) C(2:∅): a put reaches every acceptor, its delete misses a1. */
const setUp = [
  [0, (c, ui) => ui.run("put k 42 via p1", () => c.put("k", 42))],
  [60, (c) => c.crash("a1")],
  [80, (c, ui) => ui.run("delete k via p1 (a1 down)", () => c.delete("k"))],
  [160, (c) => c.restart("a1")],
  [180, (c, ui) => ui.run("gc k via p1", () => c.gc({ key: "k" }))],
  [300, (c) => c.crash("a3")],
  [320, (c, ui) => ui.run("read k via p2 (a3 down)", () => c.read("k", P("p2")))],
];

export const GC_SCENARIOS = [
  {
    id: "delete-and-collect",
    summary: "a tombstone collected by the paper's protocol: the key reads as never written.",
    title: "Delete and collect",
    text: "A put of 42 reaches all three acceptors; its delete, with a1 down, leaves a tombstone on a2 and a3 only — a1 still holds 42, the paper's A(1:42) B(2:∅) C(2:∅). Garbage collection (§3.1) then runs its steps on p1's node: (a) replicate the tombstone to every acceptor under a fresh ballot (all three must answer: a1 gets the tombstone too), (b) invalidate the proposers' caches of the key and move their ballots past the collector's, (c) erase the register on every acceptor. A read through p2 with a3 down asks a1 and a2: both hold nothing, and the key reads as never written, version 0.",
    config: { acceptors: 3, proposers: 2, seed: 1 },
    script: setUp,
    claims: [
      { op: 1, output: null, says: "the delete answers (null: the tombstone)" },
      { op: 2, output: { erased: 3 }, says: "the collection erases the register on all 3 acceptors" },
      { count: gcStep("replicate"), equals: 2, says: "(a) takes two rounds to every acceptor: a prepare, then the tombstone's accept" },
      { op: 3, output: { version: 0, value: null }, says: "the read answers version 0: never written" },
      { violation: null },
    ],
    moments: [
      { on: returns(1), say: "The delete answered: a2 and a3 hold the tombstone, but a1 (down) still holds 42." },
      { on: gcStep("replicate"), say: "(a) The collector replicates the tombstone to every acceptor, a1 included, under a fresh ballot: all three must promise, then all three accept it." },
      { on: gcStep("invalidate"), say: "(b) Every proposer forgets its cached round of k and moves its ballot past the collector's." },
      { on: gcStep("done"), say: "(c) Every acceptor erased k, and keeps the collector's ballot as a floor for the registers it creates later. Nothing anywhere remembers 42." },
      { on: returns(3), say: "The read asks a1 and a2: nothing. k reads as never written." },
    ],
  },
  {
    id: "erase-without-gc",
    summary: "tombstones erased naively: the deleted 42 comes back.",
    title: "Erase without GC (broken)",
    text: "The same run with a broken collector (Break it: erase without the GC protocol): it erases the tombstones where it finds them — on a2 and a3 — without first replicating the tombstone to a1. a1 still holds 42. The read through p2 with a3 down asks a1 and a2: the highest value in that quorum is a1's 42, and the deleted value is resurrected. The checker reports the read: the delete was acknowledged before it began.",
    config: { acceptors: 3, proposers: 2, seed: 1, break: { eraseWithoutGc: true } },
    script: setUp,
    claims: [
      { op: 2, output: { erased: 2 }, says: "the broken collection erases the tombstone on 2 acceptors" },
      { count: gcStep("replicate"), equals: 0, says: "it never replicates the tombstone" },
      { op: 3, output: { version: 1, value: 42 }, says: "the read answers 42 again: resurrected" },
      { violation: "linearizability", op: 3, says: "the checker reports the read" },
    ],
    moments: [
      { on: returns(1), say: "The delete answered: a2 and a3 hold the tombstone, but a1 (down) still holds 42." },
      { on: returns(2), say: "BROKEN: a2 and a3 forget the tombstone; nobody told a1 the key was deleted." },
      { on: returns(3), say: "The read's quorum is a1 and a2: a1's 42 is the highest value it finds. The deleted value is back." },
    ],
  },
];
