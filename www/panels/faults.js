// The cluster panel: rebuild with a configuration, each node's status with crash / restart / wipe
// / isolate, the network's loss, duplication and latency, and a partition editor that follows the
// cluster's actual partition (after Isolate, Heal, a scenario, a seek).
import { PROPOSER_COLORS } from "../timeline.js";
import { $, page, nodesOf, guard, numberIn, drawnState } from "../page.js";
import { rebuild } from "./scenarios.js";
import { quorumsOf, batchOf, gcDelayOf } from "./membership.js";
import { leasesOf, clockDriftOf } from "./leases.js";
import { pipeliningOf } from "./pipelining.js";
import { setClass, setProp, setText } from "../dom.js";
import { membershipOf, startChange } from "./membership-change.js";

/** Group names the partition editor offers (more appear when the cluster has more groups). */
const GROUP_NAMES = "ABCDEFGHIJKLMNOPQRSTUVWX";
const MIN_GROUPS = 3;
let shownGroups = ""; // the partition the editor last showed, as JSON
let shownNodes = ""; // the nodes the list last showed, as JSON

/** The proposers and the acceptors that are members now (a membership change adds and removes them). */
function nodeIds() {
  const { ps, as } = nodesOf(page.config);
  const m = membershipOf();
  return [...(m?.proposers ?? ps), ...(m?.acceptors ?? as)];
}

export function wireFaults() {
  $("rebuild").addEventListener("submit", (e) => {
    e.preventDefault();
    const f = e.target;
    guard($("rebuild-error"), () => {
      rebuild({ acceptors: numberIn(f.acceptors, "acceptors"), proposers: numberIn(f.proposers, "proposers"), seed: numberIn(f.seed, "seed"), oneRtt: f.oneRtt.checked, quorums: quorumsOf(f), batch: batchOf(f), leases: leasesOf(f), clockDrift: clockDriftOf(f), ...pipeliningOf(f), gcDelay: gcDelayOf(f) });
    });
  });
  const netErr = $("network-error");
  $("drop").addEventListener("input", (e) => guard(netErr, () => {
    page.cluster.setDropRate(Number(e.target.value) / 100);
    $("drop-out").textContent = `${e.target.value}%`;
  }));
  $("dup").addEventListener("input", (e) => guard(netErr, () => {
    page.cluster.setDuplicateRate(Number(e.target.value) / 100);
    $("dup-out").textContent = `${e.target.value}%`;
  }));
  for (const id of ["lat-min", "lat-max"]) {
    $(id).addEventListener("change", () => guard(netErr, () => {
      const max = numberIn($("lat-max"), "latency max");
      page.cluster.setLatency(numberIn($("lat-min"), "latency min"), max);
      page.timeline.latencyMax = max;
    }));
  }
  $("partition-apply").addEventListener("click", () => guard(netErr, () => {
    const groups = new Map();
    for (const sel of document.querySelectorAll("#partition-editor select")) {
      if (!groups.has(sel.value)) groups.set(sel.value, []);
      groups.get(sel.value).push(sel.dataset.node);
    }
    page.cluster.partition([...groups.values()]);
  }));
  $("heal").addEventListener("click", () => guard(netErr, () => page.cluster.heal()));
  page.onAdopt.push(onAdopt);
  page.onRefresh.push((slow) => {
    if (slow && JSON.stringify(nodeIds()) !== shownNodes) renderNodes(); // a membership change
    if (slow) renderStatus();
  });
}

function onAdopt() {
  const cfg = page.config;
  const c = page.cluster;
  $("drop").value = 0;
  $("dup").value = 0;
  const lat = drawnState().network.latency;
  $("lat-min").value = lat.min;
  $("lat-max").value = lat.max;
  const form = $("rebuild");
  form.acceptors.value = cfg.acceptors;
  form.proposers.value = cfg.proposers;
  form.seed.value = cfg.seed ?? 1;
  form.oneRtt.checked = cfg.oneRtt !== false;
  // The same nodes (a seek, most rebuilds) keep their rows: the refresh after this writes their status.
  if (JSON.stringify(nodeIds()) !== shownNodes) renderNodes();
  renderPartitionEditor({ reset: true });
}

