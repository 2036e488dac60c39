import type { Context, MiddlewareHandler } from "hono";
import { HttpError } from "./errors.ts";

/** What the security middleware needs to know about the deployment. */
export interface SecurityOptions {
  /** Origins allowed to call the dashboard cross-origin (DASHBOARD_CORS_ORIGINS). */
  readonly corsOrigins: readonly string[];
  /** WebSocket URL(s) the browser may connect to, per request (for CSP connect-src). */
  readonly wsSources: (c: Context) => readonly string[];
  /** Strict-Transport-Security max-age on HTTPS answers (DASHBOARD_HSTS_MAX_AGE_S; 0: none). */
  readonly hstsMaxAgeS?: number;
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The origin of the request as the browser sees it (scheme, host and port), from the request URL
 * and Host header.
 *
 * @param c the request context
 * @returns e.g. `http://127.0.0.1:4280`
 */
export function ownOrigin(c: Context): string {
  const url = new URL(c.req.url);
  const host = c.req.header("host") ?? url.host;
  return `${url.protocol}//${host}`;
}

/**
 * The security headers of every answer: a strict CSP (scripts and styles from this origin only,
 * WebSocket only to the NATS server), no framing, no MIME sniffing, no referrer leakage.
 *
 * @param wsSources WebSocket URLs the page may connect to (CSP `connect-src`, beside 'self')
 * @returns header name to value
 */
export function securityHeaderValues(wsSources: readonly string[]): Record<string, string> {
  return {
    "Content-Security-Policy": [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      `connect-src ${["'self'", ...wsSources].join(" ")}`,
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join("; "),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    // "same-origin", not "no-referrer": with no-referrer Chrome sends `Origin: null` on form posts,
    // which the CSRF origin check must refuse.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
  };
}

/**
 * Security headers ({@linkcode securityHeaderValues}) on every response, `no-store` on
 * everything but static files, and Strict-Transport-Security on HTTPS (the dashboard's own TLS,
 * or a trusted proxy's `X-Forwarded-Proto: https`).
 *
 * @param options the allowed WebSocket sources
 * @returns the middleware
 */
export function securityHeaders(options: SecurityOptions): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    for (const [name, value] of Object.entries(securityHeaderValues(options.wsSources(c)))) {
      h.set(name, value);
    }
    if (!h.has("Cache-Control") && !c.req.path.startsWith("/static/")) {
      h.set("Cache-Control", "no-store");
    }
    const hsts = options.hstsMaxAgeS ?? 0;
    const url = new URL(c.req.url);
    // Browsers ignore HSTS for IP addresses; for localhost it would pin every local port to
    // HTTPS for a year, so a development setup does not get it either.
    if (hsts > 0 && url.protocol === "https:" && url.hostname !== "localhost") {
      h.set("Strict-Transport-Security", `max-age=${hsts}`);
    }
  };
}

/**
 * CORS limited to DASHBOARD_CORS_ORIGINS: an allowed origin gets the CORS headers (with
 * credentials), any other cross-origin request gets none, and a preflight from it is refused.
 *
 * @param options the allowed origins
 * @returns the middleware
 */
export function cors(options: SecurityOptions): MiddlewareHandler {
  const allowed = new Set(options.corsOrigins);
  return async (c, next) => {
    const origin = c.req.header("origin");
    const listed = origin !== undefined && allowed.has(origin);
    if (c.req.method === "OPTIONS" && origin !== undefined) {
      if (!listed) throw new HttpError(403, `Origin "${origin}" is not allowed`);
      return new Response(null, {
        status: 204,
        headers: {
          "Access-Control-Allow-Origin": origin,
          "Access-Control-Allow-Credentials": "true",
          "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
          "Access-Control-Allow-Headers": "Content-Type, X-CSRF-Token",
          "Access-Control-Max-Age": "600",
          "Vary": "Origin",
        },
      });
    }
    await next();
    if (listed) {
      c.res.headers.set("Access-Control-Allow-Origin", origin);
      c.res.headers.set("Access-Control-Allow-Credentials", "true");
      c.res.headers.append("Vary", "Origin");
    }
  };
}

/**
 * The origin check of CSRF protection, for every state-changing request: the browser's Origin
 * (or, without one, Sec-Fetch-Site) must say the request comes from this dashboard or an allowed
 * origin. The per-session token is checked by the auth middleware on top of this.
 *
 * @param options the allowed origins
 * @returns the middleware
 */
export function originCheck(options: SecurityOptions): MiddlewareHandler {
  const allowed = new Set(options.corsOrigins);
  return async (c, next) => {
    // A request with an API token carries no ambient credential a forged form could borrow.
    if (UNSAFE.has(c.req.method) && c.req.header("authorization") === undefined) {
      const origin = c.req.header("origin");
      if (origin !== undefined) {
        if (origin !== ownOrigin(c) && !allowed.has(origin)) {
          throw new HttpError(403, `Cross-site request refused: origin "${origin}" is not allowed`);
        }
      } else {
        const site = c.req.header("sec-fetch-site");
        if (site !== undefined && site !== "same-origin" && site !== "none") {
          throw new HttpError(403, `Cross-site request refused: Sec-Fetch-Site is "${site}"`);
        }
      }
    }
    await next();
  };
}

/** Whether a method changes state (and so needs a CSRF token). */
export function isUnsafe(method: string): boolean {
  return UNSAFE.has(method);
}
