import type { NavItem } from "../components/Layout.tsx";
import { alertsRoutes } from "./alerts.ts";
import { alertsPageRoutes } from "./pages/alerts.tsx";
import { historyPageRoutes } from "./pages/history.tsx";
import { browserRoutes } from "./browser.ts";
import { identityRoutes } from "./identity.ts";
import { historyRoutes } from "./history.ts";
import { eventsRoutes } from "./events.ts";
import { accountsRoutes } from "./pages/accounts.tsx";
import { activityRoutes } from "./pages/activity.tsx";
import { clusterRoutes } from "./pages/cluster.tsx";
import { connectionsRoutes } from "./pages/connections.tsx";
import { jetstreamRoutes } from "./pages/jetstream.tsx";
import { streamsRoutes } from "./pages/streams.tsx";
import { consumersRoutes } from "./pages/consumers.ts";
import { kvRoutes } from "./pages/kv.tsx";
import { objectsRoutes } from "./pages/objects.tsx";
import { servicesRoutes } from "./pages/services.tsx";
import { publishRoutes } from "./pages/publish.tsx";
import { deadLettersRoutes } from "./pages/dead_letters.tsx";
import { overviewRoutes } from "./pages/overview.tsx";
import { clientActionsRoutes, serversRoutes } from "./pages/servers.tsx";
import { traceRoutes } from "./pages/trace.tsx";
import { subscriptionsRoutes } from "./pages/subscriptions.tsx";
import { sessionsRoutes } from "./pages/sessions.tsx";
import { topologyRoutes } from "./pages/topology.tsx";
import { certificatesRoutes } from "./pages/certificates.tsx";
import { unitsRoutes } from "./pages/units.tsx";
import { streamBackupRoutes } from "./stream_backup.ts";
import { endpoint, type Route } from "./route.ts";
import { type OpenApiDocument, openApiDocument } from "./openapi.ts";
import { explorerRoutes } from "./pages/explorer.tsx";
import { usersRoutes } from "./pages/users.tsx";
import { meRoutes } from "./pages/me.tsx";
import { auditRoutes } from "./pages/audit.tsx";

const routes: Route[] = [
  ...overviewRoutes,
  ...connectionsRoutes,
  ...clientActionsRoutes,
  ...activityRoutes,
  ...subscriptionsRoutes,
  ...clusterRoutes,
  ...serversRoutes,
  ...traceRoutes,
  ...accountsRoutes,
  ...jetstreamRoutes,
  ...streamsRoutes,
  ...streamBackupRoutes,
  ...consumersRoutes,
  ...kvRoutes,
  ...objectsRoutes,
  ...servicesRoutes,
  ...publishRoutes,
  ...deadLettersRoutes,
  ...unitsRoutes,
  ...topologyRoutes,
  ...historyPageRoutes,
  ...alertsPageRoutes,
  ...browserRoutes,
  ...identityRoutes,
  ...historyRoutes,
  ...alertsRoutes,
  ...eventsRoutes,
  ...usersRoutes,
  ...sessionsRoutes,
  ...auditRoutes,
  ...meRoutes,
  ...certificatesRoutes,
];

/** One entry of `GET /api`. */
export interface ApiIndexEntry {
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly what: string;
  readonly role: Route["role"];
  readonly scope: Route["scope"];
}

/**
 * The route table: every page, its JSON twin, every API route, with title, navigation entry and
 * role. The app registers exactly these; the navigation and `GET /api` are read from it.
 */
export const ROUTES: readonly Route[] = [
  ...routes,
  endpoint({
    path: "/api",
    title: "this list: every JSON endpoint, for scripts",
    scope: "self",
    handle: () => ({ endpoints: apiIndex() }),
  }),
  ...explorerRoutes((version) => describeApi(version)),
];

let described: { version: string; doc: OpenApiDocument } | undefined;

/**
 * The OpenAPI description of the route table (made once: the table does not change).
 *
 * @param version the dashboard's version
 * @returns the document
 */
export function describeApi(version: string): OpenApiDocument {
  if (described?.version !== version) {
    described = { version, doc: openApiDocument(ROUTES, version) };
  }
  return described.doc;
}

/**
 * The navigation: pages marked `nav`, in table order.
 *
 * @returns links and labels
 */
export function navigation(): (NavItem & Pick<Route, "role" | "scope">)[] {
  return ROUTES.filter((r) => r.nav).map((r) => ({
    href: r.path,
    label: r.title,
    role: r.role,
    scope: r.scope,
  }));
}

/**
 * What `GET /api` lists: every route under `/api`.
 *
 * @returns method, path, description and role of each
 */
export function apiIndex(): ApiIndexEntry[] {
  return ROUTES.filter((r) => r.path === "/api" || r.path.startsWith("/api/")).map((r) => ({
    method: r.method,
    path: r.path,
    what: r.title,
    role: r.role,
    scope: r.scope,
  }));
}
