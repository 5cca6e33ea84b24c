// Negative control for the type check: each line is wrong and tsc --strict must say so.
import { Cluster } from "caspaxos-playground";

export async function wrong(c: Cluster): Promise<void> {
  const text: string = await c.increment("counter"); // a number, not a string
  c.crash(1); // a node id is a string
  console.log(text);
  Cluster.limits.acceptors = 99; // the limits are read-only
  c.addAcceptor("a4"); // the cluster picks the id: no argument
}
