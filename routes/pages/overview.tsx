import { clusterServers, summarize } from "../../mods/dashboard/mod.ts";
import { serverFeatures, type Varz } from "../../mods/monitor/mod.ts";
import { healthzSchema, varzSchema } from "../../mods/monitor/schemas.ts";
import { formatBytes, formatCount, formatTime } from "../../components/format.ts";
import { Island } from "../../components/Island.tsx";
import { Card, DataTable, KeyValues, mono, usage } from "../../components/ui.tsx";
import { OverviewStats } from "../../islands/OverviewStats.tsx";
import { RateChart } from "../../islands/RateChart.tsx";
import { ClusterServers } from "../../islands/ClusterServers.tsx";
import { endpoint, page, type Route } from "../route.ts";
import { CertificateWarning } from "./certificates.tsx";

/** What newer servers add to /varz, where they send it (2.9.10 sends none of it). */
function newerFields(varz: Varz): [string, string][] {
  const kinds = (k: { clients?: number; routes?: number; gateways?: number; leafs?: number }) =>
    `clients ${k.clients ?? 0} · routes ${k.routes ?? 0} · gateways ${k.gateways ?? 0} · leafs ${
      k.leafs ?? 0
    }`;
  const rows: [string, string | undefined][] = [
    ["Slow consumers by kind", varz.slow_consumer_stats && kinds(varz.slow_consumer_stats)],
    [
      "Stale connections",
      varz.stale_connections === undefined
        ? undefined
        : `${varz.stale_connections}${
          varz.stale_connection_stats ? ` (${kinds(varz.stale_connection_stats)})` : ""
        }`,
    ],
    ["Stalled clients", varz.stalled_clients?.toString()],
    ["Go memory limit", varz.gomemlimit === undefined ? undefined : formatBytes(varz.gomemlimit)],
    [
      "TLS certificate expires",
      varz.tls_cert_not_after && `${formatTime(varz.tls_cert_not_after)} UTC`,
    ],
    ["JetStream API level", varz.jetstream?.stats?.api.level?.toString()],
    ["Config digest", varz.config_digest],
    [
      "Feature flags",
      varz.feature_flags &&
      Object.entries(varz.feature_flags).map(([k, v]) => `${k}${v ? "" : " (off)"}`).join(", "),
    ],
  ];
  return rows.filter((r): r is [string, string] => r[1] !== undefined && r[1] !== "");
}

/**
 * Overview: server identity, version, uptime, health, connections, rates, memory, CPU, JetStream
 * usage and every server of the cluster; `/api/varz` and `/api/healthz` relay the endpoints,
 * `/api/features` says which features need a newer server, `/api/cluster` lists the servers.
 */
