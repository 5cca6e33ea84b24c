// Scenarios of the cluster's membership (paper §2.3): flexible quorums; membership change —
// growing under load, replacing every acceptor, and the paper's write to F+1 acceptors kept by
// the catch-up rescan, with its two broken twins. Same shape as scenarios.js (which lists them
// with its own); a page test asserts every claim.

const returns = (op) => ({ kind: "return", op });
/** A membership event: a step of the change of `acceptor` (each step logs its start and its end). */
const step = (acceptor, name) => ({ kind: "membership", acceptor, step: name });
const P2 = { proposer: "p2" };

/** The paper's scenario (§2.3.3): `a` is written everywhere, `k` to exactly F+1 = 2 of 3
 * acceptors (a3 is cut off); then the cluster grows to 4 and a1 is removed, and a2 crashes: the
 * next prepare quorum is a3 + a4. Only the catch-up rescan brought `k` to a4. */
export const writeToFPlus1 = [
  [0, (c, ui) => ui.run("put a via p1", () => c.put("a", "everywhere"))],
  [60, (c) => c.isolate("a3")],
  [80, (c, ui) => ui.run("put k 42 via p1 (a3 cut off)", () => c.put("k", 42))],
  [200, (c) => c.heal()],
  [220, (c, ui) => ui.run("add an acceptor", () => c.addAcceptor())],
  [500, (c, ui) => ui.run("remove a1", () => c.removeAcceptor("a1"))],
  [900, (c) => c.crash("a2")],
  [920, (c, ui) => ui.run("get k via p2 (a2 down)", () => c.get("k", P2))],
];
export const F_PLUS_1 = { acceptors: 3, proposers: 2, seed: 1 };

/** The moments every run of the paper's scenario shares. */
const fPlus1Moments = (rescan) => [
  { on: returns(1), say: "put k 42 is acknowledged: a1 and a2 accepted it (F+1 = 2 of 3); a3 was cut off and holds nothing of k." },
  { on: step("a4", "turn on"), say: "a4 joins the network, empty; in the same instant accepts start going to a1–a4 (3 of them), prepares still to a1–a3." },
  { on: step("a4", "catch-up rescan"), say: rescan },
  { on: step("a1", "turn off"), say: "a1 leaves for good. Of a2, a3, a4 only a2 is known to hold 42." },
  { on: { kind: "crash", node: "a2" }, say: "a2 crashes: the next prepare quorum is a3 and a4." },
];

