/** A JSON-compatible value: null, boolean, finite number, string, array or plain object. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Node ids: acceptors "a1".."aN", proposers "p1".."pM". */
export type NodeId = string;

export interface ClusterOptions {
  /** Number of acceptors, integer 1..=15 (default 3). */
  acceptors?: number;
  /** Number of proposers, integer 1..=9 (default 2). */
  proposers?: number;
  /** RNG seed, integer 0..=2^53-1 (default 1). */
  seed?: number;
  /** One-way delay in virtual ms (default { min: 5, max: 15 }); 0 <= min <= max <= 60000. */
  latency?: { min?: number; max?: number };
  /** Chance a message is lost, 0..=1 (default 0). */
  dropRate?: number;
  /** Chance a message is delivered twice, 0..=1 (default 0). */
  duplicateRate?: number;
  /** Proposer cache + piggybacked prepare, paper 2.2.1 (default true). */
  oneRtt?: boolean;
  /** Awaiting an operation runs virtual time itself (default true). */
  autoAdvance?: boolean;
  /** Attempts per operation before it fails with Unavailable, integer 1..=100 (default 16). */
  maxAttempts?: number;
  /** Flexible quorums (paper 2.3): each an integer 1..=acceptors (default: a majority), and
   * prepare + accept > acceptors, else InvalidArgument. */
  quorums?: { prepare?: number; accept?: number };
  /** Deliberately wrong protocol variants (default: none). */
  break?: BreakOptions;
  /** Batching: up to `max` operations queued on one key of one proposer go out as one round,
   * integer 1..=64 (default 1: off). */
  batch?: { max: number };
  /** Read leases: a proposer's read also takes a lease of `duration` virtual ms (integer
   * 1..=10000) from the acceptors; while it holds it, get/read on the key are answered with no
   * message. Default: off. */
  leases?: { duration: number };
  /** Every node's clock runs at a rate within 1 ± clockDrift (0..=0.1, whole parts per million;
   * default 0); lease holders shorten their leases by it. */
  clockDrift?: number;
  /** Pipelining: at most this many keys of one proposer have operations in flight; the rest
   * wait in invocation order, integer 1..=256 (default: no bound). */
  pipeline?: number;
  /** Envelopes: messages from one node to one node within one virtual instant travel as one
   * delivery, with one latency and one loss draw for all (default false). */
  envelopes?: boolean;
  /** Garbage-collect each deleted key this many virtual ms after its delete, 0..=60000 (default null: off). */
  gcDelay?: number | null;
}

/** "Break it": deliberately wrong variants of the protocol, each a real code path in the core. */
export interface BreakOptions {
  /** Use this quorum instead of a majority (e.g. 1 of 3). */
  quorum?: number;
  /** After an accept times out, fail but keep its ballot cached for the next value (Gryadka's bug). */
  reuseBallot?: boolean;
  /** Take any accepted value from the promises, not the one with the highest ballot. */
  takeAnyAccepted?: boolean;
  /** Reapply a change after an uncertain attempt (ignore the exactly-once markers). */
  blindRetry?: boolean;
  /** Quorums that do not intersect: the prepare quorum shrinks to acceptors - accept. */
  disjointQuorums?: boolean;
  /** Lease holders trust their read leases for the whole duration, beyond the clock drift bound. */
  trustLeases?: boolean;
  /** Garbage collection erases tombstones where it finds them, without the paper's protocol (3.1). */
  eraseWithoutGc?: boolean;
  /** A membership change moves the prepare quorum without the catch-up rescan (2.3.3 skipped). */
  skipRescan?: boolean;
  /** A membership change's catch-up rescan re-writes one key only (a published Go implementation's bug). */
  rescanOneKey?: boolean;
}

/** Which acceptors each phase asks and how many of them make a quorum (paper 2.3). */
export interface Membership {
  acceptors: NodeId[];
  prepare: { nodes: NodeId[]; quorum: number };
  accept: { nodes: NodeId[]; quorum: number };
  /** The name of the membership change step running ("turn on", "accept quorum change",
   * "catch-up rescan", "prepare quorum change", "turn off"): the one whose start event was
   * logged last and is not done; null when none is. */
  step: string | null;
  /** The acceptor the running change adds or removes, null when none runs. */
  changing: NodeId | null;
  /** The catch-up rescan's keys done and keys while it runs, else null. */
  progress: { done: number; keys: number } | null;
  /** The proposers in the cluster (addProposer / removeProposer; removed ones are not listed). */
  proposers: NodeId[];
  /** A change that stopped Unavailable (no quorum) at `step`, and why; the same call
   * (addAcceptor() / removeAcceptor(node)) resumes it there. Null otherwise. */
  stopped: { kind: "add" | "remove"; node: NodeId; step: string; reason: string } | null;
}

