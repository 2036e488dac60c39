/** Options of {@linkcode LoginThrottle}. */
export interface LoginThrottleOptions {
  /** Login attempts per key within one window (default 10). */
  readonly maxAttempts?: number;
  /** The window, in milliseconds (default one minute). */
  readonly windowMs?: number;
  /** Keys kept at most; beyond, the oldest are forgotten (default 10,000). */
  readonly maxKeys?: number;
}

/**
 * Counts login attempts per key (a client address, a user name) in a fixed window. An attempt
 * is counted when it is taken, before any password is checked, and in the same synchronous step
 * as the check: attempts that arrive together (headers first, bodies later) cannot all pass the
 * check before one of them is counted. A successful login clears its keys.
 *
 * @example
 * ```ts
 * const throttle = new LoginThrottle();
 * if (!throttle.take(`addr:${ip}`)) return tooMany();
 * ```
 */
export class LoginThrottle {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #entries = new Map<string, { count: number; since: number }>();

  /** @param options attempts per window, the window, and how many keys are kept */
  constructor(options: LoginThrottleOptions = {}) {
    this.#max = options.maxAttempts ?? 10;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#maxKeys = options.maxKeys ?? 10_000;
  }

  /**
   * Counts one attempt for `key`, if it has attempts left.
   *
   * @param key e.g. `addr:192.0.2.7` or `user:admin`
   * @param now the current time in ms
   * @returns false when the key has used up its attempts in this window (nothing is counted)
   */
  take(key: string, now = Date.now()): boolean {
    let entry = this.#entries.get(key);
    if (entry === undefined || now - entry.since >= this.#windowMs) {
      entry = { count: 0, since: now };
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      this.#bound(now);
    }
    if (entry.count >= this.#max) return false;
    entry.count++;
    return true;
  }

  /**
   * Seconds until `key` may try again (for `Retry-After`).
   *
   * @param key the key
   * @param now the current time in ms
   * @returns whole seconds, at least 1
   */
  retryAfterS(key: string, now = Date.now()): number {
    const entry = this.#entries.get(key);
    if (entry === undefined) return 1;
    return Math.max(1, Math.ceil((entry.since + this.#windowMs - now) / 1000));
  }

  /**
   * Forgets a key's attempts (after a successful login).
   *
   * @param key the key
   */
  clear(key: string): void {
    this.#entries.delete(key);
  }

  #bound(now: number): void {
    if (this.#entries.size <= this.#maxKeys) return;
    for (const [k, v] of this.#entries) {
      if (now - v.since >= this.#windowMs) this.#entries.delete(k);
    }
    // Still full (a spray of fresh keys): forget the oldest; the per-address key still holds.
    for (const k of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxKeys) break;
      this.#entries.delete(k);
    }
  }
}
