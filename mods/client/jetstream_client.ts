import { errors as natsErrors } from "@nats-io/nats-core/internal";
import {
  type ConsumerMessages,
  jetstream,
  type JetStreamClient,
  type JetStreamOptions,
  type JsMsg,
  type PubAck,
} from "@nats-io/jetstream";
import {
  INBOX_STREAM,
  inboxConsumer,
  inboxSubject,
  type LogRecord,
  subjects,
  validateSubject,
} from "../protocol/core.ts";
import type { HeadersInit, NunectClient } from "./client.ts";
import {
  InboxUnavailableError,
  InvalidOptionError,
  NoRespondersError,
  NotConnectedError,
  RequestTimeoutError,
} from "./errors.ts";
import { encodePayload, type Payload } from "./payload.ts";

/** Options of {@linkcode NunectJetStream.publish}. */
export interface StreamPublishOptions {
  /** Extra headers (the standard ones are always set). */
  headers?: HeadersInit;
  /** `Nats-Msg-Id`: the stream drops a second message with the same ID in its duplicate window. */
  msgId?: string;
  /** The stream that must store it: the server refuses the message if another one would. */
  expectStream?: string;
  /** How long to wait for the stream's acknowledgement (default 5000 ms). */
  timeoutMs?: number;
}

/** Options of {@linkcode NunectJetStream.logThroughStream}. */
export interface StreamLogOptions {
  /** The stream that must store the records (e.g. the dashboard's `nunect_telemetry`). */
  stream?: string;
  /** How long to wait for each acknowledgement (default 5000 ms). */
  timeoutMs?: number;
  /** Most records waiting for acknowledgements; the oldest are dropped beyond (default 1000). */
  maxPending?: number;
}

/** The logger's way through a stream, from {@linkcode NunectJetStream.logThroughStream}. */
export interface StreamLog {
  /** Records waiting for the stream's acknowledgement. */
  readonly pending: number;
  /** Records dropped because more than `maxPending` waited. */
  readonly dropped: number;
  /** Resolves once the queue is empty, or sending stopped at a failure. */
  settled(): Promise<void>;
  /** Returns the logger to plain publishing (records already queued are still sent). */
  stop(): void;
}

/** Options of {@linkcode NunectJetStream.inbox}. */
export interface InboxOptions {
  /**
   * The hub's JetStream domain (its NATS_JS_DOMAIN; default `hub`): the inbox is reached as
   * `$JS.<domain>.API`, which works from behind a leaf node too (nats-server denies the plain
   * `$JS.API` across leaf nodes).
   */
  domain?: string;
  /** Messages asked for per pull (default 16). */
  batch?: number;
  /**
   * How long a message may stay unacknowledged before it comes again (default 10000 ms). It also
   * bounds how long the first message after a move waits: one the hub handed to the unit's
   * pull request from before the move is lost with the old connection and comes again then.
   */
  ackWaitMs?: number;
  /** The consumer is deleted after the unit took nothing for this long (default 7 days). */
  keepMs?: number;
  /** How long to wait for the server to create the consumer (default 5000 ms). */
  timeoutMs?: number;
}

/** A running {@linkcode NunectJetStream.inbox}. */
export interface InboxSubscription {
  /** Stops taking messages (those not yet acknowledged come again to the next `inbox()`). */
  stop(): Promise<void>;
  /** Resolves when it stopped. */
  readonly closed: Promise<void>;
}

/**
 * JetStream where nunect adds something to nats.js: publishes that carry the standard headers
 * and the client's sequence, and a logger whose records leave its buffer only once a stream
 * has stored them. Everything else is nats.js's own client, as `js`.
 */
export class NunectJetStream {
  /** The nats.js JetStream client on the same connection, for everything else. */
  readonly js: JetStreamClient;
  readonly #client: NunectClient;

  /**
   * Wraps a connected client; use {@linkcode jetStream}.
   *
   * @param client the connected client
   * @param options nats.js JetStream options (domain, API prefix, timeout)
   */
  constructor(client: NunectClient, options?: JetStreamOptions) {
    this.#client = client;
    this.js = jetstream(client.nc, options);
  }

