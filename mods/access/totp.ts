/** RFC 6238's settings as authenticator apps expect them: SHA-1, 30-second steps, 6 digits. */
export const TOTP: Readonly<{
  algorithm: "SHA1";
  periodS: number;
  digits: number;
  secretBytes: number;
}> = Object.freeze({ algorithm: "SHA1" as const, periodS: 30, digits: 6, secretBytes: 20 });

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/**
 * RFC 4648 base32 without padding (how authenticator apps take secrets).
 *
 * @param bytes the bytes
 * @returns upper-case base32
 */
export function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/**
 * Decodes RFC 4648 base32 (case, spaces and padding ignored).
 *
 * @param text the base32 text
 * @returns the bytes, or undefined when a character is not base32
 */
export function base32Decode(text: string): Uint8Array | undefined {
  const clean = text.toUpperCase().replace(/[\s=]/g, "");
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const i = ALPHABET.indexOf(ch);
    if (i < 0) return undefined;
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

/**
 * A new random TOTP secret.
 *
 * @returns 20 random bytes as base32 (32 characters)
 */
export function newTotpSecret(): string {
  return base32Encode(crypto.getRandomValues(new Uint8Array(TOTP.secretBytes)));
}

/**
 * The time step of a moment (RFC 6238: T = floor(unix seconds / 30)).
 *
 * @param nowMs milliseconds since the epoch
 * @returns the step
 */
export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP.periodS);
}

/**
 * The code of one time step (RFC 4226 HOTP over the step counter, dynamic truncation).
 *
 * @param secret the shared secret's bytes
 * @param step the time step
 * @param digits how many digits (default 6)
 * @param hash `SHA-1` (default; RFC 6238 also tests SHA-256 and SHA-512)
 * @returns the code, zero-padded
 */
export async function totpCode(
  secret: Uint8Array,
  step: number,
  digits: number = TOTP.digits,
  hash: "SHA-1" | "SHA-256" | "SHA-512" = "SHA-1",
): Promise<string> {
  const counter = new Uint8Array(8);
  new DataView(counter.buffer).setBigUint64(0, BigInt(step));
  const key = await crypto.subtle.importKey(
    "raw",
    secret as Uint8Array<ArrayBuffer>,
    { name: "HMAC", hash },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, counter));
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) |
    (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 10 ** digits).padStart(digits, "0");
}

/**
 * Checks a code against the steps around now (one step either side, for clocks a little
 * apart), never accepting a step at or before `usedStep` (a code works once).
 *
 * @param secretBase32 the shared secret
 * @param code the code the user typed (spaces ignored)
 * @param nowMs the current time
 * @param usedStep the last step a code was accepted for (-1 for none)
 * @returns the step the code matched, or undefined
 */
export async function verifyTotp(
  secretBase32: string,
  code: string,
  nowMs: number,
  usedStep = -1,
): Promise<number | undefined> {
  const given = code.replace(/\s/g, "");
  if (!/^\d{6}$/.test(given)) return undefined;
  const secret = base32Decode(secretBase32);
  if (secret === undefined) return undefined;
  const now = totpStep(nowMs);
  let matched: number | undefined;
  // Every candidate is computed, so the time taken does not say which one matched.
  for (const step of [now - 1, now, now + 1]) {
    const ok = await totpCode(secret, step) === given;
    if (ok && step > usedStep && matched === undefined) matched = step;
  }
  return matched;
}

/**
 * The `otpauth://` URI authenticator apps read (as a QR code or pasted).
 *
 * @param issuer who the code is for, e.g. `nunect ops.example.org`
 * @param user the user name
 * @param secretBase32 the shared secret
 * @returns the URI
 */
export function otpauthUri(issuer: string, user: string, secretBase32: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(user)}`;
  const q = new URLSearchParams({
    secret: secretBase32,
    issuer,
    algorithm: TOTP.algorithm,
    digits: String(TOTP.digits),
    period: String(TOTP.periodS),
  });
  return `otpauth://totp/${label}?${q}`;
}
