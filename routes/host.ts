import { securityHeaderValues } from "./security.ts";

/** Where the dashboard's own names come from. */
export interface HostNamesSource {
  /** DASHBOARD_DOMAIN: the name it is reached under. */
  readonly domain: string;
  /** DASHBOARD_BIND: a specific address is a name too; a wildcard means every interface's. */
  readonly bind: string;
  /** The host's interface addresses (`Deno.networkInterfaces()`), for a wildcard bind. */
  readonly interfaces: readonly string[];
  /** The host's name (`Deno.hostname()`), for a wildcard bind; empty when unknown. */
  readonly hostname: string;
}

/** How a Host header's name is compared: lower case, IPv6 in brackets. */
function canonical(name: string): string {
  const lower = name.toLowerCase();
  return lower.includes(":") && !lower.startsWith("[") ? `[${lower}]` : lower;
}

/**
 * The names the dashboard answers to: DASHBOARD_DOMAIN, the loopback names, and the bind address
 * (for a wildcard bind: every interface address and the host name). A request naming anything
 * else (a DNS-rebinding name, a typo, garbage) is refused, so no foreign name ever reaches the
 * CSP or the browser's WebSocket URL, which are built from the request's (now vetted) host.
 *
 * @param source the configuration and the host's addresses
 * @returns canonical names (lower case, IPv6 in brackets), without ports
 */
export function dashboardHostNames(source: HostNamesSource): string[] {
  const names = new Set([source.domain, "localhost", "127.0.0.1", "::1"]);
  const wildcard = source.bind === "0.0.0.0" || source.bind === "::";
  if (wildcard) {
    for (const a of source.interfaces) names.add(a);
    if (source.hostname !== "") names.add(source.hostname);
  } else names.add(source.bind);
  return [...names].filter((n) => n !== "").map(canonical);
}

const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}))(?::(\d{1,5}))?$/;

/**
 * The name in a Host header, if the header is well formed: a DNS name or IP address, optionally
 * a port 1-65535.
 *
 * @param header the Host header's value
 * @returns the canonical name, or undefined for a malformed header
 */
export function hostName(header: string | null): string | undefined {
  if (header === null) return undefined;
  const m = HOST.exec(header);
  if (!m) return undefined;
  if (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535)) return undefined;
  return canonical(m[1]!.replace(/\.$/, ""));
}

/** Options of {@linkcode guardHost}. */
export interface GuardHostOptions {
  /** The names the dashboard answers to ({@linkcode dashboardHostNames}). */
  readonly names: readonly string[];
  /** Where the one line per refused request goes (default `console.error`). */
  readonly log?: (line: string) => void;
}

/**
 * Wraps the app's fetch handler: a request whose Host header is malformed or not one of the
 * dashboard's names is answered 400 with the usual security headers and one log line, before
 * anything builds a URL from it.
 *
 * @param handler the app's fetch handler (`app.fetch`)
 * @param options the names and the log
 * @returns the guarded handler, for `Deno.serve`
 */
export function guardHost<I>(
  handler: (req: Request, info: I) => Response | Promise<Response>,
  options: GuardHostOptions,
): (req: Request, info: I) => Response | Promise<Response> {
  const names = new Set(options.names);
  const log = options.log ?? ((line: string) => console.error(line));
  return (req, info) => {
    // HTTP/2 has no Host header: its :authority is the request URL's host. Deno speaks HTTP/2
    // only over TLS; a plain request without Host is malformed.
    const header = req.headers.get("host") ??
      (req.url.startsWith("https:") ? new URL(req.url).host : null);
    const name = hostName(header);
    if (name !== undefined && names.has(name)) return handler(req, info);
    const shown = JSON.stringify((header ?? "").slice(0, 100));
    const peer = (info as { remoteAddr?: { hostname?: string } } | undefined)?.remoteAddr
      ?.hostname ?? "?";
    log(
      `Refused ${
        header === null ? "a request without a Host header" : `Host ${shown}`
      } from ${peer}: ${
        name === undefined ? "malformed" : "not a name of this dashboard (DASHBOARD_DOMAIN)"
      }`,
    );
    const message = header === null || name === undefined
      ? "Bad request: the Host header is missing or malformed"
      : "Bad request: this dashboard answers only to its configured names (DASHBOARD_DOMAIN)";
    return new Response(`${message}\n`, {
      status: 400,
      headers: {
        ...securityHeaderValues([]),
        "Content-Type": "text/plain; charset=utf-8",
        "Cache-Control": "no-store",
        "Connection": "close",
      },
    });
  };
}
