import {
  createInbox,
  errors as natsErrors,
  type Msg,
  type NatsConnection,
} from "@nats-io/nats-core";
import {
  type Header,
  numberOf,
  parseHeaderBlock,
  SEQUENCE_HEADER,
  serverHeader,
  SUBJECT_HEADER,
  TIME_HEADER,
  WireMessage,
  wireParts,
} from "./_wire.ts";
import { decodeBase64 } from "./_bytes.ts";
import { epochNs, rfc3339 } from "./_time.ts";
import { apiError, hasFeature, inboxPrefix, manager } from "./_server.ts";
import { NotFoundError, ServerRefusedError } from "./errors.ts";
import { NunectError } from "../protocol/mod.ts";

/** A message as stored in a stream, read without a consumer. */
export interface StoredMessage {
  /** Stream sequence. */
  readonly seq: number;
  /** The subject it was stored under. */
  readonly subject: string;
  /** When the stream stored it: RFC 3339 with nanoseconds, as the server reports it. */
  readonly time: string;
  /** The publisher's headers, in order (the server's `Nats-Stream`, `Nats-Sequence`, … removed). */
  readonly headers: readonly Header[];
  /** The payload. */
  readonly data: Uint8Array;
}

/** Where and how much {@linkcode StreamReader.read} reads. */
export interface ReadOptions {
  /** First sequence to read (default 1: the stream's first message). */
  readonly seq?: number;
  /** Instead of `seq`: start at the first message stored at or after this time (RFC 3339, ns). */
  readonly startTime?: Date | string;
  /** Only messages whose subject matches this filter (wildcards allowed). */
  readonly subject?: string;
  /** Stop after this many messages (default: no limit). */
  readonly limit?: number;
  /** Stop after this sequence (inclusive). */
  readonly upToSeq?: number;
  /** Cancels the read; it rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /**
   * Pass messages whose subject, time and headers are decoded when first read (class instances
   * with getters: read the fields, do not spread them). For scans that look at few of them.
   */
  readonly lazy?: boolean;
}

/** How a read went. */
export interface ReadSummary {
  /** Messages delivered to the callback. */
  readonly count: number;
  /** Sequence of the last message delivered (0 when none). */
  readonly lastSeq: number;
  /**
   * Whether more matching messages follow the last one delivered (false when the read reached
   * the end of the stream or of `upToSeq`; true when it stopped at `limit` or the callback).
   */
  readonly more: boolean;
  /** How the server was read: batched direct get, single direct gets, or the message-get API. */
  readonly method: ReadMethod;
}

/** How messages are read: batched direct get (≥ 2.11), single direct gets, or `STREAM.MSG.GET`. */
export type ReadMethod = "batch" | "direct" | "api";

/** Options of a {@linkcode StreamReader}. */
export interface StreamReaderOptions {
  /** Messages per batched request (default 1000). */
  readonly batchSize?: number;
  /** Bytes per batched request before the server ends it early (default 4 MiB). */
  readonly maxBytes?: number;
  /** Give up when the server sends nothing for this long (default 5000 ms). */
  readonly timeoutMs?: number;
  /** Single gets in flight at once where batches are not available (default 64). */
  readonly window?: number;
}

/** Raised inside the reader when the stream has no direct-get responders (allow_direct off). */
class NoDirectError extends NunectError {}

/** A direct-get reply that is a status (404, 204 EOB, 408, …), not a message. */
interface DirectStatus {
  readonly code: number;
  readonly description: string;
  /** From an EOB status: matching messages after the last one sent. */
  readonly pending: number | null;
}

/** The `Nats-Num-Pending` of a direct-get reply: matching messages after this one. */
function numPending(m: Msg): number | null {
  const entry = parseHeaderBlock(wireParts(m).header).entries.find(([k]) =>
    k === "Nats-Num-Pending"
  );
  return entry ? Number(entry[1]) : null;
}

/** Whether a decoded direct-get reply is a status rather than a message. */
function isStatus(reply: StoredMessage | DirectStatus): reply is DirectStatus {
  return "code" in reply;
}

/**
 * Decodes a direct-get reply: a stored message, or a status (404, 204 EOB, 408, …). This runs for
 * every message a scan reads, so the header block is parsed as bytes where it lies in the received
 * buffer: the server's own headers are recognised by their bytes, the sequence is read as digits,
 * and the subject, the time and the publisher's headers are only located (a {@linkcode WireMessage}
 * makes their strings when they are read).
 */
