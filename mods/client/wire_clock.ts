/**
 * When bytes met the socket: a transport that implements {@linkcode WireClock} notes the time of
 * every send and of every chunk read, so round trips can be timed at the socket rather than
 * around the JavaScript that builds and parses messages (which at one measurement per second runs
 * cold and doubles a loopback round trip). Times are `performance.now()` milliseconds.
 */
export interface WireClock {
  /** How many frames were handed to the socket so far. */
  readonly sends: number;
  /**
   * When frame number `n` (1-based, see {@linkcode WireClock.sends}) was handed to the socket,
   * while it is among the last {@linkcode SEND_HISTORY}.
   */
  sentAt(n: number): number | undefined;
  /** When the chunk being parsed now was read off the socket. */
  readonly lastReadAt: number;
}

/** How many send times a transport keeps. */
export const SEND_HISTORY = 32;

/** The send-time ring a transport keeps; `note()` in `send()`. */
export class SendTimes {
  #count = 0;
  readonly #times = new Float64Array(SEND_HISTORY);

  /** Frames noted so far. */
  get count(): number {
    return this.#count;
  }

  /** Notes one send now. */
  note(): void {
    this.#times[this.#count++ % SEND_HISTORY] = performance.now();
  }

  /**
   * @param n a frame number (1-based)
   * @returns its send time, or undefined when it is not among the last {@linkcode SEND_HISTORY}
   */
  at(n: number): number | undefined {
    if (n < 1 || n > this.#count || this.#count - n >= SEND_HISTORY) return undefined;
    return this.#times[(n - 1) % SEND_HISTORY];
  }
}

/**
 * The wire clock of a connection's transport, when its transport has one (nunect's Deno TCP and
 * WebSocket transports do; Node's transport-node does not).
 *
 * @param nc a nats-core connection
 * @returns the clock, or undefined
 */
export function wireClockOf(nc: unknown): WireClock | undefined {
  const t = (nc as { protocol?: { transport?: { wireClock?: () => WireClock | undefined } } })
    ?.protocol?.transport;
  return typeof t?.wireClock === "function" ? t.wireClock() : undefined;
}
