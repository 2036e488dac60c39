import { type Backoff, backoffDelay } from "../../client/mod.ts";

/** Retries for notification HTTP posts: 0.5 s, 1 s, 2 s, 4 s between five attempts. */
export const NOTIFY_BACKOFF: Backoff = Object.freeze({ initialMs: 500, factor: 2, maxMs: 8000 });

/** The result of {@linkcode postJson}. */
export interface PostResult {
  /** A 2xx answer arrived. */
  readonly ok: boolean;
  /** Attempts made. */
  readonly attempts: number;
  /** The last HTTP status (absent when no answer came). */
  readonly status?: number;
  /** Why the last attempt failed. */
  readonly error?: string;
}

/** Options of {@linkcode postJson}. */
export interface PostOptions {
  /** Extra headers (signatures). */
  readonly headers?: Readonly<Record<string, string>>;
  /** At most this many attempts (default 5). */
  readonly attempts?: number;
  /** Delay policy between attempts. */
  readonly backoff?: Backoff;
  /** Per-attempt timeout in ms (default 10 s). */
  readonly timeoutMs?: number;
}

/**
 * POSTs a JSON body, retrying with backoff on network errors, timeouts, 408, 429 and 5xx; other
 * answers are final (a 400 will not improve by repetition).
 *
 * @param url the receiver
 * @param body the exact bytes to send (signatures cover them)
 * @param options headers, attempts, backoff
 * @returns whether it was delivered, after how many attempts
 */
export async function postJson(
  url: string,
  body: string,
  options: PostOptions = {},
): Promise<PostResult> {
  const max = options.attempts ?? 5;
  let last: PostResult = { ok: false, attempts: 0 };
  for (let attempt = 1; attempt <= max; attempt++) {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...options.headers },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      await res.body?.cancel();
      if (res.ok) return { ok: true, attempts: attempt, status: res.status };
      last = { ok: false, attempts: attempt, status: res.status, error: `HTTP ${res.status}` };
      if (!(res.status === 408 || res.status === 429 || res.status >= 500)) return last;
    } catch (e) {
      // fetch says only "fetch failed"; the cause names the refusal or timeout.
      const cause = (e as Error).cause;
      const detail = cause instanceof Error ? `: ${cause.message}` : "";
      last = { ok: false, attempts: attempt, error: `${(e as Error).message}${detail}` };
    }
    if (attempt < max) {
      await new Promise((r) =>
        setTimeout(r, backoffDelay(attempt, options.backoff ?? NOTIFY_BACKOFF))
      );
    }
  }
  return last;
}
