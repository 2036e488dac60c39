import { isIP } from "node:net";

/** A parsed IP address: its family and bytes. */
interface Address {
  readonly v6: boolean;
  readonly bytes: Uint8Array;
}

function parseV4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const bytes = parts.map(Number);
  return bytes.every((b, i) => Number.isInteger(b) && b >= 0 && b <= 255 && parts[i] !== "")
    ? Uint8Array.from(bytes)
    : undefined;
}

function parseV6(text: string): Uint8Array | undefined {
  let head = text;
  let tail4: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".")) {
    tail4 = parseV4(text.slice(lastColon + 1));
    if (tail4 === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => s === "" ? [] : s.split(":");
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const fill = 8 - left.length - right.length;
  if (halves.length === 1 ? fill !== 0 : fill < 0) return undefined;
  const all = [...left, ...Array(halves.length === 2 ? fill : 0).fill("0"), ...right];
  const out = new Uint8Array(16);
  for (const [i, g] of all.entries()) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  }
  if (tail4) out.set(tail4, 12);
  return out;
}

/** An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) as the IPv4 address it carries. */
function unmapped(a: Address): Address {
  const b = a.bytes;
  if (a.v6 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) {
    return { v6: false, bytes: b.slice(12) };
  }
  return a;
}

function parseAddress(text: string): Address | undefined {
  const t = text.trim().replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const kind = isIP(t);
  if (kind === 4) return { v6: false, bytes: parseV4(t)! };
  if (kind === 6) {
    const bytes = parseV6(t);
    return bytes && unmapped({ v6: true, bytes });
  }
  return undefined;
}

/** A range of addresses: a network and how many leading bits must match. */
interface Range {
  readonly net: Address;
  readonly bits: number;
}

function parseRange(text: string): Range {
  const [addr = "", prefix] = text.split("/");
  const net = parseAddress(addr);
  if (net === undefined) throw new TypeError(`Invalid address or range "${text}"`);
  const max = net.bytes.length * 8;
  const bits = prefix === undefined ? max : Number(prefix);
  if (!Number.isInteger(bits) || bits < 0 || bits > max) {
    throw new TypeError(`Invalid address or range "${text}": prefix out of range`);
  }
  return { net, bits };
}

function inRange(a: Address, r: Range): boolean {
  if (a.v6 !== r.net.v6) return false;
  for (let bit = 0; bit < r.bits; bit += 8) {
    const mask = r.bits - bit >= 8 ? 0xff : (0xff << (8 - (r.bits - bit))) & 0xff;
    if (((a.bytes[bit / 8]! ^ r.net.bytes[bit / 8]!) & mask) !== 0) return false;
  }
  return true;
}

/**
 * Whether an address is one of the given addresses or ranges (IPv4 and IPv6, CIDR notation;
 * IPv4-mapped IPv6 addresses count as their IPv4 address).
 *
 * @param ranges e.g. `["127.0.0.1", "10.0.0.0/8", "::1"]` (DASHBOARD_TRUSTED_PROXIES)
 * @returns a test of one address; malformed addresses are never matched
 * @throws {TypeError} when a range does not parse (mods/config has already refused those)
 */
export function addressMatcher(ranges: readonly string[]): (address: string) => boolean {
  const parsed = ranges.map(parseRange);
  return (address) => {
    const a = parseAddress(address);
    return a !== undefined && parsed.some((r) => inRange(a, r));
  };
}

/** What {@linkcode trustForwarded} needs. */
export interface ForwardedOptions {
  /** The reverse proxies whose forwarded headers are believed (DASHBOARD_TRUSTED_PROXIES). */
  readonly trustedProxies: readonly string[];
}

/** The peer's address from `Deno.serve`'s handler info. */
function peerOf(info: unknown): string | undefined {
  return (info as { remoteAddr?: { hostname?: string } } | undefined)?.remoteAddr?.hostname;
}

/** The first value of a header that proxies may repeat (`a, b`). */
function first(value: string | null): string | undefined {
  const v = value?.split(",")[0]?.trim();
  return v === "" ? undefined : v;
}

/**
 * Wraps the app's fetch handler so that a request relayed by a trusted reverse proxy is seen as
 * the browser made it: the scheme of `X-Forwarded-Proto` (http or https: Secure cookies, HSTS,
 * wss://, the CSRF origin), the name of `X-Forwarded-Host` (then vetted by the Host check like
 * any Host), and as the client address the nearest address in `X-Forwarded-For` that is not a
 * trusted proxy (login throttling, logs). From any other peer these headers are ignored: anyone
 * can send them. With no trusted proxies the handler is returned as it is.
 *
 * @param handler the app's fetch handler (with the Host check)
 * @param options the trusted proxies
 * @returns the handler for `Deno.serve`
 */
export function trustForwarded<I>(
  handler: (req: Request, info: I) => Response | Promise<Response>,
  options: ForwardedOptions,
): (req: Request, info: I) => Response | Promise<Response> {
  if (options.trustedProxies.length === 0) return handler;
  const trusted = addressMatcher(options.trustedProxies);
  return (req, info) => {
    const peer = peerOf(info);
    if (peer === undefined || !trusted(peer)) return handler(req, info);
    const proto = first(req.headers.get("x-forwarded-proto"))?.toLowerCase();
    const host = first(req.headers.get("x-forwarded-host"));
    const chain = (req.headers.get("x-forwarded-for") ?? "").split(",").map((s) => s.trim())
      .filter((s) => s !== "");
    // The proxies append: the nearest untrusted hop is the client; all trusted: the first one.
    let client = chain[0];
    for (let i = chain.length - 1; i >= 0; i--) {
      if (!trusted(chain[i]!)) {
        client = chain[i];
        break;
      }
    }
    const original = new URL(req.url);
    const scheme = proto === "https" || proto === "http" ? `${proto}:` : original.protocol;
    const headers = new Headers(req.headers);
    if (host !== undefined) headers.set("host", host);
    // A name that makes no URL keeps the old one; the Host check refuses the request anyway.
    const url =
      URL.parse(`${scheme}//${host ?? original.host}${original.pathname}${original.search}`) ??
        original;
    const seen = url.href === req.url && host === undefined
      ? req
      : new Request(url, { method: req.method, headers, body: req.body, signal: req.signal });
    const remoteAddr = (info as { remoteAddr?: Deno.NetAddr }).remoteAddr;
    // Deno's info has getters, not fields: a spread would lose `completed`.
    const through = client === undefined || parseAddress(client) === undefined ? info : {
      remoteAddr: { ...remoteAddr, hostname: client.replace(/^\[|\]$/g, "") },
      get completed() {
        return (info as { completed?: Promise<void> }).completed;
      },
    };
    return handler(seen, through as I);
  };
}
