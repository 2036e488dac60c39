/** Options of {@linkcode terminate}. */
export interface TerminateOptions {
  /** How long the process may take to exit after the first signal (default 5000 ms). */
  readonly graceMs?: number;
  /** The first signal (default SIGTERM). */
  readonly signal?: Deno.Signal;
  /**
   * Sends the first signal (default `child.kill(signal)`): a wrapper such as unshare passes it
   * on to the process it runs.
   */
  readonly send?: (child: Deno.ChildProcess, signal: Deno.Signal) => void;
}

/**
 * Stops a child process: SIGTERM, then SIGKILL if it is still running after the grace period.
 * The one process terminator of nunect (the supervisor, the test kit, the test daemons).
 *
 * @param child the process
 * @param options grace period, first signal and how to send it
 * @returns its exit status
 * @example
 * ```ts
 * const child = new Deno.Command("nats-server").spawn();
 * const status = await terminate(child, { graceMs: 10_000 });
 * ```
 */
export async function terminate(
  child: Deno.ChildProcess,
  options: TerminateOptions = {},
): Promise<Deno.CommandStatus> {
  const signal = options.signal ?? "SIGTERM";
  try {
    if (options.send) options.send(child, signal);
    else child.kill(signal);
  } catch { /* already exited */ }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
  }, options.graceMs ?? 5000);
  try {
    return await child.status;
  } finally {
    clearTimeout(timer);
  }
}
