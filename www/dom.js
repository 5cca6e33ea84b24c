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

/** Makes `parent`'s children the elements `fresh` (made detached, not yet in the page), keeping
 * each child whose markup is the same as its fresh one: only a changed element is replaced. */
export function syncChildren(parent, fresh) {
  const old = [...parent.children];
  if (old.length !== fresh.length) return parent.replaceChildren(...fresh);
  fresh.forEach((el, i) => {
    if (old[i].outerHTML !== el.outerHTML) old[i].replaceWith(el);
  });
}
