const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
/** For ASCII-only bytes, the cheapest decoder that gives the same text. */
const latin1 = new TextDecoder("latin1");

/**
 * UTF-8 text without control characters other than tab, CR and LF; null for anything else.
 *
 * @param data bytes
 * @returns the text, or null when the bytes are binary
 */
export function asText(data: Uint8Array): string | null {
  // Most payloads are ASCII (JSON, logs): one pass over the bytes decides, no regex needed.
  let ascii = true;
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (b >= 0x80) {
      ascii = false;
      break;
    }
    if ((b < 0x20 && b !== 9 && b !== 10 && b !== 13) || b === 0x7f) return null;
  }
  if (ascii) return latin1.decode(data);
  let text: string;
  try {
    text = strictUtf8.decode(data);
  } catch {
    return null;
  }
  // deno-lint-ignore no-control-regex
  return /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text) ? null : text;
}

/**
 * Hex of bytes, separated by spaces.
 *
 * @param data bytes
 * @returns e.g. `00 ff 10`
 */
export function hex(data: Uint8Array): string {
  let s = "";
  for (let i = 0; i < data.length; i++) {
    s += (i ? " " : "") + data[i]!.toString(16).padStart(2, "0");
  }
  return s;
}

/**
 * Base64 of bytes (chunked, so large payloads do not overflow the call stack).
 *
 * @param data bytes
 * @returns standard base64 with padding
 */
export function encodeBase64(data: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < data.length; i += 0x8000) {
    bin += String.fromCharCode(...data.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

/**
 * Bytes of a base64 text (white space ignored).
 *
 * @param s base64
 * @returns the bytes
 * @throws {SyntaxError} when `s` is not base64
 */
export function decodeBase64(s: string): Uint8Array {
  let bin: string;
  try {
    bin = atob(s.replace(/\s+/g, ""));
  } catch (e) {
    throw new SyntaxError("Invalid base64: expected A–Z, a–z, 0–9, + and / with = padding", {
      cause: e,
    });
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Where `needle` first occurs in `hay`, comparing bytes (no decoding, so searching a stream's
 * payloads costs little more than reading them).
 *
 * @param hay the bytes searched
 * @param needle the bytes looked for (non-empty)
 * @returns the index, or -1
 */
export function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  const first = needle[0]!;
  const last = hay.length - needle.length;
  for (let i = hay.indexOf(first); i !== -1 && i <= last; i = hay.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}
