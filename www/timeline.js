// The ballot timeline: one lane per node, x = virtual time. Every message is an arrow from its
// send to its arrival, labelled with type and ballot and coloured by the ballot's proposer; lost
// messages end in a cross; crash intervals and partitions are bands; client operations are spans
// on their proposer's lane; acceptor lanes show promised (P) and accepted (A) ballots as they
// change. Only what is visible is drawn, so it stays smooth with tens of thousands of events.

export const PROPOSER_COLORS = ["#2f6fdb", "#d2691e", "#2e9e6a", "#8e44ad", "#c0392b", "#16a2b8", "#7f8c8d", "#b8860b", "#e84393"];

const TOP = 26;
const LEFT = 44;
const LABEL_MIN_PX = 90; // draw message labels only when an arrow spans at least this many px
const DENSE_ARROWS = 1500; // above this many visible arrows, draw them batched

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const ballotText = (b) => (b ? `${b.counter}.${b.proposer}` : "–");
const colorOf = (proposer) => PROPOSER_COLORS[(parseInt(String(proposer).slice(1), 10) - 1) % PROPOSER_COLORS.length] || "#555";

export class Timeline {
  /** @param {HTMLElement} container */
  constructor(container) {
    this.container = container;
    this.msPerPx = 0.25;
    this.t0 = 0;
    this.follow = true;
    this.onUserMove = () => {};
    this.reset([], 15);
    this.#bindInput();
  }

  /** Forget everything; `nodes` are the lane ids, top to bottom. */
  reset(nodes, latencyMax) {
    this.nodes = nodes;
    this.laneOf = new Map(nodes.map((n, i) => [n, i]));
    this.latencyMax = latencyMax;
    this.sends = new Map(); // msg id -> { from, to, sentAt, message, arrivals, duplicated }
    this.arrivals = []; // { msg, from, to, sentAt, at, message, drop, duplicated }
    this.ops = new Map(); // op id -> { node, name, key, start, end, outcome }
    this.down = []; // { node, start, end }
    this.wipes = []; // { node, at }
    this.partitions = []; // { start, end, nodes: Set }
    this.ticks = []; // { node, at, text }
    this.lastAt = 0;
    this.t0 = 0;
    this.highlight = null;
  }

  /** Adds events (from `cluster.events(since)`), in order. */
  ingest(events) {
    for (const e of events) {
      this.lastAt = e.at;
      switch (e.kind) {
        case "send": {
          this.sends.set(e.msg, { from: e.from, to: e.to, sentAt: e.sentAt, message: e.message, arrivals: 0, duplicated: false });
          const m = e.message;
          if (e.from.startsWith("a")) {
            if (m.type === "promise") this.ticks.push({ node: e.from, at: e.at, text: `${m.key} P${ballotText(m.ballot)}` });
            if (m.type === "accepted") this.ticks.push({ node: e.from, at: e.at, text: `${m.key} A${ballotText(m.ballot)}` });
          }
          break;
        }
        case "duplicate": {
          const s = this.sends.get(e.msg);
          if (s) s.duplicated = true;
          break;
        }
        case "deliver":
        case "drop": {
          const s = this.sends.get(e.msg);
          if (s) s.arrivals += 1;
          this.arrivals.push({
            msg: e.msg, from: e.from, to: e.to, sentAt: e.sentAt, at: e.at, message: e.message,
            drop: e.kind === "drop" ? e.reason : null, duplicated: !!(s && s.duplicated),
          });
          if (s && s.arrivals >= (s.duplicated ? 2 : 1)) this.sends.delete(e.msg);
          break;
        }
        case "invoke":
          this.ops.set(e.op, { id: e.op, node: e.node, name: e.name, key: e.key, start: e.at, end: null, outcome: null });
          break;
        case "return": {
          const op = this.ops.get(e.op);
          if (op) { op.end = e.at; op.outcome = e.outcome; }
          break;
        }
        case "crash":
          this.down.push({ node: e.node, start: e.at, end: null });
          break;
        case "restart":
          this.#closeDown(e.node, e.at);
          break;
        case "wipe":
          this.#closeDown(e.node, e.at);
          this.wipes.push({ node: e.node, at: e.at });
          break;
        case "partition":
          this.#closePartition(e.at);
          this.partitions.push({ start: e.at, end: null, nodes: new Set(e.groups.flat()) });
          break;
        case "heal":
          this.#closePartition(e.at);
          break;
        case "network":
          if (e.latency) this.latencyMax = e.latency.max;
          break;
      }
    }
  }

