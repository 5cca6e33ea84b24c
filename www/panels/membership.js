// The cluster's membership (paper §2.3): the quorum of each phase, in the cluster form (empty: a
// majority) and as the running cluster uses it (`membership()`: broken quorums included).
import { $, page, numberIn } from "../page.js";

/** The form's quorum fields: `{ prepare?, accept? }`, or undefined when both are empty. */
export function quorumsOf(form) {
  const q = {};
  for (const phase of ["prepare", "accept"]) {
    const input = form[`${phase}Quorum`];
    if (input.value.trim() !== "") q[phase] = numberIn(input, `${phase} quorum`);
  }
  return Object.keys(q).length ? q : undefined;
}

/** The form's batch field: `{ max }` (batching, issue 14), or undefined when empty (off). */
export function batchOf(form) {
  return form.batch.value.trim() === "" ? undefined : { max: numberIn(form.batch, "batch") };
}

/** The form's "gc after" field: virtual ms after each delete (deletion GC, issue 11), or null when empty (off). */
export function gcDelayOf(form) {
  return form.gcDelay.value.trim() === "" ? null : numberIn(form.gcDelay, "gc after");
}

export function wireMembership() {
  page.onAdopt.push(() => {
    const form = $("rebuild");
    const q = page.config.quorums ?? {};
    form.prepareQuorum.value = q.prepare ?? "";
    form.acceptQuorum.value = q.accept ?? "";
    form.batch.value = page.config.batch?.max ?? "";
    form.gcDelay.value = page.config.gcDelay ?? "";
    renderQuorums();
  });
  // A break-it switch changes them in the running cluster (its refresh is a slow one): read at the
  // slow panels' pace, not every frame (a call into wasm and an object each).
  page.onRefresh.push((slow) => { if (slow) renderQuorums(); });
}

/** "prepare 2 of 3 · accept 2 of 3 (majority)", and whether they intersect. During a membership
 * change the two phases ask different sets ("prepare 2 of 3 · accept 3 of 4"). */
function renderQuorums() {
  const m = page.cluster.membership();
  const { quorum: prepare, nodes: prepareSet } = m.prepare;
  const { quorum: accept, nodes: acceptSet } = m.accept;
  const n = prepareSet.length;
  const sameSet = n === acceptSet.length && prepareSet.every((a) => acceptSet.includes(a));
  const majority = Math.floor(n / 2) + 1;
  const shape = sameSet && prepare === majority && accept === majority ? " (majority)" : "";
  const out = $("quorums-out");
  const intersect = quorumsIntersect(m.prepare, m.accept);
  const text = `quorums: prepare ${prepare} of ${n} · accept ${accept} of ${acceptSet.length}${shape}` +
    (intersect ? "" : ` — they do not intersect (${prepare} + ${accept} ≤ ${n}): a write can be lost`);
  if (out.textContent === text) return;
  out.textContent = text;
  out.dataset.intersect = String(intersect);
}

/** Whether every prepare quorum meets every accept quorum: each must take at least
 * `quorum - |its set outside the other|` nodes from the shared ones, and together more than
 * there are. With one set this is prepare + accept > N (§2.3, App. B). */
function quorumsIntersect(p, a) {
  const shared = p.nodes.filter((x) => a.nodes.includes(x)).length;
  const fromShared = (q) => Math.max(0, q.quorum - (q.nodes.length - shared));
  return fromShared(p) + fromShared(a) > shared;
}
