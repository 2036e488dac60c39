import type { Context } from "hono";
import type { AppContext } from "./context.ts";
import {
  InvalidRequestError,
  NotFoundError,
  ServiceUnavailableError,
} from "../mods/dashboard/mod.ts";
import {
  FeatureUnavailableError,
  MonitorResponseError,
  MonitorUnreachableError,
  ServerActionError,
  SysRequestError,
} from "../mods/monitor/mod.ts";
import { InvalidSubjectError, InvalidUnitIdError, NunectError } from "../mods/protocol/mod.ts";
import { InvalidAlertInputError } from "../mods/alerts/mod.ts";
import { ControllerCallError } from "../mods/controller/mod.ts";
import {
  AccessConflictError,
  AccessDeniedError,
  AccessStoreUnavailableError,
  InvalidAccessInputError,
  KdfBusyError,
  UnknownAccessError,
} from "../mods/access/mod.ts";
import { AuditUnavailableError } from "../mods/audit/mod.ts";
import {
  AccountUnavailableError,
  type FieldIssue,
  InvalidInputError,
  NotFoundError as JsNotFoundError,
  ReservedSubjectError,
  ServerRefusedError,
} from "../mods/jetstream/mod.ts";

/**
 * An error of the web layer itself with the HTTP status it is answered with (login, CSRF,
 * throttling, unknown paths); errors of mods/ get theirs from {@linkcode STATUS_OF}.
 */
export class HttpError extends NunectError {
  /** The HTTP status code. */
  readonly status: number;

  /**
   * @param status HTTP status code, e.g. 404
   * @param message shown to the user, in std's voice (`Unknown connection "42"`)
   * @param options the cause, when wrapping another error
   */
  constructor(status: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
}

/** What the error renderer shows: a status, a one-line title and a message. */
export interface RenderedError {
  readonly status: number;
  readonly title: string;
  readonly message: string;
  /** For invalid input: each problem with the field it concerns (forms show them there). */
  readonly issues?: readonly FieldIssue[];
  /** For a refusal by nats-server: the configuration field it concerns, if known. */
  readonly field?: string | null;
  /** For a feature the NATS server lacks: the version that has it. */
  readonly requires?: string;
}

const TITLES: Record<number, string> = {
  400: "Bad request",
  401: "Login required",
  403: "Forbidden",
  404: "Not found",
  405: "Method not allowed",
  409: "Conflict",
  413: "Request too large",
  429: "Too many requests",
  // nginx's code for a request whose client went away before the answer.
  499: "Client closed request",
  500: "Internal error",
  501: "Requires a newer nats-server",
  502: "Bad gateway",
  503: "NATS unreachable",
};

// deno-lint-ignore no-explicit-any
type ErrorClass = abstract new (...args: any[]) => Error;

/**
 * The one mapping from error classes to HTTP statuses, first match wins. Every error of mods/
 * extends NunectError; the classes a request can run into are listed here, anything else is a
 * 500 whose detail goes to the server log only.
 */
export const STATUS_OF: readonly (readonly [ErrorClass, (e: Error) => number])[] = [
  [HttpError, (e) => (e as HttpError).status],
  [KdfBusyError, () => 429],
  [AccessStoreUnavailableError, () => 503],
  [AuditUnavailableError, () => 503],
  [InvalidAccessInputError, () => 400],
  [UnknownAccessError, () => 404],
  [AccessConflictError, () => 409],
  [AccessDeniedError, () => 403],
  [InvalidRequestError, () => 400],
  [InvalidAlertInputError, () => 400],
  [InvalidUnitIdError, () => 400],
  [InvalidSubjectError, () => 400],
  [NotFoundError, () => 404],
  [InvalidInputError, () => 400],
  [JsNotFoundError, () => 404],
  [ReservedSubjectError, () => 403],
  // "requires nats-server ≥ X": the running server lacks what was asked for (nothing was sent).
  [FeatureUnavailableError, () => 501],
  // nats-server's own status: a bad request stays the caller's, the rest is the server's.
  [ServerRefusedError, (e) => {
    const s = (e as ServerRefusedError).status;
    return s === 400 || s === 404 || s === 503 ? s : 502;
  }],
  [AccountUnavailableError, () => 503],
  // The controller's own status: refused (400, 404, 409), nats-server refused (502), away (503).
  [ControllerCallError, (e) => (e as ControllerCallError).status],
  // The server refused an action (no such client, a configuration it cannot load).
  [ServerActionError, () => 409],
  [ServiceUnavailableError, () => 503],
  [SysRequestError, () => 503],
  [MonitorUnreachableError, () => 503],
  // nats-server refuses a bad query with 400 (e.g. an unknown account): the caller's mistake.
  [MonitorResponseError, (e) => (e as MonitorResponseError).status === 400 ? 400 : 502],
];

/**
 * Turns anything thrown into a status, a title and a message that is safe to show: known errors
 * keep their message, unknown ones become a generic 500 (the detail goes to the server log only).
 *
 * @param error what was thrown
 * @returns status, title and message
 */
export function describeError(error: unknown): RenderedError {
  if (error instanceof DOMException && error.name === "AbortError") {
    // Only requests' own signals are handed to work (a replay, a scan): their client left.
    return {
      status: 499,
      title: TITLES[499]!,
      message: "The client left before the answer: the work stopped there",
    };
  }
  for (const [type, status] of STATUS_OF) {
    if (!(error instanceof type)) continue;
    const s = status(error);
    return {
      status: s,
      title: TITLES[s] ?? "Error",
      message: error.message,
      ...(error instanceof InvalidInputError ? { issues: error.issues } : {}),
      ...(error instanceof ServerRefusedError ? { field: error.field } : {}),
      ...(error instanceof FeatureUnavailableError ? { requires: error.requires } : {}),
    };
  }
  return {
    status: 500,
    title: TITLES[500]!,
    message: "Something went wrong on the dashboard server; the details are in its log",
  };
}

/**
 * Whether an answered error is a fault of the dashboard or of NATS worth the server log: any 5xx
 * but 501 (the NATS server is too old) and 503 (NATS unreachable), which are states, not bugs.
 *
 * @param status the status {@linkcode describeError} gave
 * @returns true when the error should be logged
 */
export function isFault(status: number): boolean {
  return status >= 500 && status !== 501 && status !== 503;
}

/** Renders an error page (HTML); provided by the app so the errors module stays JSX-free. */
export type ErrorPageRenderer = (
  c: AppContext,
  error: RenderedError,
) => Response | Promise<Response>;

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
  c: AppContext,
  error: unknown,
  page: ErrorPageRenderer,
): Response | Promise<Response> {
  const described = describeError(error);
  if (isFault(described.status)) {
    console.error(`${c.req.method} ${c.req.path}:`, error);
  } else if (described.status === 499) {
    console.error(`${c.req.method} ${c.req.path}: ${described.message}`);
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
