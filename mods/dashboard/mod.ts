/**
 * The dashboard's server side, between mods/monitor and the web app: starts and owns the NATS
 * connections and monitors ({@linkcode DashboardServices}), samples shared data once for every
 * open page ({@linkcode OverviewSampler}, {@linkcode UnitsFeed}), pushes it to every page as
 * named events with resumable IDs ({@linkcode LiveHub}), answers the queries and aggregations
 * pages show (overview, cluster, accounts, one connection, units), and holds the read sides of
 * metric history and alerts and the `/metrics` builder. routes/ only turns HTTP requests into
 * calls of this module and renders the results; nothing here knows about HTML.
 *
 * @example
 * ```ts
 * import { DASHBOARD_SECTIONS, DashboardServices } from "./mod.ts";
 * import { loadConfig } from "../config/mod.ts";
 * await using services = DashboardServices.start({
 *   config: loadConfig(DASHBOARD_SECTIONS),
 *   credentials: { sys: "…", ops: "…", unit: "…" }, // .creds from NATS_IDENTITY_DIR
 *   version: "0.1.0",
 * });
 * await services.ready;
 * ```
 *
 * @module
 */
export { DASHBOARD_SECTIONS, dashboardUnitId } from "./config.ts";
export type { DashboardConfig } from "./config.ts";
export { InvalidRequestError, NotFoundError, ServiceUnavailableError } from "./errors.ts";
export { DashboardServices, NATS_HEALTH_BOUND_MS, redactUrl } from "./services.ts";
export type {
  DashboardCredentials,
  DashboardServicesOptions,
  NatsHealth,
  Needed,
  ServiceName,
} from "./services.ts";
export { ALERTS_UNAVAILABLE, AlertsFeed, alertsInScope, readAlertsView } from "./alerts_feed.ts";
export type { AlertsView } from "./alerts_feed.ts";
export { BrowserUsers, sessionTag, validateBrowserUnit } from "./browser_users.ts";
export type { BrowserCredentials, BrowserSession } from "./browser_users.ts";
export { ConsoleAccounts } from "./console_accounts.ts";
export {
  accountChanges,
  accountInput,
  identityAccount,
  identityAccounts,
  unitCredentials,
} from "./identity.ts";
export type { AccountInput, IdentityAccount, IdentityUser, UnitCredential } from "./identity.ts";
export type { CredsDialer } from "./console_accounts.ts";
export { LIVE_TOPICS, LiveHub } from "./live_hub.ts";
export type {
  LiveBacklog,
  LiveFilter,
  LiveFrame,
  LiveHubOptions,
  LiveHubStats,
  LiveTopic,
} from "./live_hub.ts";
export { OverviewSampler } from "./overview_sampler.ts";
export type {
  OverviewSamplerOptions,
  OverviewState,
  RatePoint,
  RateSeries,
} from "./overview_sampler.ts";
export { UNITS_DELTA_MAX, UnitsFeed } from "./units_feed.ts";
export { TopologyFeed } from "./topology_feed.ts";
export type { TopologyFeedOptions, TopologyLeaf, TopologyView } from "./topology_feed.ts";
export type { UnitsDelta, UnitsFeedOptions, UnitsReset } from "./units_feed.ts";
export { readOverview, summarize } from "./overview.ts";
export type { OverviewSample, OverviewSummary } from "./overview.ts";
export { clusterServers, raftGroups } from "./cluster.ts";
export { ClusterSampler } from "./cluster_sampler.ts";
export type { ClusterSamplerOptions, ClusterState } from "./cluster_sampler.ts";
export type { ClusterServer, RaftGroupRow } from "./cluster.ts";
export { accountDetail, accountsSummary } from "./accounts.ts";
export type { AccountRow, AccountsSummary } from "./accounts.ts";
export { findConnection } from "./connection.ts";
export { serverDetail } from "./servers.ts";
export type { ServerDetail } from "./servers.ts";
export {
  applyUnitsEvent,
  DEFAULT_UNITS_QUERY,
  hostClock,
  unitAccount,
  unitsView,
} from "./units.ts";
export type { AppliedUnitsEvent, HostClock, UnitsQuery, UnitsView } from "./units.ts";
export { sessionRef, SessionStore } from "./session_store.ts";
export type { NewSession, SessionRecord, SessionStoreOptions } from "./session_store.ts";
export { certificatesView } from "./certificates.ts";
export type {
  CertificateComponent,
  CertificateRow,
  CertificateSources,
  CertificatesView,
  UnreportedServer,
} from "./certificates.ts";
