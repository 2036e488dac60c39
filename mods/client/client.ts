import {
  createInbox,
  errors as natsErrors,
  headers as natsHeaders,
} from "@nats-io/nats-core/internal";
import type { Msg, MsgHdrs, NatsConnection, ServerInfo, Subscription } from "./nats_types.ts";
import {
  HEADERS,
  type Heartbeat,
  type LogRecord,
  nowNs,
  subjects,
  validateSubject,
  wallNsAt,
} from "../protocol/core.ts";
import { type EchoTiming, echoTiming, timestampNs } from "./echo_timing.ts";
import { wireClockOf } from "./wire_clock.ts";
import {
  ClientClosedError,
  InvalidOptionError,
  NoRespondersError,
  NotConnectedError,
  PayloadTooLargeError,
  RequestTimeoutError,
} from "./errors.ts";
import { type HeartbeatHandle, type HeartbeatOptions, startHeartbeat } from "./heartbeat.ts";
import { Logger } from "./logger.ts";
import type { ResolvedOptions } from "./options.ts";
import { Outbox, type OutboxStats } from "./outbox.ts";
import { encodePayload, type Payload } from "./payload.ts";

/** Extra headers: a plain record or nats.js headers. The standard ones are always set by the client. */
export type HeadersInit = Record<string, string> | MsgHdrs;

/** Options of {@linkcode NunectClient.publish}. */
export interface PublishOptions {
  /** Extra headers. */
  headers?: HeadersInit;
  /** Reply subject. */
  reply?: string;
}

/** Options of {@linkcode NunectClient.subscribe}. */
export interface SubscribeOptions {
  /** Queue group: each message goes to one member of the group. */
  queue?: string;
  /** Unsubscribe automatically after this many messages. */
  max?: number;
}

/** Options of {@linkcode NunectClient.request}. */
export interface RequestOptions {
  /** How long to wait for the reply (default 5000 ms). */
  timeoutMs?: number;
  /** Extra headers. */
  headers?: HeadersInit;
}

/** A message handler; a rejected promise or a throw is reported as an `error` status event. */
export type MsgHandler = (msg: Msg) => unknown;

/** Connection state changes, as events and through {@linkcode NunectClient.status}. */
export type StatusType =
  | "connected"
  | "disconnected"
  | "reconnecting"
  | "reconnected"
  | "closed"
  | "error";

/** One status event. */
export interface StatusEvent {
  /** What happened. */
  type: StatusType;
  /** The server concerned (`host:port`), where known. */
  server?: string;
  /** The error, for `error` (and `closed` when it closed because of one). */
  error?: Error;
}

/** The current state of the connection. */
export type ConnectionState = "connected" | "reconnecting" | "draining" | "closed";

const MAX_CACHED_SUBJECTS = 1024;

// nats-core's own view of the socket: false from the moment the transport closes, before the
// "disconnect" status reaches the client (internal, read defensively).
interface ProtocolView {
  protocol?: { connected?: boolean };
}

/**
 * A connection to NATS for one unit. Create it with `connect()`. Every message it publishes
 * carries `X-Unit-ID`, `X-TX-Timestamp` (ns) and `X-Seq`; publishes made while disconnected
 * wait in a bounded outbox; `nc` is the underlying nats.js connection for JetStream, KV or
 * services.
 */
export class NunectClient {
  /** This unit's ID. */
  readonly unitId: string;
  /** The underlying nats.js connection (escape hatch for JetStream, KV, services). */
  readonly nc: NatsConnection;
  /** Publishes to `ops.log.<level>.<unit>`, buffering while disconnected. */
  readonly logger: Logger;

