import type { OverviewSample } from "./overview.ts";
import { type OverviewSummary, summarize } from "./overview.ts";

/** One point of the rate history; `t` in seconds since the epoch (uPlot's time unit). */
export interface RatePoint {
  /** Time of the sample, seconds since the epoch. */
  readonly t: number;
  /** Messages in per second. */
  readonly inMsgs: number;
  /** Messages out per second. */
  readonly outMsgs: number;
  /** Bytes in per second. */
  readonly inBytes: number;
  /** Bytes out per second. */
  readonly outBytes: number;
  /** CPU use in percent of one core. */
  readonly cpu: number;
  /** Resident memory in bytes. */
  readonly mem: number;
  /** Client connections. */
  readonly connections: number;
}

/** Rate history as parallel arrays (uPlot's data layout); `t` in seconds since the epoch. */
export type RateSeries = { readonly [K in keyof RatePoint]: number[] };

/** The Overview's latest figures, or why there are none. */
export interface OverviewState {
  /** When they were read (ms since the epoch). */
  readonly at: number;
  /** The headline figures of the latest sample that succeeded, null before the first. */
  readonly summary: OverviewSummary | null;
  /** Why the latest read failed (the monitoring port is unreachable), or null. */
  readonly error: string | null;
}

/** Options of {@linkcode OverviewSampler}. */
export interface OverviewSamplerOptions {
  /** Sampling interval (default 2000 ms): also the step of the rate history. */
  readonly intervalMs?: number;
  /** Rate points kept (default 300: ten minutes at 2 s). */
  readonly capacity?: number;
  /** Sampling stops this long after the last reader left (default 5 minutes). */
  readonly idleMs?: number;
  /** Shortest time between two reads when something pokes the sampler (default 500 ms). */
  readonly minGapMs?: number;
  /** Receives the figures after every read. */
  readonly onOverview?: (state: OverviewState) => void;
  /** Receives each new rate point. */
  readonly onRate?: (point: RatePoint) => void;
}

const FIELDS = [
  "t",
  "inMsgs",
  "outMsgs",
  "inBytes",
  "outBytes",
  "cpu",
  "mem",
  "connections",
] as const;

/**
 * The one sampler of the Overview's monitoring endpoints (varz, healthz, jsz) for every open
 * page: it reads them every `intervalMs` while anyone watches (a live subscriber, or a page
 * loaded within `idleMs`), turns consecutive `/varz` counters into rates, and shares each read
 * with every caller, so fifty open Overviews cost the server what one does. A connect or
 * disconnect seen on the SYS account {@linkcode OverviewSampler.poke}s it, so the figures follow
 * within a fraction of a second without polling faster.
 */
