import { createInbox, type Msg } from "@nats-io/nats-core";
import type { NatsConnection } from "../client/nats_types.ts";
import { retry } from "../client/mod.ts";
import { BackupError } from "./errors.ts";

/** What JetStream's snapshot API says about a stream before it sends the data. */
export interface StreamSnapshotMeta {
  /** The stream's configuration (as the server keeps it; restored as it is). */
  readonly config: Record<string, unknown> & { readonly name: string };
  /** The stream's state when the snapshot began (messages, bytes, sequences). */
  readonly state: Record<string, unknown> & { readonly messages?: number; readonly bytes?: number };
}

/** Progress of a snapshot or a restore. */
export interface TransferProgress {
  /** The stream. */
  readonly stream: string;
  /** Bytes of snapshot data so far (compressed, as the server sends them). */
  readonly bytes: number;
  /** Chunks so far. */
  readonly chunks: number;
  /** The stream's size (its messages' bytes, uncompressed): the scale of the transfer. */
  readonly streamBytes: number;
  /** True once the last chunk went through. */
  readonly done: boolean;
}

/** Options of {@linkcode snapshotStream}. */
export interface SnapshotOptions {
  /** Include the stream's consumers and their state (default true). */
  readonly consumers?: boolean;
  /** Chunk size the server sends, bytes (default 128 KiB; the server keeps it within 1 KiB–1 MiB). */
  readonly chunkSize?: number;
  /** Called after every chunk. */
  readonly onProgress?: (p: TransferProgress) => void;
  /** How long to wait for the API's answer, ms (default 10 s). */
  readonly timeoutMs?: number;
  /**
   * The inbox prefix, when it is not the connection's own (default: the connection's, for
   * credentials that allow only theirs).
   */
  readonly inboxPrefix?: string;
}

/** A stream's snapshot: its meta data first, then its data as the server sends it. */
export interface StreamSnapshot {
  /** Configuration and state. */
  readonly meta: StreamSnapshotMeta;
  /** The snapshot's bytes (JetStream's own format), chunk by chunk. */
  readonly data: ReadableStream<Uint8Array>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Chunks received ahead of the reader that are acknowledged at once; beyond, on reading. */
const READ_AHEAD = 32;

interface ApiError {
  readonly code?: number;
  readonly err_code?: number;
  readonly description?: string;
}

async function api<T>(
  nc: NatsConnection,
  subject: string,
  body: unknown,
  timeoutMs: number,
  what: string,
): Promise<T> {
  let msg: Msg;
  try {
    msg = await nc.request(subject, encoder.encode(JSON.stringify(body)), { timeout: timeoutMs });
  } catch (e) {
    throw new BackupError(
      `${what}: JetStream did not answer ${subject}: ${
        (e as Error).message
      }. Is JetStream enabled for this account?`,
      { cause: e },
    );
  }
  const json = JSON.parse(decoder.decode(msg.data)) as T & { error?: ApiError };
  if (json.error) {
    throw new BackupError(
      `${what}: ${json.error.description ?? "refused"} (${json.error.err_code ?? json.error.code})`,
    );
  }
  return json;
}

/**
 * Takes a snapshot of a file-backed stream with JetStream's snapshot API
 * (`$JS.API.STREAM.SNAPSHOT`): the server streams its own archive of the stream (messages,
 * consumers, their state) in chunks, each acknowledged for flow control. The reader sets the
 * pace: at most a few MiB wait unread here, beyond that the server waits for acknowledgements.
 *
 * @param nc a connection inside the stream's account, allowed `$JS.API.STREAM.SNAPSHOT.<stream>`
 * @param stream the stream's name
 * @param options consumers, chunk size, progress
 * @returns the meta data and the data
 * @throws {BackupError} when the stream does not exist, is kept in memory on a server before 2.15
 *   (older servers snapshot only file storage), or the server refuses
 */
export async function snapshotStream(
  nc: NatsConnection,
  stream: string,
  options: SnapshotOptions = {},
): Promise<StreamSnapshot> {
  const what = `Cannot back up stream "${stream}"`;
  const inbox = createInbox(
    options.inboxPrefix ?? (nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix,
  );
  const queue: Msg[] = [];
  const deferred: Msg[] = [];
  let wake: (() => void) | undefined;
  let ended: Error | null | undefined;
  const sub = nc.subscribe(inbox, {
    callback: (err, m) => {
      if (err) {
        ended = err;
      } else if (m.data.length === 0) {
        const code = m.headers?.code ?? 0;
        ended = code === 0 || code === 204 ? null : new BackupError(
          `${what}: the server stopped the snapshot: ${code} ${m.headers?.description ?? ""}`
            .trim(),
        );
      } else {
        queue.push(m);
        if (queue.length <= READ_AHEAD) m.respond();
        else deferred.push(m);
      }
      wake?.();
    },
  });
  // A connection that closes ends the subscription without a message: say so.
  sub.closed.then((err) => {
    if (ended !== undefined) return;
    ended = new BackupError(
      `${what}: the connection closed during the snapshot${err ? `: ${err.message}` : ""}`,
    );
    wake?.();
  });
  let info: StreamSnapshotMeta;
  try {
    info = await api<StreamSnapshotMeta>(
      nc,
      `$JS.API.STREAM.SNAPSHOT.${stream}`,
      {
        deliver_subject: inbox,
        no_consumers: options.consumers === false,
        chunk_size: options.chunkSize ?? 128 * 1024,
      },
      options.timeoutMs ?? 10_000,
      what,
    );
  } catch (e) {
    sub.unsubscribe();
    if (e instanceof BackupError && /no impl/.test(e.message)) {
      throw new BackupError(
        `${what}: it is kept in memory, and snapshots of memory streams require nats-server >= 2.15`,
        { cause: e },
      );
    }
    throw e;
  }
  const streamBytes = Number(info.state.bytes ?? 0);
  let bytes = 0;
  let chunks = 0;
  const data = new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (queue.length === 0 && ended === undefined) {
        await new Promise<void>((r) => wake = r);
        wake = undefined;
      }
      const m = queue.shift();
      if (m !== undefined) {
        // A chunk held back for flow control is acknowledged now that one was read.
        deferred.shift()?.respond();
        bytes += m.data.length;
        chunks++;
        options.onProgress?.({ stream, bytes, chunks, streamBytes, done: false });
        controller.enqueue(m.data);
        return;
      }
      sub.unsubscribe();
      if (ended) controller.error(ended);
      else {
        options.onProgress?.({ stream, bytes, chunks, streamBytes, done: true });
        controller.close();
      }
    },
    cancel() {
      sub.unsubscribe();
    },
  });
  return { meta: { config: info.config, state: info.state }, data };
}

