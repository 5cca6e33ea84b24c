// Scenarios of the cluster's membership (paper §2.3): flexible quorums. Same shape as
// scenarios.js (which lists them with its own); a page test asserts every claim.

const returns = (op) => ({ kind: "return", op });

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
];
