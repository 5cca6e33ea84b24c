// The detailed view: one SVG element per message, operation and ballot change, with labels that
// never overlap (each label is placed on its own arrow or not at all). Also the parts both views
// share: the axis, lanes, fault bands and lane labels. Everything is appended to `out`: markup
// strings, and keyed items (`Keyed`, timeline-retain.js) for what moves while following (arrows,
// operations and their labels), kept from frame to frame by the message or operation they show.

import { esc, ballotText, messageLabel } from "./timeline-labels.js";
import { envelopeLabel } from "./timeline-envelope.js";
import { Keyed } from "./timeline-retain.js";

export const PROPOSER_COLORS = ["#2f6fdb", "#d2691e", "#2e9e6a", "#8e44ad", "#c0392b", "#16a2b8", "#7f8c8d", "#b8860b", "#e84393"];
export const colorOf = (proposer) => PROPOSER_COLORS[(parseInt(String(proposer).slice(1), 10) - 1) % PROPOSER_COLORS.length] || "#555";
export const laneColor = (node) => (node.startsWith("p") ? colorOf(node) : "#1d2430");

const MSG_FONT_PX = 10;
const LABEL_FRACTIONS = [0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78]; // where along an arrow a label may sit
const LABEL_MIN_ARROW_PX = 40; // shorter arrows carry no label
const TYPE_PRIORITY = { conflict: 0, promise: 1, accept: 2, prepare: 3, accepted: 4 };
const HIT_SLOP_PX = 12; // a click this close to an arrow hits it: 24 px wide targets

/** A text's box, as the placer and the page test see it (baseline y, font size px). */
export function textBox(x, y, width, size) {
  return { x0: x - 1, y0: y - size, x1: x + width + 1, y1: y + size * 0.32 };
}

/** Axis: ticks at a round step whose labels never collide. */
export function drawAxis(f, out) {
  const span = f.t1 - f.t0;
  const steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 60000, 120000, 300000, 600000, 1200000, 3000000, 6000000];
  const fmt = (t) => (span >= 5000 ? `${+(t / 1000).toFixed(3)} s` : `${t} ms`);
  const minGap = f.meters.axis.width(fmt(Math.round(f.t1))) + 14;
  const step = steps.find((s) => s / f.msPerPx >= minGap) ?? steps.at(-1);
  for (let t = Math.ceil(f.t0 / step) * step; t <= f.t1; t += step) {
    const x = f.x(t);
    if (x < f.left) continue;
    const label = fmt(t);
    const w = f.meters.axis.width(label);
    const lx = Math.min(x + 2, f.w - w - 2);
    out.push(`<line class="axis" x1="${x}" x2="${x}" y1="${f.top - 6}" y2="${f.h}"/>`);
    if (f.placer.take(textBox(lx, f.top - 9, w, 10))) out.push(`<text class="axis" x="${lx}" y="${f.top - 9}">${label}</text>`);
  }
}

/** Partition and crash bands, wipe marks, garbage collection steps. */
export function drawFaults(f, out) {
  const s = f.store;
  const band = (node) => [f.laneTop(node) + 1, f.slot - 2];
  for (const p of s.partitions) {
    const end = p.end ?? f.now;
    if (end < f.t0 || p.start > f.t1) continue;
    for (const n of p.nodes) {
      if (!f.shows(n)) continue;
      const [y, h] = band(n);
      out.push(`<rect class="part" x="${f.x(p.start)}" y="${y}" width="${Math.max(1, (end - p.start) / f.msPerPx)}" height="${h}"/>`);
    }
  }
  for (const d of s.down) {
    const end = d.end ?? f.now;
    if (end < f.t0 || d.start > f.t1 || !f.shows(d.node)) continue;
    const [y, h] = band(d.node);
    out.push(`<rect class="down" x="${f.x(d.start)}" y="${y}" width="${Math.max(1, (end - d.start) / f.msPerPx)}" height="${h}"><title>${esc(d.node)} down</title></rect>`);
  }
  for (const wp of s.wipes) {
    if (wp.at < f.t0 || wp.at > f.t1 || !f.shows(wp.node)) continue;
    const [y, h] = band(wp.node);
    out.push(`<rect class="wipe" x="${f.x(wp.at) - 1.5}" y="${y}" width="3" height="${h}"><title>${esc(wp.node)} wiped</title></rect>`);
  }
  for (const g of s.collections) {
    if (g.at < f.t0 || g.at > f.t1 || !f.shows(g.node)) continue;
    const x = f.x(g.at);
    const y = f.y(g.node);
    out.push(`<path class="gc" data-step="${esc(g.step)}" d="M${x} ${y - 5}l4 5-4 5-4-5z"><title>${esc(g.node)} gc ${esc(g.key)}: ${esc(g.step)}</title></path>`);
  }
}