  #seq = 0;
  #echoInbox?: EchoInbox;
  #echoRefused = 0;
  #state: ConnectionState = "connected";
  readonly #listeners = new Map<StatusType, Set<(e: StatusEvent) => void>>();
  readonly #iterators = new Set<(e: StatusEvent | undefined) => void>();
  readonly #heartbeats = new Set<HeartbeatHandle>();
  readonly #validSubjects = new Set<string>();
  readonly #subs = new Set<Subscription>();
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #outbox: Outbox;
  // The server's max_payload, refreshed whenever a message comes close to it (the limit may
  // differ after a reconnect to another server).
  #maxPayload: number;
  readonly #outage: { since?: number };
  readonly #closed: Promise<void>;

  /**
   * Wraps a connected nats.js connection; use `connect()` instead.
   *
   * @param nc the connection
   * @param options resolved options
   */
  constructor(nc: NatsConnection, options: ResolvedOptions) {
    this.nc = nc;
    this.unitId = options.unitId;
    this.#maxPayload = nc.info?.max_payload ?? 1024 * 1024;
    this.#outage = options.outage;
    this.#outbox = new Outbox(options.outbox);
    this.logger = new Logger(
      {
        unitId: this.unitId,
        connected: () => this.#live(),
        send: (r: LogRecord) => this.#sendLog(r),
      },
      options.logLevel,
      options.logBufferSize,
    );
    this.#watchStatus();
    this.#closed = nc.closed().then((err) => {
      this.#state = "closed";
      for (const hb of this.#heartbeats) hb.stop();
      this.#outbox.countDropped(this.#outbox.take().length);
      this.#emit({ type: "closed", ...(err ? { error: err } : {}) });
      for (const next of this.#iterators) next(undefined);
    });
  }

  /** The connection's state now. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Whether messages published now go out at once (else they wait in the outbox). */
  get isConnected(): boolean {
    return this.#live();
  }

  /** The outbox of publishes made while disconnected: how many wait, and how many were dropped. */
  get outbox(): OutboxStats {
    return this.#outbox;
  }

  // Connected as far as both the client's events and nats-core's socket know: publishes made
  // after the socket closed but before the "disconnect" event would otherwise be lost when
  // nats-core clears its buffer to dial again.
  #live(): boolean {
    return (this.#state === "connected" || this.#state === "draining") &&
      (this.nc as unknown as ProtocolView).protocol?.connected !== false;
  }

  /** The INFO of the server connected to. */
  get info(): ServerInfo | undefined {
    return this.nc.info;
  }

  /** Sequence number of the last message published (0 before the first). */
  get seq(): number {
    return this.#seq;
  }

  /** Echo requests not answered because their reply subject was not an inbox. */
  get echoRefused(): number {
    return this.#echoRefused;
  }

