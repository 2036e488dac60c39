import type { Msg } from "@nats-io/nats-core";
import type { StoredMessage } from "./reader.ts";

/** One header line, name as sent. A name may repeat. */
export type Header = readonly [name: string, value: string];

/** A parsed `NATS/1.0` header block: the status line's code and text, and the header lines. */
export interface HeaderBlock {
  /** Status code (0 for an ordinary message). */
  readonly code: number;
  /** Status text after the code (`EOB`, `Message Not Found`, …). */
  readonly description: string;
  /** Header lines in order. */
  readonly entries: Header[];
}

const EMPTY_BLOCK: HeaderBlock = { code: 0, description: "", entries: [] };
const decoder = new TextDecoder();

/**
 * Parses a header block (`NATS/1.0 404 Not Found\r\nName: value\r\n\r\n`) into its status and
 * lines, keeping names as sent. Far cheaper than nats.js's MsgHdrsImpl.decode, which validates
 * and canonicalises each name: scanning a stream reads several hundred thousand of these a second.
 *
 * @param bytes the header block as received
 * @returns status code, description and header lines
 */
export function parseHeaderBlock(bytes: Uint8Array): HeaderBlock {
  if (bytes.length === 0) return EMPTY_BLOCK;
  const text = decoder.decode(bytes);
  let end = text.indexOf("\r\n");
  if (end < 0) end = text.length;
  const status = text.slice(8, end).trim(); // after "NATS/1.0"
  let code = 0;
  let description = "";
  if (status.length > 0) {
    const space = status.indexOf(" ");
    code = Number.parseInt(space < 0 ? status : status.slice(0, space), 10) || 0;
    description = space < 0 ? "" : status.slice(space + 1).trim();
  }
  const entries: Header[] = [];
  let at = end + 2;
  while (at < text.length) {
    let eol = text.indexOf("\r\n", at);
    if (eol < 0) eol = text.length;
    if (eol > at) {
      const colon = text.indexOf(":", at);
      if (colon > at && colon < eol) {
        entries.push([text.slice(at, colon), text.slice(colon + 1, eol).trim()]);
      }
    }
    at = eol + 2;
  }
  return { code, description, entries };
}

/**
 * Encodes header lines (and an optional status) as a `NATS/1.0` block.
 *
 * @param entries header lines
 * @returns the block, or an empty array when there are no lines
 */
export function encodeHeaderBlock(entries: readonly Header[]): Uint8Array {
  if (entries.length === 0) return new Uint8Array(0);
  let s = "NATS/1.0";
  for (const [k, v] of entries) s += `\r\n${k}: ${v}`;
  return new TextEncoder().encode(`${s}\r\n\r\n`);
}

/** The internal shape of nats-core's MsgImpl (3.x): the received bytes and the header length. */
interface MsgInternals {
  readonly _rdata?: Uint8Array;
  readonly _msg?: { readonly hdr?: number };
}

/**
 * The raw header block and payload of a received message. With nats-core's MsgImpl (the pinned
 * 3.4.0) the header bytes are sliced from the received buffer without decoding them through
 * MsgHdrsImpl; any other Msg falls back to re-encoding its parsed headers.
 * tests/jetstream/wire_test.ts fails when an upgrade changes the internals, so the fast path is
 * never lost silently.
 *
 * @param m a received message
 * @returns the header block (empty when none) and the payload
 */
export function wireParts(m: Msg): { readonly header: Uint8Array; readonly data: Uint8Array } {
  const internals = m as unknown as MsgInternals;
  const rdata = internals._rdata;
  const hdr = internals._msg?.hdr;
  if (rdata instanceof Uint8Array && typeof hdr === "number") {
    // Plain views, not the transport's Node Buffers: Buffer's indexOf and subarray are far slower.
    const { buffer, byteOffset, length } = rdata;
    return {
      header: new Uint8Array(buffer, byteOffset, hdr),
      data: new Uint8Array(buffer, byteOffset + hdr, length - hdr),
    };
  }
  const h = m.headers;
  if (h === undefined) return { header: new Uint8Array(0), data: m.data };
  let s = `NATS/1.0${h.code ? ` ${h.code}${h.description ? ` ${h.description}` : ""}` : ""}`;
  for (const k of h.keys()) for (const v of h.values(k)) s += `\r\n${k}: ${v}`;
  return { header: new TextEncoder().encode(`${s}\r\n\r\n`), data: m.data };
}

/**
 * Whether {@linkcode wireParts} takes the fast path for this message.
 *
 * @param m a received message
 * @returns true when the raw bytes were reachable
 */
export function hasFastWire(m: Msg): boolean {
  const internals = m as unknown as MsgInternals;
  return internals._rdata instanceof Uint8Array && typeof internals._msg?.hdr === "number";
}

const textDecoder = new TextDecoder();

/**
 * The text of `b[from, to)`: short ASCII runs without a TextDecoder call, anything else decoded.
 *
 * @param b bytes
 * @param from first index
 * @param to end index (exclusive)
 * @returns the text
 */
