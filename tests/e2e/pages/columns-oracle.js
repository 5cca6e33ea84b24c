// The oracle of `Cluster.eventColumns` (intake.test.mjs, served under /test-pages/): each row
// decoded to the fields of an `events()` object it carries, compared with those fields of the
// object `events()` gives for the same event; events given whole compared whole.

/** Row `i` of `batch` as the fields of an `events()` object it carries (`{ seq, rare }` for an
 * event given whole: the object itself). */
export function decodeRow(batch, i) {
  const f = Object.fromEntries(batch.fields.map((name, k) => [name, k]));
  const v = (name) => batch.rows[i * batch.stride + f[name]];
  const text = (name) => (v(name) < 0 ? null : batch.strings[v(name)]);
  const num = (name) => (v(name) < 0 ? null : v(name));
  const ballot = (name) => (v(name) < 0 ? null : { counter: v(name), proposer: `p${batch.rows[i * batch.stride + f[name] + 1]}` });
  const seq = batch.since + i;
  if (v("rare") >= 0) return batch.rare[v("rare")];
  const kind = text("kind");
  if (kind === "invoke") return { seq, at: num("at"), kind, op: num("id"), node: text("node"), name: text("what"), key: text("key") };
  if (kind === "return") return { seq, at: num("at"), kind, op: num("id"), node: text("node"), outcome: text("what") };
  if (kind === "timeout") return { seq, at: num("at"), kind, node: text("node") };
  const message = { type: text("what"), key: text("key"), ballot: ballot("counter") };
  if (message.type === "promise") message.accepted = ballot("otherCounter") && { ballot: ballot("otherCounter") };
  if (message.type === "conflict") message.blocking = ballot("otherCounter");
  return { seq, at: num("at"), kind, msg: num("id"), from: text("node"), to: text("to"), sentAt: num("sentAt"), message };
}

/** The same fields of `e`, an object of `events()` (all of it for an event given whole). */
export function projection(e) {
  const pick = (o, names) => Object.fromEntries(names.map((n) => [n, o[n]]));
  if (e.kind === "invoke") return pick(e, ["seq", "at", "kind", "op", "node", "name", "key"]);
  if (e.kind === "return") return pick(e, ["seq", "at", "kind", "op", "node", "outcome"]);
  if (e.kind === "timeout") return pick(e, ["seq", "at", "kind", "node"]);
  if (["send", "duplicate", "deliver", "drop"].includes(e.kind) && !e.parts) {
    const m = e.message;
    const message = pick(m, ["type", "key", "ballot"]);
    if (m.type === "promise") message.accepted = m.accepted && { ballot: m.accepted.ballot };
    if (m.type === "conflict") message.blocking = m.blocking;
    return { ...pick(e, ["seq", "at", "kind", "msg", "from", "to", "sentAt"]), message };
  }
  return e;
}

/** Batches of `size` events of `c` from 0 (the last may be shorter). */
export function batchesOf(c, size) {
  const out = [];
  for (let since = 0; since < c.eventCount; since += size) out.push(c.eventColumns(since, size));
  return out;
}

/** The first event whose row differs from `events()`'s object, as text; null when none does. */
export function firstDifference(batches, objects) {
  let seq = 0;
  for (const b of batches) {
    if (b.since !== seq) return `a batch starts at ${b.since}, not ${seq}`;
    for (let i = 0; i < b.count; i++, seq++) {
      const got = JSON.stringify(decodeRow(b, i));
      const want = JSON.stringify(projection(objects[seq]));
      if (got !== want) return `event ${seq}: columns ${got} vs events() ${want}`;
    }
  }
  return seq === objects.length ? null : `${seq} rows for ${objects.length} events`;
}

/** `batch` with its column `name` shifted up a row (the last row keeps its own). */
export function shifted(batch, name) {
  const rows = batch.rows.slice();
  const k = batch.fields.indexOf(name);
  for (let i = 0; i + 1 < batch.count; i++) rows[i * batch.stride + k] = rows[(i + 1) * batch.stride + k];
  return { ...batch, rows };
}
