/**
 * A full garbage collection once a minute, for the guardian's resident memory.
 *
 * Why: the guardian's live heap is small and steady (6.6 MiB after a full collection, the same
 * at 30 s and at 5 min), but at one RTT measurement a second V8 lets the old generation fill with
 * garbage up to its allocation limit before it marks: the heap grew from 7.6 to 9.3 MiB over ten
 * minutes, and the process's anonymous memory with it (+1.8 MiB at 10 min). A collection of a heap
 * that small takes milliseconds, so once a minute costs no measurable CPU. V8 exposes `gc()` only
 * with `--expose-gc`, which config/guardian_memory.env sets for the guardian's launchers; without
 * it nothing is scheduled.
 *
 * @module
 */

/** How often the guardian asks V8 for a full collection. */
export const GC_INTERVAL_MS = 60_000;

/**
 * Runs V8's full garbage collection every `intervalMs` when V8 exposes it (`--expose-gc`). The
 * timer does not keep the process alive.
 *
 * @param intervalMs between collections (default {@linkcode GC_INTERVAL_MS})
 * @returns a function that stops it, or undefined when V8 does not expose `gc()`
 */
export function collectGarbageEvery(intervalMs: number = GC_INTERVAL_MS): (() => void) | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== "function") return undefined;
  const timer = setInterval(() => gc(), intervalMs);
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}
