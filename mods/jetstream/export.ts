import type { NatsConnection } from "../client/nats_types.ts";
import { asText, encodeBase64 } from "./_bytes.ts";
import { ExportWriter } from "./_export_writer.ts";
import type { StoredMessage } from "./reader.ts";
import { parseScanCriteria, resolveRange, type ScanRange, scanRange } from "./scan.ts";
import { InvalidInputError } from "./errors.ts";

/** Export formats. */
export const EXPORT_FORMATS = ["json", "ndjson", "csv"] as const;
/** An export format: a JSON array, one JSON object per line, or CSV. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Media types of the formats, for downloads. */
export const EXPORT_MEDIA_TYPES: Readonly<Record<ExportFormat, string>> = {
  json: "application/json",
  ndjson: "application/x-ndjson",
  csv: "text/csv; charset=utf-8",
};

/** How an export is going. */
export interface ExportProgress {
  /** Messages read. */
  readonly scanned: number;
  /** Messages written. */
  readonly exported: number;
  /** The last sequence read. */
  readonly lastSeq: number;
  /** Messages to read, where the server could count. */
  readonly total: number | null;
}

/** Options of {@linkcode exportMessages}. */
export interface ExportOptions {
  /** The format (default `ndjson`). */
  readonly format?: ExportFormat;
  /** Cancels the export; the stream then errors with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Called after each batch. */
  readonly onProgress?: (p: ExportProgress) => void;
}

/**
 * One exported record: sequence, subject, time, headers as `[name, value]` pairs, and the payload
 * as UTF-8 text where it is text, else base64 (`encoding` says which).
 *
 * @param m a stored message
 * @returns the record
 */
export function exportRecord(m: StoredMessage): Record<string, unknown> {
  const text = asText(m.data);
  return {
    seq: m.seq,
    subject: m.subject,
    time: m.time,
    headers: m.headers,
    encoding: text === null ? "base64" : "text",
    data: text ?? encodeBase64(m.data),
  };
}

/** The CSV header line. */
const CSV_HEADER = "seq,subject,time,headers,encoding,data\r\n";

/**
 * Exports a range or a search result of a stream, streamed as it is read (no consumer; the next
 * batch is read only when the previous one was taken): JSON (an array), NDJSON or CSV.
 *
 * @param nc a connection in the stream's account
 * @param stream the stream
 * @param criteria which messages (as for a search)
 * @param options format, cancellation, progress
 * @returns the export's bytes, and its range once known
 * @throws {InvalidInputError} for bad criteria or format
 * @throws {NotFoundError} when the stream does not exist
 * @example
 * ```ts
 * const { body } = await exportMessages(nc, "ORDERS", { subject: "orders.eu.>" }, { format: "csv" });
 * await body.pipeTo((await Deno.create("orders.csv")).writable);
 * ```
 */
export async function exportMessages(
  nc: NatsConnection,
  stream: string,
  criteria: unknown,
  options: ExportOptions = {},
): Promise<{ body: ReadableStream<Uint8Array>; range: ScanRange }> {
  const format = options.format ?? "ndjson";
  if (!EXPORT_FORMATS.includes(format)) {
    throw new InvalidInputError("export", [
      { path: "format", message: `expected one of ${EXPORT_FORMATS.join(", ")}` },
    ]);
  }
  const c = parseScanCriteria(criteria);
  const limit = c.limit ?? Infinity;
  const range = await resolveRange(nc, stream, c);
  const batches = scanRange(nc, stream, range, c, options.signal);
  const out = new ExportWriter();
  let exported = 0;
  let started = false;
  const body = new ReadableStream<Uint8Array>({
    // Each pull reads batches until it has something to hand over (a batch may match nothing).
    async pull(controller) {
      if (!started) {
        started = true;
        if (format === "json") out.text("[");
        if (format === "csv") out.text(CSV_HEADER);
      }
      for (;;) {
        // At the limit the scan is stopped (its read-ahead dropped), not left running.
        const next = exported < limit ? await batches.next() : await batches.return(undefined);
        if (next.done) {
          if (format === "json") out.text(exported > 0 ? "\n]\n" : "]\n");
          if (!out.empty) controller.enqueue(out.take());
          controller.close();
          return;
        }
        const { messages, scanned, lastSeq } = next.value;
        for (const m of messages) {
          if (exported === limit) break;
          if (format === "ndjson") {
            out.record(m);
            out.text("\n");
          } else if (format === "json") {
            out.text(exported > 0 ? ",\n" : "\n");
            out.record(m);
          } else out.csvRecord(m);
          exported++;
        }
        options.onProgress?.({ scanned, exported, lastSeq, total: range.total });
        if (!out.empty) return controller.enqueue(out.take());
      }
    },
    async cancel() {
      await batches.return(undefined);
    },
  }, { highWaterMark: 0 });
  return { body, range };
}
