// The history view: one row per proposer (the cluster's clients), each operation a bar from its
// invocation to its return, coloured by outcome, numbered by its position in its key's
// linearization. It shares the timeline's viewport, so both scroll and zoom together.

import { OUTCOMES } from "./timeline-store.js";
import { esc } from "./timeline-labels.js";
import { RetainedGroup, Keyed } from "./timeline-retain.js";

const ROW_TOP = 14;
const DENSE_OPS = 600; // more operations in view than this: one mark per pixel column
const LEFT = 44;
const SVG_NS = "http://www.w3.org/2000/svg";

export class HistoryView {
  /** @param {HTMLElement} container @param {import("./timeline.js").Timeline} timeline */
  constructor(container, timeline) {
    this.container = container;
    this.timeline = timeline;
    this.positions = new Map(); // op id -> position in its key's linearization (1-based)
    this.involved = new Set();
    this.selected = null;
    this.onSelect = () => {};
    this.size = null;
    new ResizeObserver(() => (this.size = null)).observe(container);
    // Kept from frame to frame (timeline-retain.js): the bars move with the timeline's moving
    // layers (its `shift`, see Timeline#panTo), so a bar still in view is the same element; the
    // gutter, row labels and note stay still over them.
    this.svg = document.createElementNS(SVG_NS, "svg");
    this.svg.setAttribute("role", "img");
    this.svg.setAttribute("aria-label", "history");
    this.svg.innerHTML = "<g></g><g></g>";
    const [moving, still] = [...this.svg.children].map((g) => new RetainedGroup(g));
    this.layers = { moving, still };
    container.replaceChildren(this.svg);
    this.drawn = null; // what the last render drew (to skip one that would draw the same)
    this.reportVersion = 0;
    container.addEventListener("click", (e) => {
      const id = e.target?.dataset?.op;
      if (id !== undefined) this.onSelect(Number(id));
    });
  }

  /** Takes a `cluster.check()` report. */
  setReport(report) {
    this.positions.clear();
    for (const r of Object.values(report.keys)) {
      (r.order ?? []).forEach((id, i) => this.positions.set(id, i + 1));
    }
    this.involved = new Set(report.violation ? report.violation.ops : []);
    this.reportVersion += 1;
  }

  render(now) {
    const tl = this.timeline;
    const store = tl.store;
    this.now = now;
    // The size is read once per resize: a read after a redraw would force a layout every frame.
    this.size ??= { w: Math.max(200, this.container.clientWidth), h: Math.max(60, this.container.clientHeight) };
    const { w, h } = this.size;
    const { shift, origin } = tl.panAsDrawn(); // the timeline's moving layers' (shift 0 unless it follows)
    const key = [tl.t0, tl.msPerPx, shift, now, store.events, store.opCount, w, h, this.selected, this.reportVersion, tl.nodes.length].join();
    if (key === this.drawn && store === this.drawnStore && this.svg.isConnected) return;
    this.drawn = key;
    this.drawnStore = store;
    const proposers = tl.nodes.filter((n) => n.startsWith("p"));
    const rowOf = new Map(proposers.map((p, i) => [store.laneOf.get(p), i]));
    const rowH = (h - ROW_TOP - 4) / Math.max(1, proposers.length);
    const t0 = tl.t0;
    const t1 = t0 + (w - LEFT) * tl.msPerPx;
    const x = (t) => LEFT + (t - origin) / tl.msPerPx;
    const [out, still] = [[], []];
    const inView = store.opsBetween(t0, t1);
    let drawn = inView; // the operations drawn (in the dense view, counted by bucket)
    if (inView > DENSE_OPS) this.#dense(out, still, inView, { rowH, rowOf, w, shift });
    else {
      const visible = [];
      const rows = new Map(); // row -> stack rows its visible operations need
      store.forOpsBetween(t0, t1, now, (id) => {
        const row = rowOf.get(store.opLane.data[id]);
        if (row === undefined) return;
        visible.push(id);
        rows.set(row, Math.max(rows.get(row) ?? 1, store.opSlot.data[id] + 1));
      });
      this.#bars(out, visible.reverse(), { x, rowH, rowOf, rows, left: LEFT + shift });
      drawn = visible.length;
    }
    still.push(`<rect x="0" y="0" width="${LEFT - 4}" height="${h}" fill="#fbfcfd"/>`);
    if (drawn < store.opCount) {
      // The panel follows the timeline's window: say so, and how to see every operation.
      still.push(`<text class="window-note" x="${w - 4}" y="10" text-anchor="end">${Math.min(drawn, store.opCount)} of ${store.opCount} operations in the timeline's window · Fit shows them all</text>`);
    }
    proposers.forEach((p, i) => still.push(`<text class="row-label" x="6" y="${ROW_TOP + i * rowH + 10}">${esc(p)}</text>`));
    const viewBox = `0 0 ${w} ${h}`;
    if (this.svg.getAttribute("viewBox") !== viewBox) this.svg.setAttribute("viewBox", viewBox);
    if (!this.svg.isConnected) this.container.replaceChildren(this.svg);
    this.layers.moving.update(out);
    this.layers.still.update(still);
    const pan = shift ? `translate(${-shift} 0)` : null;
    const g = this.layers.moving.group;
    if (g.getAttribute("transform") !== pan) {
      if (pan) g.setAttribute("transform", pan);
      else g.removeAttribute("transform");
    }
  }