/** The lanes, in the still layer (the container's x: `f.still`, not the frame's less its `shift`,
 * which differs in the last digits from frame to frame and would make the line anew). */
export function drawLanes(f, out) {
  for (const n of f.rows) out.push(`<line class="lane" x1="${f.still.left}" x2="${f.still.w}" y1="${f.y(n)}" y2="${f.y(n)}"/>`);
}

/** Lane labels over a strip on the left, in the still layer; each is a hit target for its node's details. */
export function drawLaneLabels(f, out) {
  out.push(`<rect x="0" y="0" width="${f.still.left - 4}" height="${f.h}" fill="#fbfcfd"/>`);
  const size = f.laneFont;
  for (const n of f.rows) {
    const y = f.y(n) + size * 0.35;
    const sel = f.selected?.kind === "node" && f.selected.node === n ? " selected" : "";
    out.push(`<text class="lane-label${sel}" data-node="${esc(n)}" x="6" y="${y}" style="font-size:${size}px" fill="${laneColor(n)}">${esc(n)}</text>`);
    f.placer.take(textBox(6 + f.shift, y, f.meters.lane.width(n) * (size / 12), size));
    f.hits.push({ kind: "node", node: n, x0: f.shift, x1: f.left, y0: f.y(n) - Math.max(12, f.slot / 2), y1: f.y(n) + Math.max(12, f.slot / 2) });
  }
}

/** Client operations on their proposer's lane, concurrent ones stacked in rows. */
export function drawOps(f, out) {
  const s = f.store;
  const visible = [];
  const rowsOf = new Map(); // lane -> rows needed by the visible operations
  s.forOpsBetween(f.t0, f.t1, f.now, (id) => {
    visible.push(id);
    const lane = s.opLane.data[id];
    rowsOf.set(lane, Math.max(rowsOf.get(lane) ?? 1, s.opSlot.data[id] + 1));
  });
  visible.reverse();
  const hidden = new Map(); // node -> operations whose stack row the lane cannot hold
  for (const id of visible) {
    const lane = s.opLane.data[id];
    const node = s.nodes[lane];
    const { y, h, rows } = f.opRow(node, s.opSlot.data[id], rowsOf.get(lane));
    if (y === null) {
      // Counted from the columns alone: thousands queue behind their keys in a long run.
      hidden.set(node, (hidden.get(node) ?? 0) + 1);
      continue;
    }
    const op = s.op(id);
    const end = op.end ?? f.now;
    // From the plot's left edge at most: one that began before the window does not cover the
    // lane labels' gutter.
    const clipped = f.x(op.start) < f.left;
    const x0 = clipped ? f.left : f.x(op.start);
    // An ended operation stops 1 px short of its end: the next one in its row may start there.
    // A short one is widened to 2 px so it shows, but not one cut by the left edge: widened, it
    // would cover the start of the next operation in its row; with nothing left in view it is
    // not drawn.
    const inView = f.x(end) - x0 - (op.end != null ? 1 : 0);
    if (clipped && inView <= 0) continue;
    const wd = clipped ? inView : Math.max(2, inView);
    const cls = op.outcome ?? "pending";
    const sel = f.selected?.kind === "op" && f.selected.id === id ? " selected" : "";
    out.push(new Keyed(`o${id}`, "rect", ["class", `op ${cls}${sel}`, "data-op", id, "x", x0, "y", y, "width", wd, "height", h, "rx", Math.min(3, h / 3)]));
    f.hits.push({ kind: "op", id, x0, x1: x0 + wd, y0: y + h / 2 - Math.max(h, 24) / 2, y1: y + h / 2 + Math.max(h, 24) / 2 });
    if (h < 9 || rows === 0) continue;
    const label = `${op.name} ${op.key.slice(0, 24)}${op.outcome ? " · " + op.outcome : ""}`;
    const lx = x0 + 3;
    const lw = f.meters.op.width(label);
    const ly = y + h - 2;
    if (lx + lw <= Math.min(x0 + wd, f.w) - 2 && f.placer.take(textBox(lx, ly, lw, 10))) out.push(new Keyed(`ol${id}`, "text", ["class", "op-label", "x", lx, "y", ly], label));
  }
  for (const [node, n] of hidden) {
    const label = `+${n} more`;
    const lx = f.w - f.meters.op.width(label) - 4;
    const ly = f.laneTop(node) + 11;
    if (f.placer.take(textBox(lx, ly, f.meters.op.width(label), 10))) out.push(new Keyed(`more ${node}`, "text", ["class", "op-label op-more", "x", lx, "y", ly], label));
  }
  return visible.length;
}

