// Run to idle without freezing the page: the player's script, then the cluster's events, in
// slices of a few ms of work per animation frame, with the page drawn between them. The cluster
// runs exactly the steps of the script's actions and then one synchronous
// `cluster.runUntilIdle(maxEvents)` (runUntilIdle is a loop of steps, so runUntilIdle(a) then
// runUntilIdle(b) is runUntilIdle(a + b) cut in two): same events, same event-log hash. It stops after `maxEvents` events as runUntilIdle does, and
// says so; the reader may stop it sooner and start it again.

/** Real ms one frame's slice may take, the simulation and what is done with its events (the
 * rest of the frame draws). */
export const SLICE_MS = 8;
/** The least simulation a slice runs: one runUntilIdle call, however costly its events are. */
const MIN_SIM_MS = 0.25;
/** Events the first runUntilIdle call of a run asks for; later calls adapt to the time it took. */
const FIRST_CHUNK = 256;
/** Real ms one runUntilIdle call aims at, so a slice ends close to its budget. */
const CHUNK_MS = 1;

/** How the run ended: "idle" (nothing scheduled), "cap" (maxEvents run), "stopped" (the reader),
 * "replaced" (another cluster is shown: the run is over without a word). */
export class IdleRun {
  /**
   * @param {import("./player.js").Player} player whose script and cluster run
   * @param {object} opts
   * @param {number} opts.maxEvents events run at most (the cluster's own default: Cluster.limits.idleEvents)
   * @param {(run: IdleRun) => boolean} opts.onSlice after each slice: draw, say the progress;
   *   true when it also redrew what it redraws only now and then
   * @param {(run: IdleRun, why: string) => void} opts.onEnd once, when the run ends
   * @param {number} [opts.sliceMs]
   */
  constructor(player, { maxEvents, onSlice, onEnd, sliceMs = SLICE_MS }) {
    if (!Number.isSafeInteger(maxEvents) || maxEvents < 0) throw Object.assign(new Error(`maxEvents must be a whole number >= 0, got ${maxEvents}`), { name: "InvalidArgument" });
    this.player = player;
    this.cluster = player.cluster;
    this.maxEvents = maxEvents;
    this.onSlice = onSlice;
    this.onEnd = onEnd;
    this.sliceMs = sliceMs;
    this.events = 0; // events run by runUntilIdle so far (the script's own steps not counted, as in runToIdle)
    this.slices = 0;
    this.chunk = FIRST_CHUNK;
    this.simMs = sliceMs; // ms of simulation per slice, fitted so the whole slice takes sliceMs
    this.ended = null; // why it ended, once it has
    this.raf = 0;
  }

  get running() {
    return this.ended === null;
  }

  /** Runs the first slice now (a short run ends within the click), the rest one per frame. */
  start() {
    this.player.setPlaying(false);
    this.#slice();
    return this;
  }

  /** The reader stops it: the cluster stays where the last slice left it. */
  stop() {
    this.#end("stopped");
  }

  /** Another cluster is shown: ends without touching the new one. */
  abandon() {
    this.#end("replaced");
  }

  #end(why) {
    if (!this.running) return;
    cancelAnimationFrame(this.raf);
    this.ended = why;
    this.onEnd(this, why);
  }

  #slice = () => {
    if (!this.running) return;
    if (this.player.cluster !== this.cluster) return this.abandon();
    const start = performance.now();
    const until = start + this.simMs;
    let why = null;
    do why = this.#work(); while (!why && performance.now() < until);
    this.slices += 1;
    if (why) return this.#end(why);
    // A slice that also redrew the panels (now and then) says nothing of its events' cost.
    if (!this.onSlice(this)) this.#fit(performance.now() - start);
    this.raf = requestAnimationFrame(this.#slice);
  };

  /** One piece of work: the script's next action, or one runUntilIdle call. Returns why the run
   * ends ("idle", "cap") or null to go on. */
  #work() {
    const p = this.player;
    if (p.script.length) {
      p.advance(p.script[0][0] - this.cluster.now);
      return null;
    }
    const want = Math.min(this.chunk, this.maxEvents - this.events);
    const t0 = performance.now();
    const ran = want > 0 ? this.cluster.runUntilIdle(want) : 0;
    this.#adapt(ran, performance.now() - t0);
    this.events += ran;
    if (ran < want) return "idle";
    return this.events >= this.maxEvents ? "cap" : null;
  }

  /** Sizes the next slice's simulation so that it and what `onSlice` does with its events (the
   * timeline's fetch of them costs several times their simulation) take about `sliceMs`: by the
   * ratio this slice missed it by, at most halved or grown by a quarter at a time, so one slow
   * redraw does not starve the run. */
  #fit(spent) {
    const ratio = Math.min(1.25, Math.max(0.5, this.sliceMs / Math.max(spent, 0.01)));
    this.simMs = Math.min(this.sliceMs, Math.max(MIN_SIM_MS, this.simMs * ratio));
  }

  /** Sizes the next runUntilIdle call to take about CHUNK_MS at the rate this one ran. */
  #adapt(ran, ms) {
    if (ran < this.chunk) return;
    const perMs = ran / Math.max(ms, 0.05);
    this.chunk = Math.max(FIRST_CHUNK, Math.min(this.chunk * 4, Math.round(perMs * CHUNK_MS)));
  }
}
