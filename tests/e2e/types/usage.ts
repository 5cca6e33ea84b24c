// Every method and property of the shipped types, used as a tutorial author would: checked by
// `tsc --noEmit --strict` against the installed package (tests/e2e/pack.test.mjs), so the .d.ts
// files cannot drift from the code without this failing. pack.test.mjs also checks that every
// member the runtime has is used here.
import init, { Cluster } from "caspaxos-playground";
import type { ClusterEvent, EventColumns, HeldMessage, HistoryEntry, JsonValue, Lease, Membership, SessionDocument, WorkersProgress } from "caspaxos-playground";
import initLive, { LiveCluster } from "caspaxos-playground/live";
import type { ClusterMetrics as LiveMetrics, LiveClusterOptions } from "caspaxos-playground/live";
import "caspaxos-playground/element";
import type { CaspaxosPlayground, WidgetState } from "caspaxos-playground/element";

export async function cluster(): Promise<void> {
  await init();
  const limits = Cluster.limits;
  const c = new Cluster({ acceptors: 3, proposers: 2, seed: 42, latency: { min: 5, max: 15 }, dropRate: 0, duplicateRate: 0, oneRtt: true, autoAdvance: true, maxAttempts: limits.attempts });
  const plain = new Cluster();
  plain.free();

  const n: number = await c.increment("counter");
  const changed: JsonValue = await c.change("counter", (x) => (typeof x === "number" ? x : 0) + 10, { proposer: "p2" });
  const put: JsonValue = await c.put("k", { a: [1, "two", null, true] });
  const got: JsonValue = await c.get("k");
  await c.delete("k");
  const versioned = await c.read("k");
  const written: { version: number } = await c.write("k", versioned.version, "v");
  const locked: boolean = await c.acquireLock("lock", "alice", { ttl: 100 });
  const lease: Lease = await c.acquireLease("lease", "bob", { ttl: 100, proposer: "p1" });
  const released: boolean = await c.releaseLock("lock", "alice");

  c.crash("a1");
  c.restart("a1");
  c.wipe("a2");
  c.partition([["a1", "p1"], ["a2"]]);
  c.isolate("a3");
  c.heal();
  c.setDropRate(0.1);
  c.setDuplicateRate(0);
  c.setLatency(1, 10);

  c.setDelivery("manual");
  const mode: string = c.delivery;
  const held: HeldMessage[] = c.inFlight();
  if (held.length > 1) {
    c.deliver(held[0].id);
    c.dropMessage(held[1].id);
  }
  c.setDelivery("auto");
  const run: number = c.runWorkers() + c.runWorkers({ workers: 2, increments: 3, key: "w" });
  const runs: WorkersProgress[] = c.workersRuns();

  const stepped: boolean = c.step();
  c.runFor(100);
  const ran: number = c.runUntilIdle() + c.runUntilIdle(1000);
  c.autoAdvance = false;
  const time: number = c.now + c.pending + c.eventCount + c.lastOperationId + c.steps;
  const auto: boolean = c.autoAdvance;

  const events: ClusterEvent[] = c.events().concat(c.events(0), c.events(0, 10));
  const columns: EventColumns = c.eventColumns(0, 10);
  const columnRows: number[] = c.eventColumns().rows;
  const columnNumbers: number = columns.since + columns.count + columns.stride + columnRows.length;
  const columnTexts: string[] = columns.fields.concat(columns.strings);
  const rareEvents: ClusterEvent[] = columns.rare;
  const log: string = c.eventLog() + c.eventLogHash();
  const state = c.state();
  const history: HistoryEntry[] = c.history();
  const op: HistoryEntry | null = c.operation(0);
  const stats = c.stats();
  const metrics = c.metrics();
  const latency: [number, number | null] = [metrics.bucketMs, metrics.kinds["increment"]?.p99 ?? null];
  const series: [number, number | null][] = metrics.series.map((b) => [b.throughput, b.messagesPerOperation]);
  const report = c.check();
  const verdict: boolean = c.check(1000).ok;

  c.setBreak({ quorum: 1 });
  c.setBreak({ disjointQuorums: true });
  c.setBreak({ eraseWithoutGc: true, trustLeases: false });
  // Deletion with garbage collection (issue 11 §3).
  const erased: Promise<{ erased: string[] }> = c.gc({ key: "k", proposer: "p1" });
  c.setGcDelay(10);
  c.setGcDelay(null);
  const delay: number | null = c.gcDelay;
  const collecting = new Cluster({ gcDelay: 20 });
  const flexible = new Cluster({ acceptors: 4, quorums: { prepare: 2, accept: 3 } });
  const m: Membership = flexible.membership();
  const sizes: [number, number, string | null, string[]] = [m.prepare.quorum, m.accept.quorum, m.step, m.accept.nodes];
  const added: Promise<string> = c.addAcceptor();
  const removed: Promise<null> = c.removeAcceptor("a1");
  const change: [string | null, { done: number; keys: number } | null] = [m.changing, m.progress];
  const proposerAdded: Promise<string> = c.addProposer();
  const proposerRemoved: Promise<null> = c.removeProposer("p2");
  const proposers: string[] = m.proposers;
  const stopped: [("add" | "remove") | undefined, string | undefined] = [m.stopped?.kind, m.stopped?.reason];
  c.setBreak({ skipRescan: true, rescanOneKey: false, eraseWithoutGc: false });
  const fuzz = Cluster.fuzz({ seed: 7, acceptors: 3, proposers: 2, oneRtt: true, break: { blindRetry: true }, wipes: false, opsPerClient: 10 });
  const doc: SessionDocument = fuzz.session();
  const start: SessionDocument["start"] = fuzz.sessionStart;
  const taken: number = fuzz.actionsTaken;
  const end: number | undefined = doc.end?.at;
  const link: string = c.sessionLink();
  const replay = Cluster.fromSession(doc, { until: 10 });
  const exact = Cluster.fromSession(link, { steps: 3, at: 10 });
  Cluster.fromSession(link).fork();
  const tape: { actions: number; end: number | null } = exact.tape;
  const same: boolean = replay.verify().ok && replay.replayable;
  {
    using disposed = new Cluster();
    disposed.step();
  }
  console.log(mode, run, runs[0].done, n, changed, put, got, written, locked, lease.token, released, stepped, ran, time, auto, events, columnNumbers, columnTexts, rareEvents, log, state.acceptors, op, stats, metrics.now, latency, series, report.keys, verdict, tape, same, start, end);
}

