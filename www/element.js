// <caspaxos-playground>: a self-contained playground widget for tutorials. One script tag:
//   <script type="module" src="https://host/caspaxos/element.js"></script>
//   <caspaxos-playground scenario="minority" controls="minimal" autoplay></caspaxos-playground>
// Attributes: seed, acceptors, proposers, scenario, controls="minimal|full", autoplay. With a
// scenario, its own settings hold (its text describes them): seed/acceptors/proposers that differ
// from them are an error naming them. A bad attribute (scenario="nope", acceptors="99",
// seed="many", controls="FULL") shows an InvalidArgument in the status line, in `data-error`, on
// the console and as an "error" event (detail: the Error), and builds no cluster until it is fixed.
// Methods called before "ready" (or with no cluster) throw an InvalidArgument.
// Events: "ready", "operation" (detail: { op, node, outcome, at }), "violation" (detail:
// check()'s violation, with its kind; again whenever the violation it reports changes), "moment"
// (detail: { index, say, event }: the run reached a moment armed with pauseAt() and paused there),
// "end" (the scenario's run is over: nothing to come, nothing in flight; detail: { at, now }: `at`
// is when it became over, the time of its last operation's return or action, the same at any
// speed and after seeks; `now` is the clock when a frame noticed, which depends on frame timing),
// "state" (detail: { playing }).
// Methods: play(), pause(), step(), seek(ms), load(scenarioId), restore(session, point?),
// pauseAt(moments), continue(), saveState(), restoreState(state); properties `cluster`, `speed`.
// Styles live in a shadow root; several widgets share one wasm module; a widget pauses while the
// tab is hidden or it is scrolled off-screen.
import init, { Cluster } from "./pkg/caspaxos_playground.js";
import { Timeline } from "./timeline.js";
import { SCENARIOS } from "./scenarios.js";
import { Moments } from "./narration.js";
import { Player, reducedMotion, speedText } from "./player.js";
import { agreeing } from "./wording.js";

const wasmReady = init();

/** A JS Error named InvalidArgument, as the Cluster's own. */
function invalid(message) {
  return Object.assign(new Error(message), { name: "InvalidArgument" });
}

/** The numeric attributes: what each must be, from `Cluster.limits` (read once wasm is ready). */
const NUMERIC = [
  ["acceptors", 1, () => Cluster.limits.acceptors],
  ["proposers", 1, () => Cluster.limits.proposers],
  ["seed", 0, () => Cluster.limits.safeInteger],
];
const CONTROLS = ["minimal", "full"];
/** The events a run's end waits for (operations, actions, membership steps; not the messages
 * still arriving after them, nor timers): the last one's time is the `end` event's `at`. */
const RUN_EVENTS = new Set(["invoke", "return", "crash", "restart", "wipe", "partition", "heal", "network", "membership"]);
const DECIMAL = /^(0|[1-9][0-9]*)$/; // no sign, spaces, exponent, hex or fraction

/** A numeric attribute's value: a plain decimal integer in `min..=max`, else an InvalidArgument. */
function parseAttribute(key, text, min, max) {
  const v = DECIMAL.test(text) ? Number(text) : NaN;
  if (!(v >= min && v <= max)) throw invalid(`${key}="${text}" must be a whole number in ${min}..=${max}`);
  return v;
}

/** Checks pauseAt()'s moments: an array of `{ on: object, say: string }`. */
function checkMoments(moments) {
  if (!Array.isArray(moments)) throw invalid(`pauseAt(moments): moments must be an array of { on, say }, got ${typeof moments}`);
  moments.forEach((m, i) => {
    if (typeof m !== "object" || m === null || typeof m.on !== "object" || m.on === null || Array.isArray(m.on) || typeof m.say !== "string") {
      throw invalid(`pauseAt(moments): moments[${i}] must be { on: eventPattern (an object), say: string }`);
    }
  });
}

