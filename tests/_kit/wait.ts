/**
 * Waits until `check` returns true, polling: for state that changes without an event.
 *
 * @param check the condition
 * @param what what is awaited, for the timeout error
 * @param timeoutMs give up after this long (generous: CI machines are shared and loaded)
 * @param intervalMs pause between checks
 * @throws {Error} when `check` is still false after `timeoutMs`
 * @example
 * ```ts
 * await until(() => sub.getReceived() > 0, "the first message");
 * ```
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * The first event matching `match` from a listener API that returns an unsubscribe function
 * (`SysMonitor.onEvent`, `UnitRegistry.onChange`). Stops listening when it resolves or times out.
 *
 * @param listen registers a listener and returns the function that removes it
 * @param match which event is awaited
 * @param what what is awaited, for the timeout error
 * @param timeoutMs give up after this long (generous: CI machines are shared and loaded)
 * @returns the first matching event
 * @throws {Error} when no event matches within `timeoutMs`
 * @example
 * ```ts
 * const e = await firstEvent((l) => sys.onEvent(l), (e) => e.kind === "connect", "a connect");
 * ```
 */
export function firstEvent<E>(
  listen: (listener: (event: E) => void) => () => void,
  match: (event: E) => boolean,
  what: string,
  timeoutMs: number,
): Promise<E> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`No ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = listen((event) => {
      if (!match(event)) return;
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
}