export const overviewRoutes: readonly Route[] = [
  ...page({
    path: "/",
    title: "Overview",
    nav: true,
    live: ["overview", "rates", "cluster"],
    twin: { path: "/api/overview", title: "varz, healthz, jsz, rates and cluster servers" },
    load: async (c) => {
      const { overview } = c.var.services;
      // The sampler's latest read when it is fresh: fifty tabs opening at once read once.
      const { varz, healthz, jsz } = await overview.sample();
      const sys = c.var.services.sys();
      // The cluster sampler's latest read when it is fresh, as for the figures.
      const servers = sys ? (await c.var.services.cluster.current()).servers : [];
      // A minute-old look is enough for a warning 21 days ahead.
      const certificates = await c.var.services.certificates({ maxAgeMs: 60_000 }).catch(() =>
        null
      );
      return {
        varz,
        healthz,
        jsz,
        rates: overview.series(),
        servers,
        sys: sys !== undefined,
        certificates,
      };
    },
    render: ({ varz, healthz, jsz, rates, servers, sys, certificates }) => {
      const missing = serverFeatures(varz.version).filter((f) => !f.available);
      const js = varz.jetstream;
      return (
        <>
          {certificates && <CertificateWarning view={certificates} />}
          <Island
            component={OverviewStats}
            props={{ initial: summarize({ varz, healthz, jsz }) }}
          />
          <div class="grid two">
            <Card>
              <Island
                component={RateChart}
                props={{ kind: "msgs", initial: rates }}
              />
            </Card>
            <Card>
              <Island
                component={RateChart}
                props={{ kind: "bytes", initial: rates }}
              />
            </Card>
          </div>
          <h2>Servers in the cluster</h2>
          <Island component={ClusterServers} props={{ initial: servers, sys }} />
          <div class="grid two">
            <Card title="Server">
              <KeyValues
                items={[
                  ["Name", mono(varz.server_name)],
                  ["ID", mono(varz.server_id)],
                  ["Version", `${varz.version} (${varz.go ?? "go ?"})`],
                  ["Client listener", mono(varz.host, ":", varz.port)],
                  [
                    "WebSocket",
                    varz.websocket?.port ? mono(":", varz.websocket.port) : "off",
                  ],
                  [
                    "Leaf nodes",
                    varz.leaf?.port ? mono(":", varz.leaf.port) : "off",
                  ],
                  ["Cluster", varz.cluster?.name ?? "none"],
                  [
                    "Routes · gateways · leafs",
                    `${varz.routes} · ${varz.remotes} · ${varz.leafnodes}`,
                  ],
                  ["Max payload", formatBytes(varz.max_payload)],
                  [
                    "Traffic in",
                    `${formatCount(varz.in_msgs)} msgs · ${formatBytes(varz.in_bytes)}`,
                  ],
                  [
                    "Traffic out",
                    `${formatCount(varz.out_msgs)} msgs · ${formatBytes(varz.out_bytes)}`,
                  ],
                  ["Server time", `${formatTime(varz.now)} UTC`],
                  ...newerFields(varz),
                ]}
              />
            </Card>
            <Card title="JetStream">
              {js?.config
                ? (
                  <KeyValues
                    items={[
                      ["Memory", usage(js.stats?.memory ?? 0, js.config.max_memory)],
                      ["Storage", usage(js.stats?.storage ?? 0, js.config.max_storage)],
                      ["Accounts", formatCount(jsz?.accounts)],
                      [
                        "Streams · consumers",
                        `${formatCount(jsz?.streams)} · ${formatCount(jsz?.consumers)}`,
                      ],
                      ["Messages", `${formatCount(jsz?.messages)} · ${formatBytes(jsz?.bytes)}`],
                      [
                        "API calls · errors",
                        `${formatCount(js.stats?.api.total)} · ${
                          formatCount(js.stats?.api.errors)
                        }`,
                      ],
                      ["Store", mono(js.config.store_dir ?? "–")],
                    ]}
                  />
                )
                : <p class="muted">JetStream is not enabled on this server.</p>}
            </Card>
          </div>
          {missing.length > 0 && (
            <Card title="Needs a newer nats-server">
              <p class="muted">
                This server runs nats-server{" "}
                {varz.version}. These features are shown as unavailable until it is upgraded:
              </p>
              <DataTable
                id="missing-features"
                columns={[
                  { label: "Feature", cell: (f) => f.title, wrap: true },
                  {
                    label: "Requires",
                    cell: (f) => (
                      <span class="badge info">requires nats-server ≥ {f.requires}</span>
                    ),
                  },
                ]}
                rows={missing}
                empty=""
              />
            </Card>
          )}
        </>
      );
    },
  }),
  endpoint({
    path: "/api/rates",
    title: "message, byte, CPU and memory history (2 s samples)",
    handle: (c) => c.var.services.overview.series(),
  }),
  endpoint({
    path: "/api/varz",
    response: varzSchema,
    title: "nats-server /varz",
    handle: (c) => c.var.services.monitor.relay("varz", {}),
  }),
  endpoint({
    path: "/api/healthz",
    response: healthzSchema,
    title: "nats-server /healthz",
    handle: (c) => c.var.services.monitor.relay("healthz", {}),
  }),
  endpoint({
    path: "/api/features",
    title: "features of newer nats-server versions, available or not",
    handle: async (c) => {
      const version = await c.var.services.serverVersion();
      return { version, features: serverFeatures(version) };
    },
  }),
  endpoint({
    path: "/api/cluster",
    title: "every server of the cluster (SYS STATSZ ping)",
    needs: ["sys"],
    handle: async (c) => ({ servers: await clusterServers(c.var.sys) }),
  }),
];
