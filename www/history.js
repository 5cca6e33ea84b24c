// The history view: one row per proposer (the cluster's clients), each operation a bar from its
// invocation to its return, coloured by outcome, numbered by its position in its key's
// linearization. It shares the timeline's viewport, so both scroll and zoom together.

const ROW_TOP = 14;
const LEFT = 44;
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

export class HistoryView {
  /** @param {HTMLElement} container @param {import("./timeline.js").Timeline} timeline */
  constructor(container, timeline) {
    this.container = container;
    this.timeline = timeline;
    this.positions = new Map(); // op id -> position in its key's linearization (1-based)
    this.involved = new Set();
    this.selected = null;
    this.onSelect = () => {};
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
  }

  render(now) {
    const tl = this.timeline;
    const w = Math.max(200, this.container.clientWidth);
    const h = Math.max(60, this.container.clientHeight);
    const proposers = tl.nodes.filter((n) => n.startsWith("p"));
    const rowH = (h - ROW_TOP - 4) / Math.max(1, proposers.length);
    const t0 = tl.t0;
    const t1 = t0 + (w - LEFT) * tl.msPerPx;
    const x = (t) => LEFT + (t - t0) / tl.msPerPx;
    const out = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" role="img" aria-label="history">`];
    // Stack concurrent operations of one proposer in up to 3 sub-rows.
    const subEnd = new Map();
    for (const op of tl.ops.values()) {
      const end = op.end ?? now;
      const row = proposers.indexOf(op.node);
      if (row < 0) continue;
      const ends = subEnd.get(op.node) ?? [-Infinity, -Infinity, -Infinity];
      let sub = ends.findIndex((e) => e <= op.start);
      if (sub < 0) sub = ends.indexOf(Math.min(...ends));
      ends[sub] = end;
      subEnd.set(op.node, ends);
      if (end < t0 || op.start > t1) continue;
      const barH = Math.min(14, rowH / 3 - 2);
      const y = ROW_TOP + row * rowH + sub * (barH + 2);
      const x0 = x(op.start);
      const wd = Math.max(3, (end - op.start) / tl.msPerPx);
      const classes = ["hop", op.outcome ?? "pending"];
      if (this.involved.has(op.id)) classes.push("involved");
      if (this.selected === op.id) classes.push("selected");
      const pos = this.positions.get(op.id);
      out.push(`<rect class="${classes.join(" ")}" data-op="${op.id}" x="${x0}" y="${y}" width="${wd}" height="${barH}" rx="2"><title>#${op.id} ${esc(op.name)} ${esc(op.key)} (${op.outcome ?? "in flight"})${pos ? `, ${pos}. in ${esc(op.key)}'s linearization` : ""}</title></rect>`);
      if (wd > 34) out.push(`<text x="${Math.max(x0, LEFT) + 2}" y="${y + barH - 3}">#${op.id} ${esc(op.name)} ${esc(op.key.slice(0, 16))}</text>`);
    }
    out.push(`<rect x="0" y="0" width="${LEFT - 4}" height="${h}" fill="#fbfcfd"/>`);
    proposers.forEach((p, i) => out.push(`<text class="row-label" x="6" y="${ROW_TOP + i * rowH + 10}">${esc(p)}</text>`));
    out.push("</svg>");
    this.container.innerHTML = out.join("");
  }
}
