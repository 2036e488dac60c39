import type { Hono } from "hono";
import type { SectionName } from "../mods/config/mod.ts";
import { createApp } from "./app.ts";
import type { AppEnv } from "./context.ts";
import type { Deps } from "./deps.ts";
import { browserRoutes } from "./browser.ts";
import { accountsRoutes } from "./pages/accounts.tsx";
import { clusterRoutes } from "./pages/cluster.tsx";
import { jetstreamRoutes } from "./pages/jetstream.tsx";
import { subscriptionsRoutes } from "./pages/subscriptions.tsx";
import { unitsRoutes } from "./pages/units.tsx";
import { activityRoutes } from "./pages/activity.tsx";
import { connectionsRoutes } from "./pages/connections.tsx";
import { overviewRoutes } from "./pages/overview.tsx";

/**
 * The configuration sections main.ts loads; the `dashboard` permission set in deno.json names
 * exactly their variables (tests/dashboard/permissions_test.ts keeps the two in step).
 */
export const DASHBOARD_SECTIONS = [
  "dashboard",
  "server",
  "unit",
  "sysUser",
  "opsUser",
  "uiUser",
] as const satisfies readonly SectionName[];

/** What /api lists: every JSON endpoint, for scripts. */
export const API_INDEX: readonly { path: string; what: string }[] = [
  { path: "/api/overview", what: "varz, healthz and jsz of the Overview" },
  { path: "/api/rates", what: "message, byte, CPU and memory history (2 s samples)" },
  { path: "/api/cluster", what: "every server of the cluster (SYS STATSZ ping)" },
  { path: "/api/features", what: "features of newer nats-server versions, available or not" },
  { path: "/api/varz", what: "nats-server /varz" },
  { path: "/api/healthz", what: "nats-server /healthz" },
  { path: "/api/connz", what: "nats-server /connz (sort, state, acc, user, offset, limit, subs)" },
  { path: "/api/connz/:cid", what: "one connection with its subscriptions" },
  { path: "/api/subsz", what: "nats-server /subsz (test, acc, offset, limit)" },
  { path: "/api/routez", what: "nats-server /routez" },
  { path: "/api/gatewayz", what: "nats-server /gatewayz" },
  { path: "/api/leafz", what: "nats-server /leafz" },
  { path: "/api/ipqueuesz", what: "nats-server /ipqueuesz" },
  { path: "/api/accounts", what: "accounts with connections, subscriptions and traffic" },
  { path: "/api/accountz", what: "nats-server /accountz (acc)" },
  { path: "/api/accstatz", what: "nats-server /accstatz" },
  { path: "/api/jsz", what: "nats-server /jsz (accounts, streams, consumers, config, acc)" },
  { path: "/api/activity", what: "recent connects, disconnects and auth errors" },
  { path: "/api/events", what: "the same, live, as Server-Sent Events" },
  { path: "/api/units", what: "units with heartbeat, RTT and clock, and ingest counters" },
  { path: "/api/units/:id", what: "one unit" },
  { path: "POST /api/units/:id/forget", what: "remove a unit (X-CSRF-Token)" },
  { path: "/api/time", what: "the dashboard server's clock" },
];

/**
 * The whole dashboard: security, login and error handling (createApp) plus every page and its
 * JSON twin under /api/.
 *
 * @param deps settings and data sources
 * @returns the app
 */
export function createDashboard(deps: Deps): Hono<AppEnv> {
  return createApp({
    settings: deps.settings,
    version: deps.version,
    health: () => ({ nats: deps.sys() && deps.units() ? "connected" : "connecting" }),
    routes: (app) => {
      overviewRoutes(app, deps);
      connectionsRoutes(app, deps);
      activityRoutes(app, deps);
      subscriptionsRoutes(app, deps);
      clusterRoutes(app, deps);
      accountsRoutes(app, deps);
      jetstreamRoutes(app, deps);
      unitsRoutes(app, deps);
      browserRoutes(app, deps);
      app.get("/api", (c) => c.json({ endpoints: API_INDEX }));
    },
  });
}
