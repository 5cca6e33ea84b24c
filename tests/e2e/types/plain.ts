// The shipped types with a plain `lib: ["es2022", "dom"]` (no esnext.disposable): tsc --strict
// with skipLibCheck false must accept them (tests/e2e/pack.test.mjs runs it with that lib).
import init, { Cluster } from "caspaxos-playground";
import "caspaxos-playground/element";
import type { CaspaxosPlayground } from "caspaxos-playground/element";

export async function plain(): Promise<void> {
  await init();
  const c = new Cluster({ acceptors: Cluster.limits.acceptors, seed: 1 });
  const n: number = await c.increment("counter");
  c.free();
  const w: CaspaxosPlayground = document.createElement("caspaxos-playground");
  w.addEventListener("error", (e) => console.log(e.detail.name, e.detail.message));
  console.log(n);
}