export const MEMBERSHIP_SCENARIOS = [
  {
    id: "flexible-quorums",
    summary: "4 acceptors, prepare 2 + accept 3: each phase waits for its own quorum.",
    title: "Flexible quorums",
    text: "Four acceptors with a prepare quorum of 2 and an accept quorum of 3 (§2.3): 2 + 3 > 4, so every prepare still meets the last accept. a4 crashes at 60 ms: 3 acceptors are left, an accept quorum, and the next increment answers 2 in one round trip. a3 crashes at 160 ms: the increment that follows gets its prepares through (a1 and a2 are a prepare quorum) but no accept reaches 3 acceptors — it times out and retries until a3 restarts at 700 ms, then answers 3. A majority of 4 would need 3 for both phases.",
    config: { acceptors: 4, proposers: 1, seed: 1, quorums: { prepare: 2, accept: 3 } },
    script: [
      [0, (c, ui) => ui.run("increment", () => c.increment("counter"))],
      [60, (c) => c.crash("a4")],
      [80, (c, ui) => ui.run("increment with a4 down", () => c.increment("counter"))],
      [160, (c) => c.crash("a3")],
      [180, (c, ui) => ui.run("increment with a3 and a4 down", () => c.increment("counter"))],
      [700, (c) => c.restart("a3")],
    ],
    claims: [
      { op: 1, output: 2, says: "with a4 down the increment answers 2" },
      { op: 1, roundTrips: 1, says: "in one round trip" },
      { count: { kind: "timeout", node: "p1" }, equals: 4, says: "the accepts time out" },
      { op: 2, endsAfter: { kind: "restart", node: "a3" }, says: "the increment ends only after a3 restarts" },
      { op: 2, output: 3, says: "then answers 3" },
      { violation: null },
    ],
    moments: [
      { on: { kind: "crash", node: "a4" }, say: "a4 crashes: a1, a2, a3 are still an accept quorum (3 of 4)." },
      { on: returns(1), say: "The increment answers 2 in one round trip: its accept reached 3 acceptors." },
      { on: { kind: "crash", node: "a3" }, say: "a3 crashes too: 2 acceptors are a prepare quorum, not an accept quorum." },
      { on: { kind: "timeout", node: "p1" }, say: "The prepare got its 2 promises, but the accept cannot reach 3 acceptors: it times out; p1 backs off and retries." },
      { on: { kind: "restart", node: "a3" }, say: "a3 restarts: 3 acceptors again, an accept quorum." },
      { on: returns(2), say: "The retry gets through: the increment answers 3." },
    ],
  },
  {
    id: "grow-under-load",
    summary: "4 workers increment while the cluster grows from 3 acceptors to 4, then 5.",
    title: "Grow 3 → 4 → 5 under load",
    text: "Four workers increment one counter, 25 times each, while the cluster grows twice (§2.3.1, §2.3.2). Each change runs the paper's steps, one after the other with no gap, each drawn as a band across the acceptor lanes from its start to its end: turn the new acceptor on (empty; done in an instant, a thin line); the accept quorum change (accepts go to every acceptor with the new majority); the catch-up rescan (an identity change of every key, so the new acceptor holds each value an accept quorum holds); the prepare quorum change. No operation stops: the increments keep answering during both changes, and count to exactly 100.",
    config: { acceptors: 3, proposers: 2, seed: 1 },
    script: [
      [0, (c, ui) => ui.workers(4, 25)],
      [40, (c, ui) => ui.run("add an acceptor (a4)", () => c.addAcceptor())],
      [700, (c, ui) => ui.run("add an acceptor (a5)", () => c.addAcceptor())],
    ],
    claims: [
      { key: "workers", countsTo: 100, says: "the increments count to exactly 100" },
      { okDuring: { kind: "membership", acceptor: "a4" }, name: "increment", equals: 13, says: "increments answer while a4 is added" },
      { okDuring: { kind: "membership", acceptor: "a5" }, name: "increment", equals: 10, says: "and while a5 is added" },
      { count: { kind: "membership", step: "done" }, equals: 2, says: "both changes finish" },
      { count: step("a5", "catch-up rescan"), equals: 2, says: "each change rescans (its start and its end)" },
      { violation: null },
    ],
    moments: [
      { on: step("a4", "turn on"), say: "a4 joins the network, empty, and in the same instant the accept quorum change begins: accepts go to a1–a4 and need 3 of them; prepares still go to a1–a3 with 2. Any prepare quorum meets any accept quorum. The step lasts until the increments started under the old sets end; the workers go on." },
      { on: step("a4", "catch-up rescan"), say: "The catch-up rescan: an identity change of every key, so a4 holds what an accept quorum holds." },
      { on: step("a4", "prepare quorum change"), say: "Prepares go to all four and need 3: a4 is a full member." },
      { on: step("a5", "turn on"), say: "The second change: a5 joins, and the same steps run again, 4 → 5." },
      { on: step("a5", "done"), say: "Five acceptors, quorums of 3. Not one increment stopped." },
    ],
  },
  {
    id: "replace-all",
    summary: "a1, a2, a3 are replaced by a4, a5, a6 one at a time; the document survives.",
    title: "Replace every acceptor one by one",
    text: "A document is written to a1–a3. Then each acceptor is replaced, one change at a time (§2.3.2): add a4, remove a1, add a5, remove a2, add a6, remove a3. Removing runs the steps backwards: prepares leave the acceptor, then accepts (with the new majority), the catch-up rescan, the prepare quorum change, and the acceptor is turned off for good (its id is never used again). At the end no acceptor of the first three is left — and the read through p2 still answers the document: each rescan carried it to the newcomers.",
    config: { acceptors: 3, proposers: 2, seed: 1 },
    script: [
      [0, (c, ui) => ui.run("put doc \"v1\" via p1", () => c.put("doc", "v1"))],
      [60, (c, ui) => ui.run("add an acceptor (a4)", () => c.addAcceptor())],
      [300, (c, ui) => ui.run("remove a1", () => c.removeAcceptor("a1"))],
      [600, (c, ui) => ui.run("add an acceptor (a5)", () => c.addAcceptor())],
      [900, (c, ui) => ui.run("remove a2", () => c.removeAcceptor("a2"))],
      [1200, (c, ui) => ui.run("add an acceptor (a6)", () => c.addAcceptor())],
      [1500, (c, ui) => ui.run("remove a3", () => c.removeAcceptor("a3"))],
      [1800, (c, ui) => ui.run("get doc via p2", () => c.get("doc", P2))],
    ],
    claims: [
      { count: { kind: "membership", step: "done" }, equals: 6, says: "six changes finish" },
      { count: { kind: "membership", step: "turn off" }, equals: 6, says: "a1, a2 and a3 are turned off (each step logs its start and end)" },
      { count: { kind: "membership", step: "turn on" }, equals: 6, says: "a4, a5 and a6 are turned on" },
      { op: 0, output: "v1", says: "the put answers" },
      { op: 7, output: "v1", says: "the read through p2 answers \"v1\"" },
      { violation: null },
    ],
    moments: [
      { on: step("a4", "turn on"), say: "a4 joins, empty. The same steps as growing 3 → 4." },
      { on: step("a1", "prepare quorum change"), say: "Removing a1 starts backwards: prepares stop asking a1 (they still need 3 of the 3 left)." },
      { on: step("a1", "turn off"), say: "a1 is turned off for good: a crash and restart never bring it back." },
      { on: step("a3", "turn off"), say: "a3, the last of the first three, leaves: a4, a5, a6 remain." },
      { on: { kind: "invoke", name: "get", node: "p2", key: "doc" }, say: "p2 reads the document from acceptors that never saw its write: the rescans carried it." },
    ],
  },
  {
    id: "write-to-f-plus-1",
    summary: "k sits on exactly F+1 acceptors; grow and shrink: the rescan keeps it.",
    title: "Grow and shrink after a write to F+1",
    text: "The paper's scenario (§2.3.3). k = 42 is written while a3 is cut off: exactly F+1 = 2 of 3 acceptors (a1, a2) hold it. Then a4 is added and a1 removed. Each change's catch-up rescan is an identity change of every key: it writes 42 back to an accept quorum, a4 included. When a2 crashes, the prepare quorum a3 + a4 still finds 42.",
    config: F_PLUS_1,
    script: writeToFPlus1,
    claims: [
      { op: 1, output: 42, says: "put k 42 is acknowledged" },
      { count: step("a4", "catch-up rescan"), equals: 2, says: "adding a4 rescans every key" },
      { op: 6, output: 42, says: "the read through p2 with a2 down answers 42" },
      { violation: null },
    ],
    moments: [
      ...fPlus1Moments("The catch-up rescan reads k and writes 42 back to an accept quorum of a1–a4: a4 holds it now."),
      { on: returns(6), say: "The prepare quorum a3 + a4 finds 42 on a4: the write survived." },
    ],
  },
  {
    id: "skip-rescan",
    summary: "the same change without the catch-up rescan: the acknowledged 42 is lost.",
    title: "Skip the catch-up rescan (broken)",
    text: "The paper's scenario with a broken change (Break it: skip the catch-up rescan): the prepare quorum moves to the new acceptors without the rescan. k = 42 sat on a1 and a2 only; a1 is removed and a2 crashes, so the prepare quorum a3 + a4 holds nothing of k. The read answers null: an acknowledged write is lost, and the checker reports it.",
    config: { ...F_PLUS_1, break: { skipRescan: true } },
    script: writeToFPlus1,
    claims: [
      { op: 1, output: 42, says: "put k 42 is acknowledged" },
      { stat: "operations", equals: 3, says: "no change reads a key: the history holds the two puts and the read" },
      { op: 2, output: null, says: "the read through p2 answers null: 42 is lost" },
      { violation: "linearizability", op: 2, says: "the checker reports the read" },
    ],
    moments: [
      ...fPlus1Moments("").filter((m) => m.on.step !== "catch-up rescan"),
      { on: returns(2), say: "BROKEN: a3 and a4 never held k. The read answers null; put k 42 was acknowledged." },
    ],
  },
  {
    id: "rescan-one-key",
    summary: "the rescan reads only the first key (a published bug): 42 is lost.",
    title: "Rescan one key only (broken)",
    text: "The paper's scenario with the bug of a published Go implementation (Break it: rescan one key only): the catch-up rescan reads one key — a, the first — and skips k. a4 never learns k = 42; after a1 leaves and a2 crashes, the read of k answers null. The checker reports the lost write.",
    config: { ...F_PLUS_1, break: { rescanOneKey: true } },
    script: writeToFPlus1,
    claims: [
      { op: 1, output: 42, says: "put k 42 is acknowledged" },
      { op: 2, output: "everywhere", says: "adding a4 rescans only a" },
      { op: 4, output: null, says: "the read through p2 answers null: 42 is lost" },
      { violation: "linearizability", op: 4, says: "the checker reports the read" },
    ],
    moments: [
      ...fPlus1Moments("BROKEN: the rescan reads a only. k stays on a1 and a2."),
      { on: returns(4), say: "BROKEN: a3 and a4 never held k. The read answers null; put k 42 was acknowledged." },
    ],
  },
];
