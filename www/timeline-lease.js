// Read leases on the timeline: each lease a proposer held (a `lease` event: from when it won it
// until the end of the window it trusts, on the simulator's time line) is a band along the bottom
// of that proposer's lane, in its colour; reads answered from it are the zero-length operations
// inside it.

import { esc } from "./timeline-labels.js";
import { colorOf } from "./timeline-draw.js";

/** Leases kept for drawing (the newest); older ones fall off, so memory stays bounded. */
export const LEASES_KEPT = 4096;
const BAND_PX = 4;

/** Records a `lease` event in `leases` ({ node, key, start, end, seq }; `seq`: the event's). */
export function recordLease(leases, e, seq) {
  leases.push({ node: e.node, key: e.key, start: e.at, end: e.until, seq });
  if (leases.length > LEASES_KEPT * 1.25) leases.splice(0, leases.length - LEASES_KEPT);
}

/** The bands of the leases in view. */
export function drawLeases(f, out) {
  const s = f.store;
  for (const l of s.leases) {
    if (l.end < f.t0 || l.start > f.t1 || !f.shows(l.node)) continue;
    const y = f.laneTop(l.node) + f.slot - BAND_PX - 2;
    const x0 = Math.max(f.left, f.x(l.start));
    const width = Math.max(1, f.x(Math.min(l.end, f.t1)) - x0);
    const title = `${l.node} holds a read lease on ${l.key}: ${l.start}–${l.end} ms`;
    out.push(`<rect class="lease" data-node="${esc(l.node)}" data-key="${esc(l.key)}" data-start="${l.start}" data-end="${l.end}" x="${x0}" y="${y}" width="${width}" height="${BAND_PX}" fill="${colorOf(l.node)}"><title>${esc(title)}</title></rect>`);
  }
}
