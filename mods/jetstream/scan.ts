import type { NatsConnection } from "../client/nats_types.ts";
import { z } from "zod";
import type { Agrees } from "../protocol/wire_schema.ts";
import { indexOfBytes } from "./_bytes.ts";
import { parseInput, subjectFilter } from "./_schema.ts";
import { apiError, manager } from "./_server.ts";
import { epochNs, rfc3339 } from "./_time.ts";
import { readerFor } from "./browse.ts";
import type { StoredMessage } from "./reader.ts";

const time = z.string().refine((s) => {
  try {
    epochNs(s);
    return true;
  } catch {
    return false;
  }
}, { message: "expected an RFC 3339 time, e.g. 2025-01-31T12:00:00Z" });

/**
 * zod schema of which messages a search, export or replay covers: a subject filter, a sequence
 * and time range (inclusive), a header (present, or with a value containing text), payload text,
 * and a cap on matches.
 */
export const scanCriteriaSchema = z.object({
  subject: subjectFilter.optional(),
  fromSeq: z.number().int().min(1).optional(),
  toSeq: z.number().int().min(1).optional(),
  fromTime: time.optional(),
  toTime: time.optional(),
  header: z.object({
    name: z.string().min(1),
    value: z.string().optional(),
  }).strict().optional(),
  text: z.string().min(1).optional(),
  limit: z.number().int().min(1).optional(),
}).strict();

/** Which messages a search, export or replay covers; every criterion given must hold. */
export interface ScanCriteria {
  /** Messages on these subjects (a filter). */
  subject?: string;
  /** From this sequence on (inclusive). */
  fromSeq?: number;
  /** Up to this sequence (inclusive). */
  toSeq?: number;
  /** From this time on (inclusive), RFC 3339. */
  fromTime?: string;
  /** Up to this time (inclusive), RFC 3339. */
  toTime?: string;
  /** Messages with this header, or with a value containing `value`. */
  header?: { name: string; value?: string };
  /** Messages whose payload contains this text. */
  text?: string;
  /** Stop after this many matches. */
  limit?: number;
}
true satisfies Agrees<z.input<typeof scanCriteriaSchema>, ScanCriteria>;

/**
 * Validates scan criteria.
 *
 * @param input what the form or API sent
 * @returns the criteria
 * @throws {InvalidInputError} naming each bad field
 */
export function parseScanCriteria(input: unknown): ScanCriteria {
  return parseInput(scanCriteriaSchema, input ?? {}, "search");
}

/** The sequences a scan reads, and how many messages that is where the server can count. */
export interface ScanRange {
  /** First sequence read. */
  readonly startSeq: number;
  /** Last sequence read (inclusive); below startSeq when the range is empty. */
  readonly endSeq: number;
  /** Messages matching the subject filter in the range, or null where the server cannot count. */
  readonly total: number | null;
}

/**
 * The sequence range criteria cover: times become sequences (the server finds them), the end is
 * fixed when the scan starts, so messages arriving meanwhile (a replay into the same stream) are
 * never read.
 *
 * @param nc a connection in the stream's account
 * @param stream the stream
 * @param c the criteria
 * @returns the range and its size
 * @throws {NotFoundError} when the stream does not exist
 */
export async function resolveRange(
  nc: NatsConnection,
  stream: string,
  c: ScanCriteria,
): Promise<ScanRange> {
  const jsm = await manager(nc);
  const si = await jsm.streams.info(stream).catch((e) => {
    throw apiError(e, `read stream "${stream}"`, { kind: "stream", name: stream, where: "" });
  });
  const reader = readerFor(nc, stream);
  let start = Math.max(c.fromSeq ?? 1, si.state.first_seq);
  let end = Math.min(c.toSeq ?? Infinity, si.state.last_seq);
  if (c.fromTime !== undefined) {
    start = Math.max(start, (await reader.seqAt(c.fromTime)) ?? end + 1);
  }
  if (c.toTime !== undefined) {
    const after = await reader.seqAt(rfc3339(epochNs(c.toTime) + 1n));
    if (after !== null) end = Math.min(end, after - 1);
  }
  if (end < start) return { startSeq: start, endSeq: end, total: 0 };
  const from = await reader.countFrom(start, c.subject);
  const beyond = end < si.state.last_seq ? await reader.countFrom(end + 1, c.subject) : 0;
  return {
    startSeq: start,
    endSeq: end,
    total: from === null || beyond === null ? null : from - beyond,
  };
}

/**
 * A predicate for the criteria the server cannot apply (header and payload text).
 *
 * @param c the criteria
 * @returns whether a message matches, or null when every message in range matches
 */
export function messageMatcher(c: ScanCriteria): ((m: StoredMessage) => boolean) | null {
  const needle = c.text ? new TextEncoder().encode(c.text) : null;
  const name = c.header?.name.toLowerCase();
  const value = c.header?.value;
  if (needle === null && name === undefined) return null;
  return (m) => {
    if (name !== undefined) {
      const found = m.headers.some(([k, v]) =>
        k.toLowerCase() === name && (value === undefined || v.includes(value))
      );
      if (!found) return false;
    }
    return needle === null || indexOfBytes(m.data, needle) !== -1;
  };
}

/**
 * Batches an unfiltered scan reads ahead of the one being taken: with one, the server idled while
 * the client wrote a batch out whenever the machine was busy; four kept it going (`deno task bench
 * jetstream`). At most five batches (5,000 messages, 20 MiB) are held per scan.
 */
