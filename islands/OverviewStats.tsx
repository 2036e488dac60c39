import { useState } from "preact/hooks";
import type { OverviewState, OverviewSummary } from "../mods/dashboard/mod.ts";
import { useEventStream } from "./_event_stream.ts";
import { formatBytes, formatCount, formatTime } from "../components/format.ts";
import { Badge, Stat } from "../components/ui.tsx";

/** Props of {@linkcode OverviewStats}. */
export interface OverviewStatsProps {
  /** The figures at render time. */
  readonly initial: OverviewSummary;
}

/**
 * The Overview's stat cards, updated by the live `overview` event; they turn grey while NATS or
 * the dashboard is unreachable.
 */
export function OverviewStats(props: OverviewStatsProps) {
  const [s, setS] = useState(props.initial);
  const [error, setError] = useState<string | null>(null);
  const stream = useEventStream<OverviewState>("overview", (o) => {
    if (o.summary) setS(o.summary);
    setError(o.error);
  });
  const stale = stream === "down" || error !== null;
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
