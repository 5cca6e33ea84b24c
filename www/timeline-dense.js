// The dense view, for windows with too many messages to draw one by one: per lane and pixel
// column, a heat strip of the messages it sent and received (log scale), red where messages were
// lost, and the client operations per proposer as a strip of outcomes. Drawn on one canvas, so
// its cost depends on the window's size in pixels, not on the number of events.

import { laneColor, textBox } from "./timeline-draw.js";
import { esc } from "./timeline-labels.js";

const OUTCOME_COLORS = ["#2f6fdb", "#1f8a4c", "#c62f3b", "#b7791f"]; // pending, ok, failed, unknown

/** Draws the aggregate into `canvas` (sized to the container); returns messages represented.
 * Only the pixel columns whose counts changed since the last draw are drawn again (playing, a
 * view that does not move changes a few columns a frame); the canvas then holds exactly what a
 * whole redraw would (each column's pixels come from that column's draws alone). */
export function drawDense(f, canvas) {
  if (f.shift) throw new Error("timeline: the dense view draws in the container's coordinates (shift 0)");
  const dpr = window.devicePixelRatio || 1;
  const cw = Math.round(f.w * dpr);
  const ch = Math.round(f.h * dpr);
  if (canvas.width !== cw || canvas.height !== ch) {
    canvas.width = cw;
    canvas.height = ch;
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const columns = Math.max(1, Math.floor(f.w - f.left));
  const d = f.store.density(f.t0, f.msPerPx, columns);
  const worst = f.store.opOutcomes(f.t0, f.msPerPx, columns);
  const lanes = f.store.nodes.map((node, lane) => ({ node, lane, y: f.shows(node) ? f.y(node) : null }));
  const key = [cw, ch, f.t0, f.msPerPx, f.slot, d.max, ...lanes.map((l) => l.y)].join();
  const last = DRAWN.get(canvas);
  const cols = last?.key === key ? changedColumns(last, d, worst, columns) : null;
  DRAWN.set(canvas, { key, traffic: d.traffic, lost: d.lost, worst, redrawn: cols ? cols.length : columns, columns });
  if (cols) for (const c of cols) ctx.clearRect(f.left + c, 0, 1, f.h);
  else ctx.clearRect(0, 0, f.w, f.h);
  drawColumns(f, ctx, { ...d, worst, columns, lanes }, cols);
  return f.store.arrivalsBetween(f.t0, f.t1);
}

/** What each canvas shows (its frame's key and counts), to redraw only what changed; `redrawn`:
 * how many of its `columns` the last draw drew. */
const DRAWN = new WeakMap();

/** The last draw into `canvas`: { redrawn, columns } (a page test reads it). */
export const lastDenseDraw = (canvas) => DRAWN.get(canvas) ?? null;

/** Makes the next draw into `canvas` a whole one. */
export const forgetDenseDraw = (canvas) => DRAWN.delete(canvas);

/** The columns whose traffic, losses or operation outcomes differ from `last`'s (same layout). */
function changedColumns(last, d, worst, columns) {
  const out = [];
  for (let c = 0; c < columns; c++) {
    for (let i = c; i < d.traffic.length; i += columns) {
      if (d.traffic[i] !== last.traffic[i] || d.lost[i] !== last.lost[i] || worst[i] !== last.worst[i]) {
        out.push(c);
        break;
      }
    }
  }
  return out;
}

/** The heat strips, loss marks and operation bars of columns `cols` (null: all), lane by lane. */
function drawColumns(f, ctx, d, cols) {
  const each = cols ?? Array.from({ length: d.columns }, (_, c) => c);
  const strip = stripHeight(f);
  const scale = Math.log1p(Math.max(1, d.max));
  for (const { lane, node, y: lineY } of d.lanes) {
    if (lineY === null) continue;
    const y = lineY - strip / 2;
    ctx.fillStyle = laneColor(node);
    for (const c of each) {
      const v = d.traffic[lane * d.columns + c];
      if (v <= 0) continue;
      ctx.globalAlpha = 0.12 + 0.88 * (Math.log1p(v) / scale);
      ctx.fillRect(f.left + c, y, 1, strip);
    }
    ctx.globalAlpha = 1;
    ctx.fillStyle = "#c62f3b";
    for (const c of each) if (d.lost[lane * d.columns + c] > 0) ctx.fillRect(f.left + c, y - 3, 1, 3);
  }
  drawOpDensity(f, ctx, d, each);
}

/** The heat strip's height: up to 16 px, less when lanes are close. */
const stripHeight = (f) => Math.max(2, Math.min(16, f.slot * 0.4));

/** Operations per proposer lane: each column coloured by the worst outcome that started in it
 * (a bar just above the lane's heat strip). */
function drawOpDensity(f, ctx, d, each) {
  for (const { lane, node, y: lineY } of d.lanes) {
    if (!node.startsWith("p") || lineY === null) continue;
    const bar = Math.max(2, Math.min(5, f.slot * 0.12));
    const y = lineY - stripHeight(f) / 2 - 1 - bar;
    for (const c of each) {
      const o = d.worst[lane * d.columns + c];
      if (o < 0) continue;
      ctx.fillStyle = OUTCOME_COLORS[o];
      ctx.fillRect(f.left + c, y, 1, bar);
    }
  }
}

/** SVG over the canvas: per lane, its message counts in the window; a note on what this is. */
export function drawDenseLabels(f, out, represented) {
  const s = f.store;
  const totals = s.trafficBetween(f.t0, f.t1);
  s.nodes.forEach((node, lane) => {
    if (!f.shows(node)) return;
    const text = `${totals[lane].toLocaleString("en-US")} msgs`;
    const w = f.meters.tick.width(text);
    const x = f.w - w - 4;
    const y = f.y(node) + stripHeight(f) / 2 + 9; // under the lane's strip
    if (f.slot >= 26 && f.placer.take(textBox(x, y, w, 9))) out.push(`<text class="lane-count" x="${x}" y="${y}">${text}</text>`);
  });
  const note = `${represented.toLocaleString("en-US")} messages in view: density per lane (zoom in for each message)`;
  const w = f.meters.tick.width(note);
  const x = Math.max(f.left + 4, f.w - w - 6);
  const y = f.h - 4;
  if (f.placer.take(textBox(x, y, w, 9))) out.push(`<text class="dense-note" x="${x}" y="${y}">${esc(note)}</text>`);
}
