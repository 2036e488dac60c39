import type { Healthz, Jsz, MonitorClient, Varz } from "../monitor/mod.ts";

/** What the Overview reads from the monitoring port: varz, healthz and (when it answers) jsz. */
export interface OverviewSample {
  /** `/varz`: identity, version, traffic, memory, CPU. */
  readonly varz: Varz;
  /** `/healthz`: ok, or why not. */
  readonly healthz: Healthz;
  /** Undefined when JetStream is off or `/jsz` failed. */
  readonly jsz?: Jsz;
}

/**
 * Reads the Overview's three endpoints at once.
 *
 * @param monitor the monitoring client
 * @returns varz, healthz and jsz
 * @throws {MonitorUnreachableError} when the server does not answer
 */
export async function readOverview(monitor: MonitorClient): Promise<OverviewSample> {
  const [varz, healthz, jsz] = await Promise.all([
    monitor.varz(),
    monitor.healthz(),
    monitor.jsz().catch(() => undefined),
  ]);
  return { varz, healthz, jsz };
}

/** The Overview's headline figures. */
export interface OverviewSummary {
  /** The server's name. */
  readonly serverName: string;
  /** The nats-server version. */
  readonly version: string;
  /** How long it has run, as nats-server prints it (`1h2m3s`). */
  readonly uptime: string;
  /** When it started (ISO 8601). */
  readonly start: string;
  /** Whether `/healthz` said ok. */
  readonly healthy: boolean;
  /** What `/healthz` said. */
  readonly healthStatus: string;
  /** The error `/healthz` gave, if any. */
  readonly healthError: string | null;
  /** Client connections now. */
  readonly connections: number;
  /** Client connections since the start. */
  readonly totalConnections: number;
  /** Subscriptions now. */
  readonly subscriptions: number;
  /** Slow consumers since the start. */
  readonly slowConsumers: number;
  /** Resident memory in bytes. */
  readonly mem: number;
  /** CPU use in percent of one core. */
  readonly cpu: number;
  /** Cores of the machine. */
  readonly cores: number;
  /** JetStream bytes (memory and file), streams and consumers; null when it is off. */
  readonly jetstream: { bytes: number; streams: number; consumers: number } | null;
}

/**
 * Reduces an Overview sample to the headline figures.
 *
 * @param o varz, healthz and (when JetStream answers) jsz
 * @returns the summary
 */
export function summarize(o: OverviewSample): OverviewSummary {
  const { varz, healthz, jsz } = o;
  const js = varz.jetstream;
  return {
    serverName: varz.server_name,
    version: varz.version,
    uptime: varz.uptime,
    start: varz.start,
    healthy: healthz.status === "ok",
    healthStatus: healthz.status,
    healthError: healthz.error ?? null,
    connections: varz.connections,
    totalConnections: varz.total_connections,
    subscriptions: varz.subscriptions,
    slowConsumers: varz.slow_consumers,
    mem: varz.mem,
    cpu: varz.cpu,
    cores: varz.cores,
    jetstream: js?.config
      ? {
        bytes: (js.stats?.memory ?? 0) + (js.stats?.storage ?? 0),
        streams: jsz?.streams ?? 0,
        consumers: jsz?.consumers ?? 0,
      }
      : null,
  };
}
