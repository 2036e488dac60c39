import { PassphraseError } from "./errors.ts";

/** The first line of every sealed file. */
const MAGIC = "NUNECT-BACKUP 1\n";
/** Plaintext per sealed segment. */
const SEGMENT = 64 * 1024;
/** PBKDF2 rounds (OWASP's 2023 figure for PBKDF2-HMAC-SHA256). */
export const KDF_ITERATIONS = 600_000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The clear header of a sealed file: how to derive the key, nothing secret. */
export interface SealedHeader {
  /** Key derivation. */
  readonly kdf: {
    readonly name: "PBKDF2-SHA256";
    readonly iterations: number;
    /** Base64 salt, 16 random bytes. */
    readonly salt: string;
  };
  /** AES-256-GCM over segments of 64 KiB. */
  readonly cipher: "AES-256-GCM-64K";
  /** When it was written (ISO 8601). */
  readonly created: string;
  /** The nunect that wrote it. */
  readonly nunect: string;
}

async function deriveKey(passphrase: string, salt: Uint8Array, iterations: number) {
  const base = await crypto.subtle.importKey("raw", encoder.encode(passphrase), "PBKDF2", false, [
    "deriveKey",
  ]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** 12-byte nonce: an 11-byte big-endian segment counter and a last-segment flag. */
function nonce(counter: number, last: boolean): Uint8Array {
  const n = new Uint8Array(12);
  new DataView(n.buffer).setBigUint64(3, BigInt(counter));
  n[11] = last ? 1 : 0;
  return n;
}

/**
 * A transform that seals what passes through with a passphrase: the clear header (key derivation
 * parameters), then segments of at most 64 KiB, each AES-256-GCM with the header as additional
 * data and a nonce that counts segments and marks the last, so a segment cannot be reordered,
 * dropped or cut off without the whole failing to open.
 *
 * @param passphrase the passphrase (at least 12 characters)
 * @param nunect the version writing it
 * @returns the transform
 * @throws {PassphraseError} for a passphrase shorter than 12 characters
 */
export async function sealWith(
  passphrase: string,
  nunect: string,
): Promise<TransformStream<Uint8Array, Uint8Array>> {
  if (passphrase.length < 12) {
    throw new PassphraseError(
      "The backup passphrase is too short: use at least 12 characters (NUNECT_BACKUP_PASSPHRASE or --passphrase-file)",
    );
  }
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const header: SealedHeader = {
    kdf: {
      name: "PBKDF2-SHA256",
      iterations: KDF_ITERATIONS,
      salt: btoa(String.fromCharCode(...salt)),
    },
    cipher: "AES-256-GCM-64K",
    created: new Date().toISOString(),
    nunect,
  };
  const head = encoder.encode(`${MAGIC}${JSON.stringify(header)}\n`);
  const key = await deriveKey(passphrase, salt, KDF_ITERATIONS);
  let buffer = new Uint8Array(0);
  let counter = 0;
  const seal = async (plain: Uint8Array, last: boolean) => {
    const sealed = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: "AES-GCM", iv: nonce(counter++, last) as BufferSource, additionalData: head },
        key,
        plain as BufferSource,
      ),
    );
    const out = new Uint8Array(4 + sealed.length);
    new DataView(out.buffer).setUint32(0, sealed.length);
    out.set(sealed, 4);
    return out;
  };
  return new TransformStream({
    start(controller) {
      controller.enqueue(head);
    },
    async transform(chunk, controller) {
      const joined = new Uint8Array(buffer.length + chunk.length);
      joined.set(buffer);
      joined.set(chunk, buffer.length);
      let at = 0;
      // Keep at least one byte back: the last segment is sealed as the last one at flush.
      while (joined.length - at > SEGMENT) {
        controller.enqueue(await seal(joined.subarray(at, at + SEGMENT), false));
        at += SEGMENT;
      }
      buffer = joined.slice(at);
    },
    async flush(controller) {
      controller.enqueue(await seal(buffer, true));
    },
  });
}

