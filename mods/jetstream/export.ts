import type { NatsConnection } from "../client/nats_types.ts";
import { asText, encodeBase64 } from "./_bytes.ts";
import { ExportWriter } from "./_export_writer.ts";
import type { StoredMessage } from "./reader.ts";
import {
  parseScanCriteria,
  resolveRange,
  scanInto,
  type ScanRange,
  type ScanSink,
} from "./scan.ts";
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

/**
 * One batch of an export, written as its messages arrive: no message is held until the batch is
 * taken, only its bytes (and where each record ends, for a limit that falls inside the batch).
 */
class RecordBatch implements ScanSink<RecordBatch> {
  readonly #format: ExportFormat;
  readonly #cap: number;
  readonly #out = new ExportWriter(1 << 18);
  readonly #ends: number[] = [];

  constructor(format: ExportFormat, cap: number) {
    this.#format = format;
    this.#cap = cap;
  }

  /** Records written. */
  get count(): number {
    return this.#ends.length;
  }

  add(m: StoredMessage): void {
    if (this.#ends.length >= this.#cap) return; // the export's limit: no batch needs more
    const out = this.#out;
    if (this.#format === "ndjson") {
      out.record(m);
      out.text("\n");
    } else if (this.#format === "json") {
      out.text(",\n");
      out.record(m);
    } else out.csvRecord(m);
    this.#ends.push(out.length);
  }

  result(): RecordBatch {
    return this;
  }

  /** The bytes of the first `n` records. */
  bytes(n: number): Uint8Array {
    return n === 0 ? new Uint8Array(0) : this.#out.view(this.#ends[n - 1]);
  }
}

/** The CSV header line. */
const CSV_HEADER = "seq,subject,time,headers,encoding,data\r\n";

/**
 * Exports a range or a search result of a stream, streamed as it is read (no consumer; batches
 * are read a few ahead of the one the download takes, no further): JSON (an array), NDJSON or CSV.
 * Each batch is written to bytes as its messages arrive.
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
  const batches = scanInto(
    nc,
    stream,
    range,
    c,
    () => new RecordBatch(format, limit),
    options.signal,
  );
  const enc = new TextEncoder();
  let exported = 0;
  let started = false;
  const body = new ReadableStream<Uint8Array>({
    // Each pull reads batches until it has something to hand over (a batch may match nothing).
    async pull(controller) {
      if (!started) {
        started = true;
        if (format === "json") controller.enqueue(enc.encode("["));
        if (format === "csv") controller.enqueue(enc.encode(CSV_HEADER));
      }
      for (;;) {
        // At the limit the scan is stopped (its read-ahead dropped), not left running.
        const next = exported < limit ? await batches.next() : await batches.return(undefined);
        if (next.done) {
          if (format === "json") controller.enqueue(enc.encode(exported > 0 ? "\n]\n" : "]\n"));
          controller.close();
          return;
        }
        const { result: batch, scanned, lastSeq } = next.value;
        const take = Math.min(batch.count, limit - exported);
        // JSON records each start ",\n"; the array's first one without the comma.
        const bytes = batch.bytes(take).subarray(format === "json" && exported === 0 ? 1 : 0);
        exported += take;
        options.onProgress?.({ scanned, exported, lastSeq, total: range.total });
        if (take > 0) return controller.enqueue(bytes);
      }
    },
    async cancel() {
      await batches.return(undefined);
    },
  }, { highWaterMark: 0 });
  return { body, range };
}
