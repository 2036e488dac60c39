/**
 * The guardian's stop request: the first SIGTERM or SIGINT, listened for from the moment the
 * guardian's own code starts to run.
 *
 * Why a module of its own, imported first by main.ts: Deno catches SIGTERM from its own start
 * (before any script runs) and, while no script listens, emulates the default action: it
 * re-raises the signal and, if that does not end the process, aborts. A SIGTERM during the
 * guardian's start-up (loading its configuration, connecting, registering its service) then
 * ended the process as killed by SIGTERM (exit 143), and as PID 1 of a PID namespace (a
 * container, the tests' musl root), where a re-raised SIGTERM is ignored, in `abort()`, which
 * glibc ends with `hlt` on x86_64: SIGSEGV, exit 139. Imported first, this module is evaluated
 * before every other module of the bundle, so from then on a stop request is the guardian's to
 * handle (main.ts ends with exit 0 at any point of its start).
 *
 * @module
 */

/** The signals that ask the guardian to stop. */
export const STOP_SIGNALS = ["SIGTERM", "SIGINT"] as const;

/** One of {@linkcode STOP_SIGNALS}. */
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** Resolves with the first stop signal received; never rejects. */
export const stopRequested: Promise<StopSignal> = new Promise((resolve) => {
  for (const signal of STOP_SIGNALS) {
    Deno.addSignalListener(signal, () => {
      resolve(signal); // a later signal leaves the first in place
    });
  }
});