  async #watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      const server = "server" in s && typeof s.server === "string" ? s.server : undefined;
      switch (s.type) {
        case "disconnect":
          this.#state = "reconnecting";
          this.#outage.since = Date.now();
          this.#emit({ type: "disconnected", ...(server ? { server } : {}) });
          break;
        case "reconnecting":
          this.#emit({ type: "reconnecting" });
          break;
        case "reconnect":
          this.#state = "connected";
          this.#outage.since = undefined;
          this.#maxPayload = this.nc.info?.max_payload ?? this.#maxPayload;
          // The outbox goes first, in the same turn, so nothing published now overtakes it.
          this.#sendOutbox();
          this.#emit({ type: "reconnected", ...(server ? { server } : {}) });
          this.logger.flushBuffer();
          break;
        case "error":
          this.#emit({ type: "error", error: s.error });
          break;
      }
    }
  }

  #emit(e: StatusEvent): void {
    for (const fn of this.#listeners.get(e.type) ?? []) {
      try {
        fn(e);
      } catch { /* a listener's bug must not stop the others */ }
    }
    for (const next of this.#iterators) next(e);
  }

  /**
   * Calls `fn` on every status event of `type`.
   *
   * @param type `connected` never fires (the client is connected when you get it); the others do
   * @param fn the listener
   * @returns a function that removes the listener
   */
  on(type: StatusType, fn: (e: StatusEvent) => void): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, set = new Set());
    set.add(fn);
    return () => set.delete(fn);
  }

  /**
   * Status events as an async iterator: first the current state (`connected` or `reconnecting`),
   * then every change, ending after `closed`.
   *
   * @example
   * ```ts
   * for await (const s of client.status()) console.log(s.type);
   * ```
   */
  async *status(): AsyncIterableIterator<StatusEvent> {
    if (this.#state === "closed") {
      yield { type: "closed" };
      return;
    }
    const queue: (StatusEvent | undefined)[] = [
      { type: this.#state === "connected" ? "connected" : "reconnecting" },
    ];
    let wake: (() => void) | undefined;
    const next = (e: StatusEvent | undefined) => {
      queue.push(e);
      wake?.();
    };
    this.#iterators.add(next);
    try {
      while (true) {
        while (queue.length > 0) {
          const e = queue.shift();
          if (e === undefined) return;
          yield e;
          if (e.type === "closed") return;
        }
        await new Promise<void>((r) => wake = r);
        wake = undefined;
      }
    } finally {
      this.#iterators.delete(next);
    }
  }

  // Publishing stays allowed while draining (handlers may still answer); subscribing does not.
  #checkOpen(subscribing = false): void {
    if (this.#state === "closed" || this.nc.isClosed()) {
      throw new ClientClosedError(`Client "${this.unitId}" is closed`);
    }
    if (subscribing && (this.#state === "draining" || this.nc.isDraining())) {
      throw new ClientClosedError(`Client "${this.unitId}" is draining`);
    }
  }

  #subject(subject: string, wildcards: boolean): string {
    if (this.#validSubjects.has(subject)) return subject;
    validateSubject(subject, wildcards);
    // Only publish-valid subjects are cached: they are valid for subscribing too.
    if (!wildcards) {
      if (this.#validSubjects.size >= MAX_CACHED_SUBJECTS) this.#validSubjects.clear();
      this.#validSubjects.add(subject);
    }
    return subject;
  }

  #sendOutbox(): void {
    let failed = 0;
    for (const m of this.#outbox.take()) {
      try {
        this.nc.publish(
          m.subject,
          m.data,
          m.reply ? { headers: m.headers, reply: m.reply } : {
            headers: m.headers,
          },
        );
      } catch {
        failed++; // e.g. larger than the new server's max_payload
      }
    }
    this.#outbox.countDropped(failed);
  }

  /**
   * The standard headers for a message this unit sends through `client.nc` itself (JetStream,
   * KV, services): `X-Unit-ID`, `X-TX-Timestamp` and the next `X-Seq`, over `extra`. Uses a
   * sequence number.
   *
   * @param extra headers to start from; the standard ones replace same-named ones
   * @returns nats.js headers
   * @throws {InvalidOptionError} for header values that are not strings
   */
  headers(extra?: HeadersInit): MsgHdrs {
    const h = this.#headers(extra);
    this.#seq++;
    return h;
  }

  // Builds the headers with the next sequence number; the caller commits it once the message is
  // known to be sendable, so a rejected message uses no number.
  #headers(extra: HeadersInit | undefined): MsgHdrs {
    const h = natsHeaders();
    if (extra !== undefined) {
      if (typeof (extra as MsgHdrs).keys === "function" && typeof extra.get === "function") {
        const mh = extra as MsgHdrs;
        for (const k of mh.keys()) for (const v of mh.values(k)) h.append(k, v);
      } else if (typeof extra === "object" && extra !== null) {
        for (const [k, v] of Object.entries(extra)) {
          if (typeof v !== "string") {
            throw new InvalidOptionError(`Invalid header "${k}": expected a string value`);
          }
          h.set(k, v);
        }
      } else {
        throw new InvalidOptionError("Invalid option headers: expected an object");
      }
    }
    h.set(HEADERS.unitId, this.unitId);
    h.set(HEADERS.txTimestamp, nowNs());
    h.set(HEADERS.seq, String(this.#seq + 1));
    return h;
  }

  #checkSize(subject: string, data: Uint8Array, h: MsgHdrs): void {
    // Headers of the standard set stay far below 1 KiB; only near the limit is it worth encoding
    // them to know the exact size.
    if (data.length + 1024 < this.#maxPayload) return;
    const max = this.nc.info?.max_payload ?? this.#maxPayload;
    this.#maxPayload = max;
    const size = data.length + (h as unknown as { encode(): Uint8Array }).encode().length;
    if (size > max) {
      throw new PayloadTooLargeError(
        `Payload too large for "${subject}": ${size} bytes with headers, the server allows ${max}`,
      );
    }
  }

  /**
   * Publishes a message with the standard headers. While disconnected it waits in the outbox
   * (see `ConnectOptions.outbox`) and goes out after the reconnect with its original headers.
   *
   * @param subject where to (no wildcards)
   * @param data bytes, a string, or any JSON-serialisable value
   * @param options extra headers, reply subject
   * @throws {InvalidSubjectError} {InvalidPayloadError} {PayloadTooLargeError} {ClientClosedError}
   *   before anything is sent
   * @throws {OutboxFullError} while disconnected, when the outbox is full and its policy is "error"
   */
  publish(subject: string, data?: Payload, options?: PublishOptions): void {
    this.#checkOpen();
    this.#subject(subject, false);
    const payload = encodePayload(subject, data);
    if (options?.reply !== undefined) this.#subject(options.reply, false);
    const h = this.#headers(options?.headers);
    this.#checkSize(subject, payload, h);
    if (!this.#live()) {
      this.#outbox.admit(subject, payload.length);
      this.#seq++;
      this.#outbox.push({
        subject,
        data: payload,
        headers: h,
        ...(options?.reply ? { reply: options.reply } : {}),
      });
      return;
    }
    this.#seq++;
    this.nc.publish(
      subject,
      payload,
      options?.reply ? { headers: h, reply: options.reply } : { headers: h },
    );
  }

  /**
   * Subscribes to a subject (wildcards allowed). With a handler, each message is passed to it;
   * without one, iterate the returned subscription: `for await (const m of sub)`.
   *
   * @param subject the subject or pattern
   * @param handler called for each message
   * @param options queue group, max messages
   * @returns the subscription (`unsubscribe()`, `drain()`, async iterator)
   * @throws {InvalidSubjectError} for a bad subject or queue name
   */
  subscribe(subject: string, handler?: MsgHandler, options?: SubscribeOptions): Subscription;
  /** Subscribes without a handler; iterate the subscription. */
  subscribe(subject: string, options?: SubscribeOptions): Subscription;
  subscribe(
    subject: string,
    handlerOrOptions?: MsgHandler | SubscribeOptions,
    maybeOptions?: SubscribeOptions,
  ): Subscription {
    this.#checkOpen(true);
    const handler = typeof handlerOrOptions === "function" ? handlerOrOptions : undefined;
    const options = typeof handlerOrOptions === "object" ? handlerOrOptions : maybeOptions;
    this.#subject(subject, true);
    const queue = options?.queue;
    if (
      queue !== undefined && (typeof queue !== "string" || !/^[^\s.*>]+(\.[^\s.*>]+)*$/.test(queue))
    ) {
      throw new InvalidOptionError(
        `Invalid queue group "${String(queue)}": no white space, wildcards or empty tokens`,
      );
    }
    const sub = this.nc.subscribe(subject, {
      ...(queue ? { queue } : {}),
      ...(options?.max !== undefined ? { max: options.max } : {}),
      ...(handler
        ? {
          callback: (err: Error | null, msg: Msg) => {
            if (err) {
              this.#emit({ type: "error", error: err });
              return;
            }
            try {
              const r = handler(msg);
              if (r instanceof Promise) {
                // Tracked so that drain() can wait for async handlers to finish.
                const tracked: Promise<unknown> = r
                  .catch((e: unknown) => this.#emit({ type: "error", error: asError(e) }))
                  .finally(() => this.#inflight.delete(tracked));
                this.#inflight.add(tracked);
              }
            } catch (e) {
              this.#emit({ type: "error", error: asError(e) });
            }
          },
        }
        : {}),
    });
    this.#subs.add(sub);
    sub.closed.then(() => this.#subs.delete(sub), () => this.#subs.delete(sub));
    return sub;
  }

  /**
   * Sends a request with the standard headers and waits for one reply.
   *
   * @param subject the service subject
   * @param data the request payload
   * @param options timeout (default 5000 ms), extra headers
   * @returns the reply
   * @throws {RequestTimeoutError} when no reply came in time
   * @throws {NoRespondersError} when nobody listens on `subject`
   * @throws {NotConnectedError} while disconnected (requests do not wait in the outbox: their
   *   replies would come too late to matter)
   */
  async request(subject: string, data?: Payload, options?: RequestOptions): Promise<Msg> {
    this.#checkOpen();
    if (!this.#live()) {
      throw new NotConnectedError(
        `Client "${this.unitId}" is not connected: request to "${subject}" not sent`,
      );
    }
    this.#subject(subject, false);
    const payload = encodePayload(subject, data);
    const timeoutMs = options?.timeoutMs ?? 5000;
    if (typeof timeoutMs !== "number" || !(timeoutMs >= 1)) {
      throw new InvalidOptionError(`Invalid option timeoutMs ${timeoutMs}: expected >= 1`);
    }
    const h = this.#headers(options?.headers);
    this.#checkSize(subject, payload, h);
    this.#seq++;
    try {
      return await this.nc.request(subject, payload, { timeout: timeoutMs, headers: h });
    } catch (err) {
      throw mapRequestError(err, subject, timeoutMs);
    }
  }

  /**
   * The native round trip (PING/PONG) to the server, in microseconds, from the PING's send to
   * the PONG's read at the socket (see {@linkcode echoTimes}).
   *
   * @throws {NotConnectedError} while disconnected
   */
  async rtt(): Promise<number> {
    this.#checkOpen();
    if (!this.#live()) {
      throw new NotConnectedError(`Client "${this.unitId}" is not connected`);
    }
    const wire = wireClockOf(this.nc);
    const sends = wire?.sends ?? 0;
    const t0 = performance.now();
    await this.nc.flush();
    const now = performance.now();
    const t1 = Math.max(t0, wire?.sentAt(sends + 1) ?? t0);
    const read = wire?.lastReadAt ?? now;
    const t4 = read >= t1 ? read : now;
    return Math.round((t4 - t1) * 1000);
  }

  /**
   * The application round trip through `ops.echo.<unit>` (that unit's echo responder), in
   * microseconds: the network's share, {@linkcode EchoTiming.rttUs} of {@linkcode echoTimes}.
   *
   * @param unit the unit to echo through (default this one)
   * @param options timeout (default 5000 ms)
   * @throws {RequestTimeoutError} {NoRespondersError} {NotConnectedError} as for `request`
   */
  async echo(unit: string = this.unitId, options?: { timeoutMs?: number }): Promise<number> {
    return Math.round((await this.echoTimes(unit, options)).rttUs);
  }

  /**
   * One echo round trip through `ops.echo.<unit>`, timed as NTP does: the request's send (t1)
   * and the reply's read (t4) are taken at this client's socket, the responder's read (t2) and
   * reply (t3) come back in `X-RX-Timestamp` and `X-Reply-TX-Timestamp`. The round trip less
   * the responder's time is the network's share, without the JavaScript of either side; the same
   * four times estimate the offset between the two clocks.
   *
   * @param unit the unit to echo through (default this one)
   * @param options timeout (default 5000 ms)
   * @returns round trip, whole round trip, responder's time and clock offset (µs)
   * @throws {RequestTimeoutError} {NoRespondersError} {NotConnectedError} as for `request`
   */
  async echoTimes(
    unit: string = this.unitId,
    options?: { timeoutMs?: number },
  ): Promise<EchoTiming> {
    this.#checkOpen();
    if (!this.#live()) {
      throw new NotConnectedError(`Client "${this.unitId}" is not connected: echo not sent`);
    }
    const subject = subjects.echo(unit);
    const timeoutMs = options?.timeoutMs ?? 5000;
    if (typeof timeoutMs !== "number" || !(timeoutMs >= 1)) {
      throw new InvalidOptionError(`Invalid option timeoutMs ${timeoutMs}: expected >= 1`);
    }
    const inbox = this.#echoInbox ??= new EchoInbox(this.nc, subjects.inbox(this.unitId));
    const { token, reply } = inbox.expect(subject, timeoutMs);
    const h = this.#headers(undefined);
    const wire = wireClockOf(this.nc);
    const sends = wire?.sends ?? 0;
    const published = performance.now();
    this.#seq++;
    this.nc.publish(subject, EMPTY, { reply: `${inbox.prefix}.${token}`, headers: h });
    const { msg, readAt } = await reply;
    if (msg.headers?.hasError && msg.headers.code === 503) {
      throw new NoRespondersError(`No responders for "${subject}"`);
    }
    const sent = wire?.sentAt(sends + 1);
    const t1 = sent !== undefined && sent >= published ? sent : published;
    const t4 = readAt >= t1 ? readAt : performance.now();
    return echoTiming(
      BigInt(wallNsAt(t1)),
      timestampNs(msg.headers?.get(HEADERS.rxTimestamp)),
      timestampNs(msg.headers?.get(HEADERS.replyTxTimestamp)),
      BigInt(wallNsAt(t4)),
    );
  }

  /**
   * Answers `ops.echo.<this unit>`: the reply is the request payload with its headers echoed
   * plus `X-RX-Timestamp` (receive time, ns). Only requests whose reply subject is an inbox
   * (`_INBOX.…`) are answered; any other reply subject (`$JS.API…`, `$KV…`, another unit's
   * subjects) is ignored and counted in {@linkcode NunectClient.echoRefused}, so the responder
   * never publishes where a caller points it.
   *
   * @returns the responder's subscription; unsubscribe to stop
   */
  serveEcho(): Subscription {
    return this.subscribe(subjects.echo(this.unitId), (msg) => {
      if (!msg.reply) return;
      if (!isInbox(msg.reply)) {
        this.#echoRefused++;
        return;
      }
      // handlers run while the parser works on the chunk that held the request: its read time
      // is when the request came off the socket
      const read = wireClockOf(this.nc)?.lastReadAt;
      const rx = read !== undefined && read > 0 ? wallNsAt(read) : nowNs();
      const h = natsHeaders();
      if (msg.headers) {
        for (const k of msg.headers.keys()) for (const v of msg.headers.values(k)) h.append(k, v);
      }
      h.set(HEADERS.rxTimestamp, rx);
      h.set(HEADERS.replyTxTimestamp, nowNs());
      msg.respond(msg.data, { headers: h });
    });
  }

  /**
   * Publishes heartbeats on `ops.heartbeat.<unit>` (see {@linkcode HeartbeatOptions}).
   *
   * @returns a handle with `stop()`
   * @throws {InvalidOptionError} for options that would make an invalid heartbeat
   */
  startHeartbeat(options?: HeartbeatOptions): HeartbeatHandle {
    this.#checkOpen();
    const subject = subjects.heartbeat(this.unitId);
    const handle = startHeartbeat({
      unitId: this.unitId,
      connected: () => this.#live(),
      send: (hb: Heartbeat, headers: Record<string, string>) => {
        try {
          this.publish(subject, hb, { headers });
        } catch { /* closed meanwhile */ }
      },
      onReconnected: (fn) => this.on("reconnected", fn),
    }, options);
    const stop = handle.stop;
    const tracked: HeartbeatHandle = {
      get seq() {
        return handle.seq;
      },
      stop: () => {
        this.#heartbeats.delete(tracked);
        stop();
      },
    };
    this.#heartbeats.add(tracked);
    return tracked;
  }

  #sendLog(record: LogRecord): void {
    try {
      this.publish(subjects.log(record.level, this.unitId), record);
    } catch { /* closed meanwhile: nothing to send to */ }
  }

  /**
   * Reports an error as an `error` status event (for helpers built on the client, such as the
   * JetStream logger).
   *
   * @param error what went wrong
   */
  reportError(error: Error): void {
    this.#emit({ type: "error", error });
  }

  /** Waits until the server has processed everything sent so far. */
  async flush(): Promise<void> {
    this.#checkOpen();
    await this.nc.flush();
  }

  /**
   * Closes gracefully: stops heartbeats, sends buffered log records, lets every subscription
   * deliver what the server already sent, waits for async handlers still running (they may
   * publish), then flushes and closes.
   */
  async drain(): Promise<void> {
    if (this.#state === "closed") return;
    for (const hb of [...this.#heartbeats]) hb.stop();
    this.logger.flushBuffer();
    this.#state = "draining";
    await Promise.all([...this.#subs].map((s) => s.drain().catch(() => {})));
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
    if (!this.nc.isClosed() && !this.nc.isDraining()) await this.nc.drain();
    await this.#closed;
  }

  /** Closes the connection now (pending messages are flushed first when possible). */
  async close(): Promise<void> {
    for (const hb of [...this.#heartbeats]) hb.stop();
    if (!this.nc.isClosed()) await this.nc.close();
    await this.#closed;
  }

  /** Resolves when the client is closed. */
  closed(): Promise<void> {
    return this.#closed;
  }

  /** `await using client = await connect(...)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Reply subjects a responder answers: inboxes only, `_INBOX.` and at least one more token. */
function isInbox(reply: string): boolean {
  return reply.startsWith("_INBOX.") && reply.length > 7;
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

function mapRequestError(err: unknown, subject: string, timeoutMs: number): unknown {
  const cause = (err as { cause?: unknown })?.cause;
  const isNoResponders = err instanceof natsErrors.NoRespondersError ||
    cause instanceof natsErrors.NoRespondersError ||
    (err instanceof natsErrors.RequestError && err.isNoResponders());
  if (isNoResponders) {
    return new NoRespondersError(`No responders for "${subject}"`, { cause: err });
  }
  if (err instanceof natsErrors.TimeoutError || cause instanceof natsErrors.TimeoutError) {
    return new RequestTimeoutError(`Request to "${subject}" timed out after ${timeoutMs} ms`, {
      cause: err,
    });
  }
  return err;
}

const EMPTY = new Uint8Array(0);

/**
 * One inbox subscription for all of a client's echo round trips. Its callback runs while the
 * parser works on the chunk holding the reply, so the wire clock's read time then is when the
 * reply came off the socket (a request()'s promise settles later, after the rest of the chunk).
 */
class EchoInbox {
  readonly prefix: string;
  #next = 0;
  readonly #waiting = new Map<string, (msg: Msg, readAt: number) => void>();

  constructor(nc: NatsConnection, inboxPrefix: string) {
    this.prefix = createInbox(inboxPrefix);
    nc.subscribe(`${this.prefix}.*`, {
      callback: (err, msg) => {
        if (err) return;
        const readAt = wireClockOf(nc)?.lastReadAt ?? performance.now();
        this.#waiting.get(msg.subject.slice(this.prefix.length + 1))?.(msg, readAt);
      },
    });
  }

  /** A token for the next round trip and its reply, rejected after `timeoutMs`. */
  expect(subject: string, timeoutMs: number) {
    const token = String(++this.#next);
    const reply = new Promise<{ msg: Msg; readAt: number }>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(token);
        reject(
          new RequestTimeoutError(`Request to "${subject}" timed out after ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.#waiting.set(token, (msg, readAt) => {
        clearTimeout(timer);
        this.#waiting.delete(token);
        resolve({ msg, readAt });
      });
    });
    return { token, reply };
  }
}
