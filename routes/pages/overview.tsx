import type { Hono } from "hono";
import { serverFeatures, type Statsz } from "../../mods/monitor/mod.ts";
import { formatBytes, formatCount, formatTime } from "../../components/format.ts";
import { Island } from "../../components/Island.tsx";
import { Card, DataTable, KeyValues, mono, usage } from "../../components/ui.tsx";
import { OverviewStats, summarize } from "../../islands/OverviewStats.tsx";
import { RateChart } from "../../islands/RateChart.tsx";
import type { AppEnv } from "../context.ts";
import { HttpError } from "../errors.ts";
import type { Deps } from "../deps.ts";
import { relayMonitor } from "../proxy.ts";
import { renderPage } from "../render.tsx";

/** What the Overview shows, also served as /api/overview. */
async function overview(deps: Deps) {
  const [varz, healthz, jsz] = await Promise.all([
    deps.monitor.varz(),
    deps.monitor.healthz(),
    deps.monitor.jsz().catch(() => undefined),
  ]);
  return { varz, healthz, jsz };
}

/** Every server of the cluster through the SYS account; empty without a SYS connection. */
async function clusterServers(deps: Deps, expected?: number) {
  const sys = deps.sys();
  if (!sys) return [];
  const replies = await sys.ping("STATSZ", { windowMs: 500, expected });
  return replies.flatMap((r) => r.ok ? [{ server: r.server, statsz: r.data as Statsz }] : []);
}

/**
 * Overview: server identity, version, uptime, health, connections, rates, memory, CPU and
 * JetStream usage.
 *
 * @param app the app
 * @param deps data sources
 */
export function overviewRoutes(app: Hono<AppEnv>, deps: Deps): void {
  app.get("/api/overview", async (c) => c.json(await overview(deps)));
  app.get("/api/rates", (c) => c.json(deps.rates.series()));
  app.get("/api/varz", () => relayMonitor(deps.monitor, "/varz"));
  app.get("/api/healthz", async (c) => c.json(await deps.monitor.healthz()));
  app.get("/api/features", async (c) => {
    const { version } = await deps.monitor.varz();
    return c.json({ version, features: serverFeatures(version) });
  });
  app.get("/api/cluster", async (c) => {
    if (!deps.sys()) throw new HttpError(503, "No connection to the NATS system account yet");
    return c.json({ servers: await clusterServers(deps) });
  });

  app.get("/", async (c) => {
    const { varz, healthz, jsz } = await overview(deps);
    const rates = deps.rates.series();
    // Stop waiting as soon as every server this one knows of (itself and its routes) answered.
    const servers = await clusterServers(deps, varz.routes + 1).catch(() => []);
    const missing = serverFeatures(varz.version).filter((f) => !f.available);
    const js = varz.jetstream;
    return renderPage(
      c,
      { title: "Overview", settings: deps.settings, version: deps.version },
      (
        <>
          <Island
            name="OverviewStats"
            component={OverviewStats}
            props={{
              initial: summarize({ varz, healthz, jsz }),
              url: "/api/overview",
              pollMs: 3000,
            }}
          />
          <div class="grid two">
            <Card>
              <Island
                name="RateChart"
                component={RateChart}
                props={{ kind: "msgs", initial: rates, url: "/api/rates", pollMs: 2000 }}
              />
            </Card>
            <Card>
              <Island
                name="RateChart"
                component={RateChart}
                props={{ kind: "bytes", initial: rates, url: "/api/rates", pollMs: 2000 }}
              />
            </Card>
          </div>
          <h2>Servers in the cluster</h2>
          <DataTable
            id="cluster-servers"
            columns={[
              { label: "Server", cell: (r) => <strong>{r.server.name}</strong> },
              { label: "Version", cell: (r) => r.server.ver },
              { label: "Cluster", cell: (r) => r.server.cluster || "–" },
              { label: "Host", cell: (r) => <span class="mono">{r.server.host}</span> },
              { label: "Connections", cell: (r) => formatCount(r.statsz.connections), num: true },
              {
                label: "Subscriptions",
                cell: (r) => formatCount(r.statsz.subscriptions),
                num: true,
              },
              { label: "Memory", cell: (r) => formatBytes(r.statsz.mem), num: true },
              { label: "CPU", cell: (r) => `${r.statsz.cpu.toFixed(1)}%`, num: true },
              { label: "JetStream", cell: (r) => r.server.jetstream ? "yes" : "no" },
            ]}
            rows={servers}
            empty={deps.sys()
              ? "No server answered the system-account ping."
              : "No connection to the system account yet."}
          />
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
      ),
    );
  });
}
