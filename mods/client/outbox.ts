import type { MsgHdrs } from "@nats-io/nats-core";
import { OutboxFullError } from "./errors.ts";

/** What the outbox does when a publish would exceed its limits. */
export type OutboxOverflow = "drop-oldest" | "drop-newest" | "error";

/** Limits of the outbox: publishes made while disconnected, sent after the reconnect. */
export interface OutboxOptions {
  /** Most messages kept (default 1000). */
  maxMessages?: number;
  /** Most payload bytes kept (default 1 MiB). */
  maxBytes?: number;
  /**
   * When full: `"drop-oldest"` makes room by dropping the oldest message (default: fresh data
   * matters more to telemetry), `"drop-newest"` drops the message being published, `"error"`
   * throws {@linkcode OutboxFullError} from `publish()`. Dropped messages are counted.
   */
  overflow?: OutboxOverflow;
}

/** The outbox as the client shows it. */
export interface OutboxStats {
  /** Messages waiting for the connection. */
  readonly queued: number;
  /** Their payload bytes. */
  readonly bytes: number;
  /** Messages dropped since the client started: overflow, or all of them with the outbox off. */
  readonly dropped: number;
}

/** One publish kept for later. */
export interface OutboxEntry {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: MsgHdrs;
  readonly reply?: string;
}

/** Default limits. */
export const OUTBOX_DEFAULTS: Required<OutboxOptions> = {
  maxMessages: 1000,
  maxBytes: 1024 * 1024,
  overflow: "drop-oldest",
};

/**
 * A bounded FIFO of publishes made while disconnected. `false` limits (the outbox off) keep
 * nothing and count every message offered as dropped.
 */
export class Outbox implements OutboxStats {
  readonly #limits: Required<OutboxOptions> | false;
  #entries: OutboxEntry[] = [];
  #bytes = 0;
  #dropped = 0;

  /** @param limits the limits, or false for no outbox */
  constructor(limits: Required<OutboxOptions> | false) {
    this.#limits = limits;
  }

  get queued(): number {
    return this.#entries.length;
  }
  get bytes(): number {
    return this.#bytes;
  }
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Throws when the entry would not fit and the policy is `"error"`, before anything changes;
   * the client calls it before it uses a sequence number.
   *
   * @throws {OutboxFullError} naming the subject and the limits
   */
  admit(subject: string, size: number): void {
    const l = this.#limits;
    if (l === false || l.overflow !== "error") return;
    if (this.#entries.length + 1 > l.maxMessages || this.#bytes + size > l.maxBytes) {
      throw new OutboxFullError(
        `Outbox full for "${subject}": ${this.#entries.length} messages of ${this.#bytes} bytes ` +
          `wait for the connection (limits ${l.maxMessages} messages, ${l.maxBytes} bytes)`,
      );
    }
  }

  /**
   * Keeps a publish for later, dropping by the overflow policy when full.
   *
   * @returns whether the entry was kept
   */
  push(entry: OutboxEntry): boolean {
    const l = this.#limits;
    const size = entry.data.length;
    if (l === false || size > l.maxBytes || l.maxMessages === 0) {
      this.#dropped++;
      return false;
    }
    const fits = () => this.#entries.length < l.maxMessages && this.#bytes + size <= l.maxBytes;
    if (!fits() && l.overflow !== "drop-oldest") {
      this.#dropped++;
      return false;
    }
    while (!fits()) {
      const oldest = this.#entries.shift()!;
      this.#bytes -= oldest.data.length;
      this.#dropped++;
    }
    this.#entries.push(entry);
    this.#bytes += size;
    return true;
  }

  /** Counts messages that could not be sent after all (e.g. too large for the new server). */
  countDropped(n: number): void {
    this.#dropped += n;
  }

  /**
   * Everything kept, oldest first; the outbox is empty afterwards.
   *
   * @returns the entries
   */
  take(): OutboxEntry[] {
    const entries = this.#entries;
    this.#entries = [];
    this.#bytes = 0;
    return entries;
  }
}
