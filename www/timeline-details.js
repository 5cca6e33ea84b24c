// The details box: what one message, node or client operation is, in words. It lives beside the
// SVG (redraws do not touch it), reachable by keyboard: Enter on the timeline opens the message
// nearest the middle of the view, its Previous / Next buttons walk the messages in view, its node
// buttons open a node, Escape closes it.

import { esc, ballotText, messageDetails, NO_BALLOT, NO_BALLOT_MEANING } from "./timeline-labels.js";
import { envelopeDetails } from "./timeline-envelope.js";

export class DetailsBox {
  /** @param {HTMLElement} container the timeline's container */
  constructor(container, { onStep, onNode, onClose }) {
    this.el = document.createElement("div");
    this.el.className = "tl-details";
    this.el.setAttribute("role", "dialog");
    this.el.setAttribute("aria-label", "Details");
    this.el.hidden = true;
    container.append(this.el);
    this.el.addEventListener("click", (e) => {
      const b = e.target.closest("button");
      if (!b) return;
      if (b.dataset.step) onStep(Number(b.dataset.step));
      else if (b.dataset.node) onNode(b.dataset.node);
      else if (b.dataset.close !== undefined) onClose();
    });
    this.el.addEventListener("keydown", (e) => {
      if (e.key === "Escape") onClose();
      e.stopPropagation(); // the page's keys (space plays, → steps) do not fire from here
    });
  }

  get open() {
    return !this.el.hidden;
  }

  hide() {
    this.el.hidden = true;
  }

  /** Shows `title` and rows [term, text]; `nodes`: buttons to open them; `walk`: what Previous and
   * Next step through ("message", "node"), if anything. */
  show(title, rows, { nodes = [], walk = false, focus = false } = {}) {
    const dl = rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("");
    const nodeButtons = nodes.map((n) => `<button type="button" data-node="${esc(n)}">${esc(n)}</button>`).join("");
    const steps = walk ? `<button type="button" data-step="-1" aria-label="Previous ${walk}">◀</button><button type="button" data-step="1" aria-label="Next ${walk}">▶</button>` : "";
    this.el.innerHTML = `<div class="tl-details-head"><strong>${esc(title)}</strong><span>${steps}${nodeButtons}<button type="button" data-close aria-label="Close details">✕</button></span></div><dl>${dl}</dl><p class="tl-details-note">${NO_BALLOT} = ${NO_BALLOT_MEANING}</p>`;
    this.el.hidden = false;
    if (focus) this.el.querySelector("button")?.focus();
  }

  message(a, opts) {
    const title = a.parts ? `envelope ×${a.parts.length}` : `${a.message.type} ${ballotText(a.message.ballot)}`;
    const rows = a.parts ? envelopeDetails(a) : messageDetails(a);
    this.show(title, rows, { nodes: [a.from, a.to], walk: "message", ...opts });
  }

  op(op, opts) {
    const rows = [
      ["operation", `#${op.id} ${op.name} ${JSON.stringify(op.key)}`],
      ["proposer", op.node],
      ["invoked", `${op.start} ms`],
      ["returned", op.end === null ? "in flight" : `${op.end} ms (after ${op.end - op.start} ms): ${op.outcome}`],
      ["stack row", `${op.slot + 1} (concurrent operations of one proposer stack)`],
    ];
    this.show(`operation #${op.id}`, rows, { nodes: [op.node], ...opts });
  }

  /** `info`: { role, up, totals: { sent, received, lost }, registers: Map key -> { promise, accepted }, pending, done }. */
  node(id, info, opts) {
    const rows = [
      ["role", info.role],
      ["now", info.up ? "up" : "down"],
      ["messages", `${info.totals.sent} sent, ${info.totals.received} received, ${info.totals.lost} lost on the way to it`],
    ];
    if (info.registers) {
      if (!info.registers.size) rows.push(["registers", `${NO_BALLOT} no answers yet`]);
      for (const [key, r] of info.registers) rows.push([`key ${key}`, `promised ${ballotText(r.promise)}, accepted ${ballotText(r.accepted)} (its last answer)`]);
    }
    if (info.ops) rows.push(["operations", `${info.ops.done} done, ${info.ops.pending} in flight`]);
    this.show(id, rows, { walk: "node", ...opts });
  }
}
