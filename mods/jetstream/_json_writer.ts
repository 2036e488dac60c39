import { encodeBase64 } from "./_bytes.ts";
import type { StoredMessage } from "./reader.ts";

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const HEX = "0123456789abcdef";

/** How a payload goes into JSON: as text (escaped), or as base64. */
function isText(data: Uint8Array): boolean {
  let high = false;
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (b >= 0x80) high = true;
    else if ((b < 0x20 && b !== 9 && b !== 10 && b !== 13) || b === 0x7f) return false;
  }
  if (!high) return true;
  try {
    strictUtf8.decode(data);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes export records as JSON straight into bytes: the payload is copied and escaped byte by
 * byte, never decoded into a string and encoded again (an export writes hundreds of thousands of
 * records a second). Records are the same as `exportRecord` gives with `JSON.stringify`.
 */
export class JsonRecordWriter {
  #buf = new Uint8Array(1 << 16);
  #pos = 0;

  #room(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
  }

  /** Appends ASCII or UTF-8 text as it is. */
  text(s: string): void {
    this.#room(s.length * 3);
    this.#pos += encoder.encodeInto(s, this.#buf.subarray(this.#pos)).written;
  }

  /** Appends UTF-8 text bytes as a JSON string, escaped. */
  #string(data: Uint8Array): void {
    this.#room(data.length * 6 + 2);
    const buf = this.#buf;
    let p = this.#pos;
    buf[p++] = 0x22;
    for (let i = 0; i < data.length; i++) {
      const b = data[i]!;
      if (b === 0x22 || b === 0x5c) {
        buf[p++] = 0x5c;
        buf[p++] = b;
      } else if (b < 0x20) {
        buf[p++] = 0x5c;
        if (b === 10) buf[p++] = 0x6e; // \n
        else if (b === 13) buf[p++] = 0x72; // \r
        else if (b === 9) buf[p++] = 0x74; // \t
        else {
          buf[p++] = 0x75; // \u00XX
          buf[p++] = 0x30;
          buf[p++] = 0x30;
          buf[p++] = HEX.charCodeAt(b >> 4);
          buf[p++] = HEX.charCodeAt(b & 15);
        }
      } else buf[p++] = b;
    }
    buf[p++] = 0x22;
    this.#pos = p;
  }

  /**
   * Appends one record: `{"seq":…,"subject":…,"time":…,"headers":[…],"encoding":…,"data":…}`.
   *
   * @param m the stored message
   */
  record(m: StoredMessage): void {
    const text = isText(m.data);
    this.text(
      `{"seq":${m.seq},"subject":${JSON.stringify(m.subject)},"time":"${m.time}","headers":${
        m.headers.length === 0 ? "[]" : JSON.stringify(m.headers)
      },"encoding":"${text ? "text" : "base64"}","data":`,
    );
    if (text) this.#string(m.data);
    else this.text(`"${encodeBase64(m.data)}"`);
    this.text("}");
  }

  /** Whether anything was written since the last {@linkcode JsonRecordWriter.take}. */
  get empty(): boolean {
    return this.#pos === 0;
  }

  /**
   * The bytes written so far; the writer starts over.
   *
   * @returns a copy of the bytes
   */
  take(): Uint8Array {
    const out = this.#buf.slice(0, this.#pos);
    this.#pos = 0;
    return out;
  }
}
