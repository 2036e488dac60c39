import type { Context } from "hono";
import type { Session } from "./session.ts";

/** Configuration the web app needs (a subset of mods/config sections). */
export interface DashboardSettings {
  /** DASHBOARD_DOMAIN, shown in the header. */
  readonly domain: string;
  /** DASHBOARD_CORS_ORIGINS. */
  readonly corsOrigins: readonly string[];
  /** DASHBOARD_ADMIN_USER. */
  readonly adminUser: string;
  /** DASHBOARD_ADMIN_PASSWORD. */
  readonly adminPassword: string;
  /** DASHBOARD_SECRET. */
  readonly secret: string;
  /** NATS_WS_URL, or "" for `ws://<page host>:<wsPort>`. */
  readonly wsUrl: string;
  /** NATS_WS_PORT. */
  readonly wsPort: number;
  /** NATS_SERVER_NAME. */
  readonly serverName: string;
  /** The browser user (NATS_UI_USER / NATS_UI_PASSWORD): the only credential a page may get. */
  readonly uiUser: { readonly user: string; readonly password: string };
  /** UNIT_ID of this host: its guardian's clock is the "local time" of the Units page. */
  readonly hostUnitId: string;
  /** The unit the browser measures its application RTT against (the dashboard's echo). */
  readonly echoUnit: string | null;
  /** Browser heartbeat interval. */
  readonly heartbeatMs: number;
  /** Browser RTT interval. */
  readonly rttMs: number;
}

/** Hono environment of the app: what the auth middleware puts on the context. */
export interface AppEnv {
  Variables: {
    session: Session;
    csrf: string;
  };
}

/** The request context of the app. */
export type AppContext = Context<AppEnv>;

/**
 * WebSocket URL the browser connects to for this request.
 *
 * @param c the request context
 * @param s the settings
 * @returns the configured NATS_WS_URL, or `ws(s)://<host of the page>:<wsPort>`
 */
export function browserWsUrl(c: Context, s: DashboardSettings): string {
  if (s.wsUrl) return s.wsUrl;
  const url = new URL(c.req.url);
  const host = (c.req.header("host") ?? url.host).replace(/:\d+$/, "");
  return `${url.protocol === "https:" ? "wss" : "ws"}://${host}:${s.wsPort}`;
}
