import type { Context } from "hono";
import { MonitorResponseError, MonitorUnreachableError } from "../mods/monitor/mod.ts";

/** An error with the HTTP status it should be answered with. */
export class HttpError extends Error {
  /** The HTTP status code. */
  readonly status: number;

  /**
   * @param status HTTP status code, e.g. 404
   * @param message shown to the user, in std's voice (`Unknown connection "42"`)
   * @param options the cause, when wrapping another error
   */
  constructor(status: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "HttpError";
    this.status = status;
  }
}

/** The NATS server (monitoring port or client port) could not be reached. */
export class NatsUnreachableError extends HttpError {
  /**
   * @param target what was tried, e.g. `http://127.0.0.1:8222/varz`
   * @param options the underlying error
   */
  constructor(target: string, options?: ErrorOptions) {
    super(503, `NATS server unreachable at "${target}"`, options);
    this.name = "NatsUnreachableError";
  }
}

/** What the error renderer shows: a status, a one-line title and a message. */
export interface RenderedError {
  readonly status: number;
  readonly title: string;
  readonly message: string;
}

const TITLES: Record<number, string> = {
  400: "Bad request",
  401: "Login required",
  403: "Forbidden",
  404: "Not found",
  405: "Method not allowed",
  413: "Request too large",
  429: "Too many requests",
  500: "Internal error",
  502: "Bad gateway",
  503: "NATS unreachable",
};

/**
 * Turns anything thrown into a status, a title and a message that is safe to show: known errors
 * keep their message, unknown ones become a generic 500 (the detail goes to the server log only).
 *
 * @param error what was thrown
 * @returns status, title and message
 */
export function describeError(error: unknown): RenderedError {
  if (error instanceof HttpError) {
    return { status: error.status, title: TITLES[error.status] ?? "Error", message: error.message };
  }
  if (error instanceof MonitorUnreachableError) {
    return { status: 503, title: TITLES[503]!, message: error.message };
  }
  if (error instanceof MonitorResponseError) {
    return { status: 502, title: TITLES[502]!, message: error.message };
  }
  return {
    status: 500,
    title: TITLES[500]!,
    message: "Something went wrong on the dashboard server; the details are in its log",
  };
}

/** Renders an error page (HTML); provided by the app so the errors module stays JSX-free. */
export type ErrorPageRenderer = (c: Context, error: RenderedError) => Response | Promise<Response>;

/**
 * The one error renderer: JSON `{ error: { status, title, message } }` for /api and anything that
 * asks for JSON, an HTML page otherwise. Never a stack trace.
 *
 * @param c the request context
 * @param error what was thrown
 * @param page renders the HTML page
 * @returns the response
 */
export function renderError(
  c: Context,
  error: unknown,
  page: ErrorPageRenderer,
): Response | Promise<Response> {
  const described = describeError(error);
  if (described.status >= 500 && described.status !== 503) {
    console.error(`${c.req.method} ${c.req.path}:`, error);
  }
  if (wantsJson(c)) {
    return c.json({ error: described }, described.status as 500);
  }
  return page(c, described);
}

/**
 * Whether a request should be answered with JSON rather than a page.
 *
 * @param c the request context
 * @returns true for /api/* and requests that accept only JSON
 */
export function wantsJson(c: Context): boolean {
  if (c.req.path.startsWith("/api/") || c.req.path === "/api") return true;
  const accept = c.req.header("accept") ?? "";
  return accept.includes("application/json") && !accept.includes("text/html");
}