  /**
   * Publishes to a stream with `X-Unit-ID`, `X-TX-Timestamp` and `X-Seq`, and waits for the
   * stream's acknowledgement.
   *
   * @param subject a subject some stream captures
   * @param data bytes, a string, or any JSON-serialisable value
   * @param options extra headers, message ID, expected stream, timeout
   * @returns the acknowledgement: stream, sequence, duplicate
   * @throws {NotConnectedError} while disconnected (nothing is sent)
   * @throws {NoRespondersError} when no stream captures `subject`
   * @throws {RequestTimeoutError} when no acknowledgement came in time
   */
  async publish(subject: string, data?: Payload, options?: StreamPublishOptions): Promise<PubAck> {
    validateSubject(subject);
    const payload = encodePayload(subject, data);
    const timeoutMs = options?.timeoutMs ?? 5000;
    if (typeof timeoutMs !== "number" || !(timeoutMs >= 1)) {
      throw new InvalidOptionError(`Invalid option timeoutMs ${timeoutMs}: expected >= 1`);
    }
    if (!this.#client.isConnected) {
      throw new NotConnectedError(
        `Client "${this.#client.unitId}" is not connected: stream publish to "${subject}" not sent`,
      );
    }
    const headers = this.#client.headers(options?.headers);
    try {
      return await this.js.publish(subject, payload, {
        headers,
        timeout: timeoutMs,
        ...(options?.msgId ? { msgID: options.msgId } : {}),
        ...(options?.expectStream ? { expect: { streamName: options.expectStream } } : {}),
      });
    } catch (err) {
      throw mapPublishError(err, subject, timeoutMs);
    }
  }

  /**
   * Takes the messages meant for this unit (`ops.inbox.<unit>`) from the inbox stream
   * (`nunect_inbox`, set up by the subject registry) through the unit's durable consumer
   * (`inbox-<unit>`, created here if it is not there yet): the consumer outlives the connection,
   * so messages sent while the unit was disconnected, or moving from one leaf node to another,
   * arrive once it is back, in the order they were sent (one is delivered at a time). Each
   * message is acknowledged when `handler` returns (or its promise resolves); one whose handler
   * throws comes again after `ackWaitMs`.
   *
   * @param handler called with each message, one at a time
   * @param options the hub's JetStream domain, batch size, acknowledgement wait, how long the
   *   consumer is kept
   * @returns the running subscription
   * @throws {InboxUnavailableError} when the server refuses the consumer (no inbox stream: is
   *   the subject registry running? or the user may not have one)
   * @throws {NotConnectedError} while disconnected
   * @example
   * ```ts
   * const inbox = await jetStream(client).inbox((m) => console.log(m.json()));
   * // elsewhere: jetStream(ops).publish("ops.inbox.press-4", { cmd: "reload" })
   * ```
   */
  async inbox(
    handler: (msg: JsMsg) => void | Promise<void>,
    options: InboxOptions = {},
  ): Promise<InboxSubscription> {
    const client = this.#client;
    const name = inboxConsumer(client.unitId);
    const filter = inboxSubject(client.unitId);
    if (!client.isConnected) {
      throw new NotConnectedError(`Client "${client.unitId}" is not connected: no inbox`);
    }
    const ns = (ms: number) => ms * 1_000_000;
    const domain = options.domain ?? "hub";
    // the create subject that names the filter: what a unit's permissions can be narrowed to
    const reply = await client.nc.request(
      `$JS.${domain}.API.CONSUMER.CREATE.${INBOX_STREAM}.${name}.${filter}`,
      JSON.stringify({
        stream_name: INBOX_STREAM,
        config: {
          durable_name: name,
          filter_subject: filter,
          ack_policy: "explicit",
          deliver_policy: "all",
          ack_wait: ns(options.ackWaitMs ?? 10_000),
          // one at a time, so a message lost in a move holds the next ones back: they arrive in
          // the order they were sent
          max_ack_pending: 1,
          inactive_threshold: ns(options.keepMs ?? 7 * 86_400_000),
        },
      }),
      { timeout: options.timeoutMs ?? 5000 },
    ).catch((err) => {
      throw new InboxUnavailableError(
        `Inbox of "${client.unitId}" unavailable: ${(err as Error).message}`,
        { cause: err },
      );
    });
    const answer = reply.json<
      { error?: { code?: number; err_code?: number; description?: string } }
    >();
    if (answer.error) {
      const { description, code, err_code } = answer.error;
      throw new InboxUnavailableError(
        `Inbox of "${client.unitId}" unavailable: ${description} (${err_code ?? code}): is the ` +
          `subject registry running (it creates the stream ${INBOX_STREAM})?`,
      );
    }
    const consumer = await jetstream(client.nc, { domain }).consumers.get(INBOX_STREAM, name);
    const messages: ConsumerMessages = await consumer.consume({
      max_messages: options.batch ?? 16,
    });
    const closed = (async () => {
      for await (const m of messages) {
        try {
          await handler(m);
          m.ack();
        } catch (err) {
          client.reportError(err instanceof Error ? err : new Error(String(err)));
        }
      }
    })();
    return {
      closed,
      async stop() {
        await messages.close();
        await closed;
      },
    };
  }

