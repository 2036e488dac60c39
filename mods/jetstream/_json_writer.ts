import { encodeBase64 } from "./_bytes.ts";
import type { StoredMessage } from "./reader.ts";

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const bytes = (s: string) => encoder.encode(s);
const SEQ = bytes('{"seq":');
const SUBJECT = bytes(',"subject":');
const TIME = bytes(',"time":');
const HEADERS = bytes(',"headers":');
const NO_HEADERS = bytes(',"headers":[]');
const TEXT = bytes(',"encoding":"text","data":');
const BASE64 = bytes(',"encoding":"base64","data":');
/** The control characters a text payload may hold, by the letter of their JSON escape. */
const ESCAPES: Record<number, number> = { 9: 0x74, 10: 0x6e, 13: 0x72 };

/**
 * Writes export records as JSON straight into bytes: the payload is copied and escaped byte by
 * byte in one pass that also tells text from binary, never decoded into a string and encoded
 * again, and the record's other fields are written without a TextEncoder call where they are
 * ASCII (an export writes hundreds of thousands of records a second). Records are the same as
 * `exportRecord` gives with `JSON.stringify`.
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
    const buf = this.#buf;
    let p = this.#pos;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.#pos += encoder.encodeInto(s, buf.subarray(this.#pos)).written;
        return;
      }
      buf[p++] = c;
    }
    this.#pos = p;
  }

  /** Appends bytes as they are (room already made). */
  #bytes(b: Uint8Array): void {
    this.#buf.set(b, this.#pos);
    this.#pos += b.length;
  }

  /** Appends a JSON string of `s` (as JSON.stringify writes it; room for ASCII already made). */
  #quoted(s: string): void {
    const buf = this.#buf;
    let p = this.#pos;
    buf[p++] = 0x22;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x80) return this.text(JSON.stringify(s));
      buf[p++] = c;
    }
    buf[p++] = 0x22;
    this.#pos = p;
  }

  /**
   * Appends payload bytes as a JSON string, escaped, if they are text (UTF-8 without control
   * characters but tab, CR and LF); returns false, having written nothing, if they are not.
   */
  #textPayload(data: Uint8Array): boolean {
    this.#room(data.length * 2 + 2);
    const buf = this.#buf;
    let p = this.#pos;
    let high = false;
    buf[p++] = 0x22;
    for (let i = 0; i < data.length; i++) {
      const b = data[i]!;
      if (b >= 0x20 && b !== 0x22 && b !== 0x5c) {
        if (b >= 0x7f) {
          if (b === 0x7f) return false;
          high = true;
        }
        buf[p++] = b;
        continue;
      }
      const escaped = b === 0x22 || b === 0x5c ? b : ESCAPES[b];
      if (escaped === undefined) return false; // a control character: binary
      buf[p++] = 0x5c;
      buf[p++] = escaped;
    }
    if (high) {
      try {
        strictUtf8.decode(data);
      } catch {
        return false;
      }
    }
    buf[p++] = 0x22;
    this.#pos = p;
    return true;
  }

  /**
   * Appends one record: `{"seq":…,"subject":…,"time":…,"headers":[…],"encoding":…,"data":…}`.
   *
   * @param m the stored message
   */
  record(m: StoredMessage): void {
    this.#room(96 + m.subject.length + m.time.length);
    this.#bytes(SEQ);
    this.text(String(m.seq));
    this.#bytes(SUBJECT);
    this.#quoted(m.subject);
    this.#bytes(TIME);
    this.#quoted(m.time);
    if (m.headers.length === 0) this.#bytes(NO_HEADERS);
    else {
      this.#bytes(HEADERS);
      this.text(JSON.stringify(m.headers));
    }
    const before = this.#pos;
    this.#room(TEXT.length);
    this.#bytes(TEXT);
    if (!this.#textPayload(m.data)) {
      this.#pos = before;
      this.#room(BASE64.length);
      this.#bytes(BASE64);
      this.text(`"${encodeBase64(m.data)}"`);
    }
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
