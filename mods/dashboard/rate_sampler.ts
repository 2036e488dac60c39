/** The counters of /varz the sampler turns into rates. */
export interface VarzCounters {
  readonly now: string;
  readonly in_msgs: number;
  readonly out_msgs: number;
  readonly in_bytes: number;
  readonly out_bytes: number;
  readonly cpu: number;
  readonly mem: number;
  readonly connections: number;
}

/** Rate history as parallel arrays (uPlot's data layout); times in seconds since the epoch. */
export interface RateSeries {
  readonly t: number[];
  readonly inMsgs: number[];
  readonly outMsgs: number[];
  readonly inBytes: number[];
  readonly outBytes: number[];
  readonly cpu: number[];
  readonly mem: number[];
  readonly connections: number[];
}

/**
 * Samples /varz at a fixed interval and keeps the last `capacity` rates (messages and bytes per
 * second in and out, CPU, memory, connections), so the Overview chart has history on first load.
 * Sampling starts with the first reader and pauses after `idleMs` without one.
 */
export class RateSampler {
  readonly #fetch: () => Promise<VarzCounters>;
  readonly #intervalMs: number;
  readonly #capacity: number;
  readonly #idleMs: number;
  #last: { t: number; v: VarzCounters } | undefined;
  #series: RateSeries = {
    t: [],
    inMsgs: [],
    outMsgs: [],
    inBytes: [],
    outBytes: [],
    cpu: [],
    mem: [],
    connections: [],
  };
  #timer: ReturnType<typeof setInterval> | undefined;
  #lastRead = 0;
  #busy = false;

  /**
   * @param fetch reads /varz
   * @param options interval (default 2 s), capacity (default 300 samples), idle pause (5 min)
   */
  constructor(
    fetch: () => Promise<VarzCounters>,
    options: { intervalMs?: number; capacity?: number; idleMs?: number } = {},
  ) {
    this.#fetch = fetch;
    this.#intervalMs = options.intervalMs ?? 2000;
    this.#capacity = options.capacity ?? 300;
    this.#idleMs = options.idleMs ?? 300_000;
  }

  /**
   * The history so far; starts sampling if it was paused.
   *
   * @returns the series (copies)
   */
  series(): RateSeries {
    this.#lastRead = Date.now();
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#tick(), this.#intervalMs);
      void this.#tick();
    }
    const s = this.#series;
    return {
      t: [...s.t],
      inMsgs: [...s.inMsgs],
      outMsgs: [...s.outMsgs],
      inBytes: [...s.inBytes],
      outBytes: [...s.outBytes],
      cpu: [...s.cpu],
      mem: [...s.mem],
      connections: [...s.connections],
    };
  }

  async #tick(): Promise<void> {
    if (Date.now() - this.#lastRead > this.#idleMs) return this.stop();
    if (this.#busy) return;
    this.#busy = true;
    try {
      const v = await this.#fetch();
      const t = Date.parse(v.now) || Date.now();
      const prev = this.#last;
      this.#last = { t, v };
      if (prev && t > prev.t) {
        const dt = (t - prev.t) / 1000;
        const rate = (a: number, b: number) => Math.max(0, (a - b) / dt);
        this.#push(
          t / 1000,
          rate(v.in_msgs, prev.v.in_msgs),
          rate(v.out_msgs, prev.v.out_msgs),
          rate(v.in_bytes, prev.v.in_bytes),
          rate(v.out_bytes, prev.v.out_bytes),
          v.cpu,
          v.mem,
          v.connections,
        );
      }
    } catch {
      // Unreachable server: a gap in the chart; the page itself reports the error.
      this.#last = undefined;
    } finally {
      this.#busy = false;
    }
  }

  #push(...values: number[]): void {
    const s = this.#series;
    const arrays = [s.t, s.inMsgs, s.outMsgs, s.inBytes, s.outBytes, s.cpu, s.mem, s.connections];
    arrays.forEach((a, i) => {
      a.push(values[i]!);
      if (a.length > this.#capacity) a.shift();
    });
  }

  /** Stops sampling (history is kept). */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
