import { timingSafeEqual } from "node:crypto";

const encoder = new TextEncoder();

/**
 * Compares two hex digests in constant time.
 *
 * @param a one digest
 * @param b another
 * @returns whether they are equal
 */
export function safeEqualHex(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