function decodeDirect(m: Msg): WireMessage | DirectStatus {
  const { header: b, data } = wireParts(m);
  if (b.length === 0) return { code: 503, description: "", pending: null };
  let eol = 0;
  while (eol < b.length && b[eol] !== 13) eol++;
  if (eol > 8) {
    // A status line: "NATS/1.0 204 EOB" and friends.
    const { code, description } = parseHeaderBlock(b);
    return { code, description, pending: numPending(m) };
  }
  let seq = 0;
  let subjectAt = 0;
  let subjectEnd = 0;
  let timeAt = 0;
  let timeEnd = 0;
  let headersAt = -1;
  // Line by line, each scanned once for its colon and its end (plain loops: a typed array's
  // indexOf costs more than these few bytes).
  for (let at = eol + 2; at < b.length;) {
    let colon = -1;
    let end = at;
    for (; end < b.length; end++) {
      const c = b[end];
      if (c === 13) break;
      if (c === 58 && colon < 0) colon = end;
    }
    if (colon > at) {
      let v = colon + 1;
      if (b[v] === 32) v++;
      const h = serverHeader(b, at, colon);
      if (h === SUBJECT_HEADER) {
        subjectAt = v;
        subjectEnd = end;
      } else if (h === SEQUENCE_HEADER) seq = numberOf(b, v, end);
      else if (h === TIME_HEADER) {
        timeAt = v;
        timeEnd = end;
      } else if (h === -1 && headersAt < 0) headersAt = at;
    }
    at = end + 2;
  }
  return new WireMessage(b, data, seq, subjectAt, subjectEnd, timeAt, timeEnd, headersAt);
}

interface ApiMsgGetReply {
  message?: { subject: string; seq: number; hdrs?: string; data?: string; time: string };
  error?: { code: number; err_code?: number; description: string };
}

/**
 * Reads a stream's messages without creating a consumer: batched direct gets where the server has
 * them (nats-server ≥ 2.11 and `allow_direct`), else single direct gets, else the
 * `$JS.API.STREAM.MSG.GET` API (streams without `allow_direct`; work-queue and interest streams
 * too), pipelined. Reading never changes the stream: no consumer, no ack, no interest.
 *
 * @example
 * ```ts
 * const reader = new StreamReader(nc, "ORDERS");
 * await reader.read({ seq: 500_000, limit: 50 }, (m) => console.log(m.seq, m.subject));
 * ```
 */
export class StreamReader {
  /** The stream. */
  readonly stream: string;
  readonly #nc: NatsConnection;
  readonly #batchSize: number;
  readonly #maxBytes: number;
  readonly #timeoutMs: number;
  readonly #window: number;
  /** Whether the stream answers direct gets; unknown until tried. */
  #direct: boolean | undefined;

  /**
   * Creates a reader of one stream; nothing is requested yet.
   *
   * @param nc a connection in the stream's account
   * @param stream the stream's name
   * @param options batch size, byte limit, timeout and pipelining
   */
  constructor(nc: NatsConnection, stream: string, options: StreamReaderOptions = {}) {
    this.#nc = nc;
    this.stream = stream;
    this.#batchSize = options.batchSize ?? 1000;
    this.#maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#window = options.window ?? 64;
  }

  /** Whether this server has batched direct get. */
  get #batch(): boolean {
    return hasFeature(this.#nc, "batch_direct_get");
  }

  /**
   * Reads messages in sequence order and passes each to `onMessage` (return `false` to stop).
   *
   * @param options where to start, filter, limit, cancellation
   * @param onMessage called for each message, in order
   * @returns how many were read, the last sequence and whether more follow
   * @throws {NotFoundError} when the stream does not exist
   * @throws the signal's reason when cancelled
   */
  async read(
    options: ReadOptions,
    onMessage: (m: StoredMessage) => boolean | void,
  ): Promise<ReadSummary> {
    options.signal?.throwIfAborted();
    if (this.#batch && this.#direct !== false) {
      try {
        return await this.#readBatched(options, onMessage);
      } catch (e) {
        if (!(e instanceof NoDirectError)) throw e;
        this.#direct = false;
      }
    }
    return await this.#readSingly(options, onMessage);
  }

