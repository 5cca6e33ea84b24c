// Manual delivery: a switch that makes every message wait, and the list of waiting messages —
// click one to deliver it next, or drop it. Each choice is an action on the session's tape, so a
// seek, a share link and Verify reproduce the run the reader steered.
import { $, page, guard, refresh, renderTimeNote } from "../page.js";
import { currentScenario } from "./scenarios.js";
import { ballotText } from "../claims.js";

/** Waiting messages listed at most (the rest are counted). */
const SHOWN = 60;
export const MANUAL = "manual";
/** Virtual ms the page lets pass before each delivery by hand, so its arrow has a slope on the
 * timeline (a proposer's phase timeout is 2 × max latency + 10 ms: many deliveries fit in it). */
const HAND_STEP_MS = 2;
/** How much closer the timeline looks when manual delivery starts. */
const HAND_ZOOM = 0.3;

export const manual = () => page.cluster?.delivery === MANUAL;
/** A scenario the reader steers by hand: their deliveries are its run, not a change to it. */
const steering = () => ({ changesRun: !currentScenario()?.steer });

export function wireDelivery() {
  $("manual").addEventListener("change", (e) => {
    guard($("delivery-error"), () => page.cluster.setDelivery(e.target.checked ? MANUAL : "auto"), steering());
    if (e.target.checked) {
      page.player.setPlaying(false); // the reader moves the run now
      page.timeline.zoom(HAND_ZOOM); // deliveries by hand are a few ms apart: look closer
    } else page.player.needTime(); // the released messages arrive as time moves
    refresh(true);
    renderTimeNote();
  });
  $("held").addEventListener("click", (e) => {
    const b = e.target.closest("button[data-id]");
    if (!b) return;
    const id = Number(b.dataset.id);
    guard($("delivery-error"), () => {
      if (b.dataset.do === "drop") return page.cluster.dropMessage(id);
      page.cluster.runFor(HAND_STEP_MS);
      page.cluster.deliver(id);
    }, steering());
  });
  page.onRefresh.push(() => renderHeld());
}

/** What a waiting message is, as a person reads it: `p1→a2 prepare counter 1.p1`. */
export function heldText(m) {
  const extra = m.type === "accept" ? ` = ${JSON.stringify(m.message.value)}` : m.type === "conflict" ? ` (blocked by ${ballotText(m.message.blocking)})` : "";
  return `${m.from}→${m.to} ${m.type} ${m.key} ${ballotText(m.ballot)}${extra}`;
}

let shown = ""; // the list last drawn, to redraw only on change

function renderHeld() {
  const on = manual();
  $("manual").checked = on;
  const box = $("delivery-box");
  if (box.dataset.mode !== (on ? MANUAL : "auto")) box.dataset.mode = on ? MANUAL : "auto"; // each frame: write only a change
  const held = on ? page.cluster.inFlight() : [];
  // The note depends on more than the list (a proposer may wait for a timer): always redrawn.
  $("held-note").textContent = on ? heldNote(held.length) : "";
  const key = JSON.stringify(held.map((m) => m.id));
  if (key === shown) return;
  shown = key;
  const list = $("held");
  list.textContent = "";
  for (const m of held.slice(0, SHOWN)) {
    const li = document.createElement("li");
    const text = heldText(m);
    const deliver = Object.assign(document.createElement("button"), { type: "button", textContent: text, title: `deliver message ${m.id} now` });
    deliver.dataset.id = m.id;
    deliver.dataset.do = "deliver";
    deliver.setAttribute("aria-label", `deliver ${text}`);
    const drop = Object.assign(document.createElement("button"), { type: "button", textContent: "✕", title: `drop message ${m.id}` });
    drop.dataset.id = m.id;
    drop.dataset.do = "drop";
    drop.className = "danger";
    drop.setAttribute("aria-label", `drop ${text}`);
    li.append(deliver, drop);
    list.append(li);
  }
  if (held.length > SHOWN) list.append(Object.assign(document.createElement("li"), { textContent: `… and ${held.length - SHOWN} more` }));
}

/** What the reader can do now under manual delivery. */
function heldNote(waiting) {
  if (waiting) return `${waiting} waiting: click one to deliver it next, ✕ to drop it.`;
  if (page.cluster.pending) return "Nothing waiting: a proposer waits for a timer (a backoff or a timeout) — Step (→) or ▶ Play lets time run.";
  return "Nothing waiting: start an operation.";
}
