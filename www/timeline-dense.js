// The dense view, for windows with too many messages to draw one by one: per lane and pixel
// column, a heat strip of the messages it sent and received (log scale), red where messages were
// lost, and the client operations per proposer as a strip of outcomes. Drawn on one canvas, so
// its cost depends on the window's size in pixels, not on the number of events.

import { laneColor, textBox } from "./timeline-draw.js";
import { esc } from "./timeline-labels.js";

const OUTCOME_COLORS = ["#2f6fdb", "#1f8a4c", "#c62f3b", "#b7791f"]; // pending, ok, failed, unknown

/** Draws the aggregate into `canvas` (sized to the container); returns messages represented. */
export function drawDense(f, canvas) {
  const dpr = window.devicePixelRatio || 1;
  const cw = Math.round(f.w * dpr);
  const ch = Math.round(f.h * dpr);
  if (canvas.width !== cw || canvas.height !== ch) {
    canvas.width = cw;
    canvas.height = ch;
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, f.w, f.h);
  const columns = Math.max(1, Math.floor(f.w - f.left));
  const d = f.store.density(f.t0, f.msPerPx, columns);
  const strip = stripHeight(f);
  const scale = Math.log1p(Math.max(1, d.max));
  f.store.nodes.forEach((node, lane) => {
    if (!f.shows(node)) return;
    const y = f.y(node) - strip / 2;
    ctx.fillStyle = laneColor(node);
    for (let c = 0; c < columns; c++) {
      const v = d.traffic[lane * columns + c];
      if (v <= 0) continue;
      ctx.globalAlpha = 0.12 + 0.88 * (Math.log1p(v) / scale);
      ctx.fillRect(f.left + c, y, 1, strip);
    }
    ctx.globalAlpha = 1;
    ctx.fillStyle = "#c62f3b";
    for (let c = 0; c < columns; c++) if (d.lost[lane * columns + c] > 0) ctx.fillRect(f.left + c, y - 3, 1, 3);
  });
  drawOpDensity(f, ctx, columns);
  return f.store.arrivalsBetween(f.t0, f.t1);
}

/** The heat strip's height: up to 16 px, less when lanes are close. */
const stripHeight = (f) => Math.max(2, Math.min(16, f.slot * 0.4));

/** Operations per proposer lane: each column coloured by the worst outcome that started in it
 * (a bar just above the lane's heat strip). */
function drawOpDensity(f, ctx, columns) {
  const s = f.store;
  const worst = s.opOutcomes(f.t0, f.msPerPx, columns);
  s.nodes.forEach((node, lane) => {
    if (!node.startsWith("p") || !f.shows(node)) return;
    const bar = Math.max(2, Math.min(5, f.slot * 0.12));
    const y = f.y(node) - stripHeight(f) / 2 - 1 - bar;
    for (let c = 0; c < columns; c++) {
      const o = worst[lane * columns + c];
      if (o < 0) continue;
      ctx.fillStyle = OUTCOME_COLORS[o];
      ctx.fillRect(f.left + c, y, 1, bar);
    }
  });
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