  /**
   * Reads messages into an array (for pages; scans use {@linkcode StreamReader.read}).
   *
   * @param options where to start, filter, limit
   * @returns the messages and the summary
   */
  async collect(
    options: ReadOptions,
  ): Promise<{ messages: StoredMessage[]; summary: ReadSummary }> {
    const messages: StoredMessage[] = [];
    const summary = await this.read(options, (m) => void messages.push(m));
    return { messages, summary };
  }

  /**
   * One message by sequence.
   *
   * @param seq the stream sequence
   * @returns the message, or null when there is none at that sequence (deleted, purged, never)
   */
  async get(seq: number): Promise<StoredMessage | null> {
    return await this.#single({ seq });
  }

  /**
   * The first message at or after `seq` whose subject matches `subject`.
   *
   * @param seq where to start
   * @param subject a filter (default: any subject)
   * @returns the message, or null when none follows
   */
  async next(seq: number, subject = ">"): Promise<StoredMessage | null> {
    return await this.#single({ seq: Math.max(1, seq), next_by_subj: subject });
  }

  /**
   * The last message stored under a subject.
   *
   * @param subject a subject (no wildcards: a KV key's subject, for example)
   * @returns the message, or null when there is none
   */
  async last(subject: string): Promise<StoredMessage | null> {
    return await this.#single({ last_by_subj: subject });
  }

