// Read leases in the page (issue 14 §3): the cluster form's lease and clock drift fields, and the
// scripted run the "trust leases beyond the drift bound" switch searches: p1 takes a lease, p2
// writes (refused until the acceptors' leases end), and p1 keeps reading from its lease. Trusting
// the whole lease on drifting clocks, p1 answers a stale read after p2's write ended; the
// linearizability checker names it.

import { Cluster } from "../pkg/caspaxos_playground.js";
import { $, page, numberIn } from "../page.js";

/** The stale-read run's cluster: long leases on clocks up to 10% off, writers that keep trying. */
export const STALE_READ_CONFIG = { acceptors: 3, proposers: 2, oneRtt: true, leases: { duration: 2000 }, clockDrift: 0.1, maxAttempts: 100 };
const READ_EVERY_MS = 10;
const READS_UNTIL_MS = 4000;

/** The cluster form's lease field: `{ duration }`, or undefined when empty (off). */
export function leasesOf(form) {
  return form.lease.value.trim() === "" ? undefined : { duration: numberIn(form.lease, "lease") };
}

/** The cluster form's clock drift field, or undefined when empty (0). */
export function clockDriftOf(form) {
  return form.clockDrift.value.trim() === "" ? undefined : numberIn(form.clockDrift, "clock drift");
}

export function wireLeases() {
  page.onAdopt.push(() => {
    const form = $("rebuild");
    form.lease.value = page.config.leases?.duration ?? "";
    form.clockDrift.value = page.config.clockDrift ?? "";
  });
}

/** The stale-read script, as the player runs scenarios: `[at ms, (c, ui) => ...]`. */
export function staleReadScript() {
  const script = [
    [0, (c, ui) => ui.run("put k \"old\" via p1", () => c.put("k", "old"))],
    [60, (c, ui) => ui.run("get k via p1: takes a read lease", () => c.get("k"))],
    [120, (c, ui) => ui.run("put k \"new\" via p2: refused until the lease ends", () => c.put("k", "new", { proposer: "p2" }))],
  ];
  for (let at = 130; at < READS_UNTIL_MS; at += READ_EVERY_MS) script.push([at, (c) => c.get("k").catch(() => {})]);
  return script;
}

/** Runs the stale-read script on `seed` with the `breaks` switches to the end; the cluster. */
export function staleReadRun(seed, breaks) {
  const c = new Cluster({ ...STALE_READ_CONFIG, seed, break: breaks, autoAdvance: false });
  const ui = { run: (_label, start) => start().catch(() => {}) };
  for (const [at, act] of staleReadScript()) {
    c.runFor(Math.max(0, at - c.now));
    act(c, ui);
  }
  c.runUntilIdle();
  return c;
}
