import { useEffect, useState } from "preact/hooks";
import { type OverviewSummary, summarize } from "../mods/dashboard/overview.ts";
import { formatBytes, formatCount, formatTime } from "../components/format.ts";
import { Badge, Stat } from "../components/ui.tsx";

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