/** Arrows of the messages that arrived (or were lost) in view, labels on them where they fit. */
export function drawMessages(f, out, arrivals, labelsOut) {
  const hl = f.highlight;
  const candidates = [];
  for (const a of arrivals) {
    const p = a.message.ballot.proposer;
    const color = colorOf(p);
    const x1 = f.x(a.sentAt);
    const y1 = f.y(a.from);
    const x2 = f.x(a.at);
    const y2 = f.y(a.to);
    const m = a.message;
    const lit = hl && m.key === hl.key && (a.from === hl.node || a.to === hl.node) && a.sentAt >= hl.from && a.sentAt <= hl.to;
    const sel = f.selected?.kind === "msg" && f.selected.msg === a.msg;
    const cls = (a.drop ? "msg drop" : "msg delivered") + (a.parts ? " envelope" : "") + (lit ? " highlight" : "") + (sel ? " selected" : "");
    const attrs = ["class", cls, "data-msg", a.msg];
    if (a.parts) attrs.push("data-parts", a.parts.length);
    attrs.push("x1", x1, "y1", y1, "x2", x2, "y2", y2, "stroke", color);
    if (!a.drop) attrs.push("marker-end", `url(#arr-${p})`);
    const key = f.key(`m${a.msg}`);
    out.push(new Keyed(key, "line", attrs));
    if (a.drop) out.push(`<path class="cross" d="M${x2 - 4},${y2 - 4} L${x2 + 4},${y2 + 4} M${x2 - 4},${y2 + 4} L${x2 + 4},${y2 - 4}"/>`);
    f.hits.push({ kind: "msg", a, x1, y1, x2, y2 });
    if (Math.hypot(x2 - x1, y2 - y1) >= LABEL_MIN_ARROW_PX) candidates.push({ a, key, x1, y1, x2, y2, color, sel });
  }
  // Labels: the selected message first, then by what they teach (conflicts first), then by time.
  candidates.sort((p, q) => (q.sel - p.sel) || (TYPE_PRIORITY[p.a.message.type] - TYPE_PRIORITY[q.a.message.type]) || (p.a.at - q.a.at));
  for (const c of candidates) placeMessageLabel(f, c, labelsOut);
}

function placeMessageLabel(f, { a, key, x1, y1, x2, y2, color }, out) {
  const label = a.parts ? envelopeLabel(a) : messageLabel(a.message, a.duplicated);
  const w = f.meters.msg.width(label);
  for (const frac of LABEL_FRACTIONS) {
    // The box is centred on a point of the arrow, so the label sits on it.
    const cx = x1 + (x2 - x1) * frac;
    const cy = y1 + (y2 - y1) * frac;
    const lx = cx - w / 2;
    const ly = cy + MSG_FONT_PX * 0.34;
    if (lx < f.left + 2 || lx + w > f.w - 2 || ly - MSG_FONT_PX < f.top) continue;
    if (!f.placer.take(textBox(lx, ly, w, MSG_FONT_PX))) continue;
    out.push(new Keyed(`label ${key}`, "text", ["class", "msg-label", "data-msg", a.msg, "x", lx.toFixed(1), "y", ly.toFixed(1), "fill", color], label));
    return;
  }
}

