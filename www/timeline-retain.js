// The timeline keeps its SVG elements from one render to the next (issue 9: "a long session in
// the page stays smooth"). A render still describes each element as markup, but an element whose
// markup is the same as in the render before is kept as it is: it is not parsed, styled, laid out
// or painted again. Only new markup is parsed (in one batch), only elements no longer drawn are
// removed, and kept ones move only if their order changed. Invariant: each element shows exactly
// its markup — one changed in place (a click marking the selection) is `changed()` and drawn anew.

const SVG_NS = "http://www.w3.org/2000/svg";

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
    for (const els of this.byMarkup.values()) for (const el of els) el.remove();
    this.dirty.clear();
    if (fresh.length) {
      this.scratch.innerHTML = fresh.map((i) => markup[i]).join("");
      const made = [...this.scratch.children];
      if (made.length !== fresh.length) throw new Error(`timeline: ${fresh.length} drawn items made ${made.length} elements (an item must be one complete element)`);
      fresh.forEach((i, k) => { nodes[i] = made[k]; });
    }
    const kept = new Map();
    let cursor = this.group.firstChild;
    for (let i = 0; i < nodes.length; i++) {
      const el = nodes[i];
      if (el === cursor) cursor = cursor.nextSibling;
      else this.group.insertBefore(el, cursor);
      const same = kept.get(markup[i]);
      if (same) same.push(el);
      else kept.set(markup[i], [el]);
    }
    this.byMarkup = kept;
    this.created += fresh.length;
    this.reused += markup.length - fresh.length;
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