export class OverviewSampler {
  readonly #read: () => Promise<OverviewSample>;
  readonly #intervalMs: number;
  readonly #capacity: number;
  readonly #idleMs: number;
  readonly #minGapMs: number;
  readonly #onOverview: (state: OverviewState) => void;
  readonly #onRate: (point: RatePoint) => void;
  readonly #series: RateSeries = Object.fromEntries(
    FIELDS.map((f) => [f, []]),
  ) as unknown as RateSeries;
  #timer: ReturnType<typeof setInterval> | undefined;
  #poke: ReturnType<typeof setTimeout> | undefined;
  #inFlight: Promise<OverviewSample> | undefined;
  #latest: { sample: OverviewSample; at: number } | undefined;
  #state: OverviewState | undefined;
  #base: { t: number; sample: OverviewSample } | undefined;
  #lastStart = 0;
  #lastRead = 0;
  #watchers = 0;
  #reads = 0;

  /**
   * Creates a sampler; it starts with the first reader.
   *
   * @param read reads varz, healthz and jsz (see `readOverview`)
   * @param options interval, capacity, idle pause, listeners
   */
  constructor(read: () => Promise<OverviewSample>, options: OverviewSamplerOptions = {}) {
    this.#read = read;
    this.#intervalMs = options.intervalMs ?? 2000;
    this.#capacity = options.capacity ?? 300;
    this.#idleMs = options.idleMs ?? 300_000;
    this.#minGapMs = options.minGapMs ?? 500;
    this.#onOverview = options.onOverview ?? (() => {});
    this.#onRate = options.onRate ?? (() => {});
  }

  /**
   * A sample younger than `maxAgeMs`: the latest one, or a read now shared with every caller
   * waiting for it. Keeps the sampler running for `idleMs`.
   *
   * @param maxAgeMs how old the sample may be (default: the interval)
   * @returns varz, healthz and jsz
   * @throws {MonitorUnreachableError} when the server does not answer
   */
  sample(maxAgeMs: number = this.#intervalMs): Promise<OverviewSample> {
    this.#lastRead = Date.now();
    this.#run();
    const latest = this.#latest;
    if (latest !== undefined && Date.now() - latest.at < maxAgeMs) {
      return Promise.resolve(latest.sample);
    }
    return this.#readNow();
  }

  /**
   * Keeps the sampler running while a live subscriber watches.
   *
   * @returns a function to call when it stops watching
   */
  watch(): () => void {
    this.#watchers++;
    this.#lastRead = Date.now();
    this.#run();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#watchers--;
      this.#lastRead = Date.now();
    };
  }

  /** Something changed (a client connected): read again soon, if anyone watches. */
  poke(): void {
    if (this.#timer === undefined || this.#poke !== undefined) return;
    const wait = Math.max(20, this.#lastStart + this.#minGapMs - Date.now());
    this.#poke = setTimeout(() => {
      this.#poke = undefined;
      void this.#readNow().catch(() => {});
    }, wait);
  }

  /**
   * The latest figures (for a subscriber's first event).
   *
   * @returns them, or undefined before the first read
   */
  state(): OverviewState | undefined {
    return this.#state;
  }

  /**
   * The rate history so far.
   *
   * @returns copies of the arrays
   */
  series(): RateSeries {
    this.#lastRead = Date.now();
    this.#run();
    return Object.fromEntries(
      FIELDS.map((f) => [f, [...this.#series[f]]]),
    ) as unknown as RateSeries;
  }

  /**
   * How many reads were made (each read is one request to each of the three endpoints).
   *
   * @returns the count
   */
  reads(): number {
    return this.#reads;
  }

  /** Stops sampling (history is kept; the next reader starts it again). */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#poke !== undefined) clearTimeout(this.#poke);
    this.#timer = undefined;
    this.#poke = undefined;
  }

  #run(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#tick(), this.#intervalMs);
    const latest = this.#latest;
    if (latest === undefined || Date.now() - latest.at > this.#intervalMs) {
      void this.#readNow().catch(() => {});
    }
  }

  #tick(): void {
    if (this.#watchers === 0 && Date.now() - this.#lastRead > this.#idleMs) return this.stop();
    void this.#readNow().catch(() => {});
  }

  #readNow(): Promise<OverviewSample> {
    if (this.#inFlight !== undefined) return this.#inFlight;
    this.#lastStart = Date.now();
    this.#reads++;
    const read = this.#read().then(
      (sample) => {
        this.#record(sample, Date.now());
        return sample;
      },
      (e: unknown) => {
        // Unreachable server: a gap in the rates; the figures say why.
        this.#base = undefined;
        this.#latest = undefined;
        this.#publish({
          at: Date.now(),
          summary: this.#state?.summary ?? null,
          error: e instanceof Error ? e.message : String(e),
        });
        throw e;
      },
    ).finally(() => this.#inFlight = undefined);
    this.#inFlight = read;
    return read;
  }

  #record(sample: OverviewSample, at: number): void {
    this.#latest = { sample, at };
    this.#publish({ at, summary: summarize(sample), error: null });
    const t = Date.parse(sample.varz.now) || at;
    const base = this.#base;
    // A rate point per interval: reads between (pokes) update the figures, not the chart.
    if (base !== undefined && t - base.t < this.#intervalMs * 0.75) return;
    this.#base = { t, sample };
    if (base === undefined || t <= base.t) return;
    const dt = (t - base.t) / 1000;
    const v = sample.varz;
    const p = base.sample.varz;
    const rate = (a: number, b: number) => Math.max(0, (a - b) / dt);
    const point: RatePoint = {
      t: t / 1000,
      inMsgs: rate(v.in_msgs, p.in_msgs),
      outMsgs: rate(v.out_msgs, p.out_msgs),
      inBytes: rate(v.in_bytes, p.in_bytes),
      outBytes: rate(v.out_bytes, p.out_bytes),
      cpu: v.cpu,
      mem: v.mem,
      connections: v.connections,
    };
    for (const f of FIELDS) {
      const a = this.#series[f];
      a.push(point[f]);
      if (a.length > this.#capacity) a.shift();
    }
    this.#onRate(point);
  }

  #publish(state: OverviewState): void {
    this.#state = state;
    this.#onOverview(state);
  }
}