export const READ_AHEAD = 4;

/** One batch of a scan: the matching messages and how far it got. */
export interface ScanBatch {
  /** Matching messages of this batch, in order. */
  readonly messages: readonly StoredMessage[];
  /** Messages read so far (matching the subject filter). */
  readonly scanned: number;
  /** The last sequence read. */
  readonly lastSeq: number;
}

/**
 * Collects the matching messages of one batch of a scan as they arrive: into an array, or
 * straight into an export's bytes (then no message outlives its arrival).
 */
export interface ScanSink<T> {
  /** Takes one matching message, in order. */
  add(m: StoredMessage): void;
  /** What the batch collected. */
  result(): T;
}

/** One batch of {@linkcode scanInto}: what its sink collected and how far the scan got. */
export interface SinkBatch<T> {
  /** The sink's result. */
  readonly result: T;
  /** Messages read so far (matching the subject filter). */
  readonly scanned: number;
  /** The last sequence read. */
  readonly lastSeq: number;
}

/**
 * Reads a range batch by batch (without a consumer) and yields the messages that match. Without
 * a subject filter the batches are fixed ranges of sequences, {@linkcode READ_AHEAD} of them read
 * ahead of the one being taken and no further one requested until it was: a slow reader (an HTTP
 * client downloading an export) slows the scan instead of filling memory, and a fast one never
 * waits for the server. With a filter they follow each other (a batch of 1,000 matches may span
 * any number of sequences). Messages are read lazily (their subject, time and headers become
 * strings when read): a search looks at the payload, an export copies bytes.
 *
 * @param nc a connection in the stream's account
 * @param stream the stream
 * @param range from {@linkcode resolveRange}
 * @param c the criteria (subject, header, text; `limit` is the caller's business)
 * @param signal cancels the scan
 * @param batchSize messages per server request (default 1000)
 * @yields batches of matching messages with progress
 */
export async function* scanRange(
  nc: NatsConnection,
  stream: string,
  range: ScanRange,
  c: ScanCriteria,
  signal?: AbortSignal,
  batchSize = 1000,
): AsyncGenerator<ScanBatch> {
  const list = (): ScanSink<StoredMessage[]> => {
    const messages: StoredMessage[] = [];
    return { add: (m) => void messages.push(m), result: () => messages };
  };
  for await (const b of scanInto(nc, stream, range, c, list, signal, batchSize)) {
    yield { messages: b.result, scanned: b.scanned, lastSeq: b.lastSeq };
  }
}

/**
 * {@linkcode scanRange} with a sink per batch instead of an array: each matching message goes to
 * the batch's sink as it arrives (batches read ahead fill their own sinks meanwhile).
 *
 * @param nc a connection in the stream's account
 * @param stream the stream
 * @param range from {@linkcode resolveRange}
 * @param c the criteria (subject, header, text)
 * @param sink makes the sink of a batch
 * @param signal cancels the scan
 * @param batchSize messages per server request (default 1000)
 * @yields each batch's result with progress (batches that matched nothing too)
 */
export async function* scanInto<T>(
  nc: NatsConnection,
  stream: string,
  range: ScanRange,
  c: ScanCriteria,
  sink: () => ScanSink<T>,
  signal?: AbortSignal,
  batchSize = 1000,
): AsyncGenerator<SinkBatch<T>> {
  const reader = readerFor(nc, stream);
  const match = messageMatcher(c);
  const filtered = c.subject !== undefined && c.subject !== ">";
  let scanned = 0;

  if (filtered) {
    let seq = range.startSeq;
    while (seq <= range.endSeq) {
      const into = sink();
      const summary = await reader.read(
        { seq, upToSeq: range.endSeq, subject: c.subject, limit: batchSize, signal, lazy: true },
        (m) => {
          if (match === null || match(m)) into.add(m);
        },
      );
      scanned += summary.count;
      if (summary.count === 0) break;
      yield { result: into.result(), scanned, lastSeq: summary.lastSeq };
      if (!summary.more) break;
      seq = summary.lastSeq + 1;
    }
    return;
  }

  // Unfiltered: batch i covers sequences [start + i·size, start + (i+1)·size), read ahead.
  const stop = new AbortController();
  const combined = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  const read = (from: number) => {
    const to = Math.min(from + batchSize - 1, range.endSeq);
    const into = sink();
    const done = reader.read({ seq: from, upToSeq: to, signal: combined, lazy: true }, (m) => {
      if (match === null || match(m)) into.add(m);
    });
    done.catch(() => {}); // awaited below; a read-ahead dropped by `stop` rejects unobserved
    return { to, into, done };
  };
  const queue: ReturnType<typeof read>[] = [];
  let nextFrom = range.startSeq;
  const fill = () => {
    while (queue.length < READ_AHEAD && nextFrom <= range.endSeq) {
      const r = read(nextFrom);
      queue.push(r);
      nextFrom = r.to + 1;
    }
  };
  try {
    fill();
    while (queue.length > 0) {
      const current = queue.shift()!;
      fill();
      const summary = await current.done;
      scanned += summary.count;
      if (summary.count > 0) {
        yield { result: current.into.result(), scanned, lastSeq: summary.lastSeq };
      }
    }
  } finally {
    stop.abort(new Error("The scan stopped"));
  }
}
