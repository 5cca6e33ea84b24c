// Guided scenarios: a cluster configuration and a script of actions at virtual times.
// Each action gets `c` (the Cluster) and `ui`: `ui.run(label, () => c.op(...))` starts an operation
// and shows its result; `ui.workers(n, m)` runs concurrent workers.

const P = (p) => ({ proposer: p });

/** A resource guarded by a lock (the report): it refuses a write whose fencing token is older than
 * the newest it has seen, so a holder whose lease lapsed cannot overwrite its successor. */
const fencedWrite = (token, text) => (report) => {
  if (report && report.token > token) throw new Error(`token ${token} is stale: the report was written with token ${report.token}`);
  return { token, text };
};

export const SCENARIOS = [
  {
    id: "counter",
    title: "Counter",
    text: "p1 increments a counter three times: the first change needs prepare + accept (two round trips), the next ones reuse the cached ballot and take one (§2.2.1). Then p2, with no cache, needs two again.",
    config: { acceptors: 3, proposers: 2 },
    script: [
      [0, (c, ui) => ui.run("increment counter via p1", () => c.increment("counter"))],
      [80, (c, ui) => ui.run("increment counter via p1", () => c.increment("counter"))],
      [140, (c, ui) => ui.run("increment counter via p1", () => c.increment("counter"))],
      [220, (c, ui) => ui.run("increment counter via p2", () => c.increment("counter", P("p2")))],
    ],
  },
  {
    id: "kv",
    title: "Key-value store",
    text: "put, get (a linearizable read is a full round that writes the value back), delete — each one change function on one register.",
    config: { acceptors: 3, proposers: 2 },
    script: [
      [0, (c, ui) => ui.run('put user:1 {"name":"Ada"}', () => c.put("user:1", { name: "Ada", langs: ["en"] }))],
      [80, (c, ui) => ui.run("get user:1 via p2", () => c.get("user:1", P("p2")))],
      [160, (c, ui) => ui.run("delete user:1", () => c.delete("user:1"))],
      [240, (c, ui) => ui.run("get user:1 via p2", () => c.get("user:1", P("p2")))],
    ],
  },
  {
    id: "versioned",
    title: "Versioned document",
    text: "Two writers read version 1 and both try to write it: compare-and-set lets exactly one win; the other gets a VersionConflict.",
    config: { acceptors: 3, proposers: 2 },
    script: [
      [0, (c, ui) => ui.run("write doc v0 → draft", () => c.write("doc", 0, "draft"))],
      [90, (c, ui) => ui.run("p1: write doc expecting v1", () => c.write("doc", 1, "p1's edit"))],
      [90, (c, ui) => ui.run("p2: write doc expecting v1", () => c.write("doc", 1, "p2's edit", P("p2")))],
      [300, (c, ui) => ui.run("read doc", () => c.read("doc"))],
    ],
  },
  {
    id: "lock",
    title: "Distributed lock with fencing tokens",
    text: "alice takes a 150 ms lease on job (fencing token 1) and writes the report with it. Then she stalls: her lease lapses, bob gets the lock with token 2 and writes. When alice wakes up and writes with token 1, the report refuses it (UpdateRejected): a stale holder is stopped by its token, not trusted for what it believes (Chubby's sequencers).",
    config: { acceptors: 3, proposers: 2 },
    script: [
      [0, (c, ui) => ui.run("alice: acquireLease job (ttl 150)", () => c.acquireLease("job", "alice", { ttl: 150 }))],
      [80, (c, ui) => ui.run("alice writes the report with token 1", () => c.change("report", fencedWrite(1, "alice's draft")))],
      [240, (c, ui) => ui.run("bob: acquireLease job via p2", () => c.acquireLease("job", "bob", { ttl: 1000, proposer: "p2" }))],
      [480, (c, ui) => ui.run("bob writes the report with token 2 via p2", () => c.change("report", fencedWrite(2, "bob's report"), P("p2")))],
      [640, (c, ui) => ui.run("alice wakes up, writes with token 1", () => c.change("report", fencedWrite(1, "alice's stale draft")))],
      [760, (c, ui) => ui.run("get report", () => c.get("report"))],
    ],
  },
  {
    id: "workers",
    title: "10 × 100 concurrent increments",
    text: "The seed's example: 10 workers each increment one counter 100 times, spread over the proposers. The count is exactly 1000: no increment lost, none applied twice.",
    config: { acceptors: 3, proposers: 2 },
    speed: 1,
    script: [[0, (c, ui) => ui.workers(10, 100)]],
  },
  {
    id: "minority",
    title: "A crashed minority keeps working",
    text: "a3 crashes: 2 of 3 acceptors are still a majority, so every increment still succeeds.",
    config: { acceptors: 3, proposers: 1 },
    script: [
      [0, (c, ui) => ui.run("increment", () => c.increment("counter"))],
      [60, (c) => c.crash("a3")],
      [80, (c, ui) => ui.run("increment with a3 down", () => c.increment("counter"))],
      [160, (c, ui) => ui.run("increment with a3 down", () => c.increment("counter"))],
      [260, (c) => c.restart("a3")],
    ],
  },
  {
    id: "majority",
    title: "A crashed majority blocks until restart",
    text: "a2 and a3 crash: no quorum, so the increment times out and retries with backoff. When a2 restarts (with its durable state) it completes.",
    config: { acceptors: 3, proposers: 1 },
    script: [
      [0, (c, ui) => ui.run("increment", () => c.increment("counter"))],
      [60, (c) => { c.crash("a2"); c.crash("a3"); }],
      [80, (c, ui) => ui.run("increment with a majority down", () => c.increment("counter"))],
      [900, (c) => c.restart("a2")],
    ],
  },
  {
    id: "partition",
    title: "A partition",
    text: "p1 and a1 are cut off from the rest. p2 still reaches a majority (a2, a3) and succeeds; p1 cannot and retries until the partition heals.",
    config: { acceptors: 3, proposers: 2 },
    script: [
      [0, (c, ui) => ui.run("increment via p1", () => c.increment("counter"))],
      [60, (c) => c.partition([["p1", "a1"]])],
      [80, (c, ui) => ui.run("increment via p1 (minority side)", () => c.increment("counter"))],
      [90, (c, ui) => ui.run("increment via p2 (majority side)", () => c.increment("counter", P("p2")))],
      [700, (c) => c.heal()],
    ],
  },
  {
    id: "dueling",
    title: "Dueling proposers",
    text: "Three proposers change one key at the same moment: their ballots conflict, they fast-forward past each other and back off at random until each one gets through.",
    config: { acceptors: 3, proposers: 3 },
    script: [
      [0, (c, ui) => {
        for (const p of ["p1", "p2", "p3"]) ui.run(`increment via ${p}`, () => c.increment("hot", P(p)));
      }],
      [150, (c, ui) => {
        for (const p of ["p1", "p2", "p3"]) ui.run(`increment via ${p}`, () => c.increment("hot", P(p)));
      }],
    ],
  },
  {
    id: "durability",
    title: "Why acceptors must be durable (wipe)",
    text: "Two increments; a3 misses the second. Then a1 loses its storage (a wipe: outside the fault model) while a2 is down, and a read through p2 gets a quorum of a1 and a3 that never saw the last write: a stale read the checker flags.",
    config: { acceptors: 3, proposers: 2 },
    script: [
      [0, (c, ui) => ui.run("increment via p1", () => c.increment("counter"))],
      [60, (c) => c.crash("a3")],
      [80, (c, ui) => ui.run("increment via p1 (a3 down)", () => c.increment("counter"))],
      [160, (c) => { c.crash("a2"); c.wipe("a1"); c.restart("a3"); }],
      [180, (c, ui) => ui.run("get via p2", () => c.get("counter", P("p2")))],
    ],
  },
  {
    id: "no-cache",
    title: "The cache off (2 round trips)",
    text: "With oneRtt off every change runs prepare and accept: 12 messages per operation instead of 6. Compare with the Counter scenario.",
    config: { acceptors: 3, proposers: 1, oneRtt: false },
    script: [
      [0, (c, ui) => ui.run("increment", () => c.increment("counter"))],
      [80, (c, ui) => ui.run("increment", () => c.increment("counter"))],
      [160, (c, ui) => ui.run("increment", () => c.increment("counter"))],
    ],
  },
];
