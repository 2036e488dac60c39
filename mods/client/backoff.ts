/**
 * How long to wait between attempts: `initialMs`, multiplied by `factor` for every further
 * attempt, never more than `maxMs`, plus a random `0..jitterMs` so a fleet does not retry in
 * lockstep. The one retry policy of nunect: client reconnects, programs waiting for their server,
 * the supervisor restarting a module, notifications posting to a webhook.
 */
export interface Backoff {
  /** The wait before the first retry, in milliseconds. */
  readonly initialMs: number;
  /** Each further retry multiplies the wait by this (1: constant). */
  readonly factor: number;
  /** The wait never exceeds this (before jitter), in milliseconds. */
  readonly maxMs: number;
  /** Random extra wait of up to this much (default 0). */
  readonly jitterMs?: number;
}

/**
 * The wait before retry number `attempt` of a run of failures.
 *
 * @param attempt 1 for the first retry
 * @param policy the backoff
 * @param random a number in [0, 1) for the jitter
 * @returns milliseconds to wait
 * @example
 * ```ts
 * const policy = { initialMs: 1000, factor: 2, maxMs: 30_000 };
 * backoffDelay(1, policy); // 1000
 * backoffDelay(3, policy); // 4000
 * backoffDelay(20, policy); // 30000
 * ```
 */
export function backoffDelay(
  attempt: number,
  policy: Backoff,
  random: number = Math.random(),
): number {
  const n = Math.max(1, Math.floor(attempt));
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** (n - 1));
  return Math.round(base + random * (policy.jitterMs ?? 0));
}

/**
 * The wait due after `elapsedMs` of failures: the wait of the attempt that retrying by
 * {@linkcode backoffDelay} from the start of the failures would have reached by then. For a
 * caller that is asked for the wait repeatedly rather than once per attempt (nats.js's reconnect
 * loop).
 *
 * @param elapsedMs how long the failures have lasted
 * @param policy the backoff
 * @param random a number in [0, 1) for the jitter
 * @returns milliseconds to wait
 * @example
 * ```ts
 * const policy = { initialMs: 500, factor: 2, maxMs: 10_000 };
 * backoffAfter(0, policy); // 500
 * backoffAfter(1600, policy); // 2000: 500 and 1000 have passed
 * ```
 */
export function backoffAfter(
  elapsedMs: number,
  policy: Backoff,
  random: number = Math.random(),
): number {
  let attempt = 1;
  let waited = 0;
  for (;;) {
    const wait = backoffDelay(attempt, policy, 0);
    if (waited + wait > elapsedMs || wait >= policy.maxMs) break;
    waited += wait;
    attempt++;
  }
  return backoffDelay(attempt, policy, random);
}

/** Options of {@linkcode retry}. */
export interface RetryOptions {
  /** The waits between attempts. */
  readonly backoff: Backoff;
  /** Give up after this many attempts and throw the last error (default: never). */
  readonly attempts?: number;
  /**
   * Called after each failed attempt that will be retried, with the wait before the next; throw
   * from it to stop retrying (an error no retry can fix, e.g. a refused permission).
   */
  readonly onError?: (error: unknown, attempt: number, waitMs: number) => void;
  /** Stops retrying: the last error is thrown. */
  readonly signal?: AbortSignal;
}

/**
 * Runs `fn` until it resolves, waiting {@linkcode backoffDelay} between attempts.
 *
 * @param fn the attempt; receives its number, from 1
 * @param options backoff, attempt limit, error hook, abort signal
 * @returns what `fn` resolved to
 * @throws the last error when the attempts are used up or the signal aborts, or what `onError`
 *   throws
 * @example
 * ```ts
 * const client = await retry(() => connect(options), {
 *   backoff: { initialMs: 500, factor: 2, maxMs: 10_000, jitterMs: 500 },
 *   onError: (e, n, wait) => console.error(`attempt ${n}: ${e}; again in ${wait} ms`),
 * });
 * ```
 */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (options.signal?.aborted || attempt === options.attempts) throw e;
      const waitMs = backoffDelay(attempt, options.backoff);
      options.onError?.(e, attempt, waitMs);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          options.signal?.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, waitMs);
        options.signal?.addEventListener("abort", done);
      });
      if (options.signal?.aborted) throw e;
    }
  }
}
