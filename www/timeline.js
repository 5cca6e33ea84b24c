// The ballot timeline: one lane per node, x = virtual time. Every message is an arrow from its
// send to its arrival, labelled with its type, ballot and what it carries, coloured by the
// ballot's proposer; lost messages end in a cross; crash intervals and partitions are bands;
// client operations are spans on their proposer's lane, concurrent ones stacked; acceptor lanes
// show promised (P) and accepted (A) ballots as they change. Click (or Enter) for details.
//
// Only what is visible is drawn. A window with more than SPARSE_MAX_ARROWS messages is drawn as
// density per lane and pixel column (timeline-dense.js), so a frame costs the same at a thousand
// or a million events; memory is bounded too (timeline-store.js).

import { TimelineStore } from "./timeline-store.js";
import { TextMeter, LabelPlacer } from "./timeline-labels.js";
import { PROPOSER_COLORS, drawAxis, drawFaults, drawLanes, drawLaneLabels, drawOps, drawMessages, drawInFlight, drawBallotTicks, hitTest } from "./timeline-draw.js";
import { drawDense, drawDenseLabels } from "./timeline-dense.js";
import { DetailsBox } from "./timeline-details.js";
import { drawLeases } from "./timeline-lease.js";
import { drawMembership, laneOrder } from "./timeline-membership.js";
import { bindInput } from "./timeline-input.js";
import { RetainedGroup, Keyed } from "./timeline-retain.js";

export { PROPOSER_COLORS };

const AXIS_PX = 22; // the time axis strip on top
const LEFT = 44; // the lane-label gutter
const SPARSE_MAX_ARROWS = 400; // more messages in view than this: the dense view (~480 arrows measured 13–17 ms median per frame on the loaded 2-core machine)
const PULL_CHUNK = 20000; // events fetched per call by pull()
const DEFAULT_ROUND_TRIPS = 4; // the default window holds this many worst-case round trips
const FOLLOW_AT = 0.85; // following, now is drawn this far across the plot
const FONTS = {
  msg: "10px ui-monospace, SFMono-Regular, Menlo, monospace",
  tick: "9px ui-monospace, monospace",
  op: "10px system-ui, sans-serif",
  axis: "10px system-ui, sans-serif",
  lane: "600 12px system-ui, sans-serif",
};
const ROOMY_SLOT_PX = 30; // lanes closer than this sit evenly (no room for stacks and ticks)
const MIN_MS_PER_PX = 0.005;
const MAX_MS_PER_PX = 1e6;
const PAN_MAX_PX = 1e5; // following, the drawing's coordinates start from the view's edge again past this shift
const SVG_NS = "http://www.w3.org/2000/svg";

export class Timeline {
  /** @param {HTMLElement} container */
  constructor(container) {
    this.container = container;
    this.msPerPx = 0.25;
    this.t0 = 0;
    this.follow = true;
    this.onUserMove = () => {};
    this.mode = "sparse"; // or "dense": what the last render drew
    this.hits = [];
    this.version = 0; // bumps when something drawn changes that the view's position does not show
    this.size = null;
    new ResizeObserver(() => {
      this.size = null;
      this.#redraw();
    }).observe(container);
    this.meters = Object.fromEntries(Object.entries(FONTS).map(([k, f]) => [k, new TextMeter(f, { monospace: /monospace/.test(f) })]));
    container.textContent = "";
    this.canvas = document.createElement("canvas");
    this.canvas.className = "tl-dense";
    this.canvas.hidden = true;
    this.svg = document.createElementNS(SVG_NS, "svg");
    this.svg.setAttribute("role", "img");
    this.svg.setAttribute("aria-label", "timeline");
    const markers = PROPOSER_COLORS.map((c, i) => `<marker id="arr-p${i + 1}" viewBox="0 0 8 8" refX="7.5" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" fill="${c}"/></marker>`);
    // Three layers, bottom to top: what moves with time under the lanes (axis, faults, leases,
    // membership bands), the lanes and their labels (still), what moves over them (operations,
    // messages, labels). Elements drawn the same are kept (timeline-retain.js).
    this.svg.innerHTML = `<defs>${markers.join("")}</defs><g class="tl-back"></g><g class="tl-still"></g><g class="tl-content"></g>`;
    const [back, still, front] = [...this.svg.querySelectorAll("g")].map((g) => new RetainedGroup(g));
    this.layers = { back, still, front };
    this.content = this.svg.lastElementChild;
    this.shift = 0; // the moving layers' shift (see #panTo)
    this.pan = null;
    container.append(this.canvas, this.svg);
    this.details = new DetailsBox(container, {
      onStep: (d) => this.#walk(d, true),
      onNode: (n) => this.#select({ kind: "node", node: n }, true),
      onClose: () => this.#closeDetails(),
    });
    this.reset([], 15);
    bindInput(this);
  }

