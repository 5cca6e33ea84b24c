// The timeline keeps its SVG elements from one render to the next (issue 9: "a long session in
// the page stays smooth"). A render still describes each element as markup, but an element whose
// markup is the same as in the render before is kept as it is: it is not parsed, styled, laid out
// or painted again. Only new markup is parsed (in one batch), only elements no longer drawn are
// removed, and kept ones move only if their order changed (when most of it is new, all of it is
// parsed at once, as before). Invariant: each element shows exactly
// its markup — one changed in place (a click marking the selection) is `changed()` and drawn anew.
//
// What moves from frame to frame while following (an arrow in flight grows, a pending operation
// widens, a message arrives, a label is placed elsewhere, the now line) is drawn as a keyed item
// instead (`Keyed`): the element of the same key in the render before is kept and only its
// attributes that differ are set (a keyed pool: no markup to parse, no element made anew). A key
// not drawn before is parsed from its markup with the other new items, in one batch (made by
// `createElementNS` and an attribute call each, a new arrow cost more than parsed).

import { esc } from "./timeline-labels.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const BULK_SHARE = 0.75; // more new elements than this share of the drawing: parse it all at once

/** An item drawn by key: the element `tag` with `attrs` (`[name, value, name, value, …]`, in the
 * order markup would write them) and `text` (its text content, or null), or `title` (a <title>
 * child's text, for an element that holds no text). The key names what it shows (a message, an
 * operation), unique within its group's update. */
export class Keyed {
  constructor(key, tag, attrs, text = null, title = null) {
    this.key = key;
    this.tag = tag;
    this.attrs = attrs;
    this.text = text;
    this.title = title;
  }
}

/** A group of the timeline's SVG whose children are redrawn from markup, reusing elements. */
export class RetainedGroup {
  /** @param {SVGGElement} group */
  constructor(group) {
    this.group = group;
    this.byMarkup = new Map(); // markup -> [its elements] (two items may have the same markup)
    this.dirty = new Set(); // elements changed in place since the last update
    this.scratch = document.createElementNS(SVG_NS, "g"); // parses markup in the SVG namespace
    this.created = 0; // elements parsed, all updates together
    this.reused = 0; // elements kept from the update before, all updates together
    this.patched = 0; // kept keyed elements whose attributes or text were set, all updates together
    this.byKey = new Map(); // key -> its element (keyed items)
    this.shown = new WeakMap(); // keyed element -> the Keyed item it shows
  }

  /** `el` (a child) was changed in place: the next update draws it from its markup again. */
  changed(el) {
    this.dirty.add(el);
  }

  /** Makes the group's children the elements `markup` describes, in its order; each string is
   * exactly one complete element, each `Keyed` one element by key. */
  update(markup) {
    const nodes = new Array(markup.length);
    const fresh = []; // indexes of the markup that no kept element shows
    const keyed = new Map();
    let keptKeyed = 0;
    for (let i = 0; i < markup.length; i++) {
      const item = markup[i];
      const el = item instanceof Keyed ? this.#keyed(item, keyed) : this.#take(item);
      if (el) nodes[i] = el;
      else fresh.push(i);
      if (el && item instanceof Keyed) keptKeyed += 1;
    }
    this.dirty.clear();
    if (keptKeyed === 0 && fresh.length > markup.length * BULK_SHARE) return this.#replaceAll(markup); // (a seek, a zoom)
    for (const el of this.byKey.values()) el.remove();
    this.byKey = keyed;
    for (const els of this.byMarkup.values()) for (const el of els) el.remove();
    if (fresh.length) {
      this.scratch.innerHTML = fresh.map((i) => markupOf(markup[i])).join("");
      const parsed = [...this.scratch.children];
      if (parsed.length !== fresh.length) throw new Error(`timeline: ${fresh.length} drawn items made ${parsed.length} elements (an item must be one complete element)`);
      fresh.forEach((i, k) => {
        nodes[i] = parsed[k];
        const item = markup[i];
        if (!(item instanceof Keyed)) return;
        keyed.set(item.key, parsed[k]);
        this.shown.set(parsed[k], item);
      });
    }
    let cursor = this.group.firstChild;
    for (const el of nodes) {
      if (el === cursor) cursor = cursor.nextSibling;
      else this.group.insertBefore(el, cursor);
    }
    this.#index(markup, nodes);
    this.created += fresh.length;
    this.reused += markup.length - fresh.length;
  }

