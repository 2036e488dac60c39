/** One outage of the server connection, as the guardian logs it. */
export interface Outage {
  /** When the connection was lost, ms since the epoch. */
  readonly fromMs: number;
  /** When it came back, ms since the epoch. */
  readonly toMs: number;
  /** toMs - fromMs. */
  readonly durationMs: number;
  /** Heartbeats that fell due while disconnected and were not sent. */
  readonly heartbeatsMissed: number;
  /** Sequence number of the last heartbeat sent before the outage (-1: none). */
  readonly lastSeq: number;
}

/**
 * Tracks disconnects and reconnects and yields one {@linkcode Outage} per reconnect, however many
 * disconnect events the client reports while reconnecting.
 */
export class OutageTracker {
  #since: number | undefined;
  #lastSeq = -1;
  readonly #intervalMs: number;

  /**
   * Creates a tracker with no outage.
   *
   * @param heartbeatIntervalMs HEARTBEAT_INTERVAL_MS: heartbeats due per outage follow from it
   */
  constructor(heartbeatIntervalMs: number) {
    this.#intervalMs = heartbeatIntervalMs;
  }

  /** Whether an outage is in progress. */
  get down(): boolean {
    return this.#since !== undefined;
  }

  /**
   * The connection was lost (repeats while down are ignored).
   *
   * @param nowMs the time, ms since the epoch
   * @param lastSeq the heartbeat sequence number sent last
   */
  disconnected(nowMs: number, lastSeq: number): void {
    if (this.#since !== undefined) return;
    this.#since = nowMs;
    this.#lastSeq = lastSeq;
  }

  /**
   * The connection is back.
   *
   * @param nowMs the time, ms since the epoch
   * @returns the outage that ended, or undefined when none was in progress
   */
  reconnected(nowMs: number): Outage | undefined {
    if (this.#since === undefined) return undefined;
    const fromMs = this.#since;
    this.#since = undefined;
    const durationMs = Math.max(0, nowMs - fromMs);
    return {
      fromMs,
      toMs: nowMs,
      durationMs,
      heartbeatsMissed: Math.floor(durationMs / this.#intervalMs),
      lastSeq: this.#lastSeq,
    };
  }
}
