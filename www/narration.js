// Moments: the events of a run worth a sentence (a scenario's `moments`, a tutorial step's). The
// page shows each as a caption when its event happens; the tutorial pauses on it. A moment waits
// on a simulation event (a pattern, see claims.js `matches`), never on a timer.
import { matches } from "./claims.js";

export class Moments {
  /** @param {{ on: object, say: string, after?: number, ifReader?: boolean }[]} moments
   * @param {{ inOrder?: boolean }} options — in order: moment i+1 is only looked for after moment
   * i happened (the tutorial's pacing). `ifReader`: a moment only a reader's own choices lead to
   * (a scenario they steer); the scripted run need not reach it. */
  constructor(moments = [], { inOrder = false } = {}) {
    this.moments = moments;
    this.inOrder = inOrder;
    this.seen = new Set(); // indexes of the moments that happened
    this.seenOn = new Map(); // index → the event it happened on
  }

  /** The index of the next moment still to happen, in order (or `moments.length`). */
  get next() {
    let i = 0;
    while (this.seen.has(i)) i++;
    return i;
  }

  /** Every moment the scripted run must reach happened. */
  get done() {
    return this.moments.every((m, i) => m.ifReader || this.seen.has(i));
  }

  /** Marks the first `n` moments as passed (restoring a place in a run). */
  skip(n) {
    for (let i = 0; i < n; i++) this.seen.add(i);
  }

  /** A moment with `after: i` is only looked for once moment i happened, on a later event. */
  #ready(moment, event) {
    if (moment.after === undefined) return true;
    return this.seen.has(moment.after) && this.seenOn.get(moment.after) !== event;
  }

  /** Looks through new events; returns the moments that happened, in order, with their event.
   * `first`: stop at the first one (the caller feeds the events after it again later). */
  feed(events, { first = false } = {}) {
    const hit = [];
    for (const e of events) {
      for (let i = 0; i < this.moments.length; i++) {
        if (this.seen.has(i)) continue;
        if (this.inOrder && i !== this.next) break;
        if (!this.#ready(this.moments[i], e)) continue;
        if (matches(e, this.moments[i].on)) {
          this.seen.add(i);
          this.seenOn.set(i, e);
          hit.push({ index: i, moment: this.moments[i], event: e });
          if (first) return hit;
          if (this.inOrder) break;
        }
      }
    }
    return hit;
  }
}
