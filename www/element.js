// <caspaxos-playground>: a self-contained playground widget for tutorials. One script tag:
//   <script type="module" src="https://host/caspaxos/element.js"></script>
//   <caspaxos-playground scenario="minority" controls="minimal" autoplay></caspaxos-playground>
// Attributes: seed, acceptors, proposers, scenario, controls="minimal|full", autoplay.
// Events: "ready", "operation" (detail: { op, node, outcome, at }), "violation" (detail:
// check()'s violation, with its kind). Methods: play(), pause(), step(), seek(ms), load(scenarioId),
// restore(session, point?); property `cluster`.
// Styles live in a shadow root; several widgets share one wasm module; a widget pauses while the
// tab is hidden or it is scrolled off-screen.
import init, { Cluster } from "./pkg/caspaxos_playground.js";
import { Timeline } from "./timeline.js";
import { SCENARIOS } from "./scenarios.js";

const wasmReady = init();
const reducedMotion = globalThis.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;

const STYLE = `
:host { display: block; font: 13px system-ui, sans-serif; color: #1d2430; border: 1px solid #d9dee6; border-radius: 8px; background: #fff; padding: 8px; contain: content; }
.bar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin-bottom: 6px; }
button { font: inherit; border: 1px solid #d9dee6; background: #fff; border-radius: 6px; padding: 3px 9px; cursor: pointer; }
button:hover { border-color: #2f6fdb; }
button[aria-pressed="true"] { background: #2f6fdb; color: #fff; }
:focus-visible { outline: 3px solid #ffbf47; outline-offset: 1px; }
.timeline { height: var(--caspaxos-height, 300px); border: 1px solid #e3e7ee; border-radius: 6px; background: #fbfcfd; overflow: hidden; }
.status { font-size: 12px; color: #5d6b7e; min-height: 1.2em; margin-top: 4px; overflow-wrap: anywhere; }
.status.bad { color: #c62f3b; }
.clock { font-variant-numeric: tabular-nums; color: #5d6b7e; }
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
  #visible = true;
  #carry = 0;
  #last = 0;
  #raf = 0;
  #observer = null;
  #built = false;
  #violated = false;
  #returns = 0;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: "open" });
  }

  get cluster() {
    return this.#cluster;
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

  /** One event; when nothing is scheduled, time jumps to the scenario's next action. */
  step() {
    this.#advanceScript(0);
    if (!this.#cluster.step() && this.#script.length) this.#advanceScript(this.#script[0][0] - this.#cluster.now);
    this.#render();
  }

  /** Replays this widget's run to virtual time `ms`. */
  seek(ms) {
    const session = this.#cluster.session();
    const next = Cluster.fromSession(session, { until: Math.max(0, Math.round(ms)) });
    this.#cluster.free();
    this.#adopt(next);
  }

  /** Replays a saved session (from `cluster.session()`) to `point` (`{ until }`, or the exact
   * `{ steps, at }` read from `cluster.steps` and `cluster.now`), or to its last action. */
  restore(session, point) {
    const next = Cluster.fromSession(session, point);
    this.#script = [];
    this.#cluster?.free();
    this.#adopt(next);
  }

  /** Loads a scenario by id (the page's scenarios). */
  load(id) {
    if (this.getAttribute("scenario") === id) this.#reset();
    else this.setAttribute("scenario", id);
  }

  #onVisibility = () => {
    if (document.hidden) this.#last = performance.now();
  };

  #build() {
    this.#built = true;
    const css = new URL("./timeline.css", import.meta.url).href;
    const full = this.getAttribute("controls") === "full";
    this.#root.innerHTML = `<link rel="stylesheet" href="${css}"><style>${STYLE}</style>
      <div class="bar" role="toolbar" aria-label="Playground controls">
        <button part="button" data-do="play" aria-pressed="false">▶ Play</button>
        <button part="button" data-do="step">Step</button>
        <button part="button" data-do="restart">Restart</button>
        ${full ? '<button part="button" data-do="increment">Increment</button><span class="nodes"></span>' : ""}
        <span class="clock">t = <output data-out="now">0</output> ms</span>
      </div>
      <div class="timeline" tabindex="0" aria-label="Ballot timeline"></div>
      <div class="status" data-out="status" role="status"></div>
      <div class="live" aria-live="polite"></div>`;
    this.#root.addEventListener("click", (e) => {
      const b = e.target.closest("button");
      if (!b || !this.#cluster) return;
      const what = b.dataset.do;
      if (what === "play") this.#setPlaying(!this.#playing);
      else if (what === "step") this.step();
      else if (what === "restart") this.#reset();
      else if (what === "increment") this.#run("increment counter", () => this.#cluster.increment("counter"));
      else if (b.dataset.node) this.#toggleNode(b.dataset.node);
    });
    this.#timeline = new Timeline(this.#root.querySelector(".timeline"));
    this.#timeline.onUserMove = () => this.#render();
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
    config.acceptors = this.#int("acceptors", config.acceptors, 1, 15);
    config.proposers = this.#int("proposers", config.proposers, 1, 9);
    config.seed = this.#int("seed", config.seed, 0, 2 ** 53 - 1);
    let next;
    try {
      next = new Cluster({ ...config, autoAdvance: false });
    } catch (e) {
      this.#status(`${e.name}: ${e.message}`, true);
      return;
    }
    this.#cluster?.free();
    this.#adopt(next);
    this.#script = scenario ? scenario.script.map(([at, fn]) => [at, fn]).sort((a, b) => a[0] - b[0]) : [];
    this.#status(scenario ? scenario.text : "");
  }

  #adopt(cluster) {
    this.#cluster = cluster;
    this.#seen = 0;
    this.#violated = false;
    this.#returns = 0;
    const st = cluster.state();
    const nodes = [...st.proposers.map((p) => p.id), ...st.acceptors.map((a) => a.id)];
    this.#timeline.reset(nodes, st.network.latency.max);
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
    this.#playing = on;
    const b = this.#root.querySelector('[data-do="play"]');
    b.setAttribute("aria-pressed", String(on));
    b.textContent = on ? "❚❚ Pause" : "▶ Play";
    this.#last = performance.now();
  }

  #frame = (ts) => {
    const dt = Math.min(100, ts - this.#last);
    this.#last = ts;
    if (this.#playing && this.#visible && !document.hidden && this.#cluster) {
      this.#carry += dt * 0.1;
      const whole = Math.floor(this.#carry);
      this.#carry -= whole;
      if (whole > 0) {
        this.#advanceScript(whole);
        this.#render();
      }
    }
    this.#raf = requestAnimationFrame(this.#frame);
  };

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

  #status(text, bad = false) {
    const s = this.#root.querySelector('[data-out="status"]');
    s.textContent = text;
    s.className = bad ? "status bad" : "status";
  }

  #render() {
    const c = this.#cluster;
    if (!c) return;
    const events = c.events(this.#seen);
    this.#seen += events.length;
    this.#timeline.ingest(events);
    this.#timeline.render(c.now);
    this.#root.querySelector('[data-out="now"]').textContent = c.now;
    let returned = 0;
    for (const e of events) {
      if (e.kind !== "return") continue;
      returned += 1;
      this.dispatchEvent(new CustomEvent("operation", { detail: { op: e.op, node: e.node, outcome: e.outcome, at: e.at } }));
      this.#root.querySelector(".live").textContent = `operation ${e.op} on ${e.node}: ${e.outcome}`;
    }
    if (returned && !this.#violated) {
      const report = c.check();
      if (report.violation) {
        this.#violated = true;
        const v = report.violation;
        this.#status(`${v.kind === "linearizability" ? "Not linearizable" : `Safety violated (${v.kind})`}: ${v.explanation}`, true);
        this.dispatchEvent(new CustomEvent("violation", { detail: report.violation }));
      }
    }
  }
}

if (!customElements.get("caspaxos-playground")) customElements.define("caspaxos-playground", CaspaxosPlayground);