/** A fault the reader asked for; one that would change nothing says so instead. */
function fault(action, id) {
  const st = page.cluster.state();
  const node = [...st.proposers, ...st.acceptors].find((n) => n.id === id);
  if (action === "crash" && !node.up) return `${id} is already down: nothing to crash (restart it first)`;
  if (action === "restart" && node.up) return `${id} is already up: nothing to restart (crash it first)`;
  page.cluster[action](id);
  return "";
}

function renderNodes() {
  const ids = nodeIds();
  shownNodes = JSON.stringify(ids);
  const list = $("nodes");
  list.textContent = "";
  for (const id of ids) {
    const li = document.createElement("li");
    li.dataset.node = id;
    const dot = document.createElement("span");
    dot.className = "dot";
    dot.style.background = id.startsWith("p") ? PROPOSER_COLORS[(Number(id.slice(1)) - 1) % PROPOSER_COLORS.length] : "#1d2430";
    const name = document.createElement("span");
    name.className = "id";
    name.textContent = id;
    const status = document.createElement("span");
    status.className = "status up";
    status.textContent = "up";
    li.append(dot, name, status);
    const button = (action, title, cls = "") => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = action;
      b.title = title;
      b.setAttribute("aria-label", `${action} ${id}`);
      b.className = cls;
      b.dataset.action = action;
      b.addEventListener("click", () => {
        const out = $("network-error");
        let note = "";
        guard(out, () => { note = fault(action, id); });
        if (note) out.textContent = note;
      });
      li.append(b);
    };
    button("crash", `crash ${id}`, "danger");
    button("restart", `restart ${id}`);
    if (id.startsWith("a")) button("wipe", `restart ${id} with empty storage (outside the fault model)`, "danger");
    button("isolate", `cut ${id} off from every other node`);
    removeButton(li, id);
    list.append(li);
  }
}

/** Remove `id` from the cluster: an acceptor by the membership change's steps (§2.3.2 backwards),
 * a proposer at once (§2.3.4: its operations in flight end Unavailable). */
function removeButton(li, id) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = "remove";
  b.dataset.action = "remove";
  const acceptor = id.startsWith("a");
  b.dataset.title = acceptor
    ? `remove ${id}: prepare quorum change, accept quorum change, catch-up rescan, prepare quorum change, turn off`
    : `remove ${id}: it leaves at once; its operations in flight end Unavailable`;
  b.title = b.dataset.title;
  b.setAttribute("aria-label", `remove ${id}`);
  b.addEventListener("click", () => startChange(`remove ${id}`, (c) => (acceptor ? c.removeAcceptor(id) : c.removeProposer(id))));
  li.append(b);
}

/** One select per node; each shows the node's group in the cluster's actual partition. When the
 * partition is the one shown, nothing is written — but `reset` (a new cluster shown) sets each
 * select back to its group, dropping a choice not applied, without making the selects anew. */
function renderPartitionEditor({ reset = false } = {}) {
  const groups = drawnState().network.groups;
  const json = JSON.stringify(groups);
  const groupOf = new Map(groups.flatMap((g, i) => g.map((n) => [n, GROUP_NAMES[i]])));
  const box = $("partition-editor");
  if (json === shownGroups) {
    if (reset) for (const sel of box.querySelectorAll("select")) setProp(sel, "value", groupOf.get(sel.dataset.node) ?? "A");
    return;
  }
  shownGroups = json;
  const names = GROUP_NAMES.slice(0, Math.max(MIN_GROUPS, groups.length));
  box.textContent = "";
  for (const id of nodeIds()) {
    const label = document.createElement("label");
    label.textContent = id;
    const sel = document.createElement("select");
    sel.dataset.node = id;
    sel.setAttribute("aria-label", `group of ${id}`);
    for (const g of names) sel.append(new Option(g, g));
    sel.value = groupOf.get(id) ?? "A";
    label.append(sel);
    box.append(label);
  }
}

/** Each node's up/down status, and the partition editor when the partition changed. */
function renderStatus() {
  const st = drawnState();
  for (const n of [...st.proposers, ...st.acceptors]) {
    const el = document.querySelector(`#nodes li[data-node="${n.id}"] .status`);
    if (el) {
      setText(el, n.up ? "up" : "down");
      setClass(el, `status ${n.up ? "up" : "down"}`);
    }
  }
  renderPartitionEditor();
}