const STYLE = `
:host { display: block; font: 13px system-ui, sans-serif; color: #1d2430; border: 1px solid #d9dee6; border-radius: 8px; background: #fff; padding: 8px; contain: content; }
.bar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin-bottom: 6px; }
button { font: inherit; border: 1px solid #d9dee6; background: #fff; border-radius: 6px; padding: 3px 9px; cursor: pointer; min-height: 26px; min-width: 26px; }
button:hover { border-color: #2f6fdb; }
button[aria-pressed="true"] { background: #2f6fdb; color: #fff; }
:focus-visible { outline: 3px solid #ffbf47; outline-offset: 1px; }
.timeline { height: var(--caspaxos-height, 300px); border: 1px solid #e3e7ee; border-radius: 6px; background: #fbfcfd; overflow: hidden; }
.status { font-size: 12px; color: #5d6b7e; min-height: 1.2em; margin-top: 4px; overflow-wrap: anywhere; }
.status.bad { color: #c62f3b; }
.verdict { font-size: 12px; color: #fff; background: #c62f3b; border-radius: 6px; padding: 4px 8px; margin-top: 4px; overflow-wrap: anywhere; }
.verdict:empty { display: none; }
.clock { font-variant-numeric: tabular-nums; color: #5d6b7e; }
.speed { display: inline-flex; align-items: center; gap: 4px; color: #5d6b7e; }
.speed input { width: 90px; }
.nodes { display: contents; }
.live { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
`;