/** `gc(options)`: which key (default: every key deleted since its last collection), from which proposer's node. */
export interface GcOptions {
  key?: string;
  proposer?: NodeId;
}

export interface FuzzOptions {
  seed?: number;
  /** Fixed sizes, or drawn from the seed (3 or 5 acceptors, 2 or 3 proposers). */
  acceptors?: number;
  proposers?: number;
  oneRtt?: boolean;
  break?: BreakOptions;
  /** Also wipe acceptors (outside the fault model). */
  wipes?: boolean;
  /** Operations per client, integer 1..=1000 (default 12). */
  opsPerClient?: number;
}

/** What caught a violation: the linearizability checker, or one of the simulator's step oracles. */
export type ViolationKind = "linearizability" | "one-value-per-ballot" | "promise-regressed";

/** One verdict for the run: the history's linearizability and the step oracles together. */
export interface CheckReport {
  /** True when every key's history is linearizable (none violated, none over the step budget)
   * and no step oracle fired. */
  ok: boolean;
  /** Per key: "ok" with a linearization (operation ids in order; on a long run, of the key's
   * operations after its last fold), "violation", or "unknown" with its `reason`: the step
   * budget ran out, or the incremental checker gave up on the key for the rest of the run (it
   * held its most settled operations that no fold could drop; the reason says how many). */
  keys: { [key: string]: { verdict: "ok" | "violation" | "unknown"; order?: number[]; reason?: string } };
  /** The first linearizability violation (by key); else the first oracle finding. */
  violation?: {
    kind: ViolationKind;
    key: string;
    /** The operation that fits no linearization, and the last write before it (empty for an oracle). */
    ops: number[];
    /** The longest consistent order found (operation ids; empty for an oracle). */
    longest: number[];
    explanation: string;
  };
  /** Every step-oracle finding of the run, in order (`stats().violations` holds their texts). */
  oracles: { kind: Exclude<ViolationKind, "linearizability">; key: string; at: number; text: string }[];
  steps: number;
  /** Operations the incremental checker folded away as they settled (their keys' verdicts cover them). */
  folded: number;
}

export interface OperationOptions {
  /** The proposer that runs the operation (default "p1"). */
  proposer?: NodeId;
}

export interface LockOptions extends OperationOptions {
  /** Virtual ms until the lock expires (default: held until released). */
  ttl?: number;
}

/** What `acquireLease` resolves to. */
export interface Lease {
  /** True when `owner` holds the lock now. */
  acquired: boolean;
  /** Who holds the lock (`owner` when acquired); `null` when nobody does. */
  holder: string | null;
  /** Virtual ms at which the holder's grant lapses; `null`: until released (or nobody holds it). */
  expiresAt: number | null;
  /**
   * Fencing token: grows by one with every grant of this lock. The holder's token is greater
   * than every earlier holder's, so a resource guarded by the lock refuses older tokens.
   */
  token: number;
}

export interface Versioned {
  /** 0 for a key never written. */
  version: number;
  value: JsonValue;
}

/** A ballot (counter, proposer), ordered by counter then proposer. */
export interface Ballot {
  counter: number;
  proposer: NodeId;
}

export type MessageType = "prepare" | "promise" | "accept" | "accepted" | "conflict";

export interface Message {
  type: MessageType;
  key: string;
  ballot: Ballot;
  /** accept: the value and its version. */
  value?: JsonValue;
  version?: number;
  /** accept: the piggybacked prepare of the next round (paper 2.2.1), or null. */
  nextPromise?: Ballot | null;
  /** promise: the acceptor's accepted ballot and value, or null. */
  accepted?: { ballot: Ballot; value: JsonValue; version: number } | null;
  /** conflict: the ballot that blocked the request. */
  blocking?: Ballot;
  /** accept: the read lease it asks for, virtual ms of the acceptor's clock. */
  leaseMs?: number;
  /** accepted: true when the acceptor also granted the read lease the accept asked for. */
  lease?: boolean;
}

export type EventKind =
  | "invoke" | "return" | "send" | "deliver" | "drop" | "duplicate" | "timeout"
  | "crash" | "restart" | "wipe" | "partition" | "heal" | "network" | "lease" | "gc" | "membership";

