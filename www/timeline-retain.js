// The timeline keeps its SVG elements from one render to the next (issue 9: "a long session in
// the page stays smooth"). A render still describes each element as markup, but an element whose
// markup is the same as in the render before is kept as it is: it is not parsed, styled, laid out
// or painted again. Only new markup is parsed (in one batch), only elements no longer drawn are
// removed, and kept ones move only if their order changed (when most of it is new, all of it is
// parsed at once, as before). Invariant: each element shows exactly
// its markup — one changed in place (a click marking the selection) is `changed()` and drawn anew.

const SVG_NS = "http://www.w3.org/2000/svg";
const BULK_SHARE = 0.75; // more new elements than this share of the drawing: parse it all at once

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
  }

  /** `el` (a child) was changed in place: the next update draws it from its markup again. */
  changed(el) {
    this.dirty.add(el);
  }

  /** Makes the group's children the elements `markup` describes, in its order; each string is
   * exactly one complete element. */
  update(markup) {
    const nodes = new Array(markup.length);
    const fresh = []; // indexes of the markup that no kept element shows
    for (let i = 0; i < markup.length; i++) {
      const el = this.#take(markup[i]);
      if (el) nodes[i] = el;
      else fresh.push(i);
    }
    this.dirty.clear();
    if (fresh.length > markup.length * BULK_SHARE) return this.#replaceAll(markup);
    for (const els of this.byMarkup.values()) for (const el of els) el.remove();
    if (fresh.length) {
      this.scratch.innerHTML = fresh.map((i) => markup[i]).join("");
      const made = [...this.scratch.children];
      if (made.length !== fresh.length) throw new Error(`timeline: ${fresh.length} drawn items made ${made.length} elements (an item must be one complete element)`);
      fresh.forEach((i, k) => { nodes[i] = made[k]; });
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

  /** Most of the drawing is new (a zoom, a jump, the first render): one parse of it all is
   * cheaper than inserting each element. */
  #replaceAll(markup) {
    this.group.innerHTML = markup.join("");
    const nodes = [...this.group.children];
    if (nodes.length !== markup.length) throw new Error(`timeline: ${markup.length} drawn items made ${nodes.length} elements (an item must be one complete element)`);
    this.#index(markup, nodes);
    this.created += markup.length;
  }

  #index(markup, nodes) {
    const kept = new Map();
    nodes.forEach((el, i) => {
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