/** Reads exactly `n` bytes, or fewer at the end of the stream. */
class ByteReader {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #buf = new Uint8Array(0);
  #done = false;
  constructor(readable: ReadableStream<Uint8Array>) {
    this.#reader = readable.getReader();
  }
  async #fill(n: number) {
    while (this.#buf.length < n && !this.#done) {
      const { value, done } = await this.#reader.read();
      if (done) this.#done = true;
      else {
        const joined = new Uint8Array(this.#buf.length + value.length);
        joined.set(this.#buf);
        joined.set(value, this.#buf.length);
        this.#buf = joined;
      }
    }
  }
  async read(n: number): Promise<Uint8Array> {
    await this.#fill(n);
    const out = this.#buf.slice(0, n);
    this.#buf = this.#buf.slice(out.length);
    return out;
  }
  async line(max: number): Promise<string> {
    await this.#fill(max);
    const i = this.#buf.indexOf(10);
    if (i < 0) return "";
    const out = this.#buf.slice(0, i + 1);
    this.#buf = this.#buf.slice(i + 1);
    return decoder.decode(out);
  }
  release() {
    this.#reader.releaseLock();
  }
}

/**
 * Opens a sealed stream: checks the header, derives the key and decrypts segment by segment.
 *
 * @param readable the sealed bytes
 * @param passphrase the passphrase it was sealed with
 * @returns the clear header and the plaintext
 * @throws {PassphraseError} when it is no sealed nunect file, or (from the plaintext stream) when
 *   the passphrase is wrong or the file was changed or cut short
 */
export async function openSealed(
  readable: ReadableStream<Uint8Array>,
  passphrase: string,
): Promise<{ header: SealedHeader; plaintext: ReadableStream<Uint8Array> }> {
  const r = new ByteReader(readable);
  const magic = await r.line(64);
  if (magic !== MAGIC) {
    throw new PassphraseError(
      'Not a nunect backup: the file does not start with "NUNECT-BACKUP 1"',
    );
  }
  const json = await r.line(4096);
  let header: SealedHeader;
  try {
    header = JSON.parse(json) as SealedHeader;
  } catch {
    throw new PassphraseError("The backup's header is damaged: copy the file again");
  }
  if (header.cipher !== "AES-256-GCM-64K" || header.kdf?.name !== "PBKDF2-SHA256") {
    throw new PassphraseError(`The backup uses "${header.cipher}", which this nunect cannot open`);
  }
  const head = encoder.encode(`${magic}${json}`);
  const salt = Uint8Array.from(atob(header.kdf.salt), (c) => c.charCodeAt(0));
  const key = await deriveKey(passphrase, salt, header.kdf.iterations);
  let counter = 0;
  let finished = false;
  const open = async (sealed: Uint8Array, last: boolean) =>
    new Uint8Array(
      await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: nonce(counter, last) as BufferSource, additionalData: head },
        key,
        sealed as BufferSource,
      ),
    );
  const plaintext = new ReadableStream<Uint8Array>({
    async pull(controller) {
      // Until something is handed on: an empty last segment hands on nothing.
      while (true) {
        const len = await r.read(4);
        if (len.length === 0) {
          r.release();
          if (finished) return controller.close();
          return controller.error(
            new PassphraseError("The backup is cut short: copy the file again"),
          );
        }
        if (finished) {
          return controller.error(
            new PassphraseError("The backup has data after its end: it was changed"),
          );
        }
        const size = len.length === 4 ? new DataView(len.buffer).getUint32(0) : -1;
        const sealed = size > 0 ? await r.read(size) : new Uint8Array(0);
        if (size <= 0 || size > SEGMENT + 16 || sealed.length !== size) {
          return controller.error(
            new PassphraseError("The backup is damaged or cut short: copy the file again"),
          );
        }
        let plain: Uint8Array;
        try {
          plain = await open(sealed, false);
        } catch {
          try {
            plain = await open(sealed, true);
            finished = true;
          } catch {
            return controller.error(
              new PassphraseError(
                counter === 0
                  ? "Wrong passphrase (or a damaged backup): the backup does not open with it"
                  : "The backup is damaged: a part does not decrypt (copy the file again)",
              ),
            );
          }
        }
        counter++;
        if (plain.length > 0) return controller.enqueue(plain);
      }
    },
    cancel() {
      r.release();
    },
  });
  return { header, plaintext };
}
