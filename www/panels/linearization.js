// History like Porcupine: hover (or click) an operation in the history view to see the register
// before and after its linearization point — what its proposer read from a quorum and what it
// wrote — and where it sits in its key's linearization; a violation draws the longest consistent
// order the checker found, then the operation that fits nowhere. Operations are named by their
// history id (#n) here, in the results list and in the claims: one numbering everywhere.
import { describe, labelOf } from "../results.js";
import { $, page } from "../page.js";

/** Operations drawn in one order at most (the rest are counted). */
const ORDER_SHOWN = 24;
let hovered = null; // the operation under the pointer, if any
let report = { keys: {} }; // the last check() report
let shown = ""; // what the panel last drew, to redraw only on change

export function wireLinearization() {
  const hover = (e) => {
    const id = e.target.closest?.("[data-op]")?.dataset.op;
    if (id === undefined || Number(id) === hovered) return;
    hovered = Number(id);
    render(true);
  };
  $("history").addEventListener("mouseover", hover);
  $("lin-order").addEventListener("mouseover", hover);
  $("lin-order").addEventListener("focusin", hover);
  $("lin-order").addEventListener("click", (e) => {
    const id = e.target.closest("[data-op]")?.dataset.op;
    if (id !== undefined) page.history.onSelect(Number(id));
  });
  page.onAdopt.push(() => { hovered = null; report = { keys: {} }; shown = ""; });
  page.onRefresh.push(render);
}

/** Takes a `cluster.check()` report (the state panel rechecks as operations return). */
export function setReport(r) {
  report = r;
}

/** The operation the panel is about: hovered, else selected, else the violation's first. */
function focusId() {
  return hovered ?? page.history.selected ?? report.violation?.ops?.[0] ?? null;
}

const registerText = (r) => (r ? `v${r.version} ${describe(r.value)}` : "?");

/** One operation as the panel says it: the register before and after, and its place. */
function opText(op) {
  const order = report.keys[op.key]?.order ?? [];
  const at = order.indexOf(op.id);
  const violated = report.violation?.ops?.includes(op.id);
  const place = violated ? `fits no linearization of ${op.key}` : at >= 0 ? `${at + 1}. of ${order.length} in ${op.key}'s linearization` : op.outcome ? "not placed (it may never have taken effect)" : "in flight";
  const e = op.evaluated;
  const change = !e ? "never evaluated" : e.wrote ? `register ${registerText(e.seen)} → ${registerText(e.wrote)}` : `register ${registerText(e.seen)} (unchanged)`;
  const outcome = op.outcome === "ok" ? `→ ${op.op === "delete" ? "done" : describe(op.output)}` : op.outcome ? `✗ ${op.error?.name ?? op.outcome}` : "…";
  return `#${op.id} ${labelOf(op)} ${outcome}: ${change}; ${place}`;
}

/** The order to draw: a violation's longest consistent order, else the focused key's order. */
function orderToDraw(focus) {
  const v = report.violation;
  if (v?.longest) return { title: `Longest consistent order of ${v.key}, then:`, ids: v.longest, then: v.ops.filter((id) => !v.longest.includes(id)) };
  if (!focus) return null;
  const ids = report.keys[focus.key]?.order;
  return ids ? { title: `Linearization of ${focus.key}:`, ids, then: [] } : null;
}

function render(force) {
  if (!force && hovered === null) return;
  const c = page.cluster;
  const id = focusId();
  const focus = id === null ? null : c.operation(id);
  const order = orderToDraw(focus);
  const key = JSON.stringify([id, focus?.outcome, focus?.evaluated, order]);
  if (key === shown) return;
  shown = key;
  $("lin-op").textContent = focus ? opText(focus) : "Hover or click an operation to see the register before and after its linearization point.";
  const box = $("lin-order");
  box.textContent = "";
  if (!order) return;
  box.append(Object.assign(document.createElement("span"), { className: "lin-title", textContent: order.title }));
  const chip = (opId, cls) => {
    const op = c.operation(opId);
    const b = document.createElement("button");
    b.type = "button";
    b.className = `lin-chip ${cls}${opId === id ? " focus" : ""}`;
    b.dataset.op = opId;
    b.textContent = `#${opId} ${op?.op ?? ""}`;
    b.title = op ? opText(op) : `#${opId}`;
    return b;
  };
  for (const opId of order.ids.slice(0, ORDER_SHOWN)) box.append(chip(opId, "placed"));
  if (order.ids.length > ORDER_SHOWN) box.append(` … ${order.ids.length - ORDER_SHOWN} more`);
  for (const opId of order.then) box.append(chip(opId, "nowhere"));
}
