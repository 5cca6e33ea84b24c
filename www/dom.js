// Writes to the page's DOM that happen only when they change something. The panels redraw from
// the cluster on every refresh (a frame, or the slow panels' turn), and a write of the same value
// is still a mutation: the browser styles, lays out and paints that part of the page again. With
// these, a redraw that finds nothing new touches no element (issue 9: "every view fast at any
// size"; page-frames.test.mjs counts the mutations).

/** Sets `el`'s text to `text` if it differs. */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** Sets `el`'s class attribute to `cls` if it differs. */
export function setClass(el, cls) {
  if (el.className !== cls) el.className = cls;
}

/** Sets property `name` of `el` (value, max, hidden, disabled, title) to `v` if it differs. */
export function setProp(el, name, v) {
  if (el[name] !== v) el[name] = v;
}

/** Sets `data-name` of `el` to `v`, or removes it for null, if that changes it. */
export function setData(el, name, v) {
  if (v === null) {
    if (name in el.dataset) delete el.dataset[name];
  } else if (el.dataset[name] !== String(v)) el.dataset[name] = v;
}

const builtFrom = new WeakMap(); // element -> the key its children were last built from

/** Rebuilds `el`'s children with `build()` (returning the elements) only when `key` — a string
 * that says everything they show — differs from the one they were last built from. */
export function rebuildOnChange(el, key, build) {
  if (builtFrom.get(el) === key) return;
  builtFrom.set(el, key);
  el.replaceChildren(...build());
}

/** Writes `texts` into `cells` (one each) where they differ, if there are as many; returns
 * whether it did (else the caller rebuilds: the shape changed). */
export function setTexts(cells, texts) {
  if (cells.length !== texts.length) return false;
  texts.forEach((t, i) => setText(cells[i], t));
  return true;
}
