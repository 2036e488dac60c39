import type { NatsConnection } from "../client/nats_types.ts";
import { type MessageSummary, summarize } from "./message_view.ts";
import { parseScanCriteria, resolveRange, scanRange } from "./scan.ts";

/** What a search reports while it runs. JSON-serialisable, for Server-Sent Events. */
export type SearchEvent =
  | {
    /** The range is known. */
    readonly type: "start";
    /** First and last sequence searched. */
    readonly startSeq: number;
    /** Last sequence searched (fixed when the search starts). */
    readonly endSeq: number;
    /** Messages to read (matching the subject filter), or null where the server cannot count. */
    readonly total: number | null;
  }
  | {
    /** A matching message. */
    readonly type: "match";
    /** The message as a list row. */
    readonly message: MessageSummary;
  }
  | {
    /** How far it got. */
    readonly type: "progress";
    /** Messages read. */
    readonly scanned: number;
    /** Matches so far. */
    readonly matched: number;
    /** The last sequence read. */
    readonly lastSeq: number;
  }
  | {
    /** Finished (also after the match limit). */
    readonly type: "done";
    /** Messages read. */
    readonly scanned: number;
    /** Matches. */
    readonly matched: number;
    /** Whether it stopped at the match limit with more left to read. */
    readonly truncated: boolean;
    /** How long it took, in milliseconds. */
    readonly ms: number;
  };

/** Options of {@linkcode searchMessages}. */
export interface SearchOptions {
  /** Cancels the search (the generator then throws the signal's reason). */
  readonly signal?: AbortSignal;
  /** At most one progress event per this many milliseconds (default 200). */
  readonly progressMs?: number;
}

/**
 * Searches a stream on the server side (here, next to NATS, not in the browser) by subject
 * filter, sequence and time range, header and payload text, without a consumer: matches stream
 * out as they are found, with progress; cancel with the signal. At most `limit` matches
 * (default 1000).
 *
 * @param nc a connection in the stream's account
 * @param stream the stream
 * @param criteria what to look for (validated)
 * @param options cancellation and progress rate
 * @yields start, match, progress and done events
 * @throws {InvalidInputError} for bad criteria
 * @throws {NotFoundError} when the stream does not exist
 * @example
 * ```ts
 * for await (const e of searchMessages(nc, "ORDERS", { text: "refund", fromTime: "2025-01-01T00:00:00Z" })) {
 *   if (e.type === "match") console.log(e.message.seq);
 * }
 * ```
 */
export async function* searchMessages(
  nc: NatsConnection,
  stream: string,
  criteria: unknown,
  options: SearchOptions = {},
): AsyncGenerator<SearchEvent> {
  const c = parseScanCriteria(criteria);
  const limit = c.limit ?? 1000;
  const t0 = performance.now();
  const range = await resolveRange(nc, stream, c);
  yield { type: "start", startSeq: range.startSeq, endSeq: range.endSeq, total: range.total };
  let matched = 0;
  let scanned = 0;
  let lastSeq = range.startSeq - 1;
  let lastProgress = 0;
  let truncated = false;
  for await (const batch of scanRange(nc, stream, range, c, options.signal)) {
    scanned = batch.scanned;
    lastSeq = batch.lastSeq;
    for (const m of batch.messages) {
      if (matched === limit) {
        truncated = true;
        break;
      }
      matched++;
      yield { type: "match", message: summarize(m) };
    }
    if (truncated) break;
    const now = performance.now();
    if (now - lastProgress >= (options.progressMs ?? 200)) {
      lastProgress = now;
      yield { type: "progress", scanned, matched, lastSeq };
    }
  }
  yield { type: "progress", scanned, matched, lastSeq };
  yield { type: "done", scanned, matched, truncated, ms: Math.round(performance.now() - t0) };
}
