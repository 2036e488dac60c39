import { createHash } from "node:crypto";
import { PassphraseError } from "./errors.ts";

/** What an archive entry is. */
export type EntryMeta =
  & { readonly path: string }
  & (
    | { readonly kind: "env" }
    | { readonly kind: "file"; readonly mode: number }
    | {
      readonly kind: "stream";
      readonly account: string;
      readonly config: Record<string, unknown> & { readonly name: string };
      readonly state: Record<string, unknown>;
    }
    | { readonly kind: "index"; readonly index: ArchiveIndex }
  );

/** The last entry: what the archive holds, for `--list` and for checking it is complete. */
export interface ArchiveIndex {
  /** nunect's version that wrote it. */
  readonly nunect: string;
  /** The data layout of the data directory it came from. */
  readonly layout: number;
  /** When it was written. */
  readonly created: string;
  /** Every entry before this one: path, kind, bytes. */
  readonly entries: readonly { path: string; kind: string; bytes: number }[];
}

const FRAME_START = 1;
const FRAME_DATA = 2;
const FRAME_END = 3;
const MAX_FRAME = 1024 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function frame(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + payload.length);
  out[0] = type;
  new DataView(out.buffer).setUint32(1, payload.length);
  out.set(payload, 5);
  return out;
}

/**
 * Writes archive entries (a header, data frames, a trailer with the entry's size and SHA-256)
 * into a byte stream; what it writes is sealed by {@linkcode sealWith} before it reaches a disk.
 */
export class ArchiveWriter {
  readonly #out: WritableStreamDefaultWriter<Uint8Array>;
  readonly #entries: { path: string; kind: string; bytes: number }[] = [];

  /**
   * Makes a writer.
   *
   * @param out where the frames go
   */
  constructor(out: WritableStreamDefaultWriter<Uint8Array>) {
    this.#out = out;
  }

  /**
   * Writes one entry.
   *
   * @param meta what it is
   * @param data its bytes, whole or streamed
   * @returns its size
   */
  async entry(
    meta: EntryMeta,
    data: Uint8Array | AsyncIterable<Uint8Array> = new Uint8Array(0),
  ): Promise<number> {
    await this.#out.write(frame(FRAME_START, encoder.encode(JSON.stringify(meta))));
    const hash = createHash("sha256");
    let bytes = 0;
    const chunks = data instanceof Uint8Array ? [data] : data;
    for await (const chunk of chunks) {
      for (let at = 0; at < chunk.length; at += MAX_FRAME) {
        const part = chunk.subarray(at, at + MAX_FRAME);
        hash.update(part);
        bytes += part.length;
        await this.#out.write(frame(FRAME_DATA, part));
      }
    }
    await this.#out.write(
      frame(FRAME_END, encoder.encode(JSON.stringify({ bytes, sha256: hash.digest("hex") }))),
    );
    if (meta.kind !== "index") this.#entries.push({ path: meta.path, kind: meta.kind, bytes });
    return bytes;
  }

  /**
   * Abandons the archive: the stream errors, and whatever it was piped to is aborted.
   *
   * @param reason why
   */
  async abort(reason: unknown): Promise<void> {
    await this.#out.abort(reason).catch(() => {});
  }

  /**
   * Writes the index and closes the stream.
   *
   * @param index version, layout and time (the entries are filled in)
   * @returns the index written
   */
  async close(index: Omit<ArchiveIndex, "entries">): Promise<ArchiveIndex> {
    const full = { ...index, entries: this.#entries };
    await this.entry({ kind: "index", path: "index", index: full });
    await this.#out.close();
    return full;
  }
}

/** One entry as it is read: its meta data and its bytes (read them before the next entry). */
export interface ArchiveEntry {
  /** What it is. */
  readonly meta: EntryMeta;
  /** Its bytes; the SHA-256 is checked when the last one is read. */
  readonly data: AsyncIterable<Uint8Array>;
}

/**
 * Reads the entries of an opened archive, checking each entry's size and SHA-256 and that the
 * archive ends with its index.
 *
 * @param plaintext the opened archive (see `openSealed`)
 * @yields each entry, the index last
 * @throws {PassphraseError} when an entry does not match its checksum or the archive is cut short
 */
export async function* readArchive(
  plaintext: ReadableStream<Uint8Array>,
): AsyncGenerator<ArchiveEntry> {
  const reader = plaintext.getReader();
  let buf = new Uint8Array(0);
  let eof = false;
  const fill = async (n: number) => {
    while (buf.length < n && !eof) {
      const { value, done } = await reader.read();
      if (done) eof = true;
      else {
        const joined = new Uint8Array(buf.length + value.length);
        joined.set(buf);
        joined.set(value, buf.length);
        buf = joined;
      }
    }
  };
  const next = async (): Promise<{ type: number; payload: Uint8Array } | null> => {
    await fill(5);
    if (buf.length === 0 && eof) return null;
    if (buf.length < 5) throw new PassphraseError("The backup is cut short: copy the file again");
    const type = buf[0]!;
    const len = new DataView(buf.buffer, buf.byteOffset).getUint32(1);
    await fill(5 + len);
    if (buf.length < 5 + len) {
      throw new PassphraseError("The backup is cut short: copy the file again");
    }
    const payload = buf.slice(5, 5 + len);
    buf = buf.slice(5 + len);
    return { type, payload };
  };
  let sawIndex = false;
  try {
    while (true) {
      const f = await next();
      if (f === null) break;
      if (f.type !== FRAME_START || sawIndex) {
        throw new PassphraseError("The backup is damaged: an entry is out of place");
      }
      const meta = JSON.parse(decoder.decode(f.payload)) as EntryMeta;
      let drained = false;
      const hash = createHash("sha256");
      let bytes = 0;
      const data = async function* () {
        while (true) {
          const d = await next();
          if (d === null) throw new PassphraseError("The backup is cut short: copy the file again");
          if (d.type === FRAME_DATA) {
            hash.update(d.payload);
            bytes += d.payload.length;
            yield d.payload;
            continue;
          }
          if (d.type !== FRAME_END) {
            throw new PassphraseError("The backup is damaged: a frame is out of place");
          }
          const end = JSON.parse(decoder.decode(d.payload)) as { bytes: number; sha256: string };
          if (end.bytes !== bytes || end.sha256 !== hash.digest("hex")) {
            throw new PassphraseError(
              `The backup is damaged: "${meta.path}" does not match its checksum`,
            );
          }
          drained = true;
          return;
        }
      };
      const iter = data();
      yield { meta, data: iter };
      if (!drained) { for await (const _ of iter) { /* skip what the reader left */ } }
      if (meta.kind === "index") sawIndex = true;
    }
  } finally {
    reader.releaseLock();
  }
  if (!sawIndex) throw new PassphraseError("The backup is cut short: its index is missing");
}