/** Messages still in flight: growing toward the receiver, assuming the worst-case latency. */
export function drawInFlight(f, out) {
  for (const [id, s] of f.store.sends) {
    if (s.sentAt > f.t1 || !f.shows(s.from) || !f.shows(s.to)) continue;
    const progress = Math.min(0.95, (f.now - s.sentAt) / Math.max(1, f.latencyMax));
    const x2 = f.x(f.now);
    const y2 = f.y(s.from) + (f.y(s.to) - f.y(s.from)) * progress;
    // A message held long (manual delivery) starts far left of the view: clip it to the view's
    // edge on its own slope, or a dashed line a million pixels long stalls the renderer.
    const sentX = f.x(s.sentAt);
    const x1 = Math.max(sentX, f.left - 2);
    const y1 = sentX === x1 ? f.y(s.from) : f.y(s.from) + (y2 - f.y(s.from)) * ((x1 - sentX) / Math.max(1e-9, x2 - sentX));
    if (x2 < f.left) continue;
    out.push(new Keyed(f.key(`m${id}`), "line", ["class", "msg inflight", "data-msg", id, "x1", x1, "y1", y1, "x2", x2, "y2", y2, "stroke", colorOf(s.proposer), "stroke-dasharray", "2 2"]));
    f.hits.push({ kind: "msg", a: inFlight(id, s), x1, y1, x2, y2 });
  }
}

/** A message in flight as its details read it; its `message` is read only when they do (one
 * ingested in columns fetches it from the source then: not a fetch per arrow and frame). */
function inFlight(msg, s) {
  return { msg, from: s.from, to: s.to, sentAt: s.sentAt, duplicated: s.duplicated, get message() { return s.message; } };
}

/** An acceptor's promised (P) and accepted (A) ballot as it changes, under its lane. */
export function drawBallotTicks(f, out, events) {
  if (f.slot < 26) return;
  for (const e of events) {
    if (e.kind !== "send" || !e.from.startsWith("a") || e.at < f.t0 || e.at > f.t1) continue;
    const m = e.message;
    if (m.type !== "promise" && m.type !== "accepted") continue;
    const text = `${m.key.slice(0, 12)} ${m.type === "promise" ? "P" : "A"}${ballotText(m.ballot)}`;
    const x = f.x(e.at) + 2;
    const y = f.y(e.from) + 11;
    const w = f.meters.tick.width(text);
    if (x + w > f.w || !f.placer.take(textBox(x, y, w, 9))) continue;
    out.push(`<text class="ballot-tick" x="${x}" y="${y}">${esc(text)}</text>`);
  }
}

/** The hit target nearest to (x, y) within reach, or null. */
export function hitTest(hits, x, y) {
  let best = null;
  let bestD = HIT_SLOP_PX;
  for (const h of hits) {
    let d;
    if (h.kind === "msg") d = segmentDistance(x, y, h.x1, h.y1, h.x2, h.y2);
    else d = x >= h.x0 && x <= h.x1 && y >= h.y0 && y <= h.y1 ? (h.kind === "op" ? 4 : 0) : Infinity;
    if (d < bestD || (d === bestD && h.kind === "node")) {
      best = h;
      bestD = d;
    }
  }
  return best;
}

function segmentDistance(px, py, x1, y1, x2, y2) {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const len = dx * dx + dy * dy;
  const t = len ? Math.max(0, Math.min(1, ((px - x1) * dx + (py - y1) * dy) / len)) : 0;
  return Math.hypot(px - (x1 + t * dx), py - (y1 + t * dy));
}
