// Membership changes on the timeline (paper §2.3): each step of a change (turn on, accept quorum
// change, catch-up rescan, prepare quorum change, turn off) is a band across the acceptor lanes
// from the step's start event to its done event — the virtual time proposers ran in that step —
// named and, for the rescan, with its progress. A finished step begins the next in the same
// instant, so bands touch. A step with nothing to wait for (turn on, turn off, a quorum change with
// no operation in flight) is done in the instant it begins: a thin line, its tooltip says so.
// Names sit on a white halo in rows at the top of the acceptor lanes, above the message arrows. An acceptor's
// lane shows while it is a member somewhere in the view: a lane appears when its acceptor is
// turned on and disappears once its turn off has scrolled out of view.

import { esc } from "./timeline-labels.js";

/** Steps kept for drawing (the newest); older ones fall off, so memory stays bounded. */
export const STEPS_KEPT = 2048;
const LABEL_PX = 10;
const LABEL_GAP_PX = 4; // the space kept on each side of a name, so two names in one row never touch
const LABEL_ROWS = 3; // steps close together (instants) stack their names in rows
const MIN_BAND_PX = 3; // a step that starts and ends in one instant is still a visible line

/** What the timeline knows of membership changes: the steps, and each acceptor's time on the network. */
export class MembershipMarks {
  constructor() {
    this.steps = []; // { acceptor, step, start, end (null while running), progress }
    this.joined = new Map(); // acceptor -> when it was turned on (acceptors the run starts with: absent, 0)
    this.left = new Map(); // acceptor -> when it was turned off for good
    this.kind = new Map(); // acceptor -> "adding" | "removing": its change (ids are never reused)
    this.finished = new Set(); // acceptors whose last change is done
  }

  /** A `membership` event: `{ at, acceptor, step, progress? }`. A step logs an event when it starts
   * and one when it ends; `done` (the change finished) and `stopped` (it gave up: Unavailable) end it.
   * A proposer's change (`{ proposer, step }`, §2.3.4) takes no time: it only starts or ends a lane. */
  record(e) {
    if (e.proposer) return this.#lifetime(e.proposer, e);
    const open = this.steps.findLast((s) => s.end === null && s.acceptor === e.acceptor);
    if (open && (open.step === e.step || e.step === "stopped")) {
      open.end = e.at;
      if (e.progress) open.progress = e.progress;
      if (e.step === "stopped") open.stopped = true;
    } else if (e.step !== "done" && e.step !== "stopped") {
      // An addition starts by turning its acceptor on; a removal with the prepare quorum change.
      if (e.step === "turn on") this.kind.set(e.acceptor, "adding");
      else if (!this.kind.has(e.acceptor) || this.finished.has(e.acceptor)) this.kind.set(e.acceptor, "removing");
      this.finished.delete(e.acceptor);
      this.steps.push({ acceptor: e.acceptor, step: e.step, start: e.at, end: null, progress: e.progress ?? null });
      if (this.steps.length > STEPS_KEPT * 1.25) this.steps.splice(0, this.steps.length - STEPS_KEPT);
    }
    if (e.step === "done") this.finished.add(e.acceptor);
    this.#lifetime(e.acceptor, e);
  }

  #lifetime(node, e) {
    if (e.step === "turn on" && !this.joined.has(node)) this.joined.set(node, e.at);
    if (e.step === "turn off") this.left.set(node, e.at);
  }

  /** Whether `node`'s lane belongs in a view of [t0, t1]: while it is a member somewhere in it. */
  shows(node, t0, t1) {
    return (this.joined.get(node) ?? 0) <= t1 && (this.left.get(node) ?? Infinity) >= t0;
  }

  /** The step running now, if any. */
  get running() {
    const last = this.steps.at(-1);
    return last && last.end === null ? last : null;
  }
}

/** Lane order: proposers, then acceptors by number (an added acceptor sits below the others). */
export function laneOrder(a, b) {
  const role = (n) => (n.startsWith("p") ? 0 : 1);
  return role(a) - role(b) || Number(a.slice(1)) - Number(b.slice(1));
}

/** The bands of the steps in view into `out`, their names into `labels` (drawn last, on top of
 * the messages); `live` is the running rescan's `{ done, keys }` (membership().progress). */
export function drawMembership(f, out, live, labels = out) {
  const acceptors = f.rows.filter((n) => n.startsWith("a"));
  if (!acceptors.length) return;
  const top = f.laneTop(acceptors[0]) + 1;
  const bottom = f.laneTop(acceptors.at(-1)) + f.slot - 1;
  const names = []; // steps that took time are named first: instants beside them yield their row
  for (const s of f.store.marks.steps) {
    const end = s.end ?? f.now;
    if (end < f.t0 || s.start > f.t1) continue;
    const x0 = Math.max(f.left, f.x(s.start));
    const width = Math.max(MIN_BAND_PX, f.x(Math.min(end, f.t1)) - x0);
    const progress = s.end === null ? live : s.progress;
    const name = `${s.step} ${s.acceptor}${progress ? ` ${progress.done}/${progress.keys} keys` : ""}`;
    const title = `membership change of ${s.acceptor}: ${name} (${stepTime(s)})`;
    const instant = s.end === s.start && !s.stopped;
    const cls = `member-step${s.end === null ? " running" : ""}${s.stopped ? " stopped" : ""}${instant ? " instant" : ""}`;
    out.push(`<rect class="${cls}" role="img" aria-label="${esc(title)}" data-step="${esc(s.step)}" data-acceptor="${esc(s.acceptor)}" data-start="${s.start}" data-end="${s.end ?? ""}" x="${x0}" y="${top}" width="${width}" height="${bottom - top}"><title>${esc(title)}</title></rect>`);
    names.push({ x0, name, instant });
  }
  for (const n of [...names.filter((n) => !n.instant), ...names.filter((n) => n.instant)]) placeLabel(f, labels, n.x0, top, n.name);
}

/** When a step ran, as its tooltip says. */
function stepTime(s) {
  if (s.end === null) return `since ${s.start} ms, running`;
  if (s.stopped) return `${s.start}–${s.end} ms, stopped (Unavailable)`;
  if (s.end === s.start) return `begun and done at ${s.start} ms: nothing to wait for`;
  return `${s.start}–${s.end} ms`;
}

/** A step's name at its band's start (or ending at the right edge), in the first row free of other labels (else none: the
 * band's tooltip still names it; a label lets the pointer through to its band's tooltip). */
function placeLabel(f, labels, x0, top, name) {
  const w = f.meters.op.width(name); // the labels' font: 10px system-ui
  const lx = Math.min(x0 + 2, f.w - w - 2); // a step near the right edge: its name ends at the edge
  if (lx < f.left) return;
  for (let row = 0; row < LABEL_ROWS; row++) {
    const ly = top + LABEL_PX + row * (LABEL_PX + 2);
    if (ly + 3 > f.h) return;
    if (f.placer.take({ x0: lx - LABEL_GAP_PX, y0: ly - LABEL_PX, x1: lx + w + LABEL_GAP_PX, y1: ly + 3 })) {
      labels.push(`<text class="member-label" x="${lx}" y="${ly}">${esc(name)}</text>`);
      return;
    }
  }
}