// The live module (its own wasm): every LiveCluster member.
export async function live(): Promise<void> {
  await initLive();
  const options: LiveClusterOptions = { acceptors: 3, proposers: 2, latency: { min: 1, max: 5 }, dropRate: 0, duplicateRate: 0, oneRtt: false, maxAttempts: 10, break: { blindRetry: false } };
  const l = new LiveCluster(options);
  const n: number = await l.increment("counter", { proposer: "p2" });
  const changed: JsonValue = await l.change("counter", (x) => (typeof x === "number" ? x : 0) + 1);
  const put: JsonValue = await l.put("k", [1, "two"]);
  const got: JsonValue = await l.get("k");
  await l.delete("k");
  const versioned = await l.read("k");
  const written: { version: number } = await l.write("k", versioned.version, "v");
  const locked: boolean = await l.acquireLock("lock", "alice", { ttl: 100 });
  const lease: Lease = await l.acquireLease("lease", "bob", { ttl: 100 });
  const released: boolean = await l.releaseLock("lock", "alice");
  l.crash("a1");
  l.restart("a1");
  l.wipe("a2");
  l.partition([["a1", "p1"], ["a2"]]);
  l.isolate("a3");
  l.heal();
  l.setDropRate(0.1);
  l.setDuplicateRate(0);
  l.setLatency(1, 10);
  const time: number = l.now + l.pending + l.eventCount + l.lastOperationId;
  const events: ClusterEvent[] = l.events().concat(l.events(0, 10));
  const log: string = l.eventLog();
  const op: HistoryEntry | null = l.operation(0);
  const history: HistoryEntry[] = l.history();
  const verdict: boolean = l.check().ok && l.check(1000).ok;
  console.log(n, changed, put, got, written, locked, lease.token, released, time, events, log, op, history, l.state().acceptors, l.stats().ok, verdict);
  const metrics: LiveMetrics = l.metrics();
  const own: string | null = l.channel; // null: made with new LiveCluster, not joined
  l.free();
  // The tab cluster: a client tab joins a channel whose acceptors run in other tabs.
  const client: LiveCluster = await LiveCluster.join("demo", { acceptors: 3 });
  const joined: string | null = client.channel;
  console.log(metrics.bucketMs, own, joined);
  client.free();
}

export function element(): void {
  const w: CaspaxosPlayground = document.createElement("caspaxos-playground");
  w.setAttribute("scenario", "minority");
  w.addEventListener("ready", (e) => console.log(e.detail.now));
  w.addEventListener("operation", (e) => console.log(e.detail.op, e.detail.outcome));
  w.addEventListener("violation", (e) => console.log(e.detail.kind));
  w.addEventListener("moment", (e) => console.log(e.detail.say));
  w.addEventListener("end", (e) => console.log(e.detail.at, e.detail.now));
  w.addEventListener("state", (e) => console.log(e.detail.playing));
  w.play();
  w.pause();
  w.step();
  w.seek(100);
  w.load("counter");
  w.pauseAt([{ on: { kind: "deliver" }, say: "a message arrives" }]);
  w.continue();
  w.speed = w.speed * 2;
  const playing: boolean = w.playing;
  const saved: WidgetState | null = w.saveState();
  if (saved) w.restoreState(saved);
  const c: Cluster | null = w.cluster;
  if (c) w.restore(c.session(), { until: 10 });
  console.log(playing);
}
