import type { WireResult, WireSchema } from "../protocol/wire_schema.ts";

/** What a text parser of {@linkcode textSchema} returns for a value that does not fit. */
export const INVALID: unique symbol = Symbol("invalid");

/**
 * A {@linkcode WireSchema} of one environment variable's text, from a hand-written parser: the
 * configuration's variables are checked without zod, so that a program that loads only its
 * configuration (the router's guardian) does not carry zod's code and heap. The error message is
 * generic: `loadConfig` reports the variable's `expected` text instead.
 *
 * @param parse turns the text into the value, or returns {@linkcode INVALID}
 * @returns a schema that accepts strings `parse` accepts
 * @example
 * ```ts
 * const even = textSchema((v) => /^\d*[02468]$/.test(v) ? Number(v) : INVALID);
 * even.safeParse("12"); // { success: true, data: 12 }
 * ```
 */
export function textSchema<T>(parse: (text: string) => T | typeof INVALID): WireSchema<T> {
  const safeParse = (data: unknown): WireResult<T> => {
    const value = typeof data === "string" ? parse(data) : INVALID;
    return value === INVALID
      ? { success: false, error: { issues: [{ path: [], message: "Invalid value" }] } }
      : { success: true, data: value };
  };
  return {
    safeParse,
    parse(data: unknown): T {
      const checked = safeParse(data);
      if (!checked.success) throw new TypeError(`Invalid value "${String(data)}"`);
      return checked.data;
    },
  };
}

// zod 4.6's checks, written out (tests/config/text_schema_test.ts compares them with zod's)
const IPV4 =
  /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])$/;
const CIDRV4 =
  /^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])\/([0-9]|[1-2][0-9]|3[0-2])$/;
const IPV6_ALPHABET = /^[0-9a-fA-F:.]+$/;

/**
 * Whether `text` is an IPv4 address in dotted decimal (zod's `z.ipv4()`).
 *
 * @param text the text
 * @returns true for e.g. `10.0.0.1`
 */
export function isIpv4(text: string): boolean {
  return IPV4.test(text);
}

/**
 * Whether `text` is an IPv6 address (zod's `z.ipv6()`: hex digits, colons and dots only, and an
 * address the URL parser accepts in brackets).
 *
 * @param text the text
 * @returns true for e.g. `::1` or `fe80::1:2`
 */
export function isIpv6(text: string): boolean {
  return IPV6_ALPHABET.test(text) && URL.canParse(`http://[${text}]`);
}

/**
 * Whether `text` is an IPv4 or IPv6 range in CIDR notation (zod's `z.cidrv4()` and
 * `z.cidrv6()`).
 *
 * @param text the text
 * @returns true for e.g. `10.0.0.0/8` or `fd00::/8`
 */
export function isCidr(text: string): boolean {
  if (CIDRV4.test(text)) return true;
  const parts = text.split("/");
  if (parts.length !== 2) return false;
  const [address = "", bits = ""] = parts;
  const n = Number(bits);
  return bits !== "" && `${n}` === bits && n >= 0 && n <= 128 && isIpv6(address);
}
