import { jetstreamManager } from "@nats-io/jetstream";
import { type Backoff, type NunectClient, retry } from "../client/mod.ts";

/** Options of {@linkcode waitForJetStream}. */
export interface JetStreamWaitOptions {
  /** What waits, for the log line, e.g. `account OPS (ops)`. */
  readonly what: string;
  /** Prints each wait: what is waited for, the server's answer and when it is asked again. */
  readonly log: (line: string) => void;
  /** The waits between questions (default {@linkcode JETSTREAM_WAIT}). */
  readonly backoff?: Backoff;
  /** Give up after this many questions (default {@linkcode JETSTREAM_WAIT_ATTEMPTS}). */
  readonly attempts?: number;
  /** Stops waiting (the last error is thrown). */
  readonly signal?: AbortSignal;
}

/**
 * The waits between questions: 250 ms, doubling to 5 s. nats-server 2.9 turns an account's
 * JetStream on a moment after it loads the account; a loaded machine stretches that moment.
 */
export const JETSTREAM_WAIT: Backoff = Object.freeze({ initialMs: 250, factor: 2, maxMs: 5_000 });

/** How many questions before giving up: about a minute with {@linkcode JETSTREAM_WAIT}. */
export const JETSTREAM_WAIT_ATTEMPTS = 16;

/**
 * Waits until the client's account answers JetStream (`$JS.API.INFO`): the one start-up
 * wait of the programs that keep their state in JetStream, so their own first JetStream calls
 * need no retry of their own. Retries that cover a later outage stay where they are.
 *
 * @param client a connection of the account that needs JetStream
 * @param options what waits, the log, backoff, attempts, abort signal
 * @throws the server's last answer (e.g. "jetstream not enabled") when the attempts are used up
 *   or the signal aborts
 * @example
 * ```ts
 * await waitForJetStream(client, { what: "account OPS (ops)", log: console.log });
 * ```
 */
export async function waitForJetStream(
  client: NunectClient,
  options: JetStreamWaitOptions,
): Promise<void> {
  const attempts = options.attempts ?? JETSTREAM_WAIT_ATTEMPTS;
  await retry(() => jetstreamManager(client.nc), {
    backoff: options.backoff ?? JETSTREAM_WAIT,
    attempts,
    signal: options.signal,
    onError: (e, n, waitMs) =>
      options.log(
        `waiting for JetStream in ${options.what} (attempt ${n} of ${attempts}): ${
          (e as Error).message
        }; asking again in ${waitMs} ms`,
      ),
  });
}
