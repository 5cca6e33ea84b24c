// The tab cluster page (issue 13 §2). The URL says what this tab is:
//   tabs.html?channel=demo&role=client&acceptors=3            proposers p1..p2, acceptors a1..a3 elsewhere
//   tabs.html?channel=demo&role=acceptor&acceptors=a2         acceptor a2, durable in IndexedDB
// so that reloading a tab joins again as the same node (for an acceptor: a restart). Optional:
// proposers, maxAttempts (client); storage=none, ackBeforeCommit=1 (acceptor; the second only in
// test builds: the shipped wasm refuses it by name).
import { loadLive } from "./live-module.js";

const $ = (id) => document.getElementById(id);
/** How often an acceptor tab redraws its registers, in ms. */
const REDRAW_MS = 250;

/** What this tab is, for the page tests and the console. */
const tabs = { role: null, channel: null, node: null, results: [], done: 0 };
window.tabs = tabs;

const params = new URLSearchParams(location.search);
for (const name of ["channel", "role", "acceptors"]) if (params.has(name)) $(name).value = params.get(name);
$("join-form").addEventListener("submit", (e) => {
  e.preventDefault();
  for (const name of ["channel", "role", "acceptors"]) params.set(name, $(name).value.trim());
  history.replaceState(null, "", `?${params}`);
  join();
});
if (params.has("channel") && params.has("role")) join();
else document.documentElement.dataset.ready = "true";

async function join() {
  $("error").textContent = "";
  try {
    const { LiveCluster, AcceptorTab } = await loadLive();
    const channel = params.get("channel");
    const role = params.get("role");
    if (role === "client") {
      tabs.node = await LiveCluster.join(channel, clientOptions());
      showClient();
    } else if (role === "acceptor") {
      tabs.node = await AcceptorTab.join(channel, acceptorOptions());
      showAcceptor();
    } else {
      throw Object.assign(new Error(`role must be "client" or "acceptor", got ${JSON.stringify(role)}`), { name: "InvalidArgument" });
    }
    Object.assign(tabs, { role, channel });
    $("join-panel").hidden = true;
    document.documentElement.dataset.ready = "true";
  } catch (e) {
    $("error").textContent = `${e.name}: ${e.message}`;
    document.documentElement.dataset.ready = "error";
  }
}

function clientOptions() {
  const acceptors = Number(params.get("acceptors") ?? 3);
  const options = { acceptors, proposers: Number(params.get("proposers") ?? 2) };
  if (params.has("maxAttempts")) options.maxAttempts = Number(params.get("maxAttempts"));
  showOpenLinks(acceptors);
  return options;
}

function acceptorOptions() {
  const options = { acceptors: (params.get("acceptors") ?? "").split(",").map((s) => s.trim()) };
  if (params.has("storage")) options.storage = params.get("storage");
  if (params.has("ackBeforeCommit")) options.ackBeforeCommit = params.get("ackBeforeCommit") === "1";
  return options;
}

function showOpenLinks(acceptors) {
  const links = $("open-links");
  links.textContent = "";
  for (let i = 1; i <= acceptors; i++) {
    const a = document.createElement("a");
    a.href = `?${new URLSearchParams({ channel: params.get("channel"), role: "acceptor", acceptors: `a${i}` })}`;
    a.target = "_blank";
    a.textContent = `a${i}`;
    links.append(a, " ");
  }
}

// ---- client tab ----

function showClient() {
  $("title").textContent = `Client tab on “${params.get("channel")}”`;
  $("role-note").textContent = `Proposers ${names("p", Number(params.get("proposers") ?? 2))} run here; acceptors ${names("a", Number(params.get("acceptors") ?? 3))} run in their own tabs. An operation needs a majority of them to answer.`;
  $("client-panel").hidden = false;
  $("run").addEventListener("click", () => runWorkers(Number($("workers").value), Number($("per-worker").value)));
  $("increment").addEventListener("click", () => runWorkers(1, 1));
}

const names = (role, n) => Array.from({ length: n }, (_, i) => `${role}${i + 1}`).join(", ");

/** `workers` loops, each awaiting `each` increments of "counter" in turn (through p1, p2, ...). */
async function runWorkers(workers, each) {
  const c = tabs.node;
  const proposers = Number(params.get("proposers") ?? 2);
  const total = workers * each;
  const start = tabs.results.length;
  const worker = async (w) => {
    for (let i = 0; i < each; i++) {
      try {
        tabs.results.push({ ok: true, value: await c.increment("counter", { proposer: `p${(w % proposers) + 1}` }) });
      } catch (e) {
        tabs.results.push({ ok: false, error: e.name, message: e.message });
      }
      showProgress(start, total);
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  tabs.done += 1;
  showProgress(start, total);
}

function showProgress(start, total) {
  const run = tabs.results.slice(start);
  const ok = run.filter((r) => r.ok).length;
  const failed = run.length - ok;
  const errors = [...new Set(run.filter((r) => !r.ok).map((r) => r.error))].join(", ");
  const stats = tabs.node.stats();
  const check = run.length === total ? tabs.node.check() : null;
  const verdict = check ? (check.ok ? " · linearizable ✓" : ` · violation ✗ ${check.violation?.kind ?? ""}`) : "";
  $("client-out").textContent = `increments ${run.length}/${total}: ${ok} ok, ${failed} failed${errors ? ` (${errors})` : ""} · ${stats.messages} messages, ${stats.malformed} malformed dropped${verdict}`;
}

// ---- acceptor tab ----

function showAcceptor() {
  const ids = tabs.node.state().acceptors.map((a) => a.id).join(", ");
  $("title").textContent = `Acceptor ${ids} on “${params.get("channel")}”`;
  const storage = params.get("storage") === "none" ? "storage disabled: a reload forgets everything" : "durable in IndexedDB: a reload keeps every promise and accepted value";
  $("role-note").textContent = `This tab runs acceptor ${ids} (${storage}). It answers a request only once its store committed the change.`;
  $("acceptor-panel").hidden = false;
  $("wipe").addEventListener("click", async () => {
    for (const a of tabs.node.state().acceptors) await tabs.node.wipe(a.id);
    drawAcceptor();
  });
  drawAcceptor();
  setInterval(drawAcceptor, REDRAW_MS);
}

const ballot = (b) => (b ? `${b.counter}.${b.proposer}` : "—");

function drawAcceptor() {
  const rows = [];
  for (const a of tabs.node.state().acceptors) {
    for (const [key, r] of Object.entries(a.registers)) {
      const tr = document.createElement("tr");
      const cells = [a.id, key, ballot(r.promise), ballot(r.accepted?.ballot), r.accepted ? `${JSON.stringify(r.accepted.value)} (v${r.accepted.version})` : "—"];
      for (const text of cells) tr.append(Object.assign(document.createElement("td"), { textContent: text }));
      rows.push(tr);
    }
  }
  $("registers").replaceChildren(...rows);
  const s = tabs.node.stats();
  $("acceptor-out").textContent = `${s.handled} requests answered, ${s.writes} writes committed, ${s.malformed} malformed messages dropped${s.storeFailures.length ? ` · store failed: ${s.storeFailures.join("; ")}` : ""}`;
}