  /**
   * Sends the client's log records as stream publishes, one at a time and in order: each waits
   * in a bounded queue until the stream acknowledged it, and is tried again, with the same
   * `Nats-Msg-Id` (so the stream keeps one copy), at the next log call or reconnect. A failed
   * attempt is reported as an `error` status event of the client. While disconnected the logger
   * buffers as always.
   *
   * @param options the stream that must store the records, the acknowledgement timeout, the
   *   queue's bound
   * @returns the queue's state, and `stop()` to return the logger to plain publishing
   */
  logThroughStream(options: StreamLogOptions = {}): StreamLog {
    const client = this.#client;
    const boot = Math.floor(Math.random() * 2 ** 32).toString(36);
    const max = options.maxPending ?? 1000;
    const queue: { record: LogRecord; msgId: string }[] = [];
    let pumping: Promise<void> | undefined;
    let dropped = 0;
    let n = 0;
    // One pump at a time. It starts a turn later (so that `pumping` is set before it runs) and
    // clears `pumping` in the same turn as its last look at the queue, so a record queued at any
    // moment is either seen by this pump or starts the next one.
    const pump = async () => {
      await null;
      try {
        while (queue.length > 0 && client.isConnected) {
          const { record, msgId } = queue[0]!;
          try {
            await this.publish(subjects.log(record.level, client.unitId), record, {
              msgId,
              ...(options.stream ? { expectStream: options.stream } : {}),
              ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
            });
          } catch (err) {
            client.reportError(err instanceof Error ? err : new Error(String(err)));
            break;
          }
          queue.shift();
        }
      } finally {
        pumping = undefined;
      }
    };
    const kick = () => pumping ??= pump();
    client.logger.sendVia((record) => {
      if (queue.length >= max) {
        dropped++;
        // The head may be in flight: drop the oldest behind it, or else this record.
        const inFlight = pumping !== undefined ? 1 : 0;
        if (queue.length <= inFlight) return;
        queue.splice(inFlight, 1);
      }
      queue.push({ record, msgId: `${client.unitId}.${boot}.${++n}` });
      void kick();
    });
    const off = client.on("reconnected", () => void kick());
    return {
      get pending() {
        return queue.length;
      },
      get dropped() {
        return dropped;
      },
      settled: () => pumping ?? Promise.resolve(),
      stop() {
        client.logger.sendVia(undefined);
        off();
      },
    };
  }
}

/**
 * JetStream for a nunect client: standard headers on stream publishes, and the logger through
 * a stream. See {@linkcode NunectJetStream}.
 *
 * @param client the connected client
 * @param options nats.js JetStream options (domain, API prefix, timeout)
 * @returns the helper
 * @example
 * ```ts
 * const js = jetStream(client);
 * const ack = await js.publish("orders.new", { id: 7 });
 * js.logThroughStream({ stream: "nunect_telemetry" });
 * ```
 */
export function jetStream(client: NunectClient, options?: JetStreamOptions): NunectJetStream {
  return new NunectJetStream(client, options);
}

function mapPublishError(err: unknown, subject: string, timeoutMs: number): unknown {
  const chain: unknown[] = [];
  for (let e = err, i = 0; e instanceof Error && i < 4; e = e.cause, i++) chain.push(e);
  if (chain.some((e) => e instanceof natsErrors.NoRespondersError)) {
    return new NoRespondersError(`No stream captures "${subject}"`, { cause: err });
  }
  if (chain.some((e) => e instanceof natsErrors.TimeoutError)) {
    return new RequestTimeoutError(
      `Stream publish to "${subject}" got no acknowledgement within ${timeoutMs} ms`,
      { cause: err },
    );
  }
  return err;
}