  /**
   * The last message of each of several subjects: one request on servers with batched direct get
   * (up to 1024 subjects), else one request per subject, in parallel.
   *
   * @param subjects subjects without wildcards
   * @returns the last message by subject (subjects without messages are absent)
   */
  async lastOfEach(subjects: readonly string[]): Promise<Map<string, StoredMessage>> {
    const out = new Map<string, StoredMessage>();
    if (subjects.length === 0) return out;
    if (this.#batch && this.#direct !== false && subjects.length <= 1024) {
      try {
        await this.#batchRequest(
          { multi_last: subjects },
          (m) => void out.set(m.subject, m.plain()),
        );
        return out;
      } catch (e) {
        if (!(e instanceof NoDirectError)) throw e;
        this.#direct = false;
      }
    }
    for (let i = 0; i < subjects.length; i += this.#window) {
      const found = await Promise.all(subjects.slice(i, i + this.#window).map((s) => this.last(s)));
      for (const m of found) if (m) out.set(m.subject, m);
    }
    return out;
  }

  /**
   * How many messages matching `subject` are stored from `seq` on, from one batched direct get
   * (the server counts); null on servers without batched direct get or streams without direct.
   *
   * @param seq the first sequence counted
   * @param subject a filter (default: any)
   * @returns the count, or null when the server cannot count this way
   */
  async countFrom(seq: number, subject?: string): Promise<number | null> {
    if (!this.#batch || this.#direct === false) return null;
    try {
      let count = 0;
      await this.#batchRequest(
        {
          seq: Math.max(1, seq),
          ...(subject && subject !== ">" ? { next_by_subj: subject } : {}),
          batch: 1,
        },
        (_m, raw) => {
          count = (numPending(raw) ?? 0) + 1;
          return false;
        },
      );
      return count;
    } catch (e) {
      if (!(e instanceof NoDirectError)) throw e;
      this.#direct = false;
      return null;
    }
  }

  /**
   * The sequence of the first message stored at or after `time`: the server finds it where it
   * can (batched direct get), else a binary search over the stream's sequences.
   *
   * @param time a point in time
   * @returns the sequence, or null when every message is older
   */
  async seqAt(time: Date | string): Promise<number | null> {
    const at = epochNs(time);
    if (this.#batch && this.#direct !== false) {
      try {
        let seq: number | null = null;
        await this.#batchRequest({ start_time: rfc3339(at), batch: 1 }, (m) => {
          seq = m.seq;
          return false;
        });
        return seq;
      } catch (e) {
        if (!(e instanceof NoDirectError)) throw e;
        this.#direct = false;
      }
    }
    const { first, last } = await this.#bounds();
    if (last < first) return null;
    const lastMsg = await this.next(last);
    if (lastMsg === null || epochNs(lastMsg.time) < at) return null;
    // Binary search for the smallest s whose next existing message is at or after `at`: that
    // holds for the last message, and stays true for every larger s (times grow with sequences).
    const reached = async (s: number) => epochNs((await this.next(s))!.time) >= at;
    let lo = first;
    let hi = lastMsg.seq;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (await reached(mid)) hi = mid;
      else lo = mid + 1;
    }
    return (await this.next(lo))!.seq;
  }

  /** The stream's first and last sequence (one stream-info request). */
  async #bounds(): Promise<{ first: number; last: number; direct: boolean }> {
    const jsm = await manager(this.#nc);
    try {
      const si = await jsm.streams.info(this.stream);
      return {
        first: si.state.first_seq,
        last: si.state.last_seq,
        direct: si.config.allow_direct === true,
      };
    } catch (e) {
      throw apiError(e, `read stream "${this.stream}"`, {
        kind: "stream",
        name: this.stream,
        where: "",
      });
    }
  }

  /** Batched direct gets, one batch after the other, until the limit, the end or a stop. */
  async #readBatched(
    options: ReadOptions,
    onMessage: (m: StoredMessage) => boolean | void,
  ): Promise<ReadSummary> {
    const limit = options.limit ?? Infinity;
    const upTo = options.upToSeq ?? Infinity;
    const lazy = options.lazy === true;
    let count = 0;
    let lastSeq = 0;
    let start: { seq: number } | { start_time: string } = options.startTime
      ? { start_time: rfc3339(epochNs(options.startTime)) }
      : { seq: Math.max(1, options.seq ?? 1) };
    for (;;) {
      options.signal?.throwIfAborted();
      let want = Math.min(this.#batchSize, limit - count);
      // Never ask for more than the sequences left below upToSeq: the server would send them all.
      if ("seq" in start && upTo !== Infinity) {
        if (start.seq > upTo) return { count, lastSeq, more: false, method: "batch" };
        want = Math.min(want, upTo - start.seq + 1);
      }
      let stopped: "limit" | "end" | undefined;
      const reply = await this.#batchRequest(
        {
          ...start,
          ...(options.subject && options.subject !== ">" ? { next_by_subj: options.subject } : {}),
          batch: want,
          max_bytes: this.#maxBytes,
        },
        (m) => {
          if (m.seq > upTo) {
            stopped = "end";
            return false;
          }
          count++;
          lastSeq = m.seq;
          if (onMessage(lazy ? m : m.plain()) === false || count >= limit) {
            stopped = "limit";
            return false;
          }
        },
        options.signal,
      );
      if (stopped !== undefined) {
        return { count, lastSeq, more: stopped === "limit", method: "batch" };
      }
      if (reply.received === 0 || reply.pending === 0 || lastSeq >= upTo) {
        return { count, lastSeq, more: false, method: "batch" };
      }
      start = { seq: lastSeq + 1 };
    }
  }

  /**
   * One batched direct-get request: resolves at the end-of-batch status, at a 404 (nothing
   * there), or when `onMessage` returns false (the rest of the batch is dropped).
   */
  #batchRequest(
    request: Record<string, unknown>,
    onMessage: (m: WireMessage, raw: Msg) => boolean | void,
    signal?: AbortSignal,
  ): Promise<{ received: number; pending: number | null }> {
    return new Promise((resolve, reject) => {
      const inbox = createInbox(inboxPrefix(this.#nc));
      let received = 0;
      let done = false;
      const finish = (err?: unknown, pending: number | null = null) => {
        clearInterval(timer);
        signal?.removeEventListener("abort", onAbort);
        sub.unsubscribe();
        if (err !== undefined) reject(err);
        else resolve({ received, pending });
      };
      // One timer per request, nothing per message (not even reading a clock): it ticks four
      // times per timeout and gives up after four ticks without a message.
      let seen = 0;
      let quiet = 0;
      const watchdog = () => {
        if (received !== seen) [seen, quiet] = [received, 0];
        else if (++quiet === 4) {
          done = true;
          finish(
            new Error(
              `No answer from stream "${this.stream}" within ${this.#timeoutMs} ms: ` +
                `check that the stream's servers are up`,
            ),
          );
        }
      };
      const onAbort = () => {
        done = true;
        finish(signal!.reason);
      };
      const sub = this.#nc.subscribe(inbox, {
        callback: (err, m) => {
          if (done) return;
          if (err) return (done = true, finish(err));
          const reply = decodeDirect(m);
          if (!isStatus(reply)) {
            received++;
            if (onMessage(reply, m) === false) {
              done = true;
              finish();
            }
            return;
          }
          done = true;
          if (reply.code === 204) finish(undefined, reply.pending);
          else if (reply.code === 404) finish(undefined, 0);
          else if (reply.code === 503) {
            finish(new NoDirectError("Direct get is not enabled on this stream"));
          } else finish(this.#statusError(reply));
        },
      });
      signal?.addEventListener("abort", onAbort, { once: true });
      const timer = setInterval(watchdog, this.#timeoutMs / 4);
      this.#nc.publish(`$JS.API.DIRECT.GET.${this.stream}`, JSON.stringify(request), {
        reply: inbox,
      });
    });
  }

  #statusError(reply: { code: number; description: string }): Error {
    return new ServerRefusedError(
      `read stream "${this.stream}"`,
      reply.code,
      0,
      reply.description || `status ${reply.code}`,
      null,
    );
  }

  /** Reads with single gets: a window of sequences in parallel, or next-by-subject one by one. */
  async #readSingly(
    options: ReadOptions,
    onMessage: (m: StoredMessage) => boolean | void,
  ): Promise<ReadSummary> {
    const bounds = await this.#bounds();
    this.#direct ??= bounds.direct;
    const method: ReadMethod = this.#direct ? "direct" : "api";
    const limit = options.limit ?? Infinity;
    const upTo = Math.min(options.upToSeq ?? Infinity, bounds.last);
    let seq = Math.max(options.seq ?? 1, bounds.first);
    if (options.startTime) {
      const at = await this.seqAt(options.startTime);
      if (at === null) return { count: 0, lastSeq: 0, more: false, method };
      seq = Math.max(seq, at);
    }
    let count = 0;
    let lastSeq = 0;
    const filter = options.subject && options.subject !== ">" ? options.subject : undefined;
    while (seq <= upTo) {
      options.signal?.throwIfAborted();
      let batch: (StoredMessage | null)[];
      if (filter === undefined) {
        const n = Math.min(this.#window, upTo - seq + 1, Math.max(1, limit - count));
        batch = await Promise.all(Array.from({ length: n }, (_, i) => this.get(seq + i)));
        seq += n;
      } else {
        const m = await this.next(seq, filter);
        batch = [m !== null && m.seq <= upTo ? m : null];
        if (batch[0] === null) break;
        seq = m!.seq + 1;
      }
      for (const m of batch) {
        if (m === null) continue;
        count++;
        lastSeq = m.seq;
        if (onMessage(m) === false || count >= limit) {
          return { count, lastSeq, more: true, method };
        }
      }
    }
    return { count, lastSeq, more: false, method };
  }

  /** One message by a single request: direct get when the stream allows it, else the API. */
  async #single(request: Record<string, unknown>): Promise<StoredMessage | null> {
    if (this.#direct !== false) {
      try {
        const m = await this.#nc.request(
          `$JS.API.DIRECT.GET.${this.stream}`,
          JSON.stringify(request),
          { timeout: this.#timeoutMs },
        );
        const reply = decodeDirect(m);
        if (!isStatus(reply)) {
          this.#direct = true;
          return reply.plain();
        }
        if (reply.code === 404) return null;
        if (reply.code !== 503) throw this.#statusError(reply);
      } catch (e) {
        if (!(e instanceof natsErrors.RequestError && e.isNoResponders())) throw e;
      }
      this.#direct = false;
    }
    const res = await this.#nc.request(
      `$JS.API.STREAM.MSG.GET.${this.stream}`,
      JSON.stringify(request),
      { timeout: this.#timeoutMs },
    );
    const body = JSON.parse(new TextDecoder().decode(res.data)) as ApiMsgGetReply;
    if (body.error) {
      if (body.error.err_code === 10037) return null; // no message found
      if (body.error.err_code === 10059) {
        throw new NotFoundError("stream", this.stream, "");
      }
      throw new ServerRefusedError(
        `read stream "${this.stream}"`,
        body.error.code,
        body.error.err_code ?? 0,
        body.error.description,
        null,
      );
    }
    const msg = body.message!;
    const headers = msg.hdrs ? parseHeaderBlock(decodeBase64(msg.hdrs)).entries : [];
    return {
      seq: msg.seq,
      subject: msg.subject,
      time: msg.time,
      headers,
      data: msg.data ? decodeBase64(msg.data) : new Uint8Array(0),
    };
  }
}
