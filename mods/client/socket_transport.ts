import { type Deferred, deferred } from "@nats-io/nats-core/internal";
import { SendTimes, type WireClock } from "./wire_clock.ts";

/**
 * What nunect's own transports (Deno TCP in deno_transport.ts, WebSocket in ws_transport.ts)
 * share: the nats-core version they report, their {@linkcode WireClock} (send times noted in
 * `send()`, `lastReadAt` set as chunks are read) and the promise that settles when they close.
 * Each transport says how it closes in `_closed`.
 */
export abstract class SocketTransport implements WireClock {
  readonly version: string;
  closeError?: Error;
  /** When the chunk being parsed now was read off the socket (`performance.now()`). */
  lastReadAt = 0;
  /** Send times; `note()` them in `send()`. */
  protected readonly sendTimes: SendTimes = new SendTimes();
  /** Settles with the close error (or nothing) once the transport closed. */
  protected readonly closedNotification: Deferred<void | Error> = deferred<void | Error>();

  /** @param version the nats-core version reported in CONNECT */
  constructor(version: string) {
    this.version = version;
  }

  /**
   * Closes the socket.
   *
   * @param err why, or undefined for a graceful close
   * @param internal whether the transport itself (not nats-core) closes: then pending writes go first
   */
  protected abstract _closed(err: Error | undefined, internal: boolean): Promise<void>;

  /** The transport is its own wire clock: round trips are timed at its socket. */
  wireClock(): WireClock {
    return this;
  }

  /** Frames handed to the socket so far. */
  get sends(): number {
    return this.sendTimes.count;
  }

  /** When frame `n` was handed to the socket (see {@linkcode WireClock}). */
  sentAt(n: number): number | undefined {
    return this.sendTimes.at(n);
  }

  close(err?: Error): Promise<void> {
    return this._closed(err, false);
  }

  closed(): Promise<void | Error> {
    return this.closedNotification;
  }
}
