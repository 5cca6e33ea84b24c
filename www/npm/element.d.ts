// Types of the <caspaxos-playground> element (element.js). Checked against the element itself by
// tests/e2e/pack.test.mjs (every method, accessor, attribute and event here exists, and every
// public one there is here) and by `tsc --strict` against tests/e2e/types/usage.ts.
import type { Cluster, SessionDocument, CheckReport } from "./pkg/caspaxos_playground.js";

/** A moment to pause at: an event pattern (see the playground's claims) and what to say there. */
export interface Moment {
  on: Record<string, unknown>;
  say: string;
}

/** Where to replay a session to: a virtual time, or the exact point read from `cluster.steps`
 * and `cluster.now`. */
export type ReplayPoint = { until: number } | { steps: number; at: number };

/** Everything saveState() captures; pass it back to restoreState(). */
export interface WidgetState {
  session: SessionDocument;
  point: { steps: number; at: number };
  scenario: string | null;
  script: unknown[];
  moments: { list: Moment[]; inOrder: boolean; passed: number };
  status: { text: string; bad: boolean };
  verdict: string;
  view: { t0: number; msPerPx: number; follow: boolean };
  ended: boolean;
  speed: number;
}

/** The element's attributes (all strings in HTML). `seed`, `acceptors` and `proposers` are plain
 * decimal integers within `Cluster.limits` (seed 0..safeInteger). With a `scenario`, its own
 * settings hold: one of these that differs from them is an error naming it. */
export interface CaspaxosPlaygroundAttributes {
  seed?: string;
  acceptors?: string;
  proposers?: string;
  scenario?: string;
  controls?: "minimal" | "full";
  autoplay?: "" | "autoplay";
}

/** The events it dispatches, with their `detail`. */
export interface CaspaxosPlaygroundEventMap {
  ready: CustomEvent<{ now: number }>;
  operation: CustomEvent<{ op: string; node: string; outcome: string; at: number }>;
  violation: CustomEvent<NonNullable<CheckReport["violation"]>>;
  moment: CustomEvent<{ index: number; say: string; event: unknown }>;
  /** The scenario's run is over. `at`: when it became over (its last operation's return or
   * action, virtual ms), the same at any speed and after seeks; `now`: the clock when a frame
   * noticed, later by what that frame ran (it depends on frame timing). */
  end: CustomEvent<{ at: number; now: number }>;
  state: CustomEvent<{ playing: boolean }>;
  /** A bad attribute (also in the status line, `data-error` and on the console). */
  error: CustomEvent<Error>;
}

/** The element (element.js defines it and exports nothing: import it for its side effect).
 * play, pause, step, seek, restore, continue and restoreState need its cluster: before "ready"
 * (or after removal, or with a bad attribute) they throw an Error named "InvalidArgument"; so do
 * load() with an unknown id, pauseAt() with anything but `Moment[]` and seek() with anything but a finite number ≥ 0. */
export interface CaspaxosPlayground extends HTMLElement {
  /** The widget's cluster (null before it is connected). */
  readonly cluster: Cluster | null;
  readonly playing: boolean;
  /** Virtual ms per real ms. */
  speed: number;
  play(): void;
  pause(): void;
  step(): void;
  /** Replays to virtual time `ms` (a finite number ≥ 0, rounded to the nearest whole ms; beyond
   * `Cluster.limits.safeInteger`, to that time, where the clock ends: play stops there). */
  seek(ms: number): void;
  restore(session: SessionDocument | string, point?: ReplayPoint): void;
  load(scenarioId: string): void;
  pauseAt(moments: Moment[]): void;
  continue(): void;
  saveState(): WidgetState | null;
  restoreState(state: WidgetState): void;
  connectedCallback(): Promise<void>;
  disconnectedCallback(): void;
  attributeChangedCallback(name: string, before: string | null, after: string | null): void;
  addEventListener<K extends keyof CaspaxosPlaygroundEventMap>(
    type: K,
    listener: (this: CaspaxosPlayground, ev: CaspaxosPlaygroundEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
}

declare global {
  interface HTMLElementTagNameMap {
    "caspaxos-playground": CaspaxosPlayground;
  }
}
