// <caspaxos-playground>: a self-contained playground widget for tutorials. One script tag:
//   <script type="module" src="https://host/caspaxos/element.js"></script>
//   <caspaxos-playground scenario="minority" controls="minimal" autoplay></caspaxos-playground>
// Attributes: seed, acceptors, proposers, scenario, controls="minimal|full", autoplay.
// Events: "ready", "operation" (detail: { op, node, outcome, at }), "violation" (detail:
// check()'s violation, with its kind; again whenever the violation it reports changes), "moment"
// (detail: { index, say, event }: the run reached a moment armed with pauseAt() and paused there),
// "end" (the scenario's run is over: nothing to come, nothing in flight), "state" (detail:
// { playing }).
// Methods: play(), pause(), step(), seek(ms), load(scenarioId), restore(session, point?),
// pauseAt(moments), continue(), saveState(), restoreState(state); properties `cluster`, `speed`.
// Styles live in a shadow root; several widgets share one wasm module; a widget pauses while the
// tab is hidden or it is scrolled off-screen.
import init, { Cluster } from "./pkg/caspaxos_playground.js";
import { Timeline } from "./timeline.js";
import { SCENARIOS } from "./scenarios.js";
import { Moments } from "./narration.js";

const wasmReady = init();
const reducedMotion = globalThis.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;
/** The longest a jump (reduced motion, or continue() without animation) runs, in virtual ms. */
const JUMP_LIMIT_MS = 120000;

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
  #cluster = null;
  #timeline = null;
  #seen = 0;
  #script = [];
  #playing = false;
  #stepping = false;
  #speed = 0.1; // virtual ms per real ms
  #visible = true;
  #carry = 0;
  #last = 0;
  #raf = 0;
  #observer = null;
  #built = false;
  #scenario = null;
  #moments = new Moments();
  #momentSeq = 0; // the first event not yet looked at for a moment
  #awaited = new Set(); // operations started from the widget's own button
  #ended = false;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: "open" });
  }

  get cluster() {
    return this.#cluster;
  }

  get playing() {
    return this.#playing;
  }

  /** Virtual ms per real ms while playing (0.001..100). */
  get speed() {
    return this.#speed;
  }

  set speed(v) {
    const n = Number(v);
    if (!(n >= 0.001 && n <= 100)) throw Object.assign(new Error(`speed must be in 0.001..100, got ${v}`), { name: "InvalidArgument" });
    this.#speed = n;
    const input = this.#root.querySelector('[data-in="speed"]');
    if (input) input.value = String(Math.log10(n));
    const out = this.#root.querySelector('[data-out="speed"]');
    if (out) out.textContent = `${n < 1 ? n.toPrecision(1) : Math.round(n)}×`;
  }

  async connectedCallback() {
    if (!this.#built) this.#build();
    await wasmReady;
    if (!this.isConnected) return;
    this.#reset();
    this.#observer = new IntersectionObserver((entries) => {
      this.#visible = entries.some((e) => e.isIntersecting);
    });
    this.#observer.observe(this);
    document.addEventListener("visibilitychange", this.#onVisibility);
    this.#last = performance.now();
    this.#raf = requestAnimationFrame(this.#frame);
    if (this.hasAttribute("autoplay") && !reducedMotion) this.play();
    this.dispatchEvent(new CustomEvent("ready", { detail: { now: this.#cluster.now } }));
  }

  disconnectedCallback() {
    cancelAnimationFrame(this.#raf);
    this.#observer?.disconnect();
    document.removeEventListener("visibilitychange", this.#onVisibility);
    this.#cluster?.free();
    this.#cluster = null;
  }

  attributeChangedCallback() {
    if (this.#cluster) this.#reset();
  }

  play() {
    this.#setPlaying(true);
  }

  pause() {
    this.#setPlaying(false);
  }

  /** One event; when nothing is scheduled, time jumps to the scenario's next action. Pauses. */
  step() {
    this.#setPlaying(false);
    this.#stepping = true;
    this.#advanceScript(0);
    if (!this.#cluster.step() && this.#script.length) this.#advanceScript(this.#script[0][0] - this.#cluster.now);
    this.#render();
  }

  /** Replays this widget's run to virtual time `ms`; the scenario's actions to come stay. */
  seek(ms) {
    const session = this.#cluster.sessionLink(); // the tape: one string across the boundary
    const script = this.#script.slice();
    const next = Cluster.fromSession(session, { until: Math.max(0, Math.round(ms)) });
    this.#cluster.free();
    this.#adopt(next);
    this.#script = script;
    this.#render();
  }

  /** Replays a saved session (from `cluster.session()`) to `point` (`{ until }`, or the exact
   * `{ steps, at }` read from `cluster.steps` and `cluster.now`), or to its last action. */
  restore(session, point) {
    const next = Cluster.fromSession(session, point);
    this.#script = [];
    this.#scenario = null;
    this.#cluster?.free();
    this.#adopt(next);
  }

  /** Loads a scenario by id (the page's scenarios). */
  load(id) {
    if (this.getAttribute("scenario") === id) this.#reset();
    else this.setAttribute("scenario", id);
  }

  /** Arms moments (`[{ on: eventPattern, say }]`, see claims.js): the run pauses at each one's
   * event, in order, and dispatches "moment". */
  pauseAt(moments) {
    this.#moments = new Moments(moments, { inOrder: true });
    this.#momentSeq = this.#cluster ? this.#cluster.eventCount : 0;
  }

  /** Runs on to the next armed moment (or to the end): plays it, or with reduced motion jumps
   * there at once. */
  continue() {
    this.#stepping = false;
    if (!reducedMotion) return this.play();
    this.#setPlaying(false);
    const c = this.#cluster;
    const limit = c.now + JUMP_LIMIT_MS;
    while (!this.#over() && c.now < limit && !this.#tick(1)) { /* jump */ }
    this.#render();
  }

  /** Everything needed to come back to this exact point: the run, the scenario's actions to come,
   * the moments passed, the status lines and the timeline's view. Null if the run used code. */
  saveState() {
    const c = this.#cluster;
    if (!c?.replayable) return null;
    const tl = this.#timeline;
    return {
      session: c.session(),
      point: { steps: c.steps, at: c.now },
      scenario: this.#scenario,
      script: this.#script.slice(),
      moments: { list: this.#moments.moments, inOrder: this.#moments.inOrder, passed: this.#moments.next },
      status: { text: this.#out("status").textContent, bad: this.#out("status").classList.contains("bad") },
      verdict: this.#out("verdict").textContent,
      view: { t0: tl.t0, msPerPx: tl.msPerPx, follow: tl.follow },
      ended: this.#ended,
      speed: this.#speed,
    };
  }

  /** Comes back to a point taken with saveState(), paused. */
  restoreState(state) {
    this.#setPlaying(false);
    const next = Cluster.fromSession(state.session, state.point);
    this.#cluster?.free();
    this.#scenario = null;
    this.#script = [];
    this.#adopt(next);
    this.#scenario = state.scenario;
    this.#script = state.script.slice();
    this.#moments = new Moments(state.moments.list, { inOrder: state.moments.inOrder });
    this.#moments.skip(state.moments.passed);
    this.#momentSeq = next.eventCount;
    this.#status(state.status.text, state.status.bad);
    this.#out("verdict").textContent = state.verdict;
    this.#ended = state.ended;
    this.speed = state.speed;
    Object.assign(this.#timeline, state.view);
    this.#render();
  }

  #onVisibility = () => {
    if (document.hidden) this.#last = performance.now();
  };

  #out(name) {
    return this.#root.querySelector(`[data-out="${name}"]`);
  }

  #build() {
    this.#built = true;
    const css = new URL("./timeline.css", import.meta.url).href;
    const full = this.getAttribute("controls") === "full";
    this.#root.innerHTML = `<link rel="stylesheet" href="${css}"><style>${STYLE}</style>
      <div class="bar" role="toolbar" aria-label="Playground controls">
        <button part="button" data-do="play" aria-pressed="false">▶ Play</button>
        <button part="button" data-do="step">Step</button>
        <button part="button" data-do="restart">Restart</button>
        ${full ? `<label class="speed">speed <input data-in="speed" type="range" min="-3" max="2" step="0.1" value="-1" aria-label="speed"> <output data-out="speed">0.1×</output></label>
        <button part="button" data-do="zoom-in" title="Zoom in" aria-label="Zoom in">+</button><button part="button" data-do="zoom-out" title="Zoom out" aria-label="Zoom out">−</button><button part="button" data-do="fit" title="Show the whole run">Fit</button>
        <button part="button" data-do="increment">Increment</button><span class="nodes"></span>` : ""}
        <span class="clock">t = <output data-out="now">0</output> ms</span>
      </div>
      <div class="timeline" tabindex="0" aria-label="Ballot timeline"></div>
      <div class="status" data-out="status" role="status"></div>
      <div class="verdict" data-out="verdict" role="alert"></div>
      <div class="live" aria-live="polite"></div>`;
    this.#root.addEventListener("click", (e) => {
      const b = e.target.closest("button");
      if (!b || !this.#cluster) return;
      const what = b.dataset.do;
      const tl = this.#timeline;
      if (what === "play") this.#setPlaying(!this.#playing);
      else if (what === "step") this.step();
      else if (what === "restart") this.#reset();
      else if (what === "zoom-in") { tl.zoom(0.7); tl.follow = false; this.#render(); }
      else if (what === "zoom-out") { tl.zoom(1.4); tl.follow = false; this.#render(); }
      else if (what === "fit") { tl.fit(this.#cluster.now); this.#render(); }
      else if (what === "increment") this.#increment();
      else if (b.dataset.node) this.#toggleNode(b.dataset.node);
    });
    this.#root.addEventListener("input", (e) => {
      if (e.target.dataset.in === "speed") this.speed = Number((10 ** Number(e.target.value)).toPrecision(2));
    });
    this.#timeline = new Timeline(this.#root.querySelector(".timeline"));
    this.#timeline.onUserMove = () => this.#render();
  }

  /** The Increment button: an operation needs virtual time, so time moves (see the page's
   * `needTime`): play starts, or with reduced motion the frame loop jumps to its end; while the
   * reader steps, the status says why it waits. */
  #increment() {
    const c = this.#cluster;
    const before = c.lastOperationId;
    this.#run("increment counter", () => c.increment("counter"));
    if (c.lastOperationId > before) this.#awaited.add(c.lastOperationId);
    if (this.#stepping) this.#status("increment counter … paused: Step runs one event, ▶ Play runs on");
    else if (!this.#playing && !reducedMotion) this.play();
  }

  #toggleNode(id) {
    const up = this.#cluster.state().acceptors.find((a) => a.id === id)?.up;
    if (up) this.#cluster.crash(id);
    else this.#cluster.restart(id);
    this.#render();
  }

  #int(name, fallback, min, max) {
    const v = Number(this.getAttribute(name));
    return this.hasAttribute(name) && Number.isInteger(v) && v >= min && v <= max ? v : fallback;
  }

  #reset() {
    const scenario = SCENARIOS.find((s) => s.id === this.getAttribute("scenario"));
    // The scenario's set-up, then what the attributes say explicitly.
    const config = { acceptors: 3, proposers: 2, seed: 1, ...(scenario?.config ?? {}) };
    const limits = Cluster.limits;
    config.acceptors = this.#int("acceptors", config.acceptors, 1, limits.acceptors);
    config.proposers = this.#int("proposers", config.proposers, 1, limits.proposers);
    config.seed = this.#int("seed", config.seed, 0, limits.safeInteger);
    let next;
    try {
      next = new Cluster({ ...config, autoAdvance: false });
    } catch (e) {
      this.#status(`${e.name}: ${e.message}`, true);
      return;
    }
    this.#cluster?.free();
    this.#scenario = null; // no "end" for the run being replaced
    this.#script = [];
    this.#adopt(next);
    this.#scenario = scenario?.id ?? null;
    this.#script = scenario ? scenario.script.map(([at, fn]) => [at, fn]).sort((a, b) => a[0] - b[0]) : [];
    this.#moments = new Moments();
    this.#status(scenario ? scenario.text : "");
    this.#out("verdict").textContent = "";
  }

  #adopt(cluster) {
    this.#cluster = cluster;
    this.#seen = 0;
    this.#momentSeq = 0;
    this.#ended = false;
    this.#stepping = false;
    this.#awaited.clear();
    this.#out("verdict").textContent = "";
    const st = cluster.state();
    const nodes = [...st.proposers.map((p) => p.id), ...st.acceptors.map((a) => a.id)];
    this.#timeline.reset(nodes, st.network.latency.max, cluster);
    this.#timeline.follow = true;
    const box = this.#root.querySelector(".nodes");
    if (box) {
      box.textContent = "";
      for (const a of st.acceptors) {
        const b = document.createElement("button");
        b.dataset.node = a.id;
        b.textContent = `crash/restart ${a.id}`;
        box.append(b);
      }
    }
    this.#render();
  }

  #setPlaying(on) {
    if (on) this.#stepping = false;
    const changed = on !== this.#playing;
    this.#playing = on;
    const b = this.#root.querySelector('[data-do="play"]');
    b.setAttribute("aria-pressed", String(on));
    b.textContent = on ? "❚❚ Pause" : "▶ Play";
    this.#last = performance.now();
    if (changed) this.dispatchEvent(new CustomEvent("state", { detail: { playing: on } }));
  }

  #frame = (ts) => {
    const dt = Math.min(100, ts - this.#last);
    this.#last = ts;
    if (this.#playing && this.#visible && !document.hidden && this.#cluster) {
      this.#carry += dt * this.#speed;
      const whole = Math.floor(this.#carry);
      this.#carry -= whole;
      if (whole > 0) {
        this.#tick(whole);
        this.#render();
      }
    } else if (reducedMotion && !this.#stepping && this.#cluster && this.#awaitedInFlight()) {
      const limit = this.#cluster.now + JUMP_LIMIT_MS;
      while (this.#awaitedInFlight() && this.#cluster.now < limit) this.#advanceScript(10);
      this.#render();
    }
    this.#raf = requestAnimationFrame(this.#frame);
  };

  #awaitedInFlight() {
    for (const id of this.#awaited) if (this.#cluster.operation(id)?.outcome !== null) this.#awaited.delete(id);
    return this.#awaited.size > 0;
  }

  /** Runs `ms` of virtual time; with a moment armed, one millisecond at a time, stopping (paused)
   * right after the millisecond its event happened in. Returns whether a moment was reached. */
  #tick(ms) {
    if (this.#moments.done) {
      this.#advanceScript(ms);
      return false;
    }
    for (let i = 0; i < ms; i++) {
      this.#advanceScript(1);
      const events = this.#cluster.events(this.#momentSeq);
      const [hit] = this.#moments.feed(events, { first: true });
      this.#momentSeq = hit ? hit.event.seq + 1 : this.#momentSeq + events.length;
      if (hit) {
        this.#setPlaying(false);
        this.#render();
        this.dispatchEvent(new CustomEvent("moment", { detail: { index: hit.index, say: hit.moment.say, event: hit.event } }));
        return true;
      }
    }
    return false;
  }

  #advanceScript(ms) {
    const c = this.#cluster;
    const target = c.now + ms;
    while (this.#script.length && this.#script[0][0] <= target) {
      const [at, fn] = this.#script.shift();
      if (at > c.now) c.runFor(at - c.now);
      try {
        fn(c, this.#api);
      } catch (e) {
        this.#status(`${e.name}: ${e.message}`, true);
      }
    }
    if (target > c.now) c.runFor(target - c.now);
  }

  #api = {
    run: (label, start) => this.#run(label, start),
    workers: (n, m) => {
      const c = this.#cluster;
      for (let w = 0; w < n; w++) {
        (async () => {
          for (let i = 0; i < m && c === this.#cluster; i++) await c.increment("workers", { proposer: `p${(w % 2) + 1}` }).catch(() => {});
        })();
      }
    },
  };

  #run(label, start) {
    const c = this.#cluster;
    start().then(
      (v) => c === this.#cluster && this.#status(`${label} → ${JSON.stringify(v) ?? "undefined"}`),
      (e) => c === this.#cluster && this.#status(`${label} ✗ ${e.name}: ${e.message}`, true),
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
    const report = this.#cluster.check();
    const v = report.violation;
    if (!v) return;
    const oracles = [...new Set(report.oracles.map((o) => o.kind).filter((k) => k !== v.kind))];
    const also = oracles.length ? ` (the ${oracles.join(", ")} oracle fired too)` : "";
    const text = `${v.kind === "linearizability" ? "Not linearizable" : `Safety violated (${v.kind})`}: ${v.explanation}${also}`;
    if (text === this.#out("verdict").textContent) return;
    this.#out("verdict").textContent = text;
    this.dispatchEvent(new CustomEvent("violation", { detail: v }));
  }

  /** The run is over: no scenario action to come, no operation in flight. */
  #over() {
    return this.#script.length === 0 && this.#cluster.pending === 0;
  }

  #render() {
    const c = this.#cluster;
    if (!c) return;
    const events = c.events(this.#seen);
    this.#seen += events.length;
    this.#timeline.ingest(events);
    this.#timeline.render(c.now);
    this.#out("now").textContent = c.now;
    let returned = 0;
    for (const e of events) {
      if (e.kind !== "return") continue;
      returned += 1;
      this.dispatchEvent(new CustomEvent("operation", { detail: { op: e.op, node: e.node, outcome: e.outcome, at: e.at } }));
      this.#root.querySelector(".live").textContent = `operation ${e.op} on ${e.node}: ${e.outcome}`;
    }
    if (returned) this.#recheck();
    if (this.#scenario && !this.#ended && this.#over()) {
      this.#ended = true;
      this.#setPlaying(false);
      this.dispatchEvent(new CustomEvent("end", { detail: { now: c.now } }));
    }
  }
}

if (!customElements.get("caspaxos-playground")) customElements.define("caspaxos-playground", CaspaxosPlayground);
