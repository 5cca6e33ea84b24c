// The timeline's intake in columns (issue 9): a batch of `Cluster.eventColumns(since, limit)` read
// row by row without an object per event, and the messages in flight it leaves, whose `message`
// objects are fetched from the source only when something reads them (a drawing, a details box).

/** One row of a batch in columns (`Cluster.eventColumns`): its fields by name (the batch's
 * `fields`), strings resolved. */
export class ColumnRow {
  constructor(batch) {
    this.rows = batch.rows;
    this.strings = batch.strings;
    this.stride = batch.stride;
    this.field = Object.fromEntries(batch.fields.map((name, i) => [name, i]));
    this.base = 0;
    this.rare = -1;
  }

  /** Reads row `i` from now on. */
  at(i) {
    this.base = i * this.stride;
    this.rare = this.num("rare");
  }

  num(name) {
    return this.rows[this.base + this.field[name]];
  }

  text(name) {
    return this.strings[this.num(name)];
  }

  /** A ballot from its fields `counter` and `proposer` (the proposer's number); null for none. */
  ballot(counter, proposer) {
    const n = this.num(counter);
    return n < 0 ? null : { counter: n, proposer: `p${this.num(proposer)}` };
  }

  /** What recordAnswer reads of an acceptor's answer: its type, key, ballot, and the ballot it
   * names (a promise's accepted one, a conflict's blocking one). */
  answer() {
    const other = this.ballot("otherCounter", "otherProposer");
    return { type: this.text("what"), key: this.text("key"), ballot: this.ballot("counter", "proposer"), accepted: other && { ballot: other }, blocking: other };
  }
}

/**
 * A message in flight ingested from columns: the fields of `f` ({ from, to, sentAt, proposer,
 * arrivals, duplicated, seq }) and its `message`, read from `store`'s source (the send's event) when first
 * asked, in the order an ingested object has them.
 */
export function lazyFlight(store, f) {
  let message = null;
  return {
    from: f.from,
    to: f.to,
    sentAt: f.sentAt,
    proposer: f.proposer,
    get message() {
      message ??= store.source.events(f.seq, 1)[0].message;
      return message;
    },
    arrivals: f.arrivals,
    duplicated: f.duplicated,
    seq: f.seq,
  };
}

/** A copy of a message in flight for `store` (a lazy one stays lazy: nothing is fetched). */
export function copyFlight(s, store) {
  return Object.getOwnPropertyDescriptor(s, "message").get ? lazyFlight(store, s) : { ...s };
}