  /** Forgets everything; `nodes` are the lane ids, top to bottom. `source` (optional, a Cluster)
   * lets the timeline fetch older windows (`events(since, limit)`) instead of keeping them.
   * `store` (optional): what the timeline knows of `source`'s run already (see TimelineStore.at). */
  reset(nodes, latencyMax, source = null, store = null) {
    this.store = store ?? new TimelineStore(nodes, source);
    this.drawn = null;
    this.latencyMax = latencyMax;
    this.t0 = 0;
    this.follow = true;
    this.highlight = null;
    this.selected = null;
    this.details?.hide();
    this.resetZoom();
  }

  /** The default zoom: a few whole worst-case round trips across the view. */
  resetZoom() {
    this.msPerPx = this.#defaultMsPerPx(this.latencyMax);
  }

  #defaultMsPerPx(latencyMax) {
    const plot = Math.max(100, this.width - LEFT);
    return Math.max(40, DEFAULT_ROUND_TRIPS * 2 * Math.max(1, latencyMax)) / plot;
  }

  /** Where the view starts after `reset(…, latencyMax)` at `now` (following at the default zoom):
   * the events from there on are the first render's, which a store cut back for a seek fetches
   * with its own (TimelineStore.at), not in a second call. */
  firstViewFrom(now, latencyMax) {
    return Math.max(0, now - (this.width - LEFT) * this.#defaultMsPerPx(latencyMax) * FOLLOW_AT);
  }

  get nodes() { return this.store.nodes; }
  get laneOf() { return this.store.laneOf; }
  get sends() { return this.store.sends; }
  get lastAt() { return this.store.lastAt; }

  /** Operations as a read-only map (id -> { id, node, name, key, start, end, outcome, slot }). */
  get ops() {
    const s = this.store;
    return {
      get size() { return s.opCount; },
      get: (id) => s.op(id),
      *values() { for (let i = 0; i < s.opCount; i++) yield s.op(i); },
    };
  }

  /** Adds events (from `cluster.events(since)`), in order. */
  ingest(events) {
    this.store.ingest(events);
    this.#settings(events);
  }

  /** Adds a batch in columns (from `cluster.eventColumns(since, limit)`), in order. */
  ingestColumns(batch) {
    this.store.ingestColumns(batch);
    this.#settings(batch.rare);
  }

  /** The latency a network event set (the in-flight arrows' reach). */
  #settings(events) {
    for (const e of events) {
      if (e.kind !== "network") continue;
      // Structured when the event carries it; else the text form "latency 5..15".
      const m = e.latency ? [null, e.latency.min, e.latency.max] : /^latency (\d+)\.\.(\d+)$/.exec(e.setting);
      if (m) this.latencyMax = Number(m[2]);
    }
  }

  /** Fetches and ingests the events `source` (a Cluster) has that the timeline has not seen, a
   * bounded chunk at a time, in columns (no object per event; a million never exist as objects
   * at once). Returns how many. */
  pull(source) {
    // Columns leave messages in flight that read their objects from the store's source.
    const columns = this.store.source === source && typeof source.eventColumns === "function";
    let n = 0;
    for (;;) {
      const got = columns ? source.eventColumns(this.store.events, PULL_CHUNK) : source.events(this.store.events, PULL_CHUNK);
      const count = columns ? got.count : got.length;
      if (!count) return n;
      if (columns) this.ingestColumns(got);
      else this.ingest(got);
      n += count;
    }
  }

  /** Operations by id, e.g. to attach results to the pending list. */
  op(id) {
    return this.store.op(id);
  }

  get width() {
    return Math.max(200, this.#size().w);
  }

  get height() {
    return Math.max(120, this.#size().h);
  }

  /** The container's size, read once per resize (a read after a redraw forces a layout). */
  #size() {
    this.size ??= { w: this.container.clientWidth, h: this.container.clientHeight };
    return this.size;
  }

  /** The selection or the highlight changed: the next render draws even if the view did not move. */
  get highlight() {
    return this._highlight;
  }

  set highlight(h) {
    this._highlight = h;
    this.version += 1;
  }

  /** The moving layers' `{ shift, origin }` (x = LEFT + (t - origin) / msPerPx, translated by
   * -shift) as the last render drew them, if the view has not moved since; else shift 0 from t0.
   * The history view draws its bars the same way, so a bar still in view keeps its markup. */
  panAsDrawn() {
    const p = this.panned;
    if (p && p.t0 === this.t0 && p.msPerPx === this.msPerPx) return p;
    return { shift: 0, origin: this.t0 };
  }

  /** Where the drawing puts time `t`: the container's x plus the moving layers' `shift` (what an
   * element's attributes say; 0 unless following, see #panTo). */
  x(t) {
    return LEFT + (t - this.t0) / this.msPerPx + this.shift;
  }

  /** A lane's y; `layout()` computed them for the current size. */
  y(node) {
    return this.laneY.get(node) ?? AXIS_PX;
  }

  /** Reads the container's size once per render (a DOM read forces layout: never per element).
   * Each lane in view gets an equal slot (an acceptor's lane is in view while it is a member in
   * the window: see timeline-membership.js); a proposer's line sits low in it (its operations
   * stack above), an acceptor's high (its ballot changes are written below). */
  layout(t0 = this.t0, t1 = t0 + (this.width - LEFT) * this.msPerPx) {
    this.w = this.width;
    this.h = this.height;
    const marks = this.store.marks;
    this.rows = this.nodes.filter((id) => marks.shows(id, t0, t1)).sort(laneOrder);
    this.rowOf = new Map(this.rows.map((id, i) => [id, i]));
    const n = Math.max(1, this.rows.length);
    this.slot = (this.h - AXIS_PX - 4) / n;
    const roomy = this.slot >= ROOMY_SLOT_PX;
    this.laneY = new Map(this.rows.map((id, i) => [id, AXIS_PX + i * this.slot + this.slot * (!roomy ? 0.5 : id.startsWith("p") ? 0.72 : 0.32)]));
  }

  /** The time at container pixel `px`. */
  timeAt(px) {
    return this.t0 + (px - LEFT) * this.msPerPx;
  }

  zoom(factor, anchorPx = (this.width - LEFT) / 2 + LEFT) {
    const anchorT = this.timeAt(anchorPx);
    this.msPerPx = Math.min(MAX_MS_PER_PX, Math.max(MIN_MS_PER_PX, this.msPerPx * factor));
    this.t0 = Math.max(0, anchorT - (anchorPx - LEFT) * this.msPerPx);
  }

  /** Zooms to `msPerPx` keeping time `t` at pixel `px` (a pinch); stops following now. */
  zoomTo(msPerPx, t, px) {
    this.follow = false;
    this.msPerPx = Math.min(MAX_MS_PER_PX, Math.max(MIN_MS_PER_PX, msPerPx));
    this.t0 = Math.max(0, t - (px - LEFT) * this.msPerPx);
  }

  /** Moves the view by `px` pixels (positive: later); stops following now. */
  pan(px) {
    this.follow = false;
    this.t0 = Math.max(0, this.t0 + px * this.msPerPx);
  }

  /** Moves the view to an operation and highlights its messages (same key, to or from its proposer). */
  focusOp(id) {
    const op = this.op(id);
    if (!op) return;
    const end = op.end ?? this.lastAt;
    const span = Math.max(20, end - op.start);
    this.msPerPx = Math.max(MIN_MS_PER_PX, (span * 1.6) / (this.width - LEFT));
    this.t0 = Math.max(0, op.start - span * 0.3);
    this.follow = false;
    this.highlight = { node: op.node, key: op.key, from: op.start, to: end };
  }

  /** Shows the whole run. */
  fit(now) {
    const end = Math.max(now, this.lastAt, 1);
    this.msPerPx = Math.max(MIN_MS_PER_PX, (end * 1.02) / (this.width - LEFT - 10));
    this.t0 = 0;
    this.follow = false;
  }

  /** Draws the visible window. Returns the number of messages in it (drawn or aggregated). */
  render(now) {
    const span = (this.width - LEFT) * this.msPerPx;
    if (this.follow) this.t0 = Math.max(0, now - span * FOLLOW_AT);
    this.layout(this.t0, this.t0 + span);
    const key = [this.t0, this.msPerPx, now, this.store.events, this.w, this.h, this.version, this.latencyMax].join();
    if (key === this.drawn) return this.shown;
    this.drawn = key;
    const detailed = this.#detailedWindow(this.t0, this.t0 + span);
    const f = this.#frame(now, span, this.#panTo(detailed !== null && this.follow));
    const [back, still, front] = [[], [], []];
    drawAxis(f, back);
    drawFaults(f, back);
    drawLeases(f, back);
    const memberLabels = [];
    drawMembership(f, back, this.#liveProgress(), memberLabels);
    drawLanes(f, still);
    drawLaneLabels(f, still);
    const shown = detailed ? this.#drawDetailed(f, front, detailed) : this.#drawDense(f, front);
    front.push(...memberLabels); // on top of the message arrows
    if (now >= f.t0 && now <= f.t1) front.push(new Keyed("now", "line", ["class", "now-line", "x1", f.x(now), "x2", f.x(now), "y1", AXIS_PX - 6, "y2", f.h]));
    const viewBox = `0 0 ${this.w} ${f.h}`;
    if (this.svg.getAttribute("viewBox") !== viewBox) this.svg.setAttribute("viewBox", viewBox);
    const pan = f.shift ? `translate(${-f.shift} 0)` : null;
    for (const [layer, markup] of [[this.layers.back, back], [this.layers.still, still], [this.layers.front, front]]) {
      layer.update(markup);
      if (layer !== this.layers.still && layer.group.getAttribute("transform") !== pan) {
        if (pan) layer.group.setAttribute("transform", pan);
        else layer.group.removeAttribute("transform");
      }
    }
    this.hits = f.hits;
    this.#refreshDetails();
    this.shift = f.shift;
    this.panned = { t0: this.t0, msPerPx: this.msPerPx, shift: f.shift, origin: f.shift ? this.pan.origin : this.t0 };
    this.lastNow = now;
    this.shown = shown;
    return shown;
  }

  /**
   * Following, the drawing keeps its x coordinates while the view moves: they count from a fixed
   * origin (the plot's left edge when the pan began) and the moving layers are translated by the
   * pixels the view moved since (`shift`), so an element that is still in view is drawn with the
   * same markup and kept (timeline-retain.js). Anything else (a zoom, a pan by hand, the dense
   * view, a shift grown past PAN_MAX_PX) starts from the view's edge again: shift 0, coordinates
   * are the container's. Returns the shift in pixels.
   */
  #panTo(following) {
    const p = this.pan;
    const shift = p && (this.t0 - p.origin) / this.msPerPx;
    if (following && p?.msPerPx === this.msPerPx && shift >= 0 && shift <= PAN_MAX_PX) return shift;
    this.pan = following ? { origin: this.t0, msPerPx: this.msPerPx } : null;
    return 0;
  }
  /** The running catch-up rescan's `{ done, keys }`, read from the source while a step runs. */
  #liveProgress() {
    if (!this.store.marks.running) return null;
    try {
      return this.store.source?.membership?.().progress ?? null;
    } catch {
      return null; // a freed or live source has no membership to read
    }
  }

  /** The events and arrivals of the window [t0, t1] if each message in it is to be drawn as an
   * arrow: at most SPARSE_MAX_ARROWS, their events at hand (the tail, or a window fetched from
   * the source); else null (the dense view). */
  #detailedWindow(t0, t1) {
    const store = this.store;
    const reach = Math.max(store.maxFlight, this.latencyMax); // arrows that end in view start earlier
    // The histogram's estimate spares fetching a window that would be drawn dense anyway.
    if (store.arrivalsBetween(t0, t1 + reach) > SPARSE_MAX_ARROWS * 4) return null;
    const events = store.eventsBetween(t0, t1 + reach);
    const arrivals = events && this.#arrivals(events, t0, t1);
    if (!arrivals || arrivals.length > SPARSE_MAX_ARROWS) return null;
    return { events, arrivals };
  }

  /** Each message in view as an arrow; returns how many. */
  #drawDetailed(f, out, { events, arrivals }) {
    this.mode = "sparse";
    if (!this.canvas.hidden) this.canvas.hidden = true; // (a write of the same value is still a mutation)
    drawOps(f, out);
    drawBallotTicks(f, out, events);
    const labels = [];
    drawMessages(f, out, arrivals, labels);
    drawInFlight(f, out);
    out.push(...labels);
    return arrivals.length;
  }

  /** The window as density (the canvas) with counts; returns the messages it represents. */
  #drawDense(f, out) {
    this.mode = "dense";
    if (this.canvas.hidden) this.canvas.hidden = false;
    const shown = drawDense(f, this.canvas);
    drawDenseLabels(f, out, shown);
    return shown;
  }

  /** What the drawing functions share for one render. Its x coordinates (`x`, `left`, `w`, the
   * placer's boxes, the hit targets) are the moving layers', `shift` pixels right of the
   * container's (see #panTo); the still layer (lanes, lane labels) subtracts it. */
  #frame(now, span, shift) {
    const t0 = this.t0;
    const slot = this.slot;
    const laneFont = Math.max(6, Math.min(12, slot * 0.7));
    // The pan's own origin (not t0 less the shift: that differs in the last digits from frame to
    // frame, and an element drawn at another x is parsed again).
    const origin = shift ? this.pan.origin : t0;
    return {
      store: this.store, now, t0, t1: t0 + span, msPerPx: this.msPerPx, w: this.w + shift, h: this.h, left: LEFT + shift, top: AXIS_PX, shift,
      still: { left: LEFT, w: this.w }, // the still layer's plot edges (the container's x)
      slot, laneFont, latencyMax: this.latencyMax, highlight: this.highlight, selected: this.selected,
      rows: this.rows, shows: (n) => this.rowOf.has(n),
      meters: this.meters, placer: new LabelPlacer(), hits: [],
      key: uniqueKeys(),
      x: (t) => LEFT + (t - origin) / this.msPerPx,
      y: (n) => this.y(n),
      laneTop: (n) => AXIS_PX + (this.rowOf.get(n) ?? 0) * slot,
      opRow: (node, s, rows) => this.#opRow(node, s, rows),
    };
  }

  /**
   * Where stack row `slot` of a proposer's operations is: { y, h, rows }. Rows share the lane's band
   * and never overprint: each gets at least 1 px; `y` is null for a row beyond what the band holds.
   */
  #opRow(node, slot, rows) {
    const top = AXIS_PX + (this.rowOf.get(node) ?? 0) * this.slot + 2;
    const bottom = Math.floor(this.y(node) - 3); // whole pixels: thin rows touch, never overlap
    const band = Math.max(0, bottom - top);
    const fit = Math.max(1, Math.min(rows, Math.floor(band)));
    const pitch = Math.max(1, Math.min(13, Math.floor(band / fit)));
    const h = pitch >= 3 ? pitch - 1 : pitch;
    if (slot >= fit) return { y: null, h, rows: fit };
    return { y: bottom - (slot + 1) * pitch, h, rows: fit };
  }

  /** Arrivals (delivered or lost messages) that cross the window [t0, t1], with `duplicated` marked. */
  #arrivals(events, t0, t1) {
    const out = [];
    const dup = new Set();
    for (const e of events) {
      if (e.kind === "duplicate") dup.add(e.msg);
      if ((e.kind !== "deliver" && e.kind !== "drop") || e.at < t0 || e.sentAt > t1) continue;
      if (!this.rowOf.has(e.from) || !this.rowOf.has(e.to)) continue;
      out.push({ msg: e.msg, from: e.from, to: e.to, sentAt: e.sentAt, at: e.at, message: e.message, drop: e.kind === "drop" ? e.reason : null, duplicated: dup.has(e.msg) || this.sends.get(e.msg)?.duplicated === true, parts: e.parts ?? null });
    }
    return out;
  }

  // ---- selection and details ----

  /** A click (or tap) at container coordinates (x, y). */
  clickAt(x, y) {
    const hit = hitTest(this.hits, x + this.shift, y); // hit targets are in the drawing's coordinates
    if (!hit) return this.#closeDetails();
    this.#select(hit.kind === "msg" ? { kind: "msg", msg: hit.a.msg, at: hit.a.at, a: hit.a } : hit, false);
  }

  /** Opens the message nearest the middle of the view, or with none drawn (the dense view) the
   * first node (keyboard: Enter). */
  openNearest() {
    const msgs = this.hits.filter((h) => h.kind === "msg");
    if (!msgs.length) {
      const lanes = this.rows ?? this.nodes;
      if (lanes.length) this.#select({ kind: "node", node: lanes[0] }, true);
      return;
    }
    const mid = (LEFT + this.w) / 2 + this.shift;
    const best = msgs.reduce((p, q) => (Math.abs((q.x1 + q.x2) / 2 - mid) < Math.abs((p.x1 + p.x2) / 2 - mid) ? q : p));
    this.#select({ kind: "msg", msg: best.a.msg, at: best.a.at, a: best.a }, true);
  }

  #select(sel, focus) {
    this.selected = sel;
    if (sel.kind === "msg") this.details.message(sel.a, { focus });
    else if (sel.kind === "op") this.details.op(this.op(sel.id), { focus });
    else this.details.node(sel.node, this.#nodeInfo(sel.node), { focus });
    if (sel.kind === "op") sel.fate = opFate(this.op(sel.id));
    this.#markSelected();
  }

  /** The open details of a message or an operation follow its fate: a message in flight that
   * arrived (or was lost), an operation that returned (outside tester 19: the panel kept "in
   * flight" as the view played on). A message is found among the arrows drawn. The focused
   * button inside the panel stays focused. */
  #refreshDetails() {
    const sel = this.selected;
    if (!sel || !this.details.open || sel.kind === "node") return;
    const focused = this.details.el.contains(document.activeElement) ? document.activeElement : null;
    const which = focused && ["data-step", "data-node", "data-close"].map((n) => [n, focused.getAttribute(n)]).find(([, v]) => v !== null);
    if (sel.kind === "msg") {
      if (sel.at !== undefined) return; // arrived or lost: its details no longer change
      const hit = this.hits.find((h) => h.kind === "msg" && h.a.msg === sel.msg && h.a.at !== undefined);
      if (!hit) return;
      Object.assign(sel, { at: hit.a.at, a: hit.a });
      this.details.message(hit.a, { focus: false });
    } else {
      const op = this.op(sel.id);
      if (!op || opFate(op) === sel.fate) return;
      sel.fate = opFate(op);
      this.details.op(op, { focus: false });
    }
    if (which) this.details.el.querySelector(`[${which[0]}="${CSS.escape(which[1])}"]`)?.focus();
  }

  /** Marks the selection in the drawing as it is (a click paints at once, without a redraw);
   * the next render draws it the same way. */
  #markSelected() {
    const mark = (el, on) => {
      el.classList.toggle("selected", on);
      for (const layer of Object.values(this.layers)) layer.changed(el); // its markup no longer shows it: the next render draws it anew
    };
    for (const el of this.svg.querySelectorAll(".selected")) mark(el, false);
    const sel = this.selected;
    if (!sel) return;
    const query = sel.kind === "msg" ? `line.msg[data-msg="${sel.msg}"]` : sel.kind === "op" ? `rect.op[data-op="${sel.id}"]` : `text.lane-label[data-node="${CSS.escape(sel.node)}"]`;
    for (const el of this.svg.querySelectorAll(query)) mark(el, true);
  }

  /** Previous (-1) or next (+1) message in view, by send time (or node, when a node is open). */
  #walk(d, focus) {
    const sel = this.selected;
    if (sel?.kind === "node") {
      const lanes = this.rows ?? this.nodes; // the lanes in view
      const i = lanes.indexOf(sel.node);
      this.#select({ kind: "node", node: lanes[(i + d + lanes.length) % lanes.length] }, focus);
      if (focus) this.details.el.querySelector(`[data-step="${d}"]`)?.focus();
      return;
    }
    const msgs = this.hits.filter((h) => h.kind === "msg").sort((p, q) => p.a.sentAt - q.a.sentAt || p.a.msg - q.a.msg);
    if (!msgs.length) return;
    const i = sel?.kind === "msg" ? msgs.findIndex((h) => h.a.msg === sel.msg && h.a.at === sel.at) : -1;
    const next = msgs[i < 0 ? 0 : (i + d + msgs.length) % msgs.length];
    this.#select({ kind: "msg", msg: next.a.msg, at: next.a.at, a: next.a }, focus);
    if (focus) this.details.el.querySelector(`[data-step="${d}"]`)?.focus();
  }

  #closeDetails() {
    const had = this.details.open;
    this.details.hide();
    this.selected = null;
    if (had && this.container.contains(this.container.getRootNode().activeElement)) this.container.focus(); // (in a shadow root too)
    this.#markSelected();
  }

  #redraw() {
    if (this.lastNow !== undefined) this.render(this.lastNow);
  }

  #nodeInfo(node) {
    const s = this.store;
    const lane = s.laneOf.get(node);
    const down = s.down.some((d) => d.node === node && d.end === null);
    const info = { role: node.startsWith("a") ? "acceptor: stores one register per key" : "proposer: runs client operations", up: !down, totals: s.totals()[lane] };
    if (node.startsWith("a")) info.registers = s.seenBy.get(node) ?? new Map();
    else {
      let done = 0;
      let pending = 0;
      for (let i = 0; i < s.opCount; i++) {
        if (s.opLane.data[i] !== lane) continue;
        if (Number.isNaN(s.opEnd.data[i])) pending += 1;
        else done += 1;
      }
      info.ops = { done, pending };
    }
    return info;
  }

  /** Keys on the focused timeline: Enter details, [ ] walk messages, Escape closes, + − zoom, ← pans. */
  key(e) {
    const k = e.key;
    if (k === "Enter") this.openNearest();
    else if (k === "]" || k === "[") this.#walk(k === "]" ? 1 : -1, false);
    else if (k === "Escape") this.#closeDetails();
    else if (k === "+" || k === "=") this.zoom(0.8);
    else if (k === "-") this.zoom(1.25);
    else if (k === "ArrowLeft") this.pan(-60);
    else return false;
    this.onUserMove();
    return true;
  }
}

/** A frame's keys for keyed items (timeline-retain.js): `key(base)` is `base` the first time, then
 * `base` and a count (a message delivered twice is two arrows). */
function uniqueKeys() {
  const seen = new Map();
  return (base) => {
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n ? `${base}#${n}` : base;
  };
}

/** What an operation's details say of how it ended (they change only when this does). */
function opFate(op) {
  return op ? `${op.end}|${op.outcome}` : "";
}
