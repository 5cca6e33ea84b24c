// An outsider's fuzz through the public JS API (the built www/pkg, loaded in Node), with its own
// oracle that shares no code with the crate's checker: operations are issued one at a time (each
// awaited, the most common interactive pattern), through random proposers, between random faults;
// a sequential model of every key keeps the set of states the history allows (an operation that
// may have been applied forks it) and every answer — ok or refusal — must fit one of them.
//
// Replay one seed: CASPAXOS_API_SEED=17 node --test api-fuzz.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ROOT } from "./helpers.mjs";
import init, { Cluster } from "../../www/pkg/caspaxos_playground.js";

await init({ module_or_path: await readFile(path.join(ROOT, "www/pkg/caspaxos_playground_bg.wasm")) });

const SEEDS = process.env.CASPAXOS_API_SEED ? [Number(process.env.CASPAXOS_API_SEED)] : range(1, Number(process.env.CASPAXOS_API_SEEDS ?? 300));
const OPS_PER_SEED = 40;
const KEYS = ["a", "b"];
const LOCKS = ["job"];

function range(from, to) {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** A small seeded RNG (mulberry32), independent of the crate's. */
function rng(seed) {
  let t = seed >>> 0;
  const next = () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r ^= r + Math.imul(r ^ (r >>> 7), 61 | r);
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
  return { below: (n) => Math.floor(next() * n), chance: (p) => next() < p };
}

// ---- the sequential model: a register { value, version } per key, a lock { owner, token } ----

const empty = () => ({ value: null, version: 0 });
const written = (s, value) => ({ value, version: s.version + 1 });

/** A change function that doubles numbers and refuses anything else. */
const doubleOrRefuse = (x) => {
  if (typeof x !== "number") throw new Error(`not a number: ${JSON.stringify(x)}`);
  return x * 2 + 1;
};

/** The operations: how to run each through the API, and what the model says it does to state
 * `s`: `{ next, answer }` or `{ refuse: errorName }`. */
const OPERATIONS = [
  { name: "put", run: (c, k, a, o) => c.put(k, a, o), arg: (r) => r.below(50), model: (s, a) => ({ next: written(s, a), answer: a }) },
  { name: "get", run: (c, k, a, o) => c.get(k, o), model: (s) => ({ next: s, answer: s.value }) },
  { name: "delete", run: (c, k, a, o) => c.delete(k, o), model: (s) => ({ next: written(s, null), answer: undefined }) },
  {
    name: "increment",
    run: (c, k, a, o) => c.increment(k, o),
    model: (s) => (s.value === null || typeof s.value === "number" ? { next: written(s, (s.value ?? 0) + 1), answer: (s.value ?? 0) + 1 } : { refuse: "UpdateRejected" }),
  },
  { name: "read", run: (c, k, a, o) => c.read(k, o), model: (s) => ({ next: s, answer: { version: s.version, value: s.value } }) },
  {
    name: "write",
    run: (c, k, a, o) => c.write(k, a.expected, a.value, o),
    arg: (r, known) => ({ expected: Math.max(0, known - r.below(2)), value: `w${r.below(9)}` }),
    model: (s, a) => (s.version === a.expected ? { next: written(s, a.value), answer: { version: s.version + 1 } } : { refuse: "VersionConflict" }),
  },
  {
    name: "change",
    run: (c, k, a, o) => c.change(k, doubleOrRefuse, o),
    model: (s) => (typeof s.value === "number" ? { next: written(s, s.value * 2 + 1), answer: s.value * 2 + 1 } : { refuse: "UpdateRejected" }),
  },
];

const LOCK_OPERATIONS = [
  {
    name: "acquireLock",
    run: (c, k, a, o) => c.acquireLock(k, a, o),
    arg: (r) => ["alice", "bob"][r.below(2)],
    model: (s, who) => (s.owner === null || s.owner === who ? { next: { owner: who, token: s.token + 1 }, answer: true } : { next: s, answer: false }),
  },
  {
    name: "acquireLease",
    run: (c, k, a, o) => c.acquireLease(k, a, o),
    arg: (r) => ["alice", "bob"][r.below(2)],
    model: (s, who) =>
      s.owner === null || s.owner === who
        ? { next: { owner: who, token: s.token + 1 }, answer: { acquired: true, holder: who, expiresAt: null, token: s.token + 1 } }
        : { next: s, answer: { acquired: false, holder: s.owner, expiresAt: null, token: s.token } },
  },
  {
    name: "releaseLock",
    run: (c, k, a, o) => c.releaseLock(k, a, o),
    arg: (r) => ["alice", "bob"][r.below(2)],
    model: (s, who) => (s.owner === who ? { next: { owner: null, token: s.token }, answer: true } : { next: s, answer: false }),
  },
];

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
function dedupe(states) {
  const seen = new Map();
  for (const s of states) seen.set(JSON.stringify(s), s);
  return [...seen.values()];
}

/** The states after an operation that answered `result`, or [] if no state allows that answer. */
function fit(states, model, arg, result) {
  const out = [];
  for (const s of states) {
    const m = model(s, arg);
    if (result.ok) {
      if (!m.refuse && same(m.answer, result.value)) out.push(m.next);
    } else if (result.error.name === "Unavailable") {
      out.push(s); // not applied ...
      if (result.error.indeterminate && !m.refuse) out.push(m.next); // ... or applied once
    } else if (m.refuse === result.error.name) {
      out.push(s);
    }
  }
  return dedupe(out);
}

async function settle(promise) {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

/** One seeded run; returns a description of the first answer no state allows, or null. */
async function runSeed(seed) {
  const r = rng(seed);
  const acceptors = [3, 3, 5][r.below(3)];
  const proposers = 1 + r.below(3);
  const faulty = r.chance(0.7);
  const c = new Cluster({
    acceptors,
    proposers,
    seed,
    oneRtt: r.chance(0.8),
    latency: { min: 1 + r.below(5), max: 6 + r.below(20) },
    dropRate: faulty ? r.below(15) / 100 : 0,
    duplicateRate: faulty ? r.below(10) / 100 : 0,
  });
  const states = new Map([...KEYS.map((k) => [k, [empty()]]), ...LOCKS.map((l) => [l, [{ owner: null, token: 0 }]])]);
  const knownVersion = new Map(KEYS.map((k) => [k, 0]));
  const down = new Set();
  const log = [];
  try {
    for (let i = 0; i < OPS_PER_SEED; i++) {
      if (faulty && r.chance(0.3)) log.push(fault(c, r, acceptors, proposers, down));
      const isLock = r.chance(0.2);
      const key = isLock ? LOCKS[0] : KEYS[r.below(KEYS.length)];
      const op = isLock ? LOCK_OPERATIONS[r.below(LOCK_OPERATIONS.length)] : OPERATIONS[r.below(OPERATIONS.length)];
      const arg = op.arg ? op.arg(r, knownVersion.get(key) ?? 0) : undefined;
      const proposer = `p${1 + r.below(proposers)}`;
      const result = await settle(op.run(c, key, arg, { proposer }));
      const shown = result.ok ? JSON.stringify(result.value) : `${result.error.name}${result.error.indeterminate ? " (indeterminate)" : ""}: ${result.error.message}`;
      log.push(`#${i} ${op.name} ${key} ${JSON.stringify(arg) ?? ""} via ${proposer} -> ${shown}`);
      if (result.ok && op.name === "read") knownVersion.set(key, result.value.version);
      const next = fit(states.get(key), op.model, arg, result);
      if (next.length === 0) {
        return `seed ${seed}: ${log.at(-1)} fits no state the history allows: ${JSON.stringify(states.get(key))}\n  ${log.join("\n  ")}`;
      }
      states.set(key, next);
    }
    // The faults stop; every key is read back and must still be one of the allowed states.
    c.heal();
    c.setDropRate(0);
    c.setDuplicateRate(0);
    for (const n of down) c.restart(n);
    for (const key of KEYS) {
      const final = await settle(c.read(key));
      assert.ok(final.ok, `seed ${seed}: the final read of ${key} failed: ${final.error?.message}`);
      if (!states.get(key).some((s) => s.version === final.value.version && same(s.value, final.value.value))) {
        return `seed ${seed}: final read of ${key} ${JSON.stringify(final.value)} fits none of ${JSON.stringify(states.get(key))}\n  ${log.join("\n  ")}`;
      }
    }
    const report = c.check();
    if (!report.ok) return `seed ${seed}: the crate's own check() disagrees: ${JSON.stringify(report.violation ?? report)}`;
    return null;
  } finally {
    c.free();
  }
}

/** A fault between operations: a minority of acceptors down at most, proposers may crash. */
function fault(c, r, acceptors, proposers, down) {
  const a = `a${1 + r.below(acceptors)}`;
  const p = `p${1 + r.below(proposers)}`;
  const downAcceptors = [...down].filter((n) => n.startsWith("a")).length;
  switch (r.below(6)) {
    case 0:
      if (down.has(a) || downAcceptors >= (acceptors - 1) / 2) return "no fault";
      down.add(a);
      c.crash(a);
      return `crash ${a}`;
    case 1:
      if (!down.has(a)) return "no fault";
      down.delete(a);
      c.restart(a);
      return `restart ${a}`;
    case 2:
      if (down.has(p)) return "no fault";
      down.add(p);
      c.crash(p);
      return `crash ${p}`;
    case 3:
      down.delete(p);
      c.restart(p);
      return `restart ${p}`;
    case 4: {
      const side = [...range(1, acceptors).map((i) => `a${i}`), ...range(1, proposers).map((i) => `p${i}`)].filter(() => r.chance(0.5));
      c.partition([side]);
      return `partition ${JSON.stringify(side)}`;
    }
    default:
      c.heal();
      return "heal";
  }
}

test(`${SEEDS.length} seeds × ${OPS_PER_SEED} sequential operations through the JS API fit a sequential model`, async () => {
  let failures = [];
  for (const seed of SEEDS) {
    const found = await runSeed(seed);
    if (found) failures.push(found);
  }
  assert.deepEqual(failures.slice(0, 2), [], `${failures.length} of ${SEEDS.length} seeds broke the model`);
});

test("the oracle is not blind: a wrong model is caught (negative control)", async () => {
  // The same run, judged against a model whose increment adds 2: the oracle must object, at an
  // increment.
  const wrong = OPERATIONS.find((o) => o.name === "increment");
  const saved = wrong.model;
  wrong.model = (s) => (s.value === null || typeof s.value === "number" ? { next: written(s, (s.value ?? 0) + 2), answer: (s.value ?? 0) + 2 } : { refuse: "UpdateRejected" });
  try {
    const found = (await Promise.all(range(1, 20).map(runSeed))).filter(Boolean);
    assert.ok(found.length > 0, "a wrong model must be caught");
    assert.match(found[0], /increment .* fits no state/);
  } finally {
    wrong.model = saved;
  }
});
