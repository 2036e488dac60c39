import { useState } from "preact/hooks";
import type { ClusterServer, ClusterState } from "../mods/dashboard/mod.ts";
import { formatBytes, formatCount } from "../components/format.ts";
import { DataTable } from "../components/ui.tsx";
import { useEventStream } from "./_event_stream.ts";

/** Props of {@linkcode ClusterServers}. */
export interface ClusterServersProps {
  /** The servers at render time. */
  readonly initial: readonly ClusterServer[];
  /** Whether the dashboard has a SYS connection (else nobody can be asked). */
  readonly sys: boolean;
}

/**
 * The Overview's table of every server in the cluster, redrawn from the live `cluster` event: a
 * member that stops disappears and one that comes back reappears without a reload. Each name
 * links to the server's page (identity, health, Raft groups, reload, profiles).
 */
export function ClusterServers(props: ClusterServersProps) {
  const [servers, setServers] = useState(props.initial);
  const [error, setError] = useState<string | null>(null);
  useEventStream<ClusterState>("cluster", (s) => {
    setServers(s.servers);
    setError(s.error);
  });
  return (
    <DataTable
      id="cluster-servers"
      columns={[
        {
          label: "Server",
          cell: (r) => (
            <a href={`/servers/${r.server.id}`} data-server={r.server.name}>
              <strong>{r.server.name}</strong>
            </a>
          ),
        },
        { label: "Version", cell: (r) => r.server.ver },
        { label: "Cluster", cell: (r) => r.server.cluster || "–" },
        { label: "Host", cell: (r) => <span class="mono">{r.server.host}</span> },
        { label: "Connections", cell: (r) => formatCount(r.statsz.connections), num: true },
        { label: "Subscriptions", cell: (r) => formatCount(r.statsz.subscriptions), num: true },
        { label: "Routes", cell: (r) => formatCount(r.statsz.routes?.length ?? 0), num: true },
        { label: "Memory", cell: (r) => formatBytes(r.statsz.mem), num: true },
        { label: "CPU", cell: (r) => `${r.statsz.cpu.toFixed(1)}%`, num: true },
        { label: "JetStream", cell: (r) => r.server.jetstream ? "yes" : "no" },
      ]}
      rows={servers}
      empty={error ??
        (props.sys
          ? "No server answered the system-account ping."
          : "No connection to the system account yet.")}
    />
  );
}
