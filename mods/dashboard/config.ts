import type { Config, SectionName } from "../config/mod.ts";
import { dashboardUnitId as unitOfHost } from "../controller/mod.ts";

/**
 * The configuration sections the dashboard loads (its NATS users are `.creds` files the
 * controller issues under NATS_IDENTITY_DIR, never passwords in the environment); the `dashboard`
 * permission set in deno.json names exactly their variables (tests/dashboard/permissions_test.ts
 * keeps the two in step).
 */
export const DASHBOARD_SECTIONS = [
  "dashboard",
  "server",
  "unit",
  "identity",
  "history",
  "audit",
  "metrics",
  "natsTls",
] as const satisfies readonly SectionName[];

/** The dashboard's configuration: the sections of {@linkcode DASHBOARD_SECTIONS}, parsed. */
export type DashboardConfig = Config<(typeof DASHBOARD_SECTIONS)[number]>;

/**
 * The dashboard's own unit ID: the host's `UNIT_ID` with `-dashboard`, the echo target every
 * browser measures its application RTT against.
 *
 * @param config the dashboard's configuration
 * @returns e.g. `nunect-hub-dashboard` (at most 64 characters)
 */
export function dashboardUnitId(config: DashboardConfig): string {
  return unitOfHost(config.unit.unitId);
}