class CaspaxosPlayground extends HTMLElement {
  static observedAttributes = ["seed", "acceptors", "proposers", "scenario", "controls"];
  #root;
  #timeline = null;
  #seen = 0;
  /** The time of the last event of RUN_EVENTS seen: where the run's end is once it is over. */
  #lastRunEventAt = 0;
  #visible = true;
  #observer = null;
  #built = false;
  #scenario = null;
  #ended = false;
  #connected = false; // wasm is ready and the element is in the page: attributes take effect
  #connection = 0; // bumped by every connect and disconnect: a stale connect (await) gives up
  #player = new Player({
    render: () => this.#render(),
    api: {
      run: (label, start) => this.#run(label, start),
      workers: (n, m) => this.#workers(n, m),
    },
    onScriptError: (e) => this.#status(`${e.name}: ${e.message}`, true),
    pauseWhenOver: () => false, // #render ends a scenario's run; a bare cluster waits for the reader
    onPlaying: (on) => this.#showPlaying(on),
    onMoment: (hit) => this.dispatchEvent(new CustomEvent("moment", { detail: { index: hit.index, say: hit.moment.say, event: hit.event } })),
    visible: () => this.#visible && !document.hidden,
  });

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: "open" });
  }

  get cluster() {
    return this.#player.cluster;
  }

  get playing() {
    return this.#player.playing;
  }

  /** Virtual ms per real ms while playing (0.001..100). */
  get speed() {
    return this.#player.speed;
  }

  set speed(v) {
    this.#player.setSpeed(Number(v));
    const input = this.#root.querySelector('[data-in="speed"]');
    if (input) input.value = String(Math.log10(this.#player.speed));
    const out = this.#root.querySelector('[data-out="speed"]');
    if (out) out.textContent = speedText(this.#player.speed);
  }

  async connectedCallback() {
    if (!this.#built) this.#build();
    const connection = ++this.#connection;
    await wasmReady;
    // Removed (or removed and connected again) while wasm loaded: only the latest connect starts.
    if (!this.isConnected || connection !== this.#connection || this.#connected) return;
    this.#connected = true;
    this.#reset();
    this.#observer = new IntersectionObserver((entries) => {
      this.#visible = entries.some((e) => e.isIntersecting);
    });
    this.#observer.observe(this);
    document.addEventListener("visibilitychange", this.#onVisibility);
    this.#player.start();
    if (this.hasAttribute("autoplay") && !reducedMotion) this.play();
    this.dispatchEvent(new CustomEvent("ready", { detail: { now: this.cluster?.now ?? 0 } }));
  }

  disconnectedCallback() {
    this.#connection += 1;
    if (!this.#connected) return; // connected while wasm loaded: nothing started yet
    this.#connected = false;
    this.#player.stop();
    this.#observer?.disconnect();
    document.removeEventListener("visibilitychange", this.#onVisibility);
    this.cluster?.free();
    this.#player.cluster = null;
  }

  attributeChangedCallback(name, before, after) {
    if (!this.#connected || before === after) return;
    if (name === "controls" && this.cluster) this.#rebuildBar();
    else this.#reset();
  }

  play() {
    this.#ready("play");
    this.#player.setPlaying(true);
  }

  pause() {
    this.#ready("pause");
    this.#player.setPlaying(false);
  }

  /** One event; when nothing is scheduled, time jumps to the scenario's next action. Pauses. */
  step() {
    this.#ready("step");
    this.#player.step();
  }

  /** Replays this widget's run to virtual time `ms`, rounded to the nearest whole ms (beyond
   * `Cluster.limits.safeInteger` ms: to that time, past any run's end, where the clock ends: what
   * is due later runs then, and play stops there); the scenario's actions to come stay. */
  seek(ms) {
    this.#ready("seek");
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) throw invalid(`seek(ms): ms must be a finite number ≥ 0, got ${String(ms)}`);
    const session = this.cluster.sessionLink(); // the tape: one string across the boundary
    const script = this.#player.script.slice();
    const next = Cluster.fromSession(session, { until: Math.min(Math.round(ms), Cluster.limits.safeInteger) });
    this.cluster.free();
    this.#adopt(next, script);
  }

  /** Replays a saved session (from `cluster.session()`) to `point` (`{ until }`, or the exact
   * `{ steps, at }` read from `cluster.steps` and `cluster.now`), or to where it was taken. */
  restore(session, point) {
    this.#ready("restore");
    const next = Cluster.fromSession(session, point);
    this.#scenario = null;
    this.cluster?.free();
    this.#adopt(next);
  }

  /** Loads a scenario by id (the page's scenarios). */
  load(id) {
    if (!SCENARIOS.some((s) => s.id === id)) throw invalid(`load(id): "${String(id)}" is not a scenario; known: ${SCENARIOS.map((s) => s.id).join(", ")}`);
    if (this.getAttribute("scenario") === id) this.#reset();
    else this.setAttribute("scenario", id);
  }

  /** Arms moments (`[{ on: eventPattern, say }]`, see claims.js): the run pauses at each one's
   * event, in order, and dispatches "moment". */
  pauseAt(moments) {
    checkMoments(moments);
    this.#player.pauseAt(moments);
  }

  /** Runs on to the next armed moment (or to the end): plays it, or with reduced motion jumps
   * there at once. */
  continue() {
    this.#ready("continue");
    this.#player.continue();
  }

  /** Everything needed to come back to this exact point: the run, the scenario's actions to come,
   * the moments passed, the status lines and the timeline's view. Null if the run used code. */
  saveState() {
    const c = this.cluster;
    if (!c?.replayable) return null;
    const tl = this.#timeline;
    const { moments } = this.#player;
    return {
      session: c.session(),
      point: { steps: c.steps, at: c.now },
      scenario: this.#scenario,
      script: this.#player.script.slice(),
      moments: { list: moments.moments, inOrder: moments.inOrder, passed: moments.next },
      status: { text: this.#out("status").textContent, bad: this.#out("status").classList.contains("bad") },
      verdict: this.#out("verdict").textContent,
      view: { t0: tl.t0, msPerPx: tl.msPerPx, follow: tl.follow },
      ended: this.#ended,
      speed: this.speed,
    };
  }

  /** Comes back to a point taken with saveState(), paused. */
  restoreState(state) {
    this.#ready("restoreState");
    if (typeof state !== "object" || state === null || !state.session || !state.point || !state.moments || !state.status || !state.view) {
      throw invalid("restoreState(state): state must be what saveState() returned");
    }
    this.pause();
    const next = Cluster.fromSession(state.session, state.point);
    this.cluster?.free();
    this.#scenario = null;
    this.#adopt(next, state.script);
    this.#scenario = state.scenario;
    const moments = new Moments(state.moments.list, { inOrder: state.moments.inOrder });
    moments.skip(state.moments.passed);
    this.#player.moments = moments;
    this.#status(state.status.text, state.status.bad);
    this.#out("verdict").textContent = state.verdict;
    this.#ended = state.ended;
    this.speed = state.speed;
    Object.assign(this.#timeline, state.view);
    this.#render();
  }

  /** Methods need the cluster: before "ready", after removal or with a bad attribute, a clear error. */
  #ready(method) {
    if (this.cluster) return;
    const why = this.dataset.error ? `its attributes are bad (${this.dataset.error})` : "it is not ready: wait for its \"ready\" event (it must be in the document)";
    throw invalid(`<caspaxos-playground>.${method}(): ${why}`);
  }

  #onVisibility = () => {
    if (document.hidden) this.#player.last = performance.now();
  };

  #out(name) {
    return this.#root.querySelector(`[data-out="${name}"]`);
  }

  #build() {
    this.#built = true;
    const css = new URL("./timeline.css", import.meta.url).href;
    this.#root.innerHTML = `<link rel="stylesheet" href="${css}"><style>${STYLE}</style>
      <div class="bar" role="toolbar" aria-label="Playground controls"></div>
      <div class="timeline" tabindex="0" aria-label="Ballot timeline"></div>
      <div class="status" data-out="status" role="status"></div>
      <div class="verdict" data-out="verdict" role="alert"></div>
      <div class="live" aria-live="polite"></div>`;
    this.#fillBar();
    this.#listen();
  }

  /** The toolbar `controls` asks for (anything but "full" is minimal; #config reports a bad one). */
  #fillBar() {
    const full = this.getAttribute("controls") === "full";
    this.#root.querySelector(".bar").innerHTML = `<button part="button" data-do="play" aria-pressed="false">▶ Play</button>

        <button part="button" data-do="step">Step</button>
        <button part="button" data-do="restart">Restart</button>
        ${full ? `<label class="speed">speed <input data-in="speed" type="range" min="-3" max="2" step="0.1" value="-1" aria-label="speed"> <output data-out="speed">0.1×</output></label>
        <button part="button" data-do="zoom-in" title="Zoom in" aria-label="Zoom in">+</button><button part="button" data-do="zoom-out" title="Zoom out" aria-label="Zoom out">−</button><button part="button" data-do="fit" title="Show the whole run">Fit</button>
        <button part="button" data-do="increment">Increment</button><span class="nodes"></span>` : ""}
        <span class="clock">t = <output data-out="now">0</output> ms</span>`;
  }

  /** `controls` changed on a live widget: a new toolbar, the same run. */
  #rebuildBar() {
    try {
      this.#config(SCENARIOS.find((s) => s.id === this.getAttribute("scenario")));
    } catch (e) {
      return this.#fail(e);
    }
    if (this.dataset.error) {
      this.#clearError();
      this.#status(SCENARIOS.find((s) => s.id === this.#scenario)?.text ?? "");
    }
    this.#fillBar();
    this.#showNodes(this.cluster.state());
    this.#showPlaying(this.playing, { quiet: true });
    this.speed = this.speed;
    this.#render();
  }

  #listen() {
    this.#root.addEventListener("click", (e) => {
      const b = e.target.closest("button");
      if (!b || !this.cluster) return;
      const what = b.dataset.do;
      const tl = this.#timeline;
      if (what === "play") this.#player.setPlaying(!this.playing);
      else if (what === "step") this.step();
      else if (what === "restart") this.#reset();
      else if (what === "zoom-in") { tl.zoom(0.7); tl.follow = false; this.#render(); }
      else if (what === "zoom-out") { tl.zoom(1.4); tl.follow = false; this.#render(); }
      else if (what === "fit") { tl.fit(this.cluster.now); this.#render(); }
      else if (what === "increment") this.#increment();
      else if (b.dataset.node) this.#toggleNode(b.dataset.node);
    });
    this.#root.addEventListener("input", (e) => {
      if (e.target.dataset.in === "speed") this.speed = Number((10 ** Number(e.target.value)).toPrecision(2));
    });
    this.#timeline = new Timeline(this.#root.querySelector(".timeline"));
    this.#timeline.onUserMove = () => this.#render();
  }

  /** The Increment button: an operation needs virtual time, so time moves (the player's
   * `needTime`); while the reader steps, the status says why it waits. */
  #increment() {
    const c = this.cluster;
    const before = c.lastOperationId;
    this.#run("increment counter", () => c.increment("counter"));
    if (c.lastOperationId > before) this.#player.await(c.lastOperationId);
    if (this.#player.stepping) this.#status("increment counter … paused: Step runs one event, ▶ Play runs on");
    this.#player.needTime();
  }

  #toggleNode(id) {
    const up = this.cluster.state().acceptors.find((a) => a.id === id)?.up;
    if (up) this.cluster.crash(id);
    else this.cluster.restart(id);
    this.#render();
  }

  /** The cluster the attributes ask for; a bad attribute is an error, never a silent default.
   * With a scenario, its settings hold: its text and claims describe them. */
  #config(scenario) {
    const name = this.getAttribute("scenario");
    const bad = []; // every bad attribute at once, not the first one only
    if (name !== null && !scenario) {
      bad.push(`scenario="${name}" is not a scenario; known: ${SCENARIOS.map((s) => s.id).join(", ")}`);
    }
    const controls = this.getAttribute("controls");
    if (controls !== null && !CONTROLS.includes(controls)) {
      bad.push(`controls="${controls}" must be one of ${CONTROLS.map((c) => `"${c}"`).join(", ")}`);
    }
    const config = { acceptors: 3, proposers: 2, seed: 1, ...(scenario?.config ?? {}) };
    const conflicts = [];
    for (const [key, min, max] of NUMERIC) {
      if (!this.hasAttribute(key)) continue;
      const text = this.getAttribute(key);
      let v;
      try {
        v = parseAttribute(key, text, min, max());
      } catch (e) {
        bad.push(e.message);
        continue;
      }
      if (scenario && v !== config[key]) conflicts.push(`${key}="${text}"`);
      else config[key] = v;
    }
    if (bad.length) throw invalid(bad.join("; "));
    if (conflicts.length) {
      const own = NUMERIC.map(([key]) => `${key}=${config[key]}`).join(", ");
      throw invalid(`${conflicts.join(", ")} ${agreeing(conflicts.length, "conflict")} with scenario="${name}", whose text describes its own settings (${own}): remove them, or drop scenario for a cluster of your own`);
    }
    return config;
  }

  #reset() {
    const scenario = SCENARIOS.find((s) => s.id === this.getAttribute("scenario"));
    let next;
    try {
      next = new Cluster({ ...this.#config(scenario), autoAdvance: false });
    } catch (e) {
      return this.#fail(e);
    }
    this.#clearError();
    this.cluster?.free();
    this.#scenario = null; // no "end" for the run being replaced
    this.#adopt(next, scenario?.script ?? []);
    this.#scenario = scenario?.id ?? null;
    this.#player.moments = new Moments();
    this.#status(scenario ? scenario.text : "");
    this.#out("verdict").textContent = "";
  }

  /** A bad attribute: the status line, `data-error`, the console and an "error" event say so. */
  #fail(e) {
    this.#player.setPlaying(false); // the run on screen is not what the attributes ask for: it stops
    this.#status(`${e.name}: ${e.message}`, true);
    this.dataset.error = e.message;
    console.error(`<caspaxos-playground> ${e.name}: ${e.message}`);
    this.dispatchEvent(new CustomEvent("error", { detail: e }));
  }

  #clearError() {
    delete this.dataset.error;
  }

  #adopt(cluster, script = []) {
    this.#player.load(cluster, script);
    this.#seen = 0;
    this.#lastRunEventAt = 0;
    this.#ended = false;
    this.#out("verdict").textContent = "";
    const st = cluster.state();
    const nodes = [...st.proposers.map((p) => p.id), ...st.acceptors.map((a) => a.id)];
    this.#timeline.reset(nodes, st.network.latency.max, cluster);
    this.#timeline.follow = true;
    this.#showNodes(st);
    this.#render();
  }

  /** With controls="full", a crash/restart button per acceptor. */
  #showNodes(st) {
    const box = this.#root.querySelector(".nodes");
    if (!box) return;
    box.textContent = "";
    for (const a of st.acceptors) {
      const b = document.createElement("button");
      b.dataset.node = a.id;
      b.textContent = `crash/restart ${a.id}`;
      box.append(b);
    }
  }

  #showPlaying(on, { quiet = false } = {}) {
    const b = this.#root.querySelector('[data-do="play"]');
    b.setAttribute("aria-pressed", String(on));
    b.textContent = on ? "❚❚ Pause" : "▶ Play";
    if (!quiet) this.dispatchEvent(new CustomEvent("state", { detail: { playing: on } }));
  }

  /** `n` workers × `m` increments of "workers", driven by the simulation (in virtual time). */
  #workers(n, m) {
    this.cluster.runWorkers({ workers: n, increments: m });
  }

  #run(label, start) {
    const c = this.cluster;
    start().then(
      (v) => c === this.cluster && this.#status(`${label} → ${JSON.stringify(v) ?? "undefined"}`),
      (e) => c === this.cluster && this.#status(`${label} ✗ ${e.name}: ${e.message}`, true),
    );
  }

  /** The latest result; a violation has a line of its own (`verdict`) that results never overwrite. */
  #status(text, bad = false) {
    const s = this.#out("status");
    s.textContent = text;
    s.className = bad ? "status bad" : "status";
  }

  /** Checks the run when operations returned: the verdict line shows check()'s violation — the
   * first linearizability violation, else the first step-oracle finding — and follows it when it
   * changes (an oracle can fire before the operation that breaks linearizability returns). */
  #recheck() {
    const report = this.cluster.check();
    const v = report.violation;
    if (!v) return;
    const oracles = [...new Set(report.oracles.map((o) => o.kind).filter((k) => k !== v.kind))];
    const also = oracles.length ? ` (the ${oracles.join(", ")} oracle fired too)` : "";
    const text = `${v.kind === "linearizability" ? "Not linearizable" : `Safety violated (${v.kind})`}: ${v.explanation}${also}`;
    if (text === this.#out("verdict").textContent) return;
    this.#out("verdict").textContent = text;
    this.dispatchEvent(new CustomEvent("violation", { detail: v }));
  }

  #render() {
    const c = this.cluster;
    if (!c) return;
    const events = c.events(this.#seen);
    this.#seen += events.length;
    this.#timeline.ingest(events);
    this.#timeline.render(c.now);
    this.#out("now").textContent = c.now;
    let returned = 0;
    for (const e of events) {
      if (RUN_EVENTS.has(e.kind)) this.#lastRunEventAt = e.at;
      if (e.kind !== "return") continue;
      returned += 1;
      this.dispatchEvent(new CustomEvent("operation", { detail: { op: e.op, node: e.node, outcome: e.outcome, at: e.at } }));
      this.#root.querySelector(".live").textContent = `operation ${e.op} on ${e.node}: ${e.outcome}`;
    }
    if (returned) this.#recheck();
    if (this.#scenario && !this.#ended && this.#player.isOver()) {
      this.#ended = true;
      this.pause();
      this.dispatchEvent(new CustomEvent("end", { detail: { at: this.#lastRunEventAt, now: c.now } }));
    }
  }
}

if (!customElements.get("caspaxos-playground")) customElements.define("caspaxos-playground", CaspaxosPlayground);