export interface ClusterEvent {
  seq: number;
  /** Virtual ms. */
  at: number;
  kind: EventKind;
  /** The event as one line of the text log. */
  text: string;
  /** Message events: the message's id (its send event's order among messages), ends, content. */
  msg?: number;
  from?: NodeId;
  to?: NodeId;
  sentAt?: number;
  message?: Message;
  /** drop: "lost", "partition", "down", or "manual" (dropped by hand: manual delivery). */
  reason?: "lost" | "partition" | "down" | "manual";
  /** deliver/drop of an envelope (option `envelopes`): every message it carried, in the order
   * sent (the event's own msg/from/to/sentAt/message are those of the first). */
  parts?: { msg: number; sentAt: number; message: Message }[];
  /** invoke/return/timeout/crash/restart/wipe: the node. */
  node?: NodeId;
  /** invoke/return: the operation's id in history(). */
  op?: number;
  /** invoke: the operation's name; invoke/timeout: the key. */
  name?: string;
  key?: string;
  /** return: how it ended. */
  outcome?: Outcome;
  /** timeout: the phase and ballot that timed out. */
  phase?: "prepare" | "accept";
  ballot?: Ballot;
  /** partition: the groups. */
  groups?: NodeId[][];
  /** network: the setting that changed, as text, and as data (only the one that changed). */
  setting?: string;
  latency?: { min: number; max: number };
  dropRate?: { requests: number; replies: number };
  duplicateRate?: number;
  /** lease: the proposer (node) holds a read lease on the key until this virtual ms. */
  until?: number;
  /** gc (with node, op: the collection's id in history(), key): the step of garbage collection (paper 3.1:
   * "start", "replicate", "invalidate", "retry", "done"; "erase" only when an erase must wait);
   * membership: the change's step ("turn on", "accept quorum change", "catch-up rescan",
   * "prepare quorum change", "turn off"; each logged as it starts and as it ends), then "done" or "stopped". */
  step?: string;
  /** membership: the acceptor added or removed. */
  acceptor?: NodeId;
  /** membership: the proposer added or removed (its steps: "turn on" or "turn off", then "done"). */
  proposer?: NodeId;
  /** membership, during the catch-up rescan: keys done and keys. */
  progress?: { done: number; keys: number };
}

/** `eventColumns(since, limit)`: the events `events(since, limit)` gives, in columns (one row of
 * `stride` numbers per event, no object per event). Row i is event `since + i`; a number's
 * position in it is its name's in `fields` (read positions there: the order is not part of the
 * contract). The names: `at`; `kind`, `node` (a message's `from`), `to`, `what` (a message's
 * `type`, an invoke's `name`, a return's `outcome`) and `key` as indexes
 * into `strings`; `id` (`msg` or `op`); `sentAt`; `counter` and `proposer` (the ballot, the
 * proposer's number); `otherCounter` and `otherProposer` (a promise's `accepted.ballot`, a
 * conflict's `blocking`); `rare`: for an event the row does not describe (crash, restart, wipe,
 * partition, heal, network, lease, gc, membership, an envelope's deliver or drop), its index in
 * `rare`, the objects `events()` gives for them; `reason` (a drop's, an index into `strings`;
 * added after `rare`: read fields by name). A timeout's row has its `phase` (in `what`), `key` and
 * ballot. A field an event has not is -1. */
export interface EventColumns {
  since: number;
  count: number;
  stride: number;
  fields: string[];
  rows: number[];
  strings: string[];
  rare: ClusterEvent[];
}

/** A message waiting for the user (manual delivery): `inFlight()`. */
export interface HeldMessage {
  /** Its number among the held messages of the run (deliver(id), dropMessage(id)). */
  id: number;
  /** Its id in events() (null without an event log). */
  msg: number | null;
  from: NodeId;
  to: NodeId;
  sentAt: number;
  type: MessageType;
  key: string;
  ballot: Ballot;
  message: Message;
}

/** `runWorkers(options)`; every field optional. */
export interface WorkersOptions {
  /** 1..=100, default 10. */
  workers?: number;
  /** Increments per worker, 1..=1000, default 100. */
  increments?: number;
  /** The key incremented, default "workers". */
  key?: string;
}

/** `workersRuns()`: how each workers run is going. */
export interface WorkersProgress {
  /** Increments in all. */
  total: number;
  /** Increments that ended, either way (ok or not): the run's progress. */
  done: number;
  /** Of `done`, the increments that ended without ok (failed or unknown): a subset, not more. */
  failed: number;
  /** The key read before and after (null until read, or when the read failed). */
  before: JsonValue | null;
  after: JsonValue | null;
  finished: boolean;
  /** The run finished but its closing read got no answer (so `after` is no count). */
  afterFailed: boolean;
}