  #closeDown(node, at) {
    for (const d of this.down) if (d.node === node && d.end === null) d.end = at;
  }

  #closePartition(at) {
    for (const p of this.partitions) if (p.end === null) p.end = at;
  }

  /** Operations by id, e.g. to attach results to the pending list. */
  op(id) {
    return this.ops.get(id);
  }

  get width() {
    return Math.max(200, this.container.clientWidth);
  }

  get height() {
    return Math.max(120, this.container.clientHeight);
  }

  x(t) {
    return LEFT + (t - this.t0) / this.msPerPx;
  }

  /** A lane's y; `layout()` computed them for the current size. */
  y(node) {
    return this.laneY.get(node) ?? TOP;
  }

  /** Reads the container's size once per render (a DOM read forces layout: never per element). */
  layout() {
    this.w = this.width;
    this.h = this.height;
    const avail = this.h - TOP - 30;
    this.gap = Math.max(22, avail / Math.max(1, this.nodes.length - 1));
    this.laneY = new Map(this.nodes.map((n, i) => [n, TOP + 14 + i * this.gap]));
  }

  zoom(factor, anchorPx = (this.width - LEFT) / 2 + LEFT) {
    const anchorT = this.t0 + (anchorPx - LEFT) * this.msPerPx;
    this.msPerPx = Math.min(1000, Math.max(0.005, this.msPerPx * factor));
    this.t0 = anchorT - (anchorPx - LEFT) * this.msPerPx;
  }

  /** Moves the view to an operation and highlights its messages (same key, to or from its proposer). */
  focusOp(id) {
    const op = this.ops.get(id);
    if (!op) return;
    const end = op.end ?? this.lastAt;
    const span = Math.max(20, end - op.start);
    this.msPerPx = Math.max(0.005, (span * 1.6) / (this.width - LEFT));
    this.t0 = Math.max(0, op.start - span * 0.3);
    this.follow = false;
    this.highlight = { node: op.node, key: op.key, from: op.start, to: end };
  }

  /** Shows the whole run. */
  fit(now) {
    const end = Math.max(now, this.lastAt, 1);
    this.msPerPx = Math.max(0.005, (end * 1.02) / (this.width - LEFT - 10));
    this.t0 = 0;
    this.follow = false;
  }

  /** Draws the visible window. Returns the number of message arrows drawn. */
  render(now) {
    this.layout();
    const w = this.w;
    const h = this.h;
    const span = (w - LEFT) * this.msPerPx;
    if (this.follow) this.t0 = Math.max(0, now - span * 0.85);
    const t0 = this.t0;
    const t1 = t0 + span;
    const out = [];
    out.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" role="img" aria-label="timeline">`);
    out.push("<defs>");
    PROPOSER_COLORS.forEach((c, i) => {
      out.push(`<marker id="arr-p${i + 1}" viewBox="0 0 8 8" refX="7.5" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" fill="${c}"/></marker>`);
    });
    out.push("</defs>");
    this.#axis(out, t0, t1, h);
    const laneGap = this.gap;
    // Partition and crash bands.
    for (const p of this.partitions) {
      const end = p.end ?? now;
      if (end < t0 || p.start > t1) continue;
      for (const n of p.nodes) {
        if (!this.laneOf.has(n)) continue;
        out.push(`<rect class="part" x="${this.x(p.start)}" y="${this.y(n) - laneGap / 2 + 2}" width="${Math.max(1, (end - p.start) / this.msPerPx)}" height="${laneGap - 4}"/>`);
      }
    }
    for (const d of this.down) {
      const end = d.end ?? now;
      if (end < t0 || d.start > t1 || !this.laneOf.has(d.node)) continue;
      out.push(`<rect class="down" x="${this.x(d.start)}" y="${this.y(d.node) - laneGap / 2 + 2}" width="${Math.max(1, (end - d.start) / this.msPerPx)}" height="${laneGap - 4}"><title>${esc(d.node)} down</title></rect>`);
    }
    for (const wpe of this.wipes) {
      if (wpe.at < t0 || wpe.at > t1) continue;
      out.push(`<rect class="wipe" x="${this.x(wpe.at) - 1.5}" y="${this.y(wpe.node) - laneGap / 2 + 2}" width="3" height="${laneGap - 4}"><title>${esc(wpe.node)} wiped</title></rect>`);
    }
    // Lanes.
    for (const n of this.nodes) {
      const y = this.y(n);
      out.push(`<line class="lane" x1="${LEFT}" x2="${w}" y1="${y}" y2="${y}"/>`);
    }
    // Client operations on proposer lanes.
    let opsDrawn = 0;
    for (const op of this.ops.values()) {
      const end = op.end ?? now;
      if (end < t0 || op.start > t1) continue;
      const x0 = this.x(op.start);
      const wd = Math.max(2, (end - op.start) / this.msPerPx);
      const y = this.y(op.node) - 17;
      const cls = op.outcome ?? "pending";
      opsDrawn += 1;
      const title = opsDrawn < 500 ? `<title>#${op.id} ${esc(op.name)} ${esc(op.key)}: ${cls}</title>` : "";
      out.push(`<rect class="op ${cls}" data-op="${op.id}" x="${x0}" y="${y}" width="${wd}" height="11" rx="3">${title}</rect>`);
      const lx = Math.max(x0, LEFT) + 3;
      if (x0 + wd - lx > 60) out.push(`<text class="op-label" x="${lx}" y="${y + 9}">${esc(op.name)} ${esc(op.key.slice(0, 24))}${op.outcome ? " · " + op.outcome : ""}</text>`);
    }
    // Acceptor ballot changes.
    let lastTickX = new Map();
    for (const t of this.ticks) {
      if (t.at < t0 || t.at > t1) continue;
      const x = this.x(t.at);
      if (x - (lastTickX.get(t.node) ?? -1e9) < 70) continue;
      lastTickX.set(t.node, x);
      out.push(`<text class="ballot-tick" x="${x + 2}" y="${this.y(t.node) + 12}">${esc(t.text.slice(0, 30))}</text>`);
    }
    // Messages. Past DENSE_ARROWS visible arrows, they are batched into one path per colour,
    // without labels or tooltips, so a zoomed-out view of a long run stays fast.
    const visible = [];
    for (const a of this.arrivals) {
      if (a.at >= t0 && a.sentAt <= t1 && this.laneOf.has(a.from) && this.laneOf.has(a.to)) visible.push(a);
    }
    const labels = [];
    labels.occupied = new Set(); // 12 px grid cells taken by a label: labels never overlap
    if (visible.length > DENSE_ARROWS) {
      this.#denseArrows(out, visible);
    } else {
      for (const a of visible) this.#arrow(out, a.from, a.to, a.sentAt, a.at, a.message, a.drop, a.duplicated, a.msg, labels);
    }
    const drawn = visible.length;
    for (const [id, s] of this.sends) {
      // In flight: grow toward the receiver, assuming the worst-case latency.
      if (s.sentAt > t1) continue;
      const progress = Math.min(0.95, (now - s.sentAt) / Math.max(1, this.latencyMax));
      this.#inflight(out, s, now, progress, id);
    }
    out.push(...labels);
    // Lane labels on top, over a white strip.
    out.push(`<rect x="0" y="0" width="${LEFT - 4}" height="${h}" fill="#fbfcfd"/>`);
    for (const n of this.nodes) {
      out.push(`<text class="lane-label" x="6" y="${this.y(n) + 4}" fill="${n.startsWith("p") ? colorOf(n) : "#1d2430"}">${esc(n)}</text>`);
    }
    if (now >= t0 && now <= t1) out.push(`<line class="now-line" x1="${this.x(now)}" x2="${this.x(now)}" y1="${TOP - 6}" y2="${h}"/>`);
    out.push("</svg>");
    this.container.innerHTML = out.join("");
    return drawn;
  }

  #axis(out, t0, t1, h) {
    const span = t1 - t0;
    const steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 60000, 120000, 300000, 600000];
    const step = steps.find((s) => span / s <= 10) ?? 1000000;
    out.push('<g class="axis">');
    for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
      const x = this.x(t);
      out.push(`<line x1="${x}" x2="${x}" y1="${TOP - 8}" y2="${h}"/><text x="${x + 2}" y="${TOP - 12}">${t} ms</text>`);
    }
    out.push("</g>");
  }

  #arrow(out, from, to, sentAt, at, message, drop, duplicated, id, labels) {
    if (!this.laneOf.has(from) || !this.laneOf.has(to)) return;
    const p = message.ballot.proposer;
    const color = colorOf(p);
    const x1 = this.x(sentAt);
    const y1 = this.y(from);
    const x2 = this.x(at);
    const y2 = this.y(to);
    const hl = this.highlight;
    const lit = hl && message.key === hl.key && (from === hl.node || to === hl.node) && sentAt >= hl.from && sentAt <= hl.to;
    const cls = (drop ? "msg drop" : "msg delivered") + (lit ? " highlight" : "");
    const marker = drop ? "" : ` marker-end="url(#arr-${esc(p)})"`;
    const text = `${message.type} ${message.key} ${ballotText(message.ballot)}`;
    out.push(`<line class="${cls}" data-msg="${id}" x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${color}"${marker}><title>${esc(from)}→${esc(to)} ${esc(text)}${drop ? " (" + esc(drop) + ")" : ""}</title></line>`);
    if (drop) {
      out.push(`<path class="cross" d="M${x2 - 4},${y2 - 4} L${x2 + 4},${y2 + 4} M${x2 - 4},${y2 + 4} L${x2 + 4},${y2 - 4}"/>`);
    }
    if (labels && labels.length < 400 && Math.hypot(x2 - x1, y2 - y1) > LABEL_MIN_PX) {
      const label = `${message.type} ${ballotText(message.ballot)}${duplicated ? " ×2" : ""}`;
      // Try a few points along the arrow; take the first whose box is free.
      for (const f of [0.5, 0.35, 0.65, 0.2, 0.8]) {
        const lx = x1 + (x2 - x1) * f + 3;
        const ly = y1 + (y2 - y1) * f - 3;
        const cells = [];
        const cols = Math.ceil((label.length * 6) / 12);
        const row = Math.floor(ly / 12);
        for (let c = 0; c <= cols; c++) cells.push(`${Math.floor(lx / 12) + c},${row}`);
        if (cells.some((k) => labels.occupied.has(k))) continue;
        cells.forEach((k) => labels.occupied.add(k));
        labels.push(`<text class="msg-label" x="${lx}" y="${ly}" fill="${color}">${esc(label)}</text>`);
        break;
      }
    }
  }

  #denseArrows(out, visible) {
    const paths = new Map(); // colour -> path data
    let lost = "";
    let crosses = "";
    for (const a of visible) {
      const x1 = this.x(a.sentAt).toFixed(1);
      const y1 = this.y(a.from).toFixed(1);
      const x2 = this.x(a.at);
      const y2 = this.y(a.to);
      const seg = `M${x1},${y1}L${x2.toFixed(1)},${y2.toFixed(1)}`;
      if (a.drop) {
        lost += seg;
        crosses += `M${x2 - 3},${y2 - 3}l6,6m-6,0l6,-6`;
      } else {
        const color = colorOf(a.message.ballot.proposer);
        paths.set(color, (paths.get(color) ?? "") + seg);
      }
    }
    for (const [color, d] of paths) out.push(`<path class="msg dense delivered-batch" stroke="${color}" d="${d}"/>`);
    if (lost) out.push(`<path class="msg drop dense" stroke="#c62f3b" d="${lost}"/><path class="cross" d="${crosses}"/>`);
  }

  #inflight(out, s, at, progress, id) {
    if (!this.laneOf.has(s.from) || !this.laneOf.has(s.to)) return;
    const color = colorOf(s.message.ballot.proposer);
    const x1 = this.x(s.sentAt);
    const y1 = this.y(s.from);
    const x2 = this.x(at);
    const y2 = y1 + (this.y(s.to) - y1) * progress;
    out.push(`<line class="msg inflight" data-msg="${id}" x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${color}" stroke-dasharray="2 2"/>`);
  }

  #bindInput() {
    const el = this.container;
    let drag = null;
    el.addEventListener("pointerdown", (e) => {
      drag = { x: e.clientX, t0: this.t0 };
      el.setPointerCapture(e.pointerId);
    });
    el.addEventListener("pointermove", (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x;
      if (Math.abs(dx) < 2) return;
      this.follow = false;
      this.t0 = Math.max(0, drag.t0 - dx * this.msPerPx);
      this.onUserMove();
    });
    el.addEventListener("pointerup", () => (drag = null));
    el.addEventListener("wheel", (e) => {
      if (e.ctrlKey || e.metaKey) {
        e.preventDefault();
        const rect = el.getBoundingClientRect();
        this.zoom(e.deltaY > 0 ? 1.25 : 0.8, e.clientX - rect.left);
        this.onUserMove();
      } else if (Math.abs(e.deltaX) > Math.abs(e.deltaY) || e.shiftKey) {
        e.preventDefault();
        this.follow = false;
        this.t0 = Math.max(0, this.t0 + (e.deltaX || e.deltaY) * this.msPerPx);
        this.onUserMove();
      }
    }, { passive: false });
    el.addEventListener("keydown", (e) => {
      if (e.key === "+" || e.key === "=") { this.zoom(0.8); this.onUserMove(); }
      if (e.key === "-") { this.zoom(1.25); this.onUserMove(); }
      if (e.key === "ArrowLeft") { this.follow = false; this.t0 = Math.max(0, this.t0 - 60 * this.msPerPx); this.onUserMove(); }
    });
  }
}