  /** One bar per operation, concurrent ones of a proposer stacked (the timeline's stack rows). */
  #bars(out, ids, { x, rowH, rowOf, rows, left }) {
    const store = this.timeline.store;
    for (const id of ids) {
      const op = store.op(id);
      const row = rowOf.get(store.opLane.data[id]);
      const fit = Math.max(1, Math.min(rows.get(row), Math.floor(rowH / 4)));
      const barH = Math.max(2, Math.min(14, rowH / fit - 2));
      const y = ROW_TOP + row * rowH + (op.slot % fit) * (barH + 2);
      const x0 = x(op.start);
      const wd = Math.max(3, ((op.end ?? this.now) - op.start) / this.timeline.msPerPx);
      const classes = ["hop", op.outcome ?? "pending"];
      if (this.involved.has(id)) classes.push("involved");
      if (this.selected === id) classes.push("selected");
      const pos = this.positions.get(id);
      // Keyed by the operation (timeline-retain.js): a pending bar widens each frame in place.
      const title = `#${id} ${op.name} ${op.key} (${op.outcome ?? "in flight"})${pos ? `, ${pos}. in ${op.key}'s linearization` : ""}`;
      out.push(new Keyed(`o${id}`, "rect", ["class", classes.join(" "), "data-op", id, "x", x0, "y", y, "width", wd, "height", barH, "rx", 2], null, title));
      if (wd > 34 && barH >= 9) out.push(new Keyed(`t${id}`, "text", ["x", Math.max(x0, left) + 2, "y", y + barH - 3], `#${id} ${op.name} ${op.key.slice(0, 16)}`));
    }
  }

  /** Too many operations to draw one by one: per row and pixel column, the worst outcome. */
  #dense(out, still, count, { rowH, rowOf, w, shift }) {
    const tl = this.timeline;
    const columns = Math.max(1, Math.floor(w - LEFT));
    const byLane = tl.store.opOutcomes(tl.t0, tl.msPerPx, columns);
    const worst = new Int8Array(rowOf.size * columns);
    for (const [lane, row] of rowOf) worst.set(byLane.subarray(lane * columns, (lane + 1) * columns), row * columns);
    const paths = OUTCOMES.map(() => []);
    for (let row = 0; row < rowOf.size; row++) {
      for (let c = 0; c < columns; c++) {
        const o = worst[row * columns + c];
        if (o >= 0) paths[o].push(`M${LEFT + shift + c},${(ROW_TOP + row * rowH).toFixed(1)}v${(rowH - 4).toFixed(1)}`);
      }
    }
    paths.forEach((d, o) => { if (d.length) out.push(`<path class="hop-dense ${OUTCOMES[o]}" d="${d.join("")}"/>`); });
    still.push(`<text x="${LEFT + 4}" y="${ROW_TOP - 3}">${count.toLocaleString("en-US")} operations in view: the worst outcome per pixel (zoom in for each one)</text>`);
  }
}
