// The one place the tab pages (tabs.html) get the live world from: LiveCluster (a client tab,
// LiveCluster.join) and AcceptorTab (an acceptor tab). When the live classes move into their own
// lazily loaded wasm, this file is the only one to point at it.
import init, { LiveCluster, AcceptorTab } from "./pkg/caspaxos_playground.js";

let loaded = null;

/** Resolves to { LiveCluster, AcceptorTab } once the wasm is ready (loaded once per page). */
export function loadLive() {
  loaded ??= init().then(() => ({ LiveCluster, AcceptorTab }));
  return loaded;
}
