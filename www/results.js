// The results list: the newest operations of the cluster's history, newest first, each with its
// label, its state (pending, retrying, the answer or the error) — rebuilt from history, so a seek,
// a share link or a replayed action shows the same list as the live run did. Notes (an operation
// refused before it began, a workers summary) are rows of their own.

const SHOWN = 200;
/** Rows never painted that a redraw paints, the newest first: more than the list shows (200 px);
 * the older ones are painted when the page is idle. A seek rebuilds all SHOWN rows, and reading
 * each one's operation was a tenth of the seek at 100,000 events (issue 9). */
const PAINTED_AT_ONCE = 24;
/** Rows in flight whose attempt count one redraw reads (when the run moved): the rest show what
 * was read before until their turn comes round, or they return. */
export const ATTEMPTS_READ = 4;
/** Safari has no requestIdleCallback: a timer after the frame is near enough there. */
const whenIdle = globalThis.requestIdleCallback ?? ((f) => setTimeout(f, 50));
const cancelIdle = globalThis.cancelIdleCallback ?? clearTimeout;

export function describe(v) {
  if (v === undefined) return "undefined";
  const s = JSON.stringify(v);
  return s.length > 120 ? s.slice(0, 117) + "…" : s;
}

/** A label for an operation nobody named (a replayed or shared one), from its history entry. */
export function labelOf(op) {
  const via = ` via ${op.proposer}`;
  const input = op.input;
  switch (op.op) {
    case "put":
      return `put ${op.key} ${describe(input)}${via}`;
    case "write":
      return `write ${op.key} expecting v${input?.expectedVersion} ${describe(input?.value)}${via}`;
    case "acquireLock":
    case "acquireLease":
    case "releaseLock":
      return `${input?.owner}: ${op.op} ${op.key.replace(/^lock:/, "")}${input?.ttl ? ` (ttl ${input.ttl})` : ""}${via}`;
    default:
      return `${op.op} ${op.key}${via}`;
  }
}

export class ResultsView {
  /** @param {HTMLOListElement} list */
  constructor(list) {
    this.list = list;
    this.labels = new Map(); // op id -> the label it was started with
    this.reset();
  }

  /** Forgets the rows (not the labels: a seek keeps the ids, so it keeps their names). */
  reset() {
    cancelIdle(this.idle);
    this.idle = 0;
    this.list.textContent = "";
    this.next = 0; // the first history id without a row
    this.open = new Map(); // op id -> row, while the operation is in flight (empty until painted)
    this.read = new Map(); // op id -> { op, note }: what was last read of it and painted, while in flight
    this.events = -1; // the cluster's event count at the last render
    this.attemptsAt = 0; // where the next redraw's turn of attempt reads starts
  }

  /** Forgets the labels too (a new run). */
  clear() {
    this.labels.clear();
    this.expected = [];
    this.reset();
  }

  /** Names for operations a replayed scenario will start (`[{ at, label, op, key, proposer }]`,
   * operation i the i-th): operation i takes its name only if it is that operation, on that key
   * through that proposer, invoked at that time — a run that went otherwise keeps the history's
   * generic names. */
  expectNames(named) {
    this.expected = named;
  }

