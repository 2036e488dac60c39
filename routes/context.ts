import type { Context } from "hono";
import type { DashboardConfig, DashboardServices, LiveTopic } from "../mods/dashboard/mod.ts";
import type { SysMonitor, UnitRegistry } from "../mods/monitor/mod.ts";
import type { Session } from "./session.ts";
import { AccessDeniedError, type Principal } from "../mods/access/mod.ts";
import type { AuditNote } from "./audit.ts";

/** Hono environment of the app: what its middleware puts on the context. */
export interface AppEnv {
  Variables: {
    /** The dashboard's server side (every request). */
    services: DashboardServices;
    /** The logged-in session (requests with a session cookie; not token requests). */
    session: Session | undefined;
    /** Who the request acts for, with the role and scope in force (every request but public paths). */
    principal: Principal;
    /** What a handler adds to its request's audit record (target, before, after). */
    auditNote: AuditNote;
    /** The session's CSRF token. */
    csrf: string;
    /** The SYS monitor, on routes that need `sys`. */
    sys: SysMonitor;
    /** The units registry, on routes that need `units`. */
    units: UnitRegistry;
  };
}

/** The request context of the app. */
export type AppContext = Context<AppEnv>;

/**
 * The request's browser session, for what only a logged-in browser has (logging out, the NATS
 * users of its browser units).
 *
 * @param c the request context
 * @returns the session
 * @throws {AccessDeniedError} for a request with an API token, which has no session (403)
 */
export function sessionOf(c: AppContext): Session {
  const session = c.var.session;
  if (session === undefined) {
    throw new AccessDeniedError(
      `${c.req.method} ${c.req.path} needs a logged-in browser session; an API token has none`,
    );
  }
  return session;
}

/** What the page renderer takes besides the content (`c.render(body, { title })`). */
export interface PageProps {
  /** The page's title. */
  readonly title: string;
  /** HTTP status (default 200). */
  readonly status?: number;
  /** The live topics the page follows and the cursor it was rendered at. */
  readonly live?: { readonly topics: readonly LiveTopic[]; readonly after: string };
}

declare module "hono" {
  interface ContextRenderer {
    (content: import("preact").ComponentChildren, props: PageProps): Response | Promise<Response>;
  }
}

/**
 * WebSocket URL the browser connects to for this request.
 *
 * @param c the request context
 * @param config the dashboard's configuration
 * @returns NATS_WS_URL, or `ws(s)://<host of the page>:<NATS_WS_PORT>`
 */
export function browserWsUrl(c: Context, config: DashboardConfig): string {
  if (config.dashboard.wsUrl !== null) return config.dashboard.wsUrl;
  const url = new URL(c.req.url);
  const host = (c.req.header("host") ?? url.host).replace(/:\d+$/, "");
  return `${url.protocol === "https:" ? "wss" : "ws"}://${host}:${config.server.wsPort}`;
}
