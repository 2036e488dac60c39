import { NunectError } from "./errors.ts";

/** An NKey (seed or public key) that does not decode: bad alphabet, length or checksum. */
export class InvalidNKeyError extends NunectError {}

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

function unbase32(text: string): Uint8Array {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    const v = B32.indexOf(ch);
    if (v < 0) throw new InvalidNKeyError(`Invalid NKey: "${ch}" is not base32`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

// CRC-16/XMODEM, as nkeys checksums keys.
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}

/**
 * Writes a key as nkeys does: prefix byte and payload, CRC-16 little-endian, base32.
 *
 * @param prefixed the prefix byte (role) followed by the raw key
 * @returns e.g. `UABC…` for a user's public key
 */
export function encodeNKey(prefixed: Uint8Array): string {
  const crc = crc16(prefixed);
  return base32(Uint8Array.from([...prefixed, crc & 255, crc >> 8]));
}

/** A decoded seed: the role's prefix byte (as in public keys) and the raw Ed25519 seed. */
export interface DecodedSeed {
  /** Prefix byte of the key's role: operator 14<<3 (`O`), account 0 (`A`), user 20<<3 (`U`). */
  readonly role: number;
  /** The 32 raw seed bytes. */
  readonly raw: Uint8Array;
}

/**
 * Decodes an nkeys seed (`SO…`, `SA…`, `SU…`).
 *
 * @param seed the encoded seed
 * @returns its role and raw bytes
 * @throws {InvalidNKeyError} for a bad alphabet, length or checksum (never echoing the seed)
 */
export function decodeNKeySeed(seed: string): DecodedSeed {
  const text = seed.trim();
  const raw = unbase32(text);
  if (raw.length !== 36 || text[0] !== "S") {
    throw new InvalidNKeyError("Invalid NKey seed: expected 58 base32 characters starting with S");
  }
  if (crc16(raw.subarray(0, 34)) !== (raw[34]! | (raw[35]! << 8))) {
    throw new InvalidNKeyError("Invalid NKey seed: checksum mismatch");
  }
  // Two prefix bytes: the seed marker (18<<3) and the role, packed across them.
  const role = ((raw[0]! & 7) << 5) | ((raw[1]! & 0xf8) >> 3);
  return { role, raw: raw.slice(2, 34) };
}

/**
 * Decodes a user's public nkey (`U…`) to its raw Ed25519 public key.
 *
 * @param publicKey the encoded key
 * @returns the 32 raw bytes
 * @throws {InvalidNKeyError} for a bad alphabet, length, role or checksum
 */
export function decodeUserKey(publicKey: string): Uint8Array {
  const raw = unbase32(publicKey);
  if (raw.length !== 35 || raw[0] !== 20 << 3) {
    throw new InvalidNKeyError(
      `Invalid user key "${publicKey.slice(0, 60)}": expected 56 base32 characters starting with U`,
    );
  }
  if (crc16(raw.subarray(0, 33)) !== (raw[33]! | (raw[34]! << 8))) {
    throw new InvalidNKeyError(`Invalid user key "${publicKey.slice(0, 60)}": checksum mismatch`);
  }
  return raw.slice(1, 33);
}
