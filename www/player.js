// The one player loop, shared by the page (app.js), the <caspaxos-playground> element and so the
// tutorial: a Cluster in manual time, a scenario's script of actions at virtual times, play /
// pause / step at a speed, moments the run pauses at, and — with reduced motion — time that jumps
// instead of animating while an operation the reader started is in flight.
import { Moments } from "./narration.js";

export const reducedMotion = globalThis.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;

/** Speeds the player accepts, in virtual ms per real ms. */
export const SPEED_MIN = 0.001;
export const SPEED_MAX = 100;
/** The longest one jump (reduced motion, or continue() without animation) runs, in virtual ms. */
const JUMP_LIMIT_MS = 120000;
/** Real ms of work one frame may spend jumping, so the page stays responsive. */
const JUMP_BUDGET_MS = 8;
/** A frame never advances more than this many real ms (a background tab comes back calmly). */
const FRAME_MAX_MS = 100;
/** Where virtual time ends (`Cluster.limits.safeInteger`, the crate's MAX_CLOCK_MS): runFor stops
 * the clock there, having run everything due then, so play stops there too. */
const END_OF_TIME_MS = Number.MAX_SAFE_INTEGER;

/** Whether `v` is a speed the player accepts. */
export function validSpeed(v) {
  return typeof v === "number" && v >= SPEED_MIN && v <= SPEED_MAX;
}

/** How a speed reads: "0.1×", "5×". */
export function speedText(v) {
  return `${v < 1 ? v.toPrecision(1) : Math.round(v)}×`;
}

export class Player {
  /**
   * @param {object} host
   * @param {(player: Player) => void} host.render draws the run (after time moved)
   * @param {object} host.api what a scenario's actions get besides the cluster (`run`, `workers`)
   * @param {(e: Error) => void} host.onScriptError a scenario action threw
   * @param {() => boolean} [host.busy] the host has more to come (workers, a fuzz run, ...)
   * @param {() => boolean} [host.pauseWhenOver] whether play stops when the run is over
   * @param {() => void} [host.onOver] play stopped because the run is over
   * @param {(on: boolean) => void} [host.onPlaying] play started or stopped
   * @param {(hit) => void} [host.onMoment] the run paused at an armed moment
   * @param {() => boolean} [host.visible] whether to animate now (the element pauses off-screen)
   */
  constructor(host) {
    this.host = host;
    this.cluster = null;
    this.script = []; // [at, fn] still to come, sorted by time
    this.playing = false;
    this.stepping = false; // the reader steps event by event: an action does not start play
    this.speed = 0.1;
    this.carry = 0;
    this.last = 0;
    this.awaited = new Set(); // operations the reader started and waits for
    this.work = new Set(); // other work the reader waits for: functions, true while it runs
    this.moments = new Moments(); // armed with pauseAt(): the run pauses at each
    this.momentSeq = 0; // the first event not yet looked at for a moment
    this.raf = 0;
  }

  /** Plays `cluster` from here, with a scenario's `script` to come. The caller frees the old one. */
  load(cluster, script = []) {
    this.cluster = cluster;
    this.script = script.map(([at, fn]) => [at, fn]).sort((a, b) => a[0] - b[0]);
    this.awaited.clear();
    this.work.clear();
    this.carry = 0;
    this.stepping = false;
    this.momentSeq = cluster.eventCount;
  }