export interface RegisterState {
  promise: Ballot | null;
  accepted: { ballot: Ballot; value: JsonValue; version: number } | null;
}

export interface ClusterState {
  now: number;
  /** `erasedFloor` (deletion GC, paper 3.1): present once garbage collection erased a register
   * here; a register created later starts promised to it, so no message from before the erase
   * is accepted. An erased key is absent from `registers`. */
  acceptors: { id: NodeId; up: boolean; registers: { [key: string]: RegisterState }; erasedFloor?: Ballot }[];
  proposers: { id: NodeId; up: boolean; ballotCounter: number; cached: { [key: string]: Ballot } }[];
  network: {
    latency: { min: number; max: number };
    dropRate: number;
    duplicateRate: number;
    /** Groups of nodes that can talk to each other (one group when healed). */
    groups: NodeId[][];
  };
}

export type Outcome = "ok" | "failed" | "unknown";

export interface HistoryEntry {
  id: number;
  proposer: NodeId;
  op:
    | "change"
    | "put"
    | "get"
    | "delete"
    | "increment"
    | "read"
    | "write"
    | "acquireLock"
    | "acquireLease"
    | "releaseLock"
    | "gc";
  key: string;
  input: JsonValue;
  /** Virtual ms (for display; several events can share one millisecond). */
  invokeAt: number;
  /** null while in flight. */
  returnAt: number | null;
  /** Position of the invocation in the run's one sequence of invocations and returns: real-time
   * order is A.returnSeq < B.invokeSeq, even within one virtual millisecond. */
  invokeSeq: number;
  /** Position of the return in that sequence; null while in flight. */
  returnSeq: number | null;
  /** null while in flight. */
  outcome: Outcome | null;
  output: JsonValue | null;
  error: { name: ClusterErrorName; message: string } | null;
  /** Attempts started so far (1 + retries). */
  attempts: number;
  /** Its last evaluation: the register its proposer read from a quorum (`seen`) and the one it
   * proposed in its accept (`wrote`; null when it wrote nothing new, or refused on `seen`);
   * null before any. For an operation that returned, the register before and after its
   * linearization point as the protocol saw it. */
  evaluated: { at: number; seen: RegisterValue; wrote: RegisterValue | null } | null;
}

export interface RegisterValue {
  value: JsonValue;
  version: number;
}

export interface ClusterStats {
  operations: number;
  ok: number;
  failed: number;
  unknown: number;
  pending: number;
  messages: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  messagesPerOperation: number;
  conflicts: number;
  retries: number;
  timeouts: number;
  /** Operations that rode along in another operation's batch (`batch: { max }`). */
  batched: number;
  /** Reads answered from a read lease, with no message (`leases`). */
  leaseReads?: number;
  /** Arrivals (delivered or dropped): one per message, or one per envelope (`envelopes`).
   * Cluster only (not LiveCluster). */
  deliveries?: number;
  /** Operations that waited for a lane of their proposer's pipeline (`pipeline`). Cluster only. */
  parked?: number;
  /** Safety violations found by the built-in oracles (empty unless a fault outside the model, e.g. wipe). */
  violations: string[];
  /** Operations older than the ones `history()` lists (ids `0..historyFolded`). */
  historyFolded: number;
}

/** Latency percentiles of ended operations, virtual ms (bucket upper bounds, at most 25% above
 * the exact value, never above `max`); `null` when none ended. */
