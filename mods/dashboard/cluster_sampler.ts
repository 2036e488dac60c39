import type { ClusterServer } from "./cluster.ts";

/** What the `cluster` live event carries: every server that answered, or why none could. */
export interface ClusterState {
  /** When it was read (ms since the epoch). */
  readonly at: number;
  /** The servers that answered the STATSZ ping, by name. */
  readonly servers: readonly ClusterServer[];
  /** Why the cluster could not be read (no SYS connection), or null. */
  readonly error: string | null;
}

/** Options of {@linkcode ClusterSampler}. */
export interface ClusterSamplerOptions {
  /** How often the cluster is pinged while a page watches it (default 2000 ms). */
  readonly intervalMs?: number;
  /** Receives each new state. */
  readonly onState?: (state: ClusterState) => void;
}

/**
 * The one reader of the cluster's servers (a SYS STATSZ ping) for every open page: it pings while
 * at least one page watches, publishes each result, and pings again at once when a server enters
 * lame-duck mode or shuts down, so a member that goes away or comes back shows without a reload.
 */
export class ClusterSampler {
  readonly #read: () => Promise<ClusterServer[]>;
  readonly #intervalMs: number;
  readonly #onState: (state: ClusterState) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #watchers = 0;
  #state: ClusterState | undefined;
  #reading: Promise<ClusterState> | undefined;
  #stopped = false;

  /**
   * Creates the sampler; it pings once started.
   *
   * @param read pings the cluster (throws without a SYS connection)
   * @param options interval and the listener
   */
  constructor(read: () => Promise<ClusterServer[]>, options: ClusterSamplerOptions = {}) {
    this.#read = read;
    this.#intervalMs = options.intervalMs ?? 2000;
    this.#onState = options.onState ?? (() => {});
  }

  /**
   * Keeps the sampler running until the returned function is called.
   *
   * @returns stops watching
   */
  watch(): () => void {
    this.#watchers++;
    if (this.#watchers === 1) this.#schedule(0);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#watchers--;
    };
  }

  /** Reads again at once (a server event changed the cluster), when anyone watches. */
  poke(): void {
    if (this.#watchers > 0) this.#schedule(0);
  }

  /** The latest state, if any. */
  state(): ClusterState | undefined {
    return this.#state;
  }

  /**
   * The cluster now: the latest state when it is fresher than `maxAgeMs`, else a new read.
   *
   * @param maxAgeMs how old a state may be
   * @returns the state
   */
  current(maxAgeMs = this.#intervalMs): Promise<ClusterState> {
    const s = this.#state;
    if (s !== undefined && Date.now() - s.at < maxAgeMs) return Promise.resolve(s);
    return this.#readNow();
  }

  /** Stops for good. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(async () => {
      this.#timer = undefined;
      if (this.#watchers === 0) return;
      await this.#readNow();
      if (this.#watchers > 0 && this.#timer === undefined) this.#schedule(this.#intervalMs);
    }, delayMs);
  }

  #readNow(): Promise<ClusterState> {
    this.#reading ??= (async () => {
      let state: ClusterState;
      try {
        state = { at: Date.now(), servers: await this.#read(), error: null };
      } catch (e) {
        state = { at: Date.now(), servers: [], error: e instanceof Error ? e.message : String(e) };
      }
      this.#state = state;
      if (!this.#stopped) this.#onState(state);
      return state;
    })().finally(() => this.#reading = undefined);
    return this.#reading;
  }
}
