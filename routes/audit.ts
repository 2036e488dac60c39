import type { MiddlewareHandler } from "hono";
import { scopeLabel } from "../mods/access/mod.ts";
import { type AuditInput, type AuditRequest, AuditUnavailableError } from "../mods/audit/mod.ts";
import type { AppContext, AppEnv } from "./context.ts";
import { describeError } from "./errors.ts";
import type { Route } from "./route.ts";

/** What a handler adds to its request's audit record. */
export interface AuditNote {
  /** What was changed, when the path does not say it well (e.g. `user anna`). */
  target?: string;
  /** The state before a configuration change (null for a creation). */
  before?: unknown;
  /** The state after it (null for a deletion). */
  after?: unknown;
  /**
   * The program that made (or tried) the change stored its record in the trail, with this
   * request's fields ({@linkcode auditRequest}): the request needs no record of its own.
   */
  recorded?: boolean;
}

/**
 * Adds to the audit record of the current request: handlers of configuration changes give the
 * state before and after (never a secret).
 *
 * @param c the request context
 * @param note target, before, after
 */
export function noteAudit(c: AppContext, note: AuditNote): void {
  c.set("auditNote", { ...c.get("auditNote"), ...note });
}

/** The client's address (from Deno.serve; X-Forwarded-For is not trusted). */
export function clientAddress(c: AppContext): string {
  return (c.env as { remoteAddr?: { hostname?: string } } | undefined)?.remoteAddr?.hostname ??
    "local";
}

/**
 * The request's fields for the record of a change another program makes for it (the
 * controller's): role, scope, way in (session or token), method and path, client address. The
 * actor is the request's principal. That record then stands for the request (see
 * {@linkcode AuditNote.recorded}).
 *
 * @param c the request context
 * @returns the fields, as the dashboard's own record would hold them
 */
export function auditRequest(c: AppContext): AuditRequest {
  const p = c.get("principal");
  return {
    role: p.role,
    scope: scopeLabel(p.scope),
    via: p.via.kind === "token" ? `token:${p.via.id}` : "session",
    request: `${c.req.method} ${c.req.path}`.slice(0, 512),
    address: clientAddress(c).slice(0, 64),
  };
}

function targetOf(c: AppContext, route: Route): string {
  const params = Object.values(c.req.param() as Record<string, string>);
  const named = ["key", "name"].map((k) => c.req.query(k)).filter((v) => v !== undefined);
  const parts = [...params, ...named].map((v) => v.slice(0, 120));
  return parts.length > 0 ? parts.join("/") : route.path;
}

/**
 * Records every request to a state-changing route in the audit trail, after it is handled: who
 * (user, role, scope, session or token), the action (the route's), the target (its path
 * parameters, or what the handler noted), the outcome (status, and the error's message when it
 * failed or was refused), and before/after where the handler noted them.
 *
 * A request whose change another program recorded with this request's fields (the controller's
 * record, in the trail before its answer: {@linkcode AuditNote.recorded}) gets no record of its
 * own, so that readers see one record per change.
 *
 * A change is answered as done only once its record is stored (JetStream acknowledged it). When
 * the record cannot be stored, the answer is 503 saying the change was made unrecorded, the
 * record goes to the dashboard's log whole, and further changes are refused (503) before they
 * are made until the trail stores again. Without an audit trail at all (no JetStream) every
 * change is refused. Records of refused and failed requests change nothing: they are sent at
 * once and confirmed in batches, so a flood of refusals does not wait on the trail.
 *
 * @param route the route
 * @returns the middleware (a no-op for GET routes)
 */
export function auditWrites(route: Route): MiddlewareHandler<AppEnv> {
  if (route.action === null) return async (_c, next) => await next();
  const action = route.action;
  return async (c, next) => {
    const audit = c.var.services.need("audit");
    await audit.check();
    await next();
    const note = c.get("auditNote") ?? {};
    if (note.recorded === true) return;
    const status = c.res.status;
    const ok = status < 400;
    const input: AuditInput = {
      actor: c.get("principal").user,
      ...auditRequest(c),
      action,
      target: (note.target ?? targetOf(c, route)).slice(0, 256) || route.path,
      before: ok ? note.before ?? null : null,
      after: ok ? note.after ?? null : null,
      ok,
      status,
      ...(ok ? {} : {
        error: (c.error ? describeError(c.error).message : `HTTP ${status}`).slice(0, 1024),
      }),
    };
    if (!ok) {
      audit.submit(input);
      return;
    }
    await audit.append(input).catch((cause) => {
      if (!(cause instanceof AuditUnavailableError)) throw cause;
      if (cause.record !== undefined) audit.reportLost(cause.record, cause);
      throw new AuditUnavailableError(
        `The change was made, but its audit record could not be stored (${cause.message}): the record is in the dashboard's log, and further changes are refused until the audit trail stores again`,
        { cause },
      );
    });
  };
}
