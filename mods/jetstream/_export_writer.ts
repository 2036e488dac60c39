import { encodeBase64 } from "./_bytes.ts";
import { WireMessage } from "./_wire.ts";
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
const CSV_TEXT = bytes("text,");
const CSV_BASE64 = bytes("base64,");
/** The control characters a text payload may hold, by the letter of their JSON escape. */
const ESCAPES: Record<number, number> = { 9: 0x74, 10: 0x6e, 13: 0x72 };
const [QUOTE, BACKSLASH, COMMA, CR, LF] = [0x22, 0x5c, 0x2c, 13, 10];

/** A CSV field, quoted where it has to be (RFC 4180). */
function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/**
 * Writes export records (JSON objects, or CSV lines) straight into one growing byte buffer, handed
 * over a batch at a time: the payload is copied and escaped byte by byte in one pass that also
 * tells text from binary, never decoded into a string and encoded again; a message a scan read
 * ({@linkcode WireMessage}) has its subject and time copied from the received bytes, so no string
 * is made for them either. Records are the same as `exportRecord` gives with `JSON.stringify`
 * (CSV: the same fields, RFC 4180 quoting).
 */
export class ExportWriter {
  #buf: Uint8Array;
  #pos = 0;

  /**
   * Starts an empty writer.
   *
   * @param capacity bytes to start with (it grows as needed)
   */
  constructor(capacity = 1 << 16) {
    this.#buf = new Uint8Array(capacity);
  }

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

