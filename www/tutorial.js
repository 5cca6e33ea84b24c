// The narrated walkthrough, paced like The Secret Lives of Data: each step plays a scenario in the
// widget and pauses at its key moments (events of the run, not timers) with a sentence and a
// Continue. Back returns to the exact view and words the reader left on that step.
import { LESSONS } from "./lessons.js";
import { SCENARIOS } from "./scenarios.js";

const $ = (id) => document.getElementById(id);
const widget = $("widget");
const reducedMotion = globalThis.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;
const saved = []; // per step: where the reader left it
let step = 0;

const momentsOf = (lesson) => lesson.moments ?? SCENARIOS.find((s) => s.id === lesson.scenario).moments;

/** The words under the step's text and what Continue does now. */
const pace = { caption: "", moment: -1, ended: false };

function renderPace() {
  const moments = momentsOf(LESSONS[step]);
  $("caption").textContent = pace.caption;
  $("moment").textContent = pace.ended ? "end of this step" : pace.moment >= 0 ? `moment ${pace.moment + 1} of ${moments.length}` : "";
  const cont = $("continue");
  cont.disabled = pace.ended || widget.playing;
  if (pace.ended) cont.textContent = "Done ✓";
  else if (pace.moment + 1 < moments.length) cont.textContent = pace.moment < 0 && !widget.playing ? "Start ▶" : "Continue ▶";
  else cont.textContent = "Play to the end ▶";
  $("next").classList.toggle("ready", pace.ended && step < LESSONS.length - 1);
}

function show(i, restore) {
  step = i;
  const s = LESSONS[i];
  $("step-title").textContent = s.title;
  $("step-text").innerHTML = `<p>${s.text}</p>`; // static, trusted text
  $("progress").textContent = `step ${i + 1} of ${LESSONS.length}`;
  $("back").disabled = i === 0;
  $("next").disabled = i === LESSONS.length - 1;
  if (restore?.widget) {
    widget.restoreState(restore.widget); // exactly where the reader left this step
    Object.assign(pace, restore.pace);
  } else {
    widget.pause();
    widget.load(s.scenario);
    widget.pauseAt(momentsOf(s));
    Object.assign(pace, { caption: reducedMotion ? "Reduced motion: nothing plays by itself. Start jumps to the first key moment." : "", moment: -1, ended: false });
    if (!reducedMotion) widget.play();
  }
  renderPace();
}

function leave() {
  saved[step] = { widget: widget.saveState(), pace: { ...pace } };
}

$("next").addEventListener("click", () => {
  leave();
  show(step + 1, saved[step + 1]);
});
$("back").addEventListener("click", () => {
  leave();
  show(step - 1, saved[step - 1]);
});
$("continue").addEventListener("click", () => widget.continue());
widget.addEventListener("moment", (e) => {
  pace.moment = e.detail.index;
  pace.caption = e.detail.say;
  renderPace();
});
widget.addEventListener("end", () => {
  pace.ended = true;
  renderPace();
});
widget.addEventListener("state", renderPace);
widget.addEventListener("ready", () => show(0), { once: true });
window.tutorial = { get step() { return step; }, pace, lessons: LESSONS };