  #expectedName(op) {
    const e = this.expected?.[op.id];
    const same = e && e.at === op.invokeAt && e.op === op.op && e.proposer === op.proposer && (e.key === null || e.key === op.key);
    return same ? e.label : null;
  }

  note(text, cls) {
    this.#prepend([row(text, cls)]);
  }

  /** Adds rows for new operations and updates the ones in flight, reading only rows whose state
   * may have changed. `waiting(id)` says why an operation in flight is not moving (time is
   * paused), or is empty. `stillPending(id)`: true when operation `id` is known to be still in
   * flight (the timeline saw no return for it). A painted row of such an operation is not read
   * from the cluster again — each `operation(id)` call is a call into wasm and an object, and with
   * all SHOWN rows in flight that was most of the list's frame — except for its attempt count:
   * when the run has new events, up to ATTEMPTS_READ rows in flight are read, in turn (all of them
   * when there are that few). A row whose waiting note changed is painted again from what was
   * read before. */
  render(cluster, waiting = () => "", stillPending = () => false) {
    const last = cluster.lastOperationId;
    const rows = [];
    for (let id = Math.max(this.next, last - SHOWN + 1); id <= last; id++) {
      const li = row("", "pending");
      li.dataset.op = id;
      this.open.set(id, li);
      rows.unshift(li);
    }
    if (rows.length) this.#prepend(rows); // in one insertion (a seek makes SHOWN rows)
    this.next = Math.max(this.next, last + 1);
    const moved = cluster.eventCount !== this.events;
    this.events = cluster.eventCount;
    const attempts = moved ? this.#attemptsTurn() : new Set();
    let unpainted = 0;
    for (const [id, li] of [...this.open].reverse()) {
      const known = this.read.get(id);
      if (known && stillPending(id) && !attempts.has(id)) {
        const note = waiting(id);
        if (note !== known.note) this.#paint(li, known.op, (known.note = note));
        continue;
      }
      if (!known && ++unpainted > PAINTED_AT_ONCE) {
        this.#paintWhenIdle(cluster, waiting);
        continue;
      }
      const op = cluster.operation(id);
      if (!op) continue;
      this.#paint(li, op, waiting(id));
      this.#settle(id, op, waiting(id));
    }
  }

  /** Ids of painted rows in flight whose attempt count this redraw reads: ATTEMPTS_READ of them,
   * going round the rows from one redraw to the next. */
  #attemptsTurn() {
    const ids = [...this.read.keys()];
    if (ids.length <= ATTEMPTS_READ) return new Set(ids);
    const from = this.attemptsAt % ids.length;
    this.attemptsAt = from + ATTEMPTS_READ;
    return new Set([...ids.slice(from), ...ids.slice(0, from)].slice(0, ATTEMPTS_READ));
  }

  /** Keeps what was read of operation `id` (and the note painted with it) while it is in flight;
   * forgets its row once it ended. */
  #settle(id, op, note) {
    if (op.outcome) {
      this.open.delete(id);
      this.read.delete(id);
    } else this.read.set(id, { op, note });
  }

  /** Paints the rows a redraw left (see PAINTED_AT_ONCE) once the page is idle, unless the list
   * is rebuilt first. */
  #paintWhenIdle(cluster, waiting) {
    if (this.idle) return;
    this.idle = whenIdle(() => {
      this.idle = 0;
      for (const [id, li] of this.open) {
        const op = li.firstChild ? null : cluster.operation(id);
        if (!op) continue;
        this.#paint(li, op, waiting(id));
        this.#settle(id, op, waiting(id));
      }
    });
  }

  #paint(li, op, waiting) {
    const label = this.labels.get(op.id) ?? this.#expectedName(op) ?? labelOf(op);
    if (!op.outcome) show(li, "pending", `${label} … ${op.attempts > 1 ? `retrying (attempt ${op.attempts})` : "pending"}${waiting}`);
    else if (op.outcome === "ok") show(li, "ok", `${label} → ${op.op === "delete" ? "done" : describe(op.output)}`);
    // An Unavailable's message says the change's fate (OpError::unanswered, in Rust).
    else show(li, "bad", `${label} ✗ ${op.error.name}: ${op.error.message}`);
  }

  /** Puts `rows` (newest first) at the top of the list; the oldest beyond SHOWN go. */
  #prepend(rows) {
    this.list.prepend(...rows);
    while (this.list.children.length > SHOWN) {
      const gone = this.list.lastChild;
      if (gone.dataset.op !== undefined) {
        this.open.delete(Number(gone.dataset.op));
        this.read.delete(Number(gone.dataset.op));
      }
      gone.remove();
    }
  }
}

function row(text, cls) {
  const li = document.createElement("li");
  li.className = cls;
  li.textContent = text;
  return li;
}

/** Gives row `li` its class and text, writing only what changed: a row in flight is painted again
 * every frame, and a write of the same text still costs the list a style, layout and paint. */
function show(li, cls, text) {
  if (li.className !== cls) li.className = cls;
  if (li.textContent !== text) li.textContent = text;
}