  /** Appends bytes as they are. */
  #bytes(b: Uint8Array): void {
    this.#room(b.length);
    this.#buf.set(b, this.#pos);
    this.#pos += b.length;
  }

  /** Appends a non-negative integer's decimal digits. */
  #integer(n: number): void {
    this.#room(16);
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    const buf = this.#buf;
    let p = this.#pos + digits;
    this.#pos = p;
    do {
      buf[--p] = 48 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
  }

  /**
   * Appends `b[from, to)` as they are (quoted for JSON) when every byte is printable ASCII that
   * needs no escaping (no `"` or `\` in JSON, no `"` or `,` in CSV); returns false, having written
   * nothing, otherwise. Subjects and times nearly always are.
   */
  #plainRange(b: Uint8Array, from: number, to: number, json: boolean): boolean {
    for (let i = from; i < to; i++) {
      const c = b[i]!;
      if (c < 0x20 || c >= 0x7f || c === QUOTE || (json ? c === BACKSLASH : c === COMMA)) {
        return false;
      }
    }
    this.#room(to - from + 2);
    const buf = this.#buf;
    if (json) buf[this.#pos++] = QUOTE;
    buf.set(b.subarray(from, to), this.#pos);
    this.#pos += to - from;
    if (json) buf[this.#pos++] = QUOTE;
    return true;
  }

  /** Appends a JSON string of `s` (as JSON.stringify writes it). */
  #quoted(s: string): void {
    this.#room(s.length + 2);
    const buf = this.#buf;
    let p = this.#pos;
    buf[p++] = QUOTE;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c === QUOTE || c === BACKSLASH || c >= 0x80) {
        return this.text(JSON.stringify(s));
      }
      buf[p++] = c;
    }
    buf[p++] = QUOTE;
    this.#pos = p;
  }

  /**
   * Appends payload bytes as a JSON string, escaped, if they are text (UTF-8 without control
   * characters but tab, CR and LF); returns false, having written nothing, if they are not.
   */
  #jsonPayload(data: Uint8Array): boolean {
    this.#room(data.length * 2 + 2);
    const buf = this.#buf;
    let p = this.#pos;
    let high = false;
    buf[p++] = QUOTE;
    for (let i = 0; i < data.length; i++) {
      const b = data[i]!;
      if (b >= 0x20 && b !== QUOTE && b !== BACKSLASH) {
        if (b >= 0x7f) {
          if (b === 0x7f) return false;
          high = true;
        }
        buf[p++] = b;
        continue;
      }
      const escaped = b === QUOTE || b === BACKSLASH ? b : ESCAPES[b];
      if (escaped === undefined) return false; // a control character: binary
      buf[p++] = BACKSLASH;
      buf[p++] = escaped;
    }
    if (high && !isUtf8(data)) return false;
    buf[p++] = QUOTE;
    this.#pos = p;
    return true;
  }

  /**
   * Appends payload bytes as a CSV field (quoted, quotes doubled, where they hold `"`, `,`, CR or
   * LF) if they are text; returns false, having written nothing, if they are not.
   */
  #csvPayload(data: Uint8Array): boolean {
    let high = false;
    let quote = false;
    for (let i = 0; i < data.length; i++) {
      const b = data[i]!;
      if (b < 0x20) {
        if (b === CR || b === LF) quote = true;
        else if (b !== 9) return false;
      } else if (b >= 0x7f) {
        if (b === 0x7f) return false;
        high = true;
      } else if (b === QUOTE || b === COMMA) quote = true;
    }
    if (high && !isUtf8(data)) return false;
    if (!quote) {
      this.#bytes(data);
      return true;
    }
    this.#room(data.length * 2 + 2);
    const buf = this.#buf;
    let p = this.#pos;
    buf[p++] = QUOTE;
    for (let i = 0; i < data.length; i++) {
      const b = data[i]!;
      if (b === QUOTE) buf[p++] = QUOTE;
      buf[p++] = b;
    }
    buf[p++] = QUOTE;
    this.#pos = p;
    return true;
  }

  /**
   * Appends one JSON record:
   * `{"seq":…,"subject":…,"time":…,"headers":[…],"encoding":…,"data":…}`.
   *
   * @param m the stored message
   */
  record(m: StoredMessage): void {
    this.#bytes(SEQ);
    this.#integer(m.seq);
    this.#bytes(SUBJECT);
    const wire = m instanceof WireMessage ? m : null;
    if (wire === null || !this.#plainRange(wire.block, wire.subjectAt, wire.subjectEnd, true)) {
      this.#quoted(m.subject);
    }
    this.#bytes(TIME);
    if (wire === null || !this.#plainRange(wire.block, wire.timeAt, wire.timeEnd, true)) {
      this.#quoted(m.time);
    }
    if (wire !== null ? wire.headersAt < 0 : m.headers.length === 0) this.#bytes(NO_HEADERS);
    else {
      this.#bytes(HEADERS);
      this.text(JSON.stringify(m.headers));
    }
    const before = this.#pos;
    this.#bytes(TEXT);
    if (!this.#jsonPayload(m.data)) {
      this.#pos = before;
      this.#bytes(BASE64);
      this.text(`"${encodeBase64(m.data)}"`);
    }
    this.text("}");
  }

  /**
   * Appends one CSV line (`seq,subject,time,headers,encoding,data` and CRLF): headers as JSON,
   * the payload as text where it is text, else base64.
   *
   * @param m the stored message
   */
  csvRecord(m: StoredMessage): void {
    this.#integer(m.seq);
    this.text(",");
    const wire = m instanceof WireMessage ? m : null;
    if (wire === null || !this.#plainRange(wire.block, wire.subjectAt, wire.subjectEnd, false)) {
      this.text(csvField(m.subject));
    }
    this.text(",");
    if (wire === null || !this.#plainRange(wire.block, wire.timeAt, wire.timeEnd, false)) {
      this.text(csvField(m.time));
    }
    this.text(",");
    if (wire !== null ? wire.headersAt < 0 : m.headers.length === 0) this.text("[]");
    else this.text(csvField(JSON.stringify(m.headers)));
    this.text(",");
    const before = this.#pos;
    this.#bytes(CSV_TEXT);
    if (!this.#csvPayload(m.data)) {
      this.#pos = before;
      this.#bytes(CSV_BASE64);
      this.text(encodeBase64(m.data));
    }
    this.text("\r\n");
  }

  /** Bytes written since the last {@linkcode ExportWriter.take}. */
  get length(): number {
    return this.#pos;
  }

  /** Whether anything was written since the last {@linkcode ExportWriter.take}. */
  get empty(): boolean {
    return this.#pos === 0;
  }

  /**
   * The first `end` bytes written, without a copy: for a writer that is dropped afterwards.
   *
   * @param end how many bytes (default all)
   * @returns a view of the writer's buffer
   */
  view(end = this.#pos): Uint8Array {
    return this.#buf.subarray(0, Math.min(end, this.#pos));
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

/** Whether bytes are valid UTF-8. */
function isUtf8(data: Uint8Array): boolean {
  try {
    strictUtf8.decode(data);
    return true;
  } catch {
    return false;
  }
}