export interface LatencySummary {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

/** One bucket of virtual time `[at, at + bucketMs)`. */
export interface MetricsBucket {
  at: number;
  /** Operations that ended in the bucket (any outcome), and those that ended ok. */
  ended: number;
  ok: number;
  /** Ended operations per virtual second. */
  throughput: number;
  conflicts: number;
  retries: number;
  messages: number;
  /** Messages sent in the bucket per operation ended in it; `null` when none ended. */
  messagesPerOperation: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

/** `Cluster.metrics()`: bounded aggregates, at most 60 buckets whatever the run's length (the
 * bucket width doubles as the run grows). */
export interface ClusterMetrics {
  now: number;
  bucketMs: number;
  /** Per operation kind (`increment`, `get`, ...), over the whole run. */
  kinds: { [kind: string]: LatencySummary };
  /** From virtual time 0 to `now`, one entry per bucket. */
  series: MetricsBucket[];
}

export type ClusterErrorName = "InvalidArgument" | "UpdateRejected" | "VersionConflict" | "Unavailable";

/** Every rejection is an Error with one of these names. */
export interface ClusterError extends Error {
  name: ClusterErrorName;
  /** UpdateRejected: what the change function threw. */
  cause?: unknown;
  /** Unavailable: true when the change may still have been applied. */
  indeterminate?: boolean;
}

/** A run as data: its start and every user action at the exact point it happened. */
export interface SessionDocument {
  format: "caspaxos-session";
  version: number;
  start:
    | {
        acceptors: number; proposers: number; seed: number; latency: { min: number; max: number };
        dropRate: number; duplicateRate: number; oneRtt: boolean; maxAttempts: number; break: SessionBreak;
        quorums?: { prepare: number; accept: number };
        leases?: { duration: number }; clockDrift?: number;
        batch?: { max: number }; pipeline?: number; envelopes?: boolean;
      }
    | { fuzz: { seed: number; acceptors: number | null; proposers: number | null; oneRtt: boolean; break: SessionBreak; wipes: boolean; opsPerClient: number } };
  /** Where the run stood when the session was taken (format 2): reopened without a point, it
   * lands here. Absent in format 1 (it ends at its last action). */
  end?: { steps: number; at: number };
  /** `steps`: events run before the action; `at`: virtual ms. */
  actions: ({ steps: number; at: number } & (
    | { do: "invoke"; proposer: NodeId; key: string; op: string; input: JsonValue }
    | { do: "crash" | "restart" | "wipe"; node: NodeId }
    | { do: "partition"; groups: NodeId[][] }
    | { do: "heal" }
    | { do: "dropRate" | "duplicateRate"; rate: number }
    | { do: "latency"; min: number; max: number }
    | { do: "break"; break: SessionBreak }
    | { do: "delivery"; mode: "auto" | "manual" }
    | { do: "deliver" | "dropMessage"; message: number }
    | { do: "workers"; workers: number; increments: number; key: string }
    | { do: "gc"; proposer: NodeId; key: string | null }
    | { do: "gcDelay"; ms: number | null }
    | { do: "addAcceptor" | "addProposer" }
    | { do: "removeAcceptor" | "removeProposer"; node: NodeId }
  ))[];
}

/** Where `Cluster.fromSession` and `seek` stop: at a virtual time, or at the exact point the run
 * stood at after `steps` events at `at` ms (both as `steps` and `now` read there). */
export type ReplayPoint = { until: number } | { steps: number; at: number };

/** How messages travel: `"auto"`, the network delivers them; `"manual"`, each waits in
 * `inFlight()` for `deliver(id)` or `dropMessage(id)`. */
export type DeliveryMode = "auto" | "manual";

/** The break switches as a session document writes them: `quorum` is null when not set. */
export type SessionBreak = Omit<BreakOptions, "quorum"> & { quorum?: number | null };

/** Every limit of the contract (`Cluster.limits`), as numbers (read-only). */
export interface ClusterLimits {
  /** Most acceptors (15) and proposers (9). */
  readonly acceptors: number;
  readonly proposers: number;
  /** Longest key, lock name (without the `lock:` prefix of its register) or lock owner, in
   * characters (256). */
  readonly keyChars: number;
  /** Largest one-way latency, virtual ms (60000). */
  readonly latencyMs: number;
  /** Largest seed, version, ttl, time or event count: 2^53 - 1. */
  readonly safeInteger: number;
  /** Most attempts per operation (100). */
  readonly attempts: number;
  /** Most operations per batch (64). */
  readonly batch: number;
  /** Longest read lease, virtual ms (10000), and largest clock drift (0.1). */
  readonly leaseMs: number;
  readonly clockDrift: number;
  /** Largest `pipeline` bound (256). */
  readonly pipeline: number;
  /** Most operations per client of a fuzz run (1000). */
  readonly opsPerClient: number;
  /** Most workers of one `runWorkers` run, and increments per worker. */
  readonly workers: number;
  readonly incrementsPerWorker: number;
  /** Deepest nesting of a value (64) and largest value, JSON-encoded (65536 bytes). */
  readonly valueDepth: number;
  readonly valueBytes: number;
  /** Most actions a session holds (1000000), longest share link (16777216 characters), largest
   * session document, JSON-encoded (128 MB). */
  readonly sessionActions: number;
  readonly linkChars: number;
  readonly sessionBytes: number;
  /** *(addition)* Events `runUntilIdle` runs when `maxEvents` is not given (1000000). */
  readonly idleEvents: number;
}

// `Cluster` declares `[Symbol.dispose]()` (for `using`); `Symbol.dispose` itself is in TypeScript's
// lib only from `esnext.disposable`. Declared here too (the same way @types/node does), the types
// check with a plain `lib: ["es2022", "dom"]` and with `esnext.disposable` alike.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}
