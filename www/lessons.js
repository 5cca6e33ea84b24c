// The tutorial's steps, as data: each plays one scenario (scenarios.js) in the widget and pauses
// at its moments (events of the run, never timers) with a sentence each. What a step's run shows
// is its scenario's claims plus the step's own `claims`; a page test asserts them all on the run
// the widget drew. `text` is trusted, static HTML.

const returns = (op) => ({ kind: "return", op });
const conflictTo = (proposer) => ({ kind: "deliver", to: proposer, message: { type: "conflict" } });

export const LESSONS = [
  {
    title: "1. A first write",
    scenario: "counter",
    text: "A proposer changes a register in two phases. <b>Prepare</b> with a fresh ballot (counter.proposer): a majority promises to ignore lower ballots and reports what it accepted. <b>Accept</b> the new value under that ballot: once a majority accepts, the change happened (§2.2). Watch p1's first increment.",
    moments: [
      { on: { kind: "deliver", to: "p1", message: { type: "promise" } }, say: "The first promise reaches p1: that acceptor will ignore any ballot lower than 1.p1, and reports that it has accepted nothing yet. p1 waits for a majority: 2 of 3." },
      { on: { kind: "send", from: "p1", message: { type: "accept" } }, say: "Promises from a majority: p1 applies its change (+1) to what they reported (nothing, so 0) and sends accept 1.p1 with the value 1. The accept also carries “next 2.p1”: a prepare of p1's next ballot (§2.2.1, step 3)." },
      { on: returns(0), say: "A majority accepted 1 under 1.p1: the increment is done and answers 1. Two round trips, 12 messages. (The rest of this run is step 3's.)" },
    ],
  },
  {
    title: "2. A read is a full round",
    scenario: "kv",
    text: "A linearizable read cannot just ask one acceptor: that one may have missed the latest write. A read is a change with the identity function: prepare, then accept the value it read, so no later read can see an older one. Here p1 puts a document and p2 reads it.",
  },
  {
    title: "3. One round trip with the cache",
    scenario: "counter",
    text: "After a successful round the proposer keeps the value and piggybacks a prepare of its next ballot on the accept (§2.2.1): the acceptors promise that ballot on the way. Its next change skips the prepare phase: one round trip instead of two. The price: another proposer's prepare now meets that promise.",
    moments: [
      { on: returns(1), say: "p1's second increment: accept 2.p1 only — the acceptors had promised 2.p1 with the last accept. One round trip, 6 messages, answer 2." },
      { on: conflictTo("p2"), say: "p2 has no cache: it prepares 1.p2, and the acceptors refuse it — they promised p1's ballot 4.p1. p2 moves its ballots past 4 and backs off for a random time." },
      { on: returns(3), say: "p2 prepared again with a higher ballot and got through: three round trips for p2's increment, answer 4." },
    ],
  },
  {
    title: "4. A crashed minority",
    scenario: "minority",
    text: "With 3 acceptors, 2 are a majority: when a3 crashes (the red band), every change still reaches a quorum. CASPaxos needs no leader election and no failover: nothing even notices beyond the lost messages.",
  },
  {
    title: "5. A partition",
    scenario: "partition",
    text: "p1 and a1 are cut off. p2 still reaches a majority and succeeds; p1's increment times out, backs off and retries until the partition heals. The two sides never disagree: only one side can have a quorum.",
  },
  {
    title: "6. Dueling proposers and backoff",
    scenario: "dueling",
    text: "Three proposers change one key at once. Ballots conflict: an acceptor that promised a higher ballot refuses a lower one and says which ballot blocked it, the proposer fast-forwards past it (§2.1) and backs off at random. Each increment gets through exactly once.",
  },
  {
    title: "7. The order of messages decides",
    scenario: "by-hand",
    text: "Which proposer is refused is decided by nothing but the order in which messages arrive. Here every message waits until it is delivered by hand (manual delivery), and the script delivers p2's prepare to each acceptor before p1's. Each acceptor promises the first ballot it sees that is higher than its promise, and refuses the lower ones. <a href=\"./?scenario=by-hand\">In the playground</a> you can tick <i>manual delivery</i> and choose the order yourself.",
  },
  {
    title: "8. Why acceptors must be durable",
    scenario: "durability",
    text: "CASPaxos assumes acceptors keep their promises and accepted values across crashes. Here a1 is wiped (restarted with empty storage): a read then meets a quorum that never saw the last write and returns a stale value. The widget's checker reports the violation in the red line under the timeline, and it stays there.",
    claims: [{ violation: "linearizability", op: 2, says: "the widget reports: not linearizable" }],
  },
  {
    title: "9. Deleting for good",
    scenario: "delete-and-collect",
    text: "A delete writes a <b>tombstone</b>; the register stays. Erasing it is not as simple as forgetting it: an acceptor that missed the delete still holds the old value, and a later quorum could find it again. Garbage collection (§3.1) first replicates the tombstone to <i>every</i> acceptor, then makes the proposers forget their cached rounds and move past the collector's ballot, and only then erases. Here a1 misses the delete and still holds 42. <a href=\"./?scenario=erase-without-gc\">The broken twin</a> erases without the protocol, and 42 comes back.",
    moments: [
      { on: { kind: "gc", step: "replicate" }, say: "(a) The collector asks every acceptor — a1 too, which still holds 42 — to promise its ballot, then to accept the tombstone. All three must answer." },
      { on: { kind: "gc", step: "done" }, say: "(b) Proposers forgot their cached rounds of k; (c) every acceptor erased it. The read that follows finds nothing: version 0." },
    ],
  },
  {
    title: "10. Changing the membership",
    scenario: "write-to-f-plus-1",
    text: "Acceptors can be added and removed while the cluster runs, in small steps that keep every prepare quorum meeting every accept quorum (§2.3): <b>turn on</b> the new acceptor (empty), send <b>accepts</b> to all with the new majority, <b>rescan</b> every key, then send <b>prepares</b> to all. Removing runs the steps backwards. The rescan matters: here k = 42 sits on exactly F+1 = 2 acceptors when a4 joins and a1 leaves. The bands on the timeline are the steps. The broken twins <a href=\"./?scenario=skip-rescan\">skip the rescan</a> or <a href=\"./?scenario=rescan-one-key\">rescan one key only</a>, and 42 is lost.",
    moments: [
      { on: { kind: "membership", acceptor: "a4", step: "turn on" }, say: "a4 joins the network, empty, and in the same instant the accept quorum change begins (nothing is in flight to wait for, so turning on is a thin line): accepts go to a1–a4 and need 3; prepares still need 2 of a1–a3. 2 + 3 > 4: any prepare quorum meets any accept quorum." },
      { on: { kind: "membership", acceptor: "a4", step: "catch-up rescan" }, say: "The catch-up rescan: a read (an identity change) of every key, which writes 42 back to an accept quorum of a1–a4 — a4 included." },
      { on: { kind: "membership", acceptor: "a1", step: "turn off" }, say: "a1 has left for good (the steps ran backwards). a2, a3, a4 remain." },
      { on: { kind: "crash", node: "a2" }, say: "a2 crashes: the next prepare quorum is a3 and a4." },
      { on: returns(6), say: "a4 holds 42 thanks to the rescan: the read answers 42. Without the rescan it would answer null." },
    ],
    claims: [{ count: { kind: "membership", step: "done" }, equals: 2, says: "both changes finish" }],
  },
];
