// The one place the tab pages (tabs.html) get the live world from: LiveCluster (a client tab,
// LiveCluster.join) and AcceptorTab (an acceptor tab), in the live module's own wasm (the
// simulated Cluster's module is never loaded by a tab page).
import init, { LiveCluster, AcceptorTab } from "./pkg/live/caspaxos_live.js";

let loaded = null;

/** Resolves to { LiveCluster, AcceptorTab } once the wasm is ready (loaded once per page). */
export function loadLive() {
  loaded ??= init().then(() => ({ LiveCluster, AcceptorTab }));
  return loaded;
}
