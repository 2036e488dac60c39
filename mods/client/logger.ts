import { LOG_LEVELS, type LogLevel, type LogRecord } from "../protocol/core.ts";

/** Structured fields of a log record (must serialise to JSON). */
export type LogFields = Record<string, unknown>;

/**
 * Sends one record and resolves once it is stored (e.g. a JetStream publish that waits for the
 * stream's ack); a rejection keeps the record for the next attempt.
 */
export type LogSender = (record: LogRecord) => Promise<void>;

/** Where the logger sends records; implemented by the client. */
export interface LogSink {
  readonly unitId: string;
  /** Whether publishing now would reach the server. */
  connected(): boolean;
  /** Publishes one record on `ops.log.<level>.<unit>`. */
  send(record: LogRecord): void;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * Publishes log records to `ops.log.<level>.<unit>` (logSchema). Below the minimum level records
 * are ignored. While disconnected, records wait in a bounded buffer (oldest dropped first); after
 * reconnecting they are sent in order, followed by one `warn` record saying how many were dropped.
 * With a sender that confirms storage ({@linkcode Logger.sendVia}, e.g. through a JetStream
 * stream), records are sent one at a time and leave the buffer only once confirmed.
 * Never throws: fields that do not serialise are replaced by a note saying so.
 */
export class Logger {
  #level: LogLevel;
  readonly #sink: LogSink;
  readonly #capacity: number;
  #buffer: LogRecord[] = [];
  #dropped = 0;
  #droppedTotal = 0;
  #sender?: LogSender;
  #onSendError?: (err: unknown) => void;
  #pumping?: Promise<void>;

  /**
   * Makes the logger of a client; the client creates it (`client.logger`).
   *
   * @param sink where records go
   * @param level the minimum level
   * @param capacity records kept while disconnected
   */
  constructor(sink: LogSink, level: LogLevel, capacity: number) {
    this.#sink = sink;
    this.#level = level;
    this.#capacity = capacity;
  }

  /** The minimum level published. */
  get level(): LogLevel {
    return this.#level;
  }
  set level(level: LogLevel) {
    if (!(LOG_LEVELS as readonly string[]).includes(level)) {
      throw new RangeError(
        `Invalid log level "${level}": expected one of ${LOG_LEVELS.join(", ")}`,
      );
    }
    this.#level = level;
  }

  /** Records waiting for the connection to come back. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /** Records dropped because the buffer was full, since the client started. */
  get dropped(): number {
    return this.#droppedTotal;
  }

  /**
   * Sends records through `sender` instead of plain publishes, one at a time, each leaving the
   * buffer only when `sender` resolves; a rejection is passed to `onError` and the record is
   * tried again at the next log call or reconnect. `undefined` restores plain publishing.
   *
   * @param sender sends one record and resolves once it is stored
   * @param onError told about each failed attempt
   */
  sendVia(sender: LogSender | undefined, onError?: (err: unknown) => void): void {
    this.#sender = sender;
    this.#onSendError = onError;
    void this.flushBuffer();
  }

  /** Logs at `debug`. */
  debug(msg: string, fields?: LogFields): void {
    this.log("debug", msg, fields);
  }
  /** Logs at `info`. */
  info(msg: string, fields?: LogFields): void {
    this.log("info", msg, fields);
  }
  /** Logs at `warn`. */
  warn(msg: string, fields?: LogFields): void {
    this.log("warn", msg, fields);
  }
  /** Logs at `error`. */
  error(msg: string, fields?: LogFields): void {
    this.log("error", msg, fields);
  }

  /**
   * Logs at `level` if it is at or above the minimum.
   *
   * @param level the record's level
   * @param msg the message
   * @param fields structured context
   */
  log(level: LogLevel, msg: string, fields?: LogFields): void {
    if (RANK[level] === undefined || RANK[level] < RANK[this.#level]) return;
    const record: LogRecord = {
      ts: Date.now(),
      level,
      unitId: this.#sink.unitId,
      msg: String(msg),
      ...(fields === undefined ? {} : { fields: safeFields(fields) }),
    };
    if (this.#sender === undefined && this.#sink.connected() && this.#buffer.length === 0) {
      this.#sink.send(record);
      return;
    }
    if (this.#buffer.length >= this.#capacity) {
      this.#dropped++;
      this.#droppedTotal++;
      // The head may be in flight to a sender: drop the oldest behind it, or else this one.
      const inFlight = this.#pumping !== undefined && this.#buffer.length > 0 ? 1 : 0;
      if (this.#buffer.length === inFlight) return;
      this.#buffer.splice(inFlight, 1);
    }
    this.#buffer.push(record);
    if (this.#sender !== undefined) void this.flushBuffer();
  }

  /**
   * Sends what was buffered (called by the client once reconnected, and before it drains).
   *
   * @returns resolves when the buffer is sent, or sending stopped at a failure
   */
  flushBuffer(): Promise<void> {
    if (!this.#sink.connected()) return Promise.resolve();
    if (this.#sender !== undefined) return this.#pumping ??= this.#pump(this.#sender);
    const records = this.#buffer;
    this.#buffer = [];
    for (const r of records) this.#sink.send(r);
    const report = this.#dropReport();
    if (report) this.#sink.send(report);
    return Promise.resolve();
  }

  // One pump at a time sends the buffer in order. It starts a turn later (so that `#pumping` is
  // set before it runs) and clears `#pumping` in the same turn as its last look at the buffer, so
  // a record logged at any moment is either seen by this pump or starts the next one.
  async #pump(sender: LogSender): Promise<void> {
    await null;
    try {
      while (this.#sink.connected()) {
        if (this.#buffer.length === 0) {
          const report = this.#dropReport();
          if (!report) break;
          this.#buffer.push(report);
        }
        try {
          await sender(this.#buffer[0]!);
        } catch (err) {
          this.#onSendError?.(err);
          break;
        }
        this.#buffer.shift();
      }
    } finally {
      this.#pumping = undefined;
    }
  }

  #dropReport(): LogRecord | undefined {
    if (this.#dropped === 0) return undefined;
    const dropped = this.#dropped;
    this.#dropped = 0;
    return {
      ts: Date.now(),
      level: "warn",
      unitId: this.#sink.unitId,
      msg: `Dropped ${dropped} log records while disconnected`,
      fields: { dropped, capacity: this.#capacity },
    };
  }
}

function safeFields(fields: LogFields): LogFields {
  if (typeof fields !== "object" || fields === null || Array.isArray(fields)) {
    return { value: safeValue(fields) };
  }
  try {
    JSON.stringify(fields);
    return fields;
  } catch (err) {
    return { unserialisable: `Fields dropped: ${(err as Error).message}` };
  }
}

function safeValue(v: unknown): unknown {
  try {
    return JSON.stringify(v) === undefined ? String(v) : v;
  } catch {
    return String(v);
  }
}
