// Guided scenarios: a cluster configuration, a script of actions at virtual times, what the run
// shows in data (`claims`, see claims.js: a page test asserts every one on the run the page draws)
// and `moments`: events worth a sentence as they happen (the page shows them as captions; the
// tutorial pauses on them).
//
// Each action gets `c` (the Cluster) and `ui`: `ui.run(label, () => c.op(...))` starts an operation
// and shows its result; `ui.workers(n, m)` runs concurrent workers. Operations are numbered in the
// order they begin (0, 1, ...: their history ids); claims and moments name them so. Every scenario
// fixes its seed: the claims are about that run.

import { MEMBERSHIP_SCENARIOS } from "./scenarios-membership.js";
import { GC_SCENARIOS } from "./scenarios-gc.js";

const P = (p) => ({ proposer: p });

/** A resource guarded by a lock (the report): it refuses a write whose fencing token is older than
 * the newest it has seen, so a holder whose lease lapsed cannot overwrite its successor. */
const fencedWrite = (token, text) => (report) => {
  if (report && report.token > token) throw new Error(`token ${token} is stale: the report was written with token ${report.token}`);
  return { token, text };
};

/** Manual delivery: delivers (or drops) the waiting message `from` → `to` of that type. */
const waiting = (c, from, to, type, value) => {
  const m = c.inFlight().find((x) => x.from === from && x.to === to && x.type === type && (value === undefined || x.message.value === value));
  if (!m) throw new Error(`no ${type} ${from}→${to}${value === undefined ? "" : ` of ${JSON.stringify(value)}`} is waiting`);
  return m.id;
};
const deliver = (from, to, type, value) => (c) => c.deliver(waiting(c, from, to, type, value));
const dropHeld = (from, to, type) => (c) => c.dropMessage(waiting(c, from, to, type));

/** Event patterns the moments wait on (see claims.js `matches`). */
const returns = (op) => ({ kind: "return", op });
const conflictTo = (proposer) => ({ kind: "deliver", to: proposer, message: { type: "conflict" } });

