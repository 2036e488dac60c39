import type { MonitorClient, SysMonitor, UnitRegistry } from "../mods/monitor/mod.ts";
import type { DashboardSettings } from "./context.ts";
import type { RateSampler } from "./rates.ts";

/** Everything the pages and the API read from. */
export interface Deps {
  readonly settings: DashboardSettings;
  readonly version: string;
  /** HTTP monitoring of the NATS server. */
  readonly monitor: MonitorClient;
  /** /varz rate history for the Overview chart. */
  readonly rates: RateSampler;
  /**
   * The SYS-account monitor (cluster pings, connect/disconnect events), or undefined while the
   * dashboard has no SYS connection yet.
   */
  readonly sys: () => SysMonitor | undefined;
  /** The units table fed by ops.> telemetry, or undefined until the OPS connection is up. */
  readonly units: () => UnitRegistry | undefined;
}
