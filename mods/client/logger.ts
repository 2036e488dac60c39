import { boundLogRecord, LOG_LEVELS, type LogLevel, type LogRecord } from "../protocol/core.ts";

/** Structured fields of a log record (must serialise to JSON). */
export type LogFields = Record<string, unknown>;

/** Sends one record instead of the client's plain publish (e.g. through a JetStream stream). */
export type LogSender = (record: LogRecord) => void;

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
 * Never throws: fields that do not serialise are replaced by a note saying so. Messages and fields
 * beyond the protocol's bounds (`PROTOCOL_LIMITS`) are cut and marked before they are sent.
 */
export class Logger {
  #level: LogLevel;
  readonly #sink: LogSink;
  readonly #capacity: number;
  #buffer: LogRecord[] = [];
  #dropped = 0;
  #droppedTotal = 0;
  #sender?: LogSender;

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
   * Sends records through `sender` instead of the client's plain publish, from now on and for
   * what the buffer holds after a reconnect; `undefined` restores plain publishing. The JetStream
   * helper's `logThroughStream()` uses it.
   *
   * @param sender takes each record the logger would publish
   */
  sendVia(sender: LogSender | undefined): void {
    this.#sender = sender;
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
    const { record } = boundLogRecord({
      ts: Date.now(),
      level,
      unitId: this.#sink.unitId,
      msg: String(msg),
      ...(fields === undefined ? {} : { fields: safeFields(fields) }),
    });
    if (this.#sink.connected() && this.#buffer.length === 0) {
      this.#send(record);
      return;
    }
    this.#buffer.push(record);
    if (this.#buffer.length > this.#capacity) {
      this.#buffer.shift();
      this.#dropped++;
      this.#droppedTotal++;
    }
  }

  /** Sends what was buffered (called by the client once reconnected, and before it drains). */
  flushBuffer(): void {
    if (!this.#sink.connected()) return;
    const records = this.#buffer;
    this.#buffer = [];
    for (const r of records) this.#send(r);
    if (this.#dropped > 0) {
      const dropped = this.#dropped;
      this.#dropped = 0;
      this.#send({
        ts: Date.now(),
        level: "warn",
        unitId: this.#sink.unitId,
        msg: `Dropped ${dropped} log records while disconnected`,
        fields: { dropped, capacity: this.#capacity },
      });
    }
  }

  #send(record: LogRecord): void {
    if (this.#sender) this.#sender(record);
    else this.#sink.send(record);
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
