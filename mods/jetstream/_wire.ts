import type { Msg } from "@nats-io/nats-core";

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
