import type { NatsConnection } from "../client/nats_types.ts";
import { apiError, manager } from "./_server.ts";
import { InvalidInputError } from "./errors.ts";
import { type MessageSummary, summarize } from "./message_view.ts";
import { type ReadMethod, type StoredMessage, StreamReader } from "./reader.ts";

/** Where a page starts. */
export type PageStart =
  | { readonly seq: number }
  | { readonly time: string | Date }
  | "start"
  | "end";

/** What page of a stream's messages to read. */
export interface PageOptions {
  /**
   * Forward pages start at this point (inclusive); backward pages end just before it. Default:
   * `"start"` going forward, `"end"` going backward.
   */
  readonly at?: PageStart;
  /** Forward (older to newer, the default) or backward (the page before `at`). */
  readonly direction?: "forward" | "backward";
  /** Only messages whose subject matches this filter (wildcards allowed). */
  readonly subject?: string;
  /** Messages per page (default 50, at most 1000). */
  readonly limit?: number;
  /** How many payload bytes each row previews (default 200). */
  readonly previewBytes?: number;
}

/** One page of messages, oldest first, with cursors for the neighbouring pages. */
export interface MessagePage {
  /** The stream. */
  readonly stream: string;
  /** The messages, in sequence order. */
  readonly messages: readonly MessageSummary[];
  /** Read the next page forward from this sequence; null when nothing follows. */
  readonly next: number | null;
  /** Read the previous page backward before this sequence; null when nothing precedes. */
  readonly previous: number | null;
  /** How the server was read (`batch` = batched direct get). */
  readonly method: ReadMethod;
}

/** A reusable reader per connection and stream (it remembers whether direct get answers). */
const readers = new WeakMap<NatsConnection, Map<string, StreamReader>>();

/**
 * The connection's reader for a stream.
 *
 * @param nc a connection in the stream's account
 * @param stream the stream
 * @returns a reader (the same one for the same connection and stream)
 */
export function readerFor(nc: NatsConnection, stream: string): StreamReader {
  let byStream = readers.get(nc);
  if (byStream === undefined) readers.set(nc, byStream = new Map());
  let r = byStream.get(stream);
  if (r === undefined) byStream.set(stream, r = new StreamReader(nc, stream));
  return r;
}

/**
 * One page of a stream's messages, read without a consumer: by sequence, by time or from either
 * end, forward or backward, optionally only one subject filter's messages.
 *
 * @param nc a connection in the stream's account
 * @param stream the stream
 * @param options where, which way, which subjects, how many
 * @returns the page and its neighbours' cursors
 * @throws {InvalidInputError} for a bad limit or sequence
 * @throws {NotFoundError} when the stream does not exist
 * @example
 * ```ts
 * const page = await browseMessages(nc, "ORDERS", { at: { seq: 500_000 } });
 * const before = await browseMessages(nc, "ORDERS", { at: { seq: page.previous! }, direction: "backward" });
 * ```
 */
export async function browseMessages(
  nc: NatsConnection,
  stream: string,
  options: PageOptions = {},
): Promise<MessagePage> {
  const limit = options.limit ?? 50;
  const direction = options.direction ?? "forward";
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new InvalidInputError("page", [{ path: "limit", message: "expected 1 to 1000" }]);
  }
  const at = options.at ?? (direction === "forward" ? "start" : "end");
  if (typeof at === "object" && "seq" in at && (!Number.isInteger(at.seq) || at.seq < 0)) {
    throw new InvalidInputError("page", [{ path: "seq", message: "expected a sequence ≥ 0" }]);
  }
  const reader = readerFor(nc, stream);
  const subject = options.subject || undefined;
  const rows = (ms: readonly StoredMessage[]) => ms.map((m) => summarize(m, options.previewBytes));

  if (direction === "forward") {
    if (at === "end") return { stream, messages: [], next: null, previous: null, method: "batch" };
    const start = at === "start"
      ? { seq: 1 }
      : "seq" in at
      ? { seq: Math.max(1, at.seq) }
      : { startTime: at.time };
    const { messages, summary } = await reader.collect({ ...start, subject, limit });
    const first = messages[0]?.seq;
    return {
      stream,
      messages: rows(messages),
      next: summary.more ? summary.lastSeq + 1 : null,
      previous: first !== undefined && first > 1 ? first : null,
      method: summary.method,
    };
  }

  // Backward: the page before `before` (exclusive).
  let before: number;
  if (at === "end") before = (await lastSeq(nc, stream)) + 1;
  else if (at === "start") before = 1;
  else if ("seq" in at) before = at.seq;
  else before = (await reader.seqAt(at.time)) ?? (await lastSeq(nc, stream)) + 1;

  // Read windows of growing size backwards until the page is full or the stream's start.
  let collected: StoredMessage[] = [];
  let hi = before - 1;
  let window = Math.max(64, limit * 2);
  let method: ReadMethod = "batch";
  while (hi >= 1 && collected.length < limit) {
    const lo = Math.max(1, hi - window + 1);
    const { messages, summary } = await reader.collect({
      seq: lo,
      upToSeq: hi,
      subject,
      limit: hi - lo + 1, // no batch runs past the window
    });
    method = summary.method;
    collected = messages.concat(collected);
    hi = lo - 1;
    window *= 2;
  }
  const page = collected.slice(-limit);
  const first = page[0]?.seq;
  return {
    stream,
    messages: rows(page),
    next: page.length > 0 ? page[page.length - 1]!.seq + 1 : (before > 1 ? before : null),
    previous: first !== undefined && (collected.length > limit || hi >= 1) ? first : null,
    method,
  };
}

/** The stream's last sequence. */
async function lastSeq(nc: NatsConnection, stream: string): Promise<number> {
  const jsm = await manager(nc);
  try {
    return (await jsm.streams.info(stream)).state.last_seq;
  } catch (e) {
    throw apiError(e, `read stream "${stream}"`, { kind: "stream", name: stream, where: "" });
  }
}
