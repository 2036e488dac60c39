import type { Backoff } from "../client/mod.ts";

/**
 * How quickly a crashed module is started again: the one {@linkcode Backoff} of nunect, plus
 * when a run of crashes ends.
 */
export interface RestartPolicy extends Backoff {
  /** A module that ran at least this long before exiting counts as healthy: the delay resets. */
  readonly resetAfterMs: number;
}

/** 1 s, 2 s, 4 s, … up to 30 s; back to 1 s after a minute of running. */
export const DEFAULT_RESTART: RestartPolicy = Object.freeze({
  initialMs: 1000,
  factor: 2,
  maxMs: 30_000,
  resetAfterMs: 60_000,
});

/**
 * Counts consecutive crashes: a module that ran for `resetAfterMs` or longer starts a new run.
 *
 * @param previous consecutive crashes before this exit
 * @param ranForMs how long the module ran before this exit
 * @param policy the restart policy
 * @returns consecutive crashes including this exit
 */
export function countCrash(
  previous: number,
  ranForMs: number,
  policy: RestartPolicy = DEFAULT_RESTART,
): number {
  return ranForMs >= policy.resetAfterMs ? 1 : previous + 1;
}
