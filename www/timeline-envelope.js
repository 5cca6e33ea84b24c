// Envelopes on the timeline (issue 14 §2, option `envelopes`): an envelope is one arrival that
// carries several messages (`parts`, in the order sent). It is drawn as one arrow labelled with
// its count; its details list every part.

import { messageLabel, messageDetails } from "./timeline-labels.js";

/** The rows of a single message's details that hold for a whole envelope too. */
const TRIP_ROWS = new Set(["route", "sent", "arrives", "lost", "delivered", "duplicated"]);

/** The message ids an arrival event settles: all parts of an envelope, else its one message. */
export const arrivalMessages = (e) => (e.parts ? e.parts.map((p) => p.msg) : [e.msg]);

/** The label on an envelope's arrow: its count and its first message. */
export function envelopeLabel(a) {
  const more = a.parts.length > 1 ? " …" : "";
  return `envelope ×${a.parts.length}: ${messageLabel(a.parts[0].message)}${more}`;
}

/** Rows of an envelope's details: what it is, its trip, then each part. */
export function envelopeDetails(a) {
  const rows = [["envelope", `${a.parts.length} messages in one delivery: one latency, one loss draw`]];
  rows.push(...messageDetails(a).filter(([term]) => TRIP_ROWS.has(term)));
  a.parts.forEach((p, i) => rows.push([`part ${i + 1}`, `${messageLabel(p.message)} for key ${JSON.stringify(p.message.key)}`]));
  return rows;
}
