// What the timeline writes: ballots, message labels with the data the events carry, and a placer
// that puts each label where no other label is (or nowhere), measured with the font it is drawn in.

export const NO_BALLOT = "∅";
export const NO_BALLOT_MEANING = "no ballot yet";

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
/** `s` as text in markup. A number, or a text with nothing to escape (nearly every one the
 * timeline writes: a seek draws a few thousand), is returned as it is. */
export const esc = (s) => {
  if (typeof s === "number") return s;
  const text = String(s);
  return /[&<>"']/.test(text) ? text.replace(/[&<>"']/g, (c) => ESCAPES[c]) : text;
};

/** `3.p1`; a missing (or zero) ballot is ∅. */
export const ballotText = (b) => (b && b.counter > 0 ? `${b.counter}.${b.proposer}` : NO_BALLOT);

/** A value, short: JSON, cut at `max` characters. */
export function valueText(v, max = 12) {
  const s = v === undefined ? "undefined" : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** The label drawn on a message's arrow: its type, ballot and what it carries. */
export function messageLabel(m, duplicated = false) {
  const b = ballotText(m.ballot);
  let text;
  switch (m.type) {
    case "promise":
      text = `promise ${b} (${m.accepted ? `${ballotText(m.accepted.ballot)}=${valueText(m.accepted.value)}` : NO_BALLOT})`;
      break;
    case "accept":
      text = `accept ${b} =${valueText(m.value)}${m.nextPromise ? ` next ${ballotText(m.nextPromise)}` : ""}`;
      break;
    case "conflict":
      text = `conflict ${b} by ${ballotText(m.blocking)}`;
      break;
    default:
      text = `${m.type} ${b}`;
  }
  return duplicated ? `${text} ×2` : text;
}

/** Lines of a message's details: [term, description]. */
export function messageDetails(a) {
  const m = a.message;
  const rows = [
    ["message", `${m.type} for key ${JSON.stringify(m.key)}`],
    ["ballot", `${ballotText(m.ballot)}${m.ballot?.counter > 0 ? ` (counter ${m.ballot.counter} of proposer ${m.ballot.proposer})` : ` (${NO_BALLOT_MEANING})`}`],
    ["route", `${a.from} → ${a.to}`],
    ["sent", `${a.sentAt} ms`],
  ];
  if (a.at === undefined) rows.push(["arrives", "in flight"]);
  else if (a.drop) rows.push(["lost", `at ${a.at} ms (${a.drop})`]);
  else rows.push(["delivered", `${a.at} ms (after ${a.at - a.sentAt} ms)`]);
  if (a.duplicated) rows.push(["duplicated", "the network delivers it twice"]);
  if (m.type === "promise") {
    rows.push(["accepted", m.accepted ? `${ballotText(m.accepted.ballot)}: ${valueText(m.accepted.value, 60)} (version ${m.accepted.version})` : `${NO_BALLOT} nothing accepted yet`]);
  }
  if (m.type === "accept") {
    rows.push(["value", `${valueText(m.value, 60)} (version ${m.version})`]);
    rows.push(["next promise", m.nextPromise ? `${ballotText(m.nextPromise)} (piggybacked prepare for the next change)` : "none"]);
  }
  if (m.type === "conflict") rows.push(["blocked by", `${ballotText(m.blocking)}: the acceptor has seen this greater ballot`]);
  return rows;
}

/** Characters whose advance in a monospace font is the same alone as inside a string (no
 * combining marks, no surrogate halves, no ligatures): a string of only these measures as the sum
 * of its characters' widths. */
const SPACED_ONE_BY_ONE = /^[\u0020-\u007e\u00a0-\u02ff∅…×→·]*$/;
const MEMO_MAX = 4000; // strings measured whole, kept

/**
 * Text widths of one font. A string is measured once (a bounded memo) and the canvas's font is
 * set once: setting it parses the font again. In a monospace font (`monospace`) a string of
 * ordinary characters is the sum of its characters' widths, each measured once: a message
 * label's ballot and value are new in almost every frame while following, and measuring each
 * whole was a follow frame's largest share of the timeline's JS at a million events.
 */
export class TextMeter {
  constructor(font, { monospace = false } = {}) {
    this.font = font;
    this.monospace = monospace;
    this.memo = new Map();
    this.chars = new Map(); // character -> width (monospace only)
    this.ctx = document.createElement("canvas").getContext("2d");
    this.ctx.font = font;
  }

  width(text) {
    let w = this.memo.get(text);
    if (w !== undefined) return w;
    w = this.monospace && SPACED_ONE_BY_ONE.test(text) ? this.#sumOfChars(text) : this.ctx.measureText(text).width;
    if (this.memo.size >= MEMO_MAX) this.memo.clear();
    this.memo.set(text, w);
    return w;
  }

  #sumOfChars(text) {
    let w = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      let cw = this.chars.get(ch);
      if (cw === undefined) {
        cw = this.ctx.measureText(ch).width;
        this.chars.set(ch, cw);
      }
      w += cw;
    }
    return w;
  }
}

/**
 * Places label boxes so that none overlaps another: a box is taken only if it is free. Boxes are
 * indexed in a coarse grid, so each test looks at a few neighbours.
 */
export class LabelPlacer {
  constructor(cell = 32) {
    this.cell = cell;
    this.grid = new Map(); // cell key (a number: see #key) -> boxes that touch it
    this.boxes = [];
  }

  /** A cell's key: a number, not a string (a frame places hundreds of boxes). Cells that share a
   * key (far apart) only add boxes to compare: the overlap test is on the boxes themselves. */
  #key(gx, gy) {
    return gx * 4096 + gy;
  }

  free(b) {
    const c = this.cell;
    for (let gx = Math.floor(b.x0 / c); gx <= Math.floor(b.x1 / c); gx++) {
      for (let gy = Math.floor(b.y0 / c); gy <= Math.floor(b.y1 / c); gy++) {
        const list = this.grid.get(this.#key(gx, gy));
        if (!list) continue;
        for (const o of list) if (o.x0 < b.x1 && b.x0 < o.x1 && o.y0 < b.y1 && b.y0 < o.y1) return false;
      }
    }
    return true;
  }

  /** Takes `b` ({ x0, y0, x1, y1 }) if it is free; returns whether it did. */
  take(b) {
    if (!this.free(b)) return false;
    const c = this.cell;
    for (let gx = Math.floor(b.x0 / c); gx <= Math.floor(b.x1 / c); gx++) {
      for (let gy = Math.floor(b.y0 / c); gy <= Math.floor(b.y1 / c); gy++) {
        const k = this.#key(gx, gy);
        const list = this.grid.get(k);
        if (list) list.push(b);
        else this.grid.set(k, [b]);
      }
    }
    this.boxes.push(b);
    return true;
  }
}