/** Options of {@linkcode restoreStream}. */
export interface RestoreOptions {
  /** Delete a stream of the same name first (default: refuse). */
  readonly replace?: boolean;
  /** Called after every chunk. */
  readonly onProgress?: (p: TransferProgress) => void;
  /** How long to wait for each answer, ms (default 10 s; the final one 10 min). */
  readonly timeoutMs?: number;
}

/** Where a restore ended. */
export interface RestoredStream {
  /** The stream. */
  readonly stream: string;
  /** Bytes sent. */
  readonly bytes: number;
  /** The restored stream's state, as the server reports it. */
  readonly state: Record<string, unknown>;
}

/**
 * Restores a stream from a snapshot with JetStream's restore API (`$JS.API.STREAM.RESTORE`):
 * the configuration and state first, then every chunk as a request the server acknowledges.
 *
 * @param nc a connection inside the account the stream goes to
 * @param meta the snapshot's configuration and state
 * @param data the snapshot's bytes
 * @param options replace an existing stream, progress
 * @returns the restored stream's state
 * @throws {BackupError} when a stream of that name exists (without `replace`), or the server
 *   refuses the snapshot
 */
export async function restoreStream(
  nc: NatsConnection,
  meta: StreamSnapshotMeta,
  data: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: RestoreOptions = {},
): Promise<RestoredStream> {
  const stream = meta.config.name;
  const what = `Cannot restore stream "${stream}"`;
  const timeout = options.timeoutMs ?? 10_000;
  const remove = async () => {
    const m = await nc.request(`$JS.API.STREAM.DELETE.${stream}`, undefined, { timeout })
      .catch((e) => {
        throw new BackupError(`${what}: deleting the old one failed: ${(e as Error).message}`, {
          cause: e,
        });
      });
    const r = JSON.parse(decoder.decode(m.data)) as { error?: ApiError };
    if (r.error && r.error.err_code !== 10059) {
      throw new BackupError(`${what}: deleting the old one failed: ${r.error.description}`);
    }
  };
  // Only what the API knows: a header may carry more (a one-stream file's account, date).
  const request = { config: meta.config, state: meta.state };
  const begin = async () => {
    if (options.replace) await remove();
    return await api<{ deliver_subject: string }>(
      nc,
      `$JS.API.STREAM.RESTORE.${stream}`,
      request,
      timeout,
      what,
    );
  };
  const inUse = (e: unknown) => e instanceof BackupError && /already in use/i.test(e.message);
  let reply: { deliver_subject: string };
  try {
    // A stream restored a moment ago may not be deletable yet ("not found"), and then its name
    // is still in use: with replace, delete and ask again.
    reply = await retry(begin, {
      attempts: options.replace ? 5 : 1,
      backoff: { initialMs: 100, factor: 2, maxMs: 1_000 },
      onError: (e) => {
        if (!inUse(e)) throw e;
      },
    });
  } catch (e) {
    if (inUse(e)) {
      throw new BackupError(
        `${what}: a stream of that name exists: delete it first, or restore with --replace (which deletes it)`,
        { cause: e },
      );
    }
    throw e;
  }
  const streamBytes = Number(meta.state.bytes ?? 0);
  let bytes = 0;
  let chunks = 0;
  const send = async (chunk: Uint8Array) => {
    const m = await nc.request(reply.deliver_subject, chunk, { timeout });
    if (m.data.length > 0) {
      const r = JSON.parse(decoder.decode(m.data)) as { error?: ApiError };
      if (r.error) throw new BackupError(`${what}: ${r.error.description} (${r.error.err_code})`);
    }
    bytes += chunk.length;
    chunks++;
    options.onProgress?.({ stream, bytes, chunks, streamBytes, done: false });
  };
  // Chunks of at most 64 KiB (a server's default max_payload is 1 MiB; some set less).
  const max = 64 * 1024;
  for await (const chunk of data) {
    for (let at = 0; at < chunk.length; at += max) await send(chunk.subarray(at, at + max));
  }
  const end = await nc.request(reply.deliver_subject, new Uint8Array(0), { timeout: 600_000 });
  const done = JSON.parse(decoder.decode(end.data)) as {
    error?: ApiError;
    state?: Record<string, unknown>;
  };
  if (done.error) {
    throw new BackupError(`${what}: ${done.error.description} (${done.error.err_code})`);
  }
  options.onProgress?.({ stream, bytes, chunks, streamBytes, done: true });
  return { stream, bytes, state: done.state ?? {} };
}
