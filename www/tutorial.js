// The narrated walkthrough: each step loads a scenario into the widget; Back replays the run the
// reader left at that step (a seek), Next moves on.
const STEPS = [
  {
    title: "1. A first write",
    scenario: "counter",
    text: "A proposer changes a register in two phases. <b>Prepare</b> with a fresh ballot (counter.proposer): a majority promises to ignore lower ballots and reports what it accepted. <b>Accept</b> the new value under that ballot: once a majority accepts, the change happened (§2.2). Watch the first increment: prepare and promise arrows, then accept and accepted.",
  },
  {
    title: "2. A read is a full round",
    scenario: "kv",
    text: "A linearizable read cannot just ask one acceptor: it runs the same two phases with the identity function, writing the value it read back, so no later reader can see an older value. The get after the put is a full round too.",
  },
  {
    title: "3. One round trip with the cache",
    scenario: "counter",
    text: "After a successful round the proposer caches the value and piggybacks the prepare of its next ballot on the accept (§2.2.1). Its next change skips the prepare phase: one round trip instead of two. A proposer without the cache (p2 here) pays two.",
  },
  {
    title: "4. A crashed minority",
    scenario: "minority",
    text: "With 3 acceptors, 2 are a majority: when a3 crashes (the red band), every change still reaches a quorum. CASPaxos needs no leader election and no failover: nothing even notices beyond the lost replies.",
  },
  {
    title: "5. A partition",
    scenario: "partition",
    text: "p1 and a1 are cut off. p2 still reaches a majority and succeeds; p1's increment times out, backs off and retries until the partition heals. Both sides never disagree: only one side can have a quorum.",
  },
  {
    title: "6. Dueling proposers and backoff",
    scenario: "dueling",
    text: "Three proposers change one key at once. Ballots conflict: an acceptor that promised a higher ballot refuses a lower one and says which ballot blocked it, the proposer fast-forwards past it (§2.1) and backs off at random. Each increment gets through exactly once.",
  },
  {
    title: "7. Why acceptors must be durable",
    scenario: "durability",
    text: "CASPaxos assumes acceptors keep their promises and accepted values across crashes. Here a1 is wiped (restarted with empty storage): a read then meets a quorum that never saw the last write and returns a stale value. The widget's checker reports the violation.",
  },
];

const widget = document.getElementById("widget");
const saved = []; // per step: the session the reader left, to come back to
let step = 0;

function show(i, restore) {
  step = i;
  const s = STEPS[i];
  document.getElementById("step-title").textContent = s.title;
  document.getElementById("step-text").innerHTML = `<p>${s.text}</p>`; // static, trusted text
  document.getElementById("progress").textContent = `step ${i + 1} of ${STEPS.length}`;
  document.getElementById("back").disabled = i === 0;
  document.getElementById("next").disabled = i === STEPS.length - 1;
  if (restore) {
    widget.pause(); // back exactly where the reader left this step
    widget.restore(restore.session, restore.point);
  }
  else {
    widget.load(s.scenario);
    widget.play();
  }
}

function leave() {
  const c = widget.cluster;
  if (c?.replayable) saved[step] = { session: c.session(), point: { steps: c.steps, at: c.now } };
}

document.getElementById("next").addEventListener("click", () => {
  leave();
  show(step + 1);
});
document.getElementById("back").addEventListener("click", () => {
  leave();
  show(step - 1, saved[step - 1]);
});
widget.addEventListener("ready", () => show(0), { once: true });