  /** Starts the frame loop; again, it restarts it (one loop, never two). */
  start() {
    cancelAnimationFrame(this.raf);
    this.last = performance.now();
    this.raf = requestAnimationFrame(this.#frame);
  }

  stop() {
    cancelAnimationFrame(this.raf);
  }

  setPlaying(on) {
    if (on) this.stepping = false;
    const changed = on !== this.playing;
    this.playing = on;
    this.last = performance.now();
    if (changed) this.host.onPlaying?.(on);
  }

  setSpeed(v) {
    if (!validSpeed(v)) throw Object.assign(new Error(`speed must be in ${SPEED_MIN}..${SPEED_MAX}, got ${v}`), { name: "InvalidArgument" });
    this.speed = v;
  }

  /** Operation `id` is one the reader waits for: with reduced motion, time jumps until it ends. */
  await(id) {
    this.awaited.add(id);
  }

  /** Other work the reader waits for (e.g. a workers run): `running()` is true until it ends. */
  awaitWork(running) {
    this.work.add(running);
  }

  /** Whether an operation or work the reader waits for is still running (forgets the ended). */
  awaitedInFlight() {
    for (const id of this.awaited) if (this.cluster.operation(id)?.outcome !== null) this.awaited.delete(id);
    for (const running of this.work) if (!running()) this.work.delete(running);
    return this.awaited.size + this.work.size > 0;
  }

  /** The reader acted: an operation needs virtual time, so time moves. Playing, it does; paused,
   * play starts — except while stepping, and with reduced motion, when the frame loop jumps. */
  needTime() {
    if (this.playing || this.stepping || reducedMotion) return;
    this.setPlaying(true);
  }

  /** Runs `ms` of virtual time, firing the script's actions at their times; `events`: also the
   * events an action scheduled at the very end (a step runs the action alone). */
  advance(ms, { events = true } = {}) {
    const c = this.cluster;
    const target = c.now + ms;
    let acted = false;
    while (this.script.length && this.script[0][0] <= target) {
      const [at, fn] = this.script.shift();
      if (at > c.now) c.runFor(at - c.now);
      acted = true;
      try {
        fn(c, this.host.api);
      } catch (e) {
        this.host.onScriptError(e);
      }
    }
    // An action at `target` may schedule events at `target` itself (messages released now).
    if (target > c.now || (acted && events)) c.runFor(target - c.now);
  }

  /** One event; when nothing is scheduled, time jumps to the script's next action. Pauses. */
  step() {
    this.setPlaying(false);
    this.stepping = true;
    if (this.script.length && this.script[0][0] <= this.cluster.now) this.advance(0, { events: false });
    if (!this.cluster.step() && this.script.length) this.advance(this.script[0][0] - this.cluster.now);
    this.host.render(this);
  }

  /** Nothing to come: no script action, no recorded action still on the tape (after a seek back),
   * no operation in flight, nothing the host waits for, no membership change running (its steps
   * wait for virtual time between them). */
  isOver() {
    const c = this.cluster;
    return this.script.length === 0 && (c.tape?.actions ?? 0) === 0 && c.pending === 0 && !(this.host.busy?.() ?? false) && c.membership?.().step == null;
  }

  /** Arms moments (`[{ on: eventPattern, say }]`): the run pauses at each one's event, in order. */
  pauseAt(moments) {
    this.moments = new Moments(moments, { inOrder: true });
    this.momentSeq = this.cluster ? this.cluster.eventCount : 0;
  }

  /** Runs `ms` of virtual time; with a moment armed, one ms at a time, stopping (paused) right
   * after the ms its event happened in. A moment whose event is already in the log (one instant
   * can hold several: a membership change's steps with nothing to wait for) is reached before
   * time moves. Returns whether a moment was reached. */
  tick(ms) {
    if (this.moments.done) {
      this.advance(ms);
      return false;
    }
    if (this.#reachedMoment()) return true;
    for (let i = 0; i < ms; i++) {
      this.advance(1);
      if (this.#reachedMoment()) return true;
    }
    return false;
  }

  /** Looks for the next armed moment among the events logged since the last look; pauses there. */
  #reachedMoment() {
    const events = this.cluster.events(this.momentSeq);
    const [hit] = this.moments.feed(events, { first: true });
    this.momentSeq = hit ? hit.event.seq + 1 : this.momentSeq + events.length;
    if (!hit) return false;
    this.setPlaying(false);
    this.host.render(this);
    this.host.onMoment?.(hit);
    return true;
  }

  /** Runs on to the next armed moment (or to the end): plays, or with reduced motion jumps. */
  continue() {
    this.stepping = false;
    if (!reducedMotion) return this.setPlaying(true);
    this.setPlaying(false);
    const limit = this.cluster.now + JUMP_LIMIT_MS;
    while (!this.isOver() && this.cluster.now < limit && !this.tick(1)) { /* jump */ }
    this.host.render(this);
  }

  /** With reduced motion, time jumps while an operation the reader started is in flight. */
  #jump() {
    const until = performance.now() + JUMP_BUDGET_MS;
    const limit = this.cluster.now + JUMP_LIMIT_MS;
    while (this.awaitedInFlight() && this.cluster.now < limit && performance.now() < until) this.advance(10);
  }

  #frame = (ts) => {
    const dt = Math.min(FRAME_MAX_MS, ts - this.last);
    this.last = ts;
    const visible = this.host.visible?.() ?? true;
    if (this.cluster && this.playing && visible) {
      this.carry += dt * this.speed;
      const whole = Math.floor(this.carry);
      this.carry -= whole;
      const paused = whole > 0 && this.tick(whole);
      if (!paused) this.host.render(this);
      if (this.playing && whole > 0 && this.cluster.now >= END_OF_TIME_MS) {
        this.setPlaying(false);
        this.host.render(this);
      } else if (this.playing && (this.host.pauseWhenOver?.() ?? true) && this.isOver()) {
        this.setPlaying(false);
        this.host.onOver?.();
      }
    } else if (reducedMotion && !this.stepping && this.cluster && this.awaited.size + this.work.size) {
      this.#jump();
      this.host.render(this);
    }
    this.raf = requestAnimationFrame(this.#frame);
  };
}
