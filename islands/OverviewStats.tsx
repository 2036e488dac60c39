import { useEffect, useState } from "preact/hooks";
import type { Healthz, Jsz, Varz } from "../mods/monitor/mod.ts";
import { formatBytes, formatCount, formatTime } from "../components/format.ts";
import { Badge, Stat } from "../components/ui.tsx";

/** The Overview's headline figures (what /api/overview answers, reduced). */
export interface OverviewSummary {
  readonly serverName: string;
  readonly version: string;
  readonly uptime: string;
  readonly start: string;
  readonly healthy: boolean;
  readonly healthStatus: string;
  readonly healthError: string | null;
  readonly connections: number;
  readonly totalConnections: number;
  readonly subscriptions: number;
  readonly slowConsumers: number;
  readonly mem: number;
  readonly cpu: number;
  readonly cores: number;
  readonly jetstream: { bytes: number; streams: number; consumers: number } | null;
}

/**
 * Reduces /api/overview to the headline figures.
 *
 * @param o varz, healthz and (when JetStream answers) jsz
 * @returns the summary
 */
export function summarize(
  o: { varz: Varz; healthz: Healthz; jsz?: Jsz | undefined },
): OverviewSummary {
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

/** Props of {@linkcode OverviewStats}. */
export interface OverviewStatsProps {
  readonly initial: OverviewSummary;
  /** /api/overview, polled for fresh figures. */
  readonly url: string;
  readonly pollMs: number;
}

/** The Overview's stat cards, refreshed every `pollMs`; they turn grey while NATS is unreachable. */
export function OverviewStats(props: OverviewStatsProps) {
  const [s, setS] = useState(props.initial);
  const [stale, setStale] = useState(false);
  useEffect(() => {
    const timer = setInterval(async () => {
      try {
        const res = await fetch(props.url, { headers: { accept: "application/json" } });
        if (!res.ok) return setStale(true);
        setS(summarize(await res.json()));
        setStale(false);
      } catch {
        setStale(true);
      }
    }, props.pollMs);
    return () => clearInterval(timer);
  }, []);
  return (
    <div class={`grid stats ${stale ? "stale-figures" : ""}`} id="overview-stats">
      <Stat id="server" label="Server" value={s.serverName} sub={`nats-server ${s.version}`} />
      <Stat
        id="uptime"
        label="Uptime"
        value={s.uptime}
        sub={`started ${formatTime(s.start)} UTC`}
      />
      <Stat
        id="health"
        label="Health"
        value={
          <Badge level={stale ? "bad" : s.healthy ? "good" : "bad"}>
            {stale ? "unreachable" : s.healthy ? "healthy" : s.healthStatus}
          </Badge>
        }
        sub={s.healthError ?? "/healthz"}
      />
      <Stat
        id="connections"
        label="Connections"
        value={formatCount(s.connections)}
        sub={`${formatCount(s.totalConnections)} since start`}
      />
      <Stat
        id="subscriptions"
        label="Subscriptions"
        value={formatCount(s.subscriptions)}
        sub={`${s.slowConsumers} slow consumers`}
      />
      <Stat id="memory" label="Memory" value={formatBytes(s.mem)} sub="resident" />
      <Stat id="cpu" label="CPU" value={`${s.cpu.toFixed(1)}%`} sub={`${s.cores} cores`} />
      <Stat
        id="jetstream"
        label="JetStream"
        value={s.jetstream ? formatBytes(s.jetstream.bytes) : "off"}
        sub={s.jetstream
          ? `${s.jetstream.streams} streams · ${s.jetstream.consumers} consumers`
          : "not enabled"}
      />
    </div>
  );
}