export const SCENARIOS = [
  {
    id: "counter",
    summary: "p1 increments a counter three times, then p2 once.",
    title: "Counter",
    text: "p1 increments a counter three times. The first increment needs prepare + accept: two round trips, 12 messages. Its accept also made the acceptors promise p1's next ballot (§2.2.1), so the next two take one round trip and 6 messages. Then p2 increments: it has no such promise, and its first prepare (1.p2) is refused — the acceptors promised p1's ballot 4.p1. p2 jumps past it, backs off and prepares again: three round trips, answer 4.",
    config: { acceptors: 3, proposers: 2, seed: 1 },
    script: [
      [0, (c, ui) => ui.run("increment counter via p1", () => c.increment("counter"))],
      [80, (c, ui) => ui.run("increment counter via p1", () => c.increment("counter"))],
      [140, (c, ui) => ui.run("increment counter via p1", () => c.increment("counter"))],
      [220, (c, ui) => ui.run("increment counter via p2", () => c.increment("counter", P("p2")))],
    ],
    claims: [
      { op: 0, output: 1, says: "p1's first increment answers 1" },
      { op: 0, roundTrips: 2, says: "it takes two round trips (prepare, accept)" },
      { op: 0, messages: 12, says: "and 12 messages" },
      { op: 1, output: 2, says: "p1's second increment answers 2" },
      { op: 1, roundTrips: 1, says: "in one round trip (accept only)" },
      { op: 1, messages: 6, says: "and 6 messages" },
      { op: 2, output: 3, says: "the third answers 3" },
      { op: 2, roundTrips: 1, says: "in one round trip too" },
      { op: 3, refusedBy: "4.p1", says: "p2's first prepare is refused by p1's promised ballot 4.p1" },
      { op: 3, roundTrips: 3, says: "p2's increment takes three round trips" },
      { op: 3, output: 4, says: "p2's increment answers 4" },
      { violation: null },
    ],
    moments: [
      { on: returns(0), say: "p1's first increment is done in two round trips: prepare/promise, then accept/accepted by a majority. The accept carried “next 2.p1”: a promise for p1's next ballot." },
      { on: returns(1), say: "p1's second increment is done in one round trip: p1 skipped the prepare, its ballot 2.p1 was already promised (§2.2.1)." },
      { on: conflictTo("p2"), say: "Conflict: p2's prepare 1.p2 is refused — the acceptors promised p1's ballot 4.p1 on its last accept. p2 moves its ballots past 4 and backs off for a random time." },
      { on: returns(3), say: "p2's increment answers 4 after three round trips: the refused prepare, a prepare with a higher ballot, the accept." },
    ],
  },
  {
    id: "kv",
    summary: "p1 puts a document; p2 reads it, deletes it, reads again.",
    title: "Key-value store",
    text: "put, get, delete: each is one change function on one register. p1 puts a document. p2 reads it: a linearizable read is a full round that writes back the value it read. p2's first prepare is refused by p1's promised ballot (a conflict), it backs off, prepares again, accepts the put's value back and answers it: three round trips. Now p2 holds the promise: its delete and its last get (null) take one round trip each — still a quorum round each.",
    config: { acceptors: 3, proposers: 2, seed: 1 },
    script: [
      [0, (c, ui) => ui.run('put user:1 {"name":"Ada"} via p1', () => c.put("user:1", { name: "Ada", langs: ["en"] }))],
      [80, (c, ui) => ui.run("get user:1 via p2", () => c.get("user:1", P("p2")))],
      [240, (c, ui) => ui.run("delete user:1 via p2", () => c.delete("user:1", P("p2")))],
      [320, (c, ui) => ui.run("get user:1 via p2", () => c.get("user:1", P("p2")))],
    ],
    claims: [
      { op: 0, output: { name: "Ada", langs: ["en"] }, says: "the put answers its value" },
      { op: 0, roundTrips: 2, says: "the put takes two round trips" },
      { op: 1, refusedBy: "2.p1", says: "the get's first prepare is refused by p1's promised ballot 2.p1" },
      { op: 1, roundTrips: 3, says: "the get takes three round trips: refused prepare, prepare, accept (the write-back)" },
      { op: 1, accepts: { name: "Ada", langs: ["en"] }, says: "its accept writes the put's value back" },
      { op: 1, output: { name: "Ada", langs: ["en"] }, says: "the get answers the put's value" },
      { op: 2, roundTrips: 1, says: "p2's delete takes one round trip" },
      { op: 2, output: null, says: "the delete succeeds" },
      { op: 3, roundTrips: 1, says: "the last get takes one round trip" },
      { op: 3, output: null, says: "the last get answers null" },
      { violation: null },
    ],
    moments: [
      { on: returns(0), say: "The put is done: prepare + accept, two round trips. Its accept made the acceptors promise p1's next ballot 2.p1." },
      { on: conflictTo("p2"), say: "Conflict: p2's get starts with prepare 1.p2, refused — 2.p1 is promised. p2 backs off." },
      { on: { kind: "send", from: "p2", message: { type: "accept" } }, say: "p2's promises reported the put's value; p2 now accepts that same value under its own ballot: the read writes back what it read, so no later read can see anything older." },
      { on: returns(1), say: "The get answers the put's value, after three round trips." },
      { on: returns(3), say: "p2 holds the promise now: delete and get take one round trip each. The get answers null." },
    ],
  },
  {
    id: "versioned",
    summary: "two writers race to update version 1 of a document.",
    title: "Versioned document",
    text: "p1 writes version 1. Then p1 and p2 both write expecting version 1, at the same moment: compare-and-set lets exactly one win. p1 wins in one round trip. p2's first prepare is refused by p1's promised ballot; it prepares again, finds version 2 and refuses with VersionConflict — after writing the state it saw back unchanged (an identity accept: no answer without a quorum), three round trips in all. A read through p2 finds p1's edit at version 2.",
    config: { acceptors: 3, proposers: 2, seed: 1 },
    script: [
      [0, (c, ui) => ui.run("write doc v0 → draft via p1", () => c.write("doc", 0, "draft"))],
      [90, (c, ui) => ui.run("write doc expecting v1 via p1", () => c.write("doc", 1, "p1's edit"))],
      [90, (c, ui) => ui.run("write doc expecting v1 via p2", () => c.write("doc", 1, "p2's edit", P("p2")))],
      [300, (c, ui) => ui.run("read doc via p2", () => c.read("doc", P("p2")))],
    ],
    claims: [
      { op: 0, output: { version: 1 }, says: "the first write makes version 1" },
      { op: 1, output: { version: 2 }, says: "p1's write expecting v1 wins: version 2" },
      { op: 1, roundTrips: 1, says: "p1's write takes one round trip" },
      { op: 2, error: "VersionConflict", says: "p2's write expecting v1 is refused: VersionConflict" },
      { op: 2, refusedBy: "3.p1", says: "p2's first prepare is refused by p1's promised ballot 3.p1" },
      { op: 2, roundTrips: 3, says: "p2's refusal takes three round trips" },
      { op: 2, accepts: "p1's edit", says: "the last one accepts what p2 saw, p1's edit, back unchanged" },
      { op: 3, output: { version: 2, value: "p1's edit" }, says: "the read finds p1's edit at version 2" },
      { violation: null },
    ],
    moments: [
      { on: returns(1), say: "p1's write expecting version 1 wins in one round trip: doc is at version 2." },
      { on: conflictTo("p2"), say: "Conflict: p2's prepare is refused — p1's next ballot 3.p1 is promised. p2 backs off." },
      { on: returns(2), say: "p2 prepared again and read version 2, not 1. Before refusing it accepted that state back unchanged (the identity): a refusal is a full round too. VersionConflict." },
    ],
  },
  {
    id: "lock",
    summary: "a lock holder stalls past its lease; a fencing token stops her.",
    title: "Distributed lock with fencing tokens",
    text: "alice takes a 150 ms lease on job (fencing token 1) and writes the report with it. Then she stalls: her lease lapses, and bob, through p2, gets the lock with token 2 (his first prepare is refused by p1's promised ballot, so it takes three round trips) and writes the report. When alice wakes up and writes with token 1 (her cached ballot is refused first: bob wrote the report since), the report refuses it (UpdateRejected): a stale holder is stopped by its token, not trusted for what it believes (Chubby's sequencers). The report keeps bob's text.",
    config: { acceptors: 3, proposers: 2, seed: 1 },
    script: [
      [0, (c, ui) => ui.run("alice: acquireLease job (ttl 150)", () => c.acquireLease("job", "alice", { ttl: 150 }))],
      [80, (c, ui) => ui.run("alice writes the report with token 1", () => c.change("report", fencedWrite(1, "alice's draft")))],
      [240, (c, ui) => ui.run("bob: acquireLease job via p2", () => c.acquireLease("job", "bob", { ttl: 1000, proposer: "p2" }))],
      [480, (c, ui) => ui.run("bob writes the report with token 2 via p2", () => c.change("report", fencedWrite(2, "bob's report"), P("p2")))],
      [640, (c, ui) => ui.run("alice wakes up, writes with token 1", () => c.change("report", fencedWrite(1, "alice's stale draft")))],
      [760, (c, ui) => ui.run("get report", () => c.get("report"))],
    ],
    claims: [
      { op: 0, output: { acquired: true, holder: "alice", expiresAt: 170, token: 1 }, says: "alice gets the lease with token 1, until 170 ms" },
      { op: 1, output: { token: 1, text: "alice's draft" }, says: "alice writes the report with token 1" },
      { op: 2, output: { acquired: true, holder: "bob", expiresAt: 1318, token: 2 }, says: "alice's lease lapsed: bob gets the lock with token 2" },
      { op: 2, refusedBy: "2.p1", says: "bob's first prepare is refused by p1's promised ballot 2.p1" },
      { op: 2, roundTrips: 3, says: "bob's acquire takes three round trips" },
      { op: 3, output: { token: 2, text: "bob's report" }, says: "bob writes the report with token 2" },
      { op: 4, refusedBy: "9.p2", says: "alice's cached ballot is refused first: p2 promised 9.p2 when bob wrote" },
      { op: 4, error: "UpdateRejected", message: "token 1 is stale: the report was written with token 2", says: "alice's write with token 1 is refused: UpdateRejected, token 1 is stale" },
      { op: 5, output: { token: 2, text: "bob's report" }, says: "the report keeps bob's text" },
      { order: [0, 1, 2, 3, 4, 5], says: "each step ends before the next begins" },
      { violation: null },
    ],
    moments: [
      { on: returns(1), say: "alice holds token 1 and wrote the report with it. Her lease ends at 170 ms." },
      { on: returns(2), say: "alice's lease lapsed: bob got the lock with token 2 (after a refused prepare: p1's promise on lock:job)." },
      { on: returns(4), say: "alice, awake and still believing she holds the lock, writes with token 1. Her cached ballot is refused first (bob wrote the report since); she prepares again, reads token 2, and the report refuses her write (UpdateRejected)." },
    ],
  },
  {
    id: "workers",
    summary: "10 workers increment one counter 100 times each.",
    title: "10 × 100 concurrent increments",
    text: "The seed's example: 10 workers each increment one counter 100 times, spread over the two proposers. Their rounds collide all the time (conflicts, backoffs and retries: see Stats), yet the count is exactly 1000: no increment lost, none applied twice.",
    config: { acceptors: 3, proposers: 2, seed: 1 },
    speed: 1,
    script: [[0, (c, ui) => ui.workers(10, 100)]],
    claims: [
      { key: "workers", countsTo: 1000, says: "the 1000 increments answer exactly 1..1000, each once" },
      { violation: null },
    ],
    moments: [],
  },
  {
    id: "minority",
    summary: "one acceptor of three crashes; increments go on.",
    title: "A crashed minority keeps working",
    text: "a3 crashes at 60 ms: 2 of 3 acceptors are still a majority, so both increments that follow succeed in one round trip, as before; the accepts sent to a3 are lost (✕). a3 restarts at 260 ms with its storage.",
    config: { acceptors: 3, proposers: 1, seed: 1 },
    script: [
      [0, (c, ui) => ui.run("increment", () => c.increment("counter"))],
      [60, (c) => c.crash("a3")],
      [80, (c, ui) => ui.run("increment with a3 down", () => c.increment("counter"))],
      [160, (c, ui) => ui.run("increment with a3 down", () => c.increment("counter"))],
      [260, (c) => c.restart("a3")],
    ],
    claims: [
      { op: 1, output: 2, says: "the first increment with a3 down answers 2" },
      { op: 1, roundTrips: 1, says: "in one round trip" },
      { op: 2, output: 3, says: "the second answers 3" },
      { op: 2, roundTrips: 1, says: "in one round trip" },
      { count: { kind: "drop", to: "a3", reason: "down" }, equals: 2, says: "the two accepts sent to a3 are lost" },
      { violation: null },
    ],
    moments: [
      { on: { kind: "crash", node: "a3" }, say: "a3 crashes (the red band)." },
      { on: returns(1), say: "a1 and a2 are a majority: the increment answers 2 in one round trip. The accept to a3 is lost (✕)." },
      { on: { kind: "restart", node: "a3" }, say: "a3 restarts with its durable state." },
    ],
  },
  {
    id: "majority",
    summary: "two acceptors of three crash; an increment waits for a restart.",
    title: "A crashed majority blocks until restart",
    text: "a2 and a3 crash: one acceptor of three is no majority. The increment times out, backs off (a random wait whose range doubles each time) and retries with a fresh ballot — six times. a2 restarts at 900 ms with its durable state; the next retry reaches a1 and a2 and the increment answers 2, on its 7th attempt.",
    config: { acceptors: 3, proposers: 1, seed: 1 },
    script: [
      [0, (c, ui) => ui.run("increment", () => c.increment("counter"))],
      [60, (c) => { c.crash("a2"); c.crash("a3"); }],
      [80, (c, ui) => ui.run("increment with a majority down", () => c.increment("counter"))],
      [900, (c) => c.restart("a2")],
    ],
    claims: [
      { count: { kind: "timeout", node: "p1" }, equals: 6, says: "six timeouts" },
      { op: 1, attempts: 7, says: "the increment takes 7 attempts" },
      { op: 1, endsAfter: { kind: "restart", node: "a2" }, says: "it ends only after a2 restarts" },
      { op: 1, output: 2, says: "it answers 2" },
      { violation: null },
    ],
    moments: [
      { on: { kind: "crash", node: "a3" }, say: "a2 and a3 crash: a1 alone is no majority." },
      { on: { kind: "timeout", node: "p1" }, say: "p1's round times out. It backs off for a random time (the range doubles with each attempt) and retries with a fresh ballot." },
      { on: { kind: "restart", node: "a2" }, say: "a2 restarts with its durable state: a1 and a2 are a majority again." },
      { on: returns(1), say: "The next retry gets through: the increment answers 2, on its 7th attempt." },
    ],
  },
  {
    id: "partition",
    summary: "the network splits; only the side with a majority makes progress.",
    title: "A partition",
    text: "p1 and a1 are cut off from the rest at 60 ms. p2 still reaches a majority (a2, a3): its first prepare is refused by p1's promised ballot, it backs off and gets through — answer 2. p1 cannot reach a majority: it times out and retries until the partition heals at 700 ms, then answers 3. The two sides never disagree: only one side can have a quorum.",
    config: { acceptors: 3, proposers: 2, seed: 1 },
    script: [
      [0, (c, ui) => ui.run("increment via p1", () => c.increment("counter"))],
      [60, (c) => c.partition([["p1", "a1"]])],
      [80, (c, ui) => ui.run("increment via p1 (minority side)", () => c.increment("counter"))],
      [90, (c, ui) => ui.run("increment via p2 (majority side)", () => c.increment("counter", P("p2")))],
      [700, (c) => c.heal()],
    ],
    claims: [
      { op: 2, refusedBy: "2.p1", says: "p2's first prepare is refused by p1's promised ballot 2.p1" },
      { op: 2, output: 2, says: "p2, on the majority side, answers 2" },
      { op: 1, endsAfter: { kind: "heal" }, says: "p1's increment ends only after the heal" },
      { op: 1, output: 3, says: "then answers 3" },
      { violation: null },
    ],
    moments: [
      { on: { kind: "partition" }, say: "p1 and a1 are cut off from p2, a2 and a3 (the bands)." },
      { on: conflictTo("p2"), say: "Conflict: p2's prepare is refused by p1's promised ballot 2.p1; p2 backs off and retries." },
      { on: returns(2), say: "p2 reached a2 and a3, a majority: answer 2." },
      { on: { kind: "timeout", node: "p1" }, say: "p1 hears from a1 alone: no majority. It times out, backs off and retries." },
      { on: { kind: "heal" }, say: "The partition heals." },
      { on: returns(1), say: "p1's next retry reaches a majority: answer 3." },
    ],
  },
  {
    id: "dueling",
    summary: "three proposers increment one key at the same moment.",
    title: "Dueling proposers",
    text: "Three proposers increment one key at the same moment with ballots 1.p1, 1.p2, 1.p3 — equal counters, so p3's is highest (ties go to the higher proposer). Acceptors that promised 1.p3 refuse p1's and p2's prepares and accepts: they fast-forward past the blocking ballot, back off at random and try again. p3 answers 1, p1 2, p2 3. At 150 ms they go again: p2 holds the newest promise (8.p2) and wins in one round trip (4); p3 and p1 are refused by 8.p2 and retry (5, 6). Each increment is applied exactly once.",
    config: { acceptors: 3, proposers: 3, seed: 1 },
    script: [
      [0, (c, ui) => {
        for (const p of ["p1", "p2", "p3"]) ui.run(`increment via ${p}`, () => c.increment("hot", P(p)));
      }],
      [150, (c, ui) => {
        for (const p of ["p1", "p2", "p3"]) ui.run(`increment via ${p}`, () => c.increment("hot", P(p)));
      }],
    ],
    claims: [
      { op: 2, output: 1, says: "p3 answers 1" },
      { op: 0, refusedBy: "1.p3", says: "p1 is refused by 1.p3" },
      { op: 0, output: 2, says: "p1 answers 2" },
      { op: 1, refusedBy: "1.p3", says: "p2 is refused by 1.p3" },
      { op: 1, output: 3, says: "p2 answers 3" },
      { op: 4, roundTrips: 1, says: "in the second wave p2 gets through in one round trip" },
      { op: 4, output: 4, says: "p2 answers 4" },
      { op: 5, refusedBy: "8.p2", says: "p3 is refused by p2's ballot 8.p2" },
      { op: 5, output: 5, says: "p3 answers 5" },
      { op: 3, refusedBy: "8.p2", says: "so is p1" },
      { op: 3, output: 6, says: "p1 answers 6" },
      { violation: null },
    ],
    moments: [
      { on: { kind: "deliver", message: { type: "conflict" } }, say: "Conflict: an acceptor refuses a lower ballot and names the one that blocked it; the proposer fast-forwards past it and backs off at random." },
      { on: returns(2), say: "p3's increment answers 1." },
      { on: returns(1), say: "p1 answered 2, p2 now 3: every increment applied once." },
      { on: returns(4), say: "Second wave: p2 holds the newest promise (8.p2): one round trip, answer 4." },
      { on: returns(3), say: "p3 and p1 were refused by p2's ballot and retried: 5 and 6." },
    ],
  },
  {
    id: "by-hand",
    summary: "two proposers duel, and the order of deliveries — yours to choose — decides who is refused.",
    title: "Dueling proposers, by hand",
    text: "Manual delivery: every message waits until someone delivers it. p1 and p2 both increment with ballots 1.p1 and 1.p2 (1.p2 is higher). Here the script delivers p2's prepare to a1 first, then p1's: a1 already promised 1.p2, so it refuses 1.p1 — a conflict naming 1.p2. The same happens at a2. a1 and a2 promise p2: a majority, so p2 accepts 1 while its prepare to a3 is dropped by hand. Then delivery turns automatic: p1 hears the conflicts, fast-forwards past 1.p2, backs off and retries: 2. Try another order yourself (manual delivery): someone is still refused. Deliver p1's prepares first and p1's accept is refused by 1.p2 (p2's prepares arrive later but carry the higher ballot); deliver everything to and from p1 first and p2 is refused by 2.p1 instead.",
    config: { acceptors: 3, proposers: 2, seed: 1 },
    speed: 0.02,
    script: [
      [0, (c, ui) => {
        c.setDelivery("manual");
        ui.run("increment duel via p1", () => c.increment("duel"));
        ui.run("increment duel via p2", () => c.increment("duel", P("p2")));
      }],
      [3, deliver("p2", "a1", "prepare")],
      [6, deliver("p1", "a1", "prepare")],
      [9, deliver("p2", "a2", "prepare")],
      [12, deliver("p1", "a2", "prepare")],
      [15, deliver("a1", "p2", "promise")],
      [18, deliver("a2", "p2", "promise")],
      [21, dropHeld("p2", "a3", "prepare")],
      [24, (c) => c.setDelivery("auto")],
    ],
    claims: [
      { op: 0, refusedBy: "1.p2", says: "p1's prepare 1.p1 is refused by 1.p2, promised first" },
      { op: 1, output: 1, says: "p2, whose prepares were delivered first, answers 1" },
      { op: 0, output: 2, says: "p1 retries with a higher ballot and answers 2" },
      { count: { kind: "drop", reason: "manual" }, equals: 1, says: "one message dropped by hand" },
      { count: { kind: "deliver", to: "p1", message: { type: "conflict" } }, equals: 2, says: "two conflicts reach p1 (from a1 and a2)" },
      { violation: null },
    ],
    moments: [
      { on: { kind: "deliver", from: "p1", to: "a1", message: { type: "prepare" } }, say: "p1's prepare 1.p1 reaches a1 after p2's 1.p2: a1 promised the higher ballot, so it answers with a conflict." },
      { on: { kind: "drop", reason: "manual" }, say: "p2's prepare to a3 is dropped by hand: a1 and a2 are a majority already." },
      { on: conflictTo("p1"), say: "Delivery is automatic again: p1 hears the conflict, moves its ballots past 1.p2 and backs off." },
      { on: returns(0), say: "p1's retry answers 2: each increment applied once, whichever order the messages took." },
    ],
  },
  {
    id: "your-duel",
    summary: "two proposers duel and every message waits for you: you choose who is refused.",
    title: "Dueling proposers: your turn",
    steer: true, // the reader delivers the messages: that is this scenario's run, not a change to it
    text: "Your turn: p1 and p2 both increment the key duel, and every message waits in the list under the timeline until you click it (✕ drops it). Deliver p2's prepares before p1's and the acceptors refuse 1.p1 with a conflict; deliver p1's first and both are promised in turn, and the lower ballot's accept is refused later. Whatever order you choose, no two increments answer the same value; delivered to the end, they answer 1 and 2, each exactly once. Safety never waits for you, progress does: Run to idle only moves time and delivers nothing, so left waiting, the proposers' timeouts fire until their attempts run out and they give up (Unavailable). Untick manual delivery to let the network finish.",
    config: { acceptors: 3, proposers: 2, seed: 1 },
    script: [
      [0, (c, ui) => {
        c.setDelivery("manual");
        ui.run("increment duel via p1", () => c.increment("duel"));
        ui.run("increment duel via p2", () => c.increment("duel", P("p2")));
      }],
    ],
    claims: [
      { key: "duel", distinctWithin: 2, says: "whatever the order, and even if nothing is delivered, no two increments answer the same value: each answers 1 or 2, or gives up" },
      { violation: null },
    ],
    moments: [
      { on: { kind: "deliver", message: { type: "conflict" } }, say: "A conflict: the acceptor had promised a higher ballot than this proposer's, and names it. The proposer will move past it and back off." },
      { on: { kind: "return", outcome: "ok" }, say: "One increment is done. Deliver the rest (or untick manual delivery) to finish the other." },
      { on: { kind: "return", outcome: "ok" }, after: 1, say: "Both increments are done: they answered 1 and 2, each applied exactly once." },
      { on: { kind: "return", outcome: "failed" }, ifReader: true, say: "An increment gave up: its messages waited until its timeouts used up every attempt (Unavailable, not applied). Nothing was delivered: under manual delivery only you move messages." },
      { on: { kind: "return", outcome: "unknown" }, ifReader: true, say: "An increment gave up with its outcome unknown: an accept of it may have reached an acceptor. Nothing was delivered after it: under manual delivery only you move messages." },
    ],
  },
  {
    id: "reuse-by-hand",
    summary: "the ballot-reuse bug, steered by hand: two values accepted under one ballot.",
    title: "Ballot reuse, by hand (broken)",
    text: "A deliberately broken proposer (Break it: reuse a ballot after a failed accept) under manual delivery. p1 puts \"A\": its prepare 1.p1 gets a majority, and its accept 1.p1 = \"A\" is delivered to a1 only; the others wait. p1's accept phase times out — and instead of moving to a higher ballot, the broken proposer keeps 1.p1 for its next change. p1 puts \"B\": it sends accept 1.p1 = \"B\" at once, and a2 accepts it. Two different values under one ballot: the one-value-per-ballot oracle fires. A correct proposer never reuses a ballot (§2.2: each attempt takes a fresh, higher one).",
    config: { acceptors: 3, proposers: 1, seed: 1, break: { reuseBallot: true } },
    speed: 0.05,
    script: [
      [0, (c, ui) => {
        c.setDelivery("manual");
        ui.run('put reg "A" via p1', () => c.put("reg", "A"));
      }],
      [2, deliver("p1", "a1", "prepare")],
      [4, deliver("p1", "a2", "prepare")],
      [6, deliver("a1", "p1", "promise")],
      [8, deliver("a2", "p1", "promise")],
      [10, deliver("p1", "a1", "accept", "A")],
      [60, (c, ui) => ui.run('put reg "B" via p1', () => c.put("reg", "B"))],
      [62, deliver("p1", "a2", "accept", "B")],
      [66, (c) => c.setDelivery("auto")],
    ],
    claims: [
      { count: { kind: "timeout", node: "p1", phase: "accept" }, equals: 1, says: "p1's accept phase times out" },
      { op: 1, roundTrips: 1, says: "the second put goes straight to accept, reusing the ballot" },
      { op: 1, accepts: "B", says: "its accept carries \"B\" under 1.p1, the ballot \"A\" was accepted under" },
      { oracle: "one-value-per-ballot", says: "the one-value-per-ballot oracle fires" },
    ],
    moments: [
      { on: { kind: "deliver", from: "p1", to: "a1", message: { type: "accept" } }, say: "a1 accepts 1.p1 = \"A\"; p1's accepts to a2 and a3 wait." },
      { on: { kind: "timeout", node: "p1", phase: "accept" }, say: "p1's accept phase times out. The broken proposer keeps ballot 1.p1 for its next change." },
      { on: { kind: "deliver", from: "p1", to: "a2", message: { type: "accept", value: "B" } }, say: "a2 accepts 1.p1 = \"B\": two values under one ballot. The oracle fires." },
    ],
  },
  {
    id: "durability",
    summary: "an acceptor loses its storage, and a read goes stale.",
    title: "Why acceptors must be durable (wipe)",
    text: "Two increments; a3 misses the second. Then a1 loses its storage (a wipe: outside the fault model) while a2 is down, and a read through p2 (after one refused prepare) gets a quorum of a1 and a3 that never saw the last write: it answers 1 where 2 was written — a stale read the checker flags as not linearizable. The promise-regressed oracle sees a1's promise go back.",
    config: { acceptors: 3, proposers: 2, seed: 1 },
    script: [
      [0, (c, ui) => ui.run("increment via p1", () => c.increment("counter"))],
      [60, (c) => c.crash("a3")],
      [80, (c, ui) => ui.run("increment via p1 (a3 down)", () => c.increment("counter"))],
      [160, (c) => { c.crash("a2"); c.wipe("a1"); c.restart("a3"); }],
      [180, (c, ui) => ui.run("get via p2", () => c.get("counter", P("p2")))],
    ],
    claims: [
      { op: 1, output: 2, says: "the second increment answers 2" },
      { op: 2, output: 1, says: "the get answers 1: a stale value" },
      { violation: "linearizability", op: 2, says: "the checker reports the get: not linearizable" },
      { oracle: "promise-regressed", says: "the promise-regressed oracle fires" },
    ],
    moments: [
      { on: { kind: "wipe", node: "a1" }, say: "a1 is wiped: it forgets its promise and the value 2 (outside CASPaxos's fault model). a2 is down; a3 restarts, but it missed the second write." },
      { on: returns(2), say: "The get answers 1, but 2 was written and acknowledged: a stale read. The checker flags it." },
    ],
  },
  {
    id: "no-cache",
    summary: "the one-round-trip cache switched off.",
    title: "The cache off (2 round trips)",
    text: "With oneRtt off every change runs prepare and accept: two round trips and 12 messages per operation, where the Counter's cached increments take one round trip and 6.",
    config: { acceptors: 3, proposers: 1, oneRtt: false, seed: 1 },
    script: [
      [0, (c, ui) => ui.run("increment", () => c.increment("counter"))],
      [80, (c, ui) => ui.run("increment", () => c.increment("counter"))],
      [160, (c, ui) => ui.run("increment", () => c.increment("counter"))],
    ],
    claims: [
      { op: 1, roundTrips: 2, says: "the second increment still takes two round trips" },
      { op: 2, roundTrips: 2, says: "so does the third" },
      { op: 2, output: 3, says: "the third answers 3" },
      { stat: "messagesPerOperation", equals: 12, says: "12 messages per operation" },
      { violation: null },
    ],
    moments: [
      { on: returns(1), say: "No cache: the second increment prepares again — two round trips, 12 messages." },
    ],
  },
  ...MEMBERSHIP_SCENARIOS,
  ...GC_SCENARIOS,
];

/** The scenario a page opens on: short, and it shows a prepare, the cache and a conflict. */
export const INTRO_SCENARIO = "counter";
