import { BackupError } from "./errors.ts";
import type { StreamSnapshotMeta } from "./snapshot.ts";

/** The first line of a one-stream backup file. */
const MAGIC = "NUNECT-STREAM 1\n";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What a one-stream backup file says before its data. */
export interface StreamFileHeader extends StreamSnapshotMeta {
  /** The account it came from. */
  readonly account: string;
  /** When it was taken (ISO 8601). */
  readonly created: string;
  /** The nunect that took it. */
  readonly nunect: string;
}

/**
 * A one-stream backup file (the dashboard's and `deno task backup stream`'s): a first line, a line
 * of JSON with the account, configuration and state, then JetStream's snapshot as the server sent
 * it. Not sealed: it holds one stream's messages, like natscli's `stream backup` directory.
 *
 * @param header account, configuration, state
 * @param data the snapshot's bytes
 * @returns the file's bytes, streamed
 */
export function streamFile(
  header: StreamFileHeader,
  data: ReadableStream<Uint8Array>,
): ReadableStream<Uint8Array> {
  const head = encoder.encode(`${MAGIC}${JSON.stringify(header)}\n`);
  let started = false;
  const reader = data.getReader();
  return new ReadableStream({
    async pull(controller) {
      if (!started) {
        started = true;
        return controller.enqueue(head);
      }
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/**
 * Reads a one-stream backup file.
 *
 * @param file the file's bytes
 * @returns its header and the snapshot's bytes
 * @throws {BackupError} when it is not such a file
 */
export async function readStreamFile(
  file: ReadableStream<Uint8Array>,
): Promise<{ header: StreamFileHeader; data: ReadableStream<Uint8Array> }> {
  const reader = file.getReader();
  let buf = new Uint8Array(0);
  let newlines = 0;
  let end = -1;
  while (end < 0) {
    const { value, done } = await reader.read();
    if (done) break;
    const joined = new Uint8Array(buf.length + value.length);
    joined.set(buf);
    joined.set(value, buf.length);
    buf = joined;
    newlines = 0;
    for (let i = 0; i < buf.length && i < 1 << 20; i++) {
      if (buf[i] === 10 && ++newlines === 2) {
        end = i + 1;
        break;
      }
    }
    if (end < 0 && buf.length > 1 << 20) break;
  }
  const text = end < 0 ? "" : decoder.decode(buf.subarray(0, end));
  if (!text.startsWith(MAGIC)) {
    await reader.cancel();
    throw new BackupError(
      'Not a nunect stream backup: the file does not start with "NUNECT-STREAM 1" (a whole-system backup is restored with deno task restore)',
    );
  }
  const header = JSON.parse(text.slice(MAGIC.length)) as StreamFileHeader;
  const rest = buf.slice(end);
  let first = true;
  const data = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (first) {
        first = false;
        if (rest.length > 0) return controller.enqueue(rest);
      }
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { header, data };
}
