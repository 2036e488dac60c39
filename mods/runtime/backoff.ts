/** How quickly a crashed module is started again. */
export interface BackoffOptions {
  /** Delay before the first restart, in milliseconds. */
  readonly initialMs: number;
  /** Each further consecutive crash multiplies the delay by this. */
  readonly factor: number;
  /** The delay never exceeds this, in milliseconds. */
  readonly maxMs: number;
  /** A module that ran at least this long before exiting counts as healthy: the delay resets. */
  readonly resetAfterMs: number;
}

/** 1 s, 2 s, 4 s, … up to 30 s; back to 1 s after a minute of running. */
export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({
  initialMs: 1000,
  factor: 2,
  maxMs: 30_000,
  resetAfterMs: 60_000,
});

/**
 * The delay before restart number `crashes` of a run of consecutive crashes (exponential).
 *
 * @param crashes consecutive crashes so far, 1 for the first
 * @param options the backoff policy
 * @returns milliseconds to wait
 * @example
 * ```ts
 * backoffDelay(1); // 1000
 * backoffDelay(3); // 4000
 * backoffDelay(20); // 30000
 * ```
 */
export function backoffDelay(crashes: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const n = Math.max(1, Math.floor(crashes));
  return Math.min(options.maxMs, options.initialMs * options.factor ** (n - 1));
}

/**
 * Counts consecutive crashes: a module that ran for `resetAfterMs` or longer starts a new run.
 *
 * @param previous consecutive crashes before this exit
 * @param ranForMs how long the module ran before this exit
 * @param options the backoff policy
 * @returns consecutive crashes including this exit
 */
export function countCrash(
  previous: number,
  ranForMs: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
): number {
  return ranForMs >= options.resetAfterMs ? 1 : previous + 1;
}