  /** The element of `item`'s key from the update before, taken out of the pool, its attributes
   * and text set where they differ (all of them in `item`'s order if their names differ, so it
   * reads as one made anew); null if there is none (it is parsed with the new markup). `keyed`:
   * this update's keys so far. */
  #keyed(item, keyed) {
    if (keyed.has(item.key)) throw new Error(`timeline: two drawn items have the key ${item.key}`);
    keyed.set(item.key, null);
    const el = this.byKey.get(item.key);
    this.byKey.delete(item.key);
    if (!el) return null;
    if (el.localName !== item.tag || this.dirty.has(el)) {
      el.remove();
      return null;
    }
    keyed.set(item.key, el);
    const was = this.shown.get(el);
    const a = item.attrs;
    const b = was.attrs;
    if (sameNames(a, b)) {
      let set = false;
      for (let i = 1; i < a.length; i += 2) {
        if (a[i] === b[i]) continue;
        el.setAttribute(a[i - 1], a[i]);
        set = true;
      }
      if (set) this.patched += 1;
    } else {
      for (let i = 0; i < b.length; i += 2) el.removeAttribute(b[i]);
      for (let i = 0; i < a.length; i += 2) el.setAttribute(a[i], a[i + 1]);
      this.patched += 1;
    }
    if (item.text !== was.text) el.textContent = item.text ?? "";
    if (item.title !== was.title) setTitle(el, item.title);
    this.shown.set(el, item);
    return el;
  }

  /** Most of the drawing is new and no keyed element is kept (a zoom, a jump, a seek, the first
   * render): one parse of it all is cheaper than inserting each element (and removing each old
   * one). */
  #replaceAll(markup) {
    this.group.innerHTML = markup.map(markupOf).join("");
    const nodes = [...this.group.children];
    if (nodes.length !== markup.length) throw new Error(`timeline: ${markup.length} drawn items made ${nodes.length} elements (an item must be one complete element)`);
    this.byKey = new Map();
    nodes.forEach((el, i) => {
      const item = markup[i];
      if (!(item instanceof Keyed)) return;
      this.byKey.set(item.key, el);
      this.shown.set(el, item);
    });
    this.#index(markup, nodes);
    this.created += markup.length;
  }

  /** The pool of markup items for the next update (keyed ones are in `byKey`). */
  #index(markup, nodes) {
    const kept = new Map();
    nodes.forEach((el, i) => {
      if (markup[i] instanceof Keyed) return;
      const same = kept.get(markup[i]);
      if (same) same.push(el);
      else kept.set(markup[i], [el]);
    });
    this.byMarkup = kept;
  }

  /** A kept element showing `markup`, taken out of the pool; a changed one is dropped. */
  #take(markup) {
    const els = this.byMarkup.get(markup);
    for (let el = els?.pop(); el; el = els.pop()) {
      if (!this.dirty.has(el)) return el;
      el.remove();
    }
    return null;
  }
}

/** A drawn item's markup: a string is its own; a `Keyed` item's is written from its parts. */
function markupOf(item) {
  if (!(item instanceof Keyed)) return item;
  let out = `<${item.tag}`;
  for (let i = 0; i < item.attrs.length; i += 2) out += ` ${item.attrs[i]}="${esc(item.attrs[i + 1])}"`;
  const title = item.title === null ? "" : `<title>${esc(item.title)}</title>`;
  return `${out}>${item.text === null ? "" : esc(item.text)}${title}</${item.tag}>`;
}

/** Whether two attribute lists (`[name, value, …]`) name the same attributes in the same order. */
function sameNames(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 2) if (a[i] !== b[i]) return false;
  return true;
}

/** Sets `el`'s <title> child to `text` (none for null). */
function setTitle(el, text) {
  let title = el.firstElementChild;
  if (text === null) return title?.remove();
  if (!title) title = el.appendChild(document.createElementNS(SVG_NS, "title"));
  title.textContent = text;
}
