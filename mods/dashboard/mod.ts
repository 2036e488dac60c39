/**
 * The dashboard's server side, between mods/monitor and the web app: starts and owns the NATS
 * connections and monitors ({@linkcode DashboardServices}), samples shared data once for every
 * open page ({@linkcode RateSampler}), and answers the queries and aggregations pages show
 * (overview, cluster, accounts, one connection, units), and holds the read sides of metric history
 * and alerts and the `/metrics` builder. routes/ only turns HTTP requests into
 * calls of this module and renders the results; nothing here knows about HTTP or HTML.
 *
 * @example
 * ```ts
 * import { DASHBOARD_SECTIONS, DashboardServices } from "./mod.ts";
 * import { loadConfig } from "../config/mod.ts";
 * await using services = DashboardServices.start({
 *   config: loadConfig(DASHBOARD_SECTIONS),
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
export { DashboardServices, redactUrl } from "./services.ts";
export type { DashboardServicesOptions, ServiceName } from "./services.ts";
export { RateSampler } from "./rate_sampler.ts";
export type { RateSeries, VarzCounters } from "./rate_sampler.ts";
export { readOverview, summarize } from "./overview.ts";
export type { OverviewSample, OverviewSummary } from "./overview.ts";
export { clusterServers } from "./cluster.ts";
export type { ClusterServer } from "./cluster.ts";
export { accountDetail, accountsSummary } from "./accounts.ts";
export type { AccountRow, AccountsSummary } from "./accounts.ts";
export { findConnection } from "./connection.ts";
export { hostClock, unitsView } from "./units.ts";
export type { HostClock, UnitsView } from "./units.ts";