export function textOf(b: Uint8Array, from: number, to: number): string {
  if (to - from <= 64) {
    let ascii = true;
    for (let i = from; i < to; i++) {
      if (b[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, b.subarray(from, to) as unknown as number[]);
  }
  return textDecoder.decode(b.subarray(from, to));
}

/**
 * The decimal number in `b[from, to)` (a sequence or a count).
 *
 * @param b bytes
 * @param from first index
 * @param to end index (exclusive)
 * @returns the number
 */
export function numberOf(b: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (b[i]! - 48);
  return n;
}

/** The headers the server adds to direct-get replies; not the publisher's. */
const SERVER_HEADERS = [
  "Nats-Subject",
  "Nats-Sequence",
  "Nats-Time-Stamp",
  "Nats-Num-Pending",
  "Nats-Stream",
  "Nats-Last-Sequence",
  "Nats-UpTo-Sequence",
] as const;
/** Indexes into the server's direct-get headers of the ones a message's fields come from. */
export const [SUBJECT_HEADER, SEQUENCE_HEADER, TIME_HEADER] = [0, 1, 2];
const SERVER_HEADER_BYTES = SERVER_HEADERS.map((n) => new TextEncoder().encode(n));

/**
 * Which of the server's direct-get headers the name at `b[at, colon)` is, comparing bytes; -1 for
 * a publisher's header.
 *
 * @param b a header block
 * @param at where the name starts
 * @param colon where it ends
 * @returns the index ({@linkcode SUBJECT_HEADER}, …), or -1
 */
export function serverHeader(b: Uint8Array, at: number, colon: number): number {
  // Every server header starts "Nats"; the ones most lines of a scan are come first.
  if (b[at] !== 78 || b[at + 1] !== 97 || b[at + 2] !== 116 || b[at + 3] !== 115) return -1;
  next: for (let h = 0; h < SERVER_HEADER_BYTES.length; h++) {
    const name = SERVER_HEADER_BYTES[h]!;
    if (name.length !== colon - at) continue;
    for (let i = 4; i < name.length; i++) if (b[at + i] !== name[i]) continue next;
    return h;
  }
  return -1;
}

const NO_HEADERS: readonly Header[] = Object.freeze([]);

/** The publisher's header lines of a direct-get reply's block, from the line starting at `from`. */
function publisherHeaders(b: Uint8Array, from: number): Header[] {
  const headers: Header[] = [];
  for (let at = from; at < b.length;) {
    let colon = -1;
    let end = at;
    for (; end < b.length; end++) {
      const c = b[end];
      if (c === 13) break;
      if (c === 58 && colon < 0) colon = end;
    }
    if (colon > at && serverHeader(b, at, colon) === -1) {
      let v = colon + 1;
      if (b[v] === 32) v++;
      headers.push([textOf(b, at, colon), textOf(b, v, end).trim()]);
    }
    at = end + 2;
  }
  return headers;
}

/**
 * A stored message as a direct get delivered it: the sequence and the payload at hand, the
 * subject, time and publisher's headers left in the received header block until first read. A
 * scan reads hundreds of thousands of messages a second and most are never looked at beyond their
 * payload (a search) or are copied out as bytes (an export): making their strings was a third of
 * the client's work. Writers that copy bytes use the offsets; everything else reads the fields.
 * Being a class, its fields are getters: spread or clone {@linkcode WireMessage.plain}, not it.
 */
export class WireMessage implements StoredMessage {
  /** Stream sequence. */
  readonly seq: number;
  /** The payload. */
  readonly data: Uint8Array;
  /** The received header block (server's headers and the publisher's). */
  readonly block: Uint8Array;
  /** Where the subject lies in the block: `[subjectAt, subjectEnd)`. */
  readonly subjectAt: number;
  /** End of the subject in the block. */
  readonly subjectEnd: number;
  /** Where the time lies in the block: `[timeAt, timeEnd)`. */
  readonly timeAt: number;
  /** End of the time in the block. */
  readonly timeEnd: number;
  /** Start of the publisher's first header line in the block, or -1 when there is none. */
  readonly headersAt: number;
  #subject: string | undefined;
  #time: string | undefined;
  #headers: readonly Header[] | undefined;

  /**
   * Wraps a decoded direct-get reply (see the reader's decoder).
   *
   * @param block the header block
   * @param data the payload
   * @param seq the sequence
   * @param subjectAt start of the subject in the block
   * @param subjectEnd its end
   * @param timeAt start of the time in the block
   * @param timeEnd its end
   * @param headersAt start of the first publisher header line, or -1
   */
  constructor(
    block: Uint8Array,
    data: Uint8Array,
    seq: number,
    subjectAt: number,
    subjectEnd: number,
    timeAt: number,
    timeEnd: number,
    headersAt: number,
  ) {
    this.block = block;
    this.data = data;
    this.seq = seq;
    this.subjectAt = subjectAt;
    this.subjectEnd = subjectEnd;
    this.timeAt = timeAt;
    this.timeEnd = timeEnd;
    this.headersAt = headersAt;
  }

  /** The subject it was stored under. */
  get subject(): string {
    return this.#subject ??= textOf(this.block, this.subjectAt, this.subjectEnd);
  }

  /** When the stream stored it: RFC 3339 with nanoseconds. */
  get time(): string {
    return this.#time ??= textOf(this.block, this.timeAt, this.timeEnd);
  }

  /** The publisher's headers, in order. */
  get headers(): readonly Header[] {
    return this.#headers ??= this.headersAt < 0
      ? NO_HEADERS
      : publisherHeaders(this.block, this.headersAt);
  }

  /**
   * The message as a plain object (for callers that spread, clone or keep it).
   *
   * @returns seq, subject, time, headers and data
   */
  plain(): StoredMessage {
    return {
      seq: this.seq,
      subject: this.subject,
      time: this.time,
      headers: this.headers,
      data: this.data,
    };
  }

  /** {@linkcode WireMessage.plain}, so JSON.stringify sees the fields. */
  toJSON(): StoredMessage {
    return this.plain();
  }
}
