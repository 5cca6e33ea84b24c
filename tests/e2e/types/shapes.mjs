// Writes shapes.ts: what the runtime really returns from every view, as object literals typed by
// the shipped .d.ts (`ReturnType<Cluster["session"]>` ...), so tsc --strict checks each value
// against its declared type, excess properties included: the types cannot drift from the code.
// Run in the folder the package is installed in; prints the file's text.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import init, { Cluster } from "caspaxos-playground";

await init({ module_or_path: await readFile(fileURLToPath(import.meta.resolve("caspaxos-playground/pkg/caspaxos_playground_bg.wasm"))) });

const c = new Cluster({ acceptors: 3, proposers: 2, seed: 7, autoAdvance: false, gcDelay: 40 });
const done = [];
const op = (p) => done.push(p.then((v) => v, () => undefined));
// Every kind of action a session records, and every operation.
op(c.put("k", { any: [1, "two", null] }));
op(c.increment("n"));
op(c.write("k", 0, "v"));
op(c.read("k"));
op(c.get("k", { proposer: "p2" }));
op(c.acquireLock("job", "alice", { ttl: 100 }));
op(c.acquireLease("L", "bob", { ttl: 50 }));
c.runFor(60);
op(c.releaseLock("job", "alice"));
op(c.delete("k"));
c.runFor(60);
const collecting = c.gc();
c.runUntilIdle();
const gc = await collecting;
c.setGcDelay(null);
c.runWorkers({ workers: 2, increments: 3, key: "w" });
c.crash("a3"); c.restart("a3"); c.wipe("a3");
c.partition([["a1", "p1"], ["a2", "a3", "p2"]]); c.heal();
c.setDropRate(0.01); c.setDuplicateRate(0.01); c.setLatency(2, 9);
c.setBreak({ quorum: 2 }); c.setBreak({});
c.runUntilIdle();
c.setDelivery("manual");
op(c.increment("m"));
c.runFor(1);
const held = c.inFlight();
c.deliver(held[0].id);
c.dropMessage(c.inFlight()[0].id);
c.setDelivery("auto");
op(c.addAcceptor());
c.runUntilIdle();
op(c.removeAcceptor("a4"));
c.runUntilIdle();
op(c.addProposer());
c.runUntilIdle();
op(c.removeProposer("p3"));
c.runUntilIdle();
const results = await Promise.all(done);

const views = {
  session: c.session(),
  history: c.history(),
  operation: c.operation(0),
  state: c.state(),
  events: c.events(0, 40),
  eventColumns: c.eventColumns(0, c.eventCount), // every kind of event above
  stats: c.stats(),
  check: c.check(),
  metrics: c.metrics(),
  membership: c.membership(),
  workersRuns: c.workersRuns(),
  inFlight: held,
  tape: c.tape,
  sessionStart: c.sessionStart,
  verify: c.verify(),
  gc,
};
let ts = `import type { Cluster } from "caspaxos-playground";\n`;
for (const [name, value] of Object.entries(views)) ts += `export const ${name}: Awaited<ReturnType<Cluster["${name}"]>> = ${JSON.stringify(value)};\n`;
for (const getter of ["tape", "sessionStart"]) ts = ts.replace(`Awaited<ReturnType<Cluster["${getter}"]>>`, `Cluster["${getter}"]`);
// A check out of step budget: its keys say "unknown" with a reason.
ts += `export const checkUndecided: ReturnType<Cluster["check"]> = ${JSON.stringify(c.check(1))};\n`;
ts += `export const limits: typeof Cluster.limits = ${JSON.stringify(Cluster.limits)};\n`;
ts += `export const results = ${JSON.stringify(results)};\n`;
console.log(ts);
