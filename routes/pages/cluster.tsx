import type { Hono } from "hono";
import { formatBytes, formatCount, formatGoDuration } from "../../components/format.ts";
import { Requires } from "../../components/Requires.tsx";
import { Card, DataTable, KeyValues, mono } from "../../components/ui.tsx";
import type { AppEnv } from "../context.ts";
import type { Deps } from "../deps.ts";
import { relayMonitor } from "../proxy.ts";
import { renderPage } from "../render.tsx";

/**
 * Routes, Gateways and Leaf nodes: this server's cluster routes, super-cluster gateways and leaf
 * node connections; `/api/cluster` lists every server of the cluster through the SYS account.
 *
 * @param app the app
 * @param deps data sources
 */
export function clusterRoutes(app: Hono<AppEnv>, deps: Deps): void {
  const page = { settings: deps.settings, version: deps.version };
  app.get(
    "/api/routez",
    (c) => relayMonitor(deps.monitor, "/routez", { subs: c.req.query("subs") === "true" }),
  );
  app.get(
    "/api/gatewayz",
    (c) => relayMonitor(deps.monitor, "/gatewayz", { accs: c.req.query("accs") === "true" }),
  );
  app.get(
    "/api/leafz",
    (c) => relayMonitor(deps.monitor, "/leafz", { subs: c.req.query("subs") === "true" }),
  );
  app.get("/api/ipqueuesz", () => relayMonitor(deps.monitor, "/ipqueuesz"));

  app.get("/routes", async (c) => {
    const routez = await deps.monitor.routez();
    const varz = await deps.monitor.varz();
    return renderPage(
      c,
      { ...page, title: "Routes" },
      (
        <>
          <Card title="Cluster">
            <KeyValues
              items={[
                ["Cluster name", varz.cluster?.name ?? "none (this server is not clustered)"],
                ["Route port", varz.cluster?.port ? String(varz.cluster.port) : "–"],
                ["Configured URLs", (varz.cluster?.urls ?? []).join(", ") || "–"],
                ["Routes", String(routez.num_routes)],
              ]}
            />
          </Card>
          <DataTable
            id="routes"
            columns={[
              { label: "RID", cell: (r) => r.rid, num: true },
              { label: "Remote", cell: (r) => r.remote_name ?? r.remote_id },
              { label: "Address", cell: (r) => <span class="mono">{r.ip}:{r.port}</span> },
              { label: "Solicited", cell: (r) => r.did_solicit ? "yes" : "no" },
              { label: "RTT", cell: (r) => formatGoDuration(r.rtt) },
              { label: "Subs", cell: (r) => formatCount(r.subscriptions), num: true },
              {
                label: "Msgs in · out",
                cell: (r) => `${formatCount(r.in_msgs)} · ${formatCount(r.out_msgs)}`,
                num: true,
              },
              {
                label: "Bytes in · out",
                cell: (r) => `${formatBytes(r.in_bytes)} · ${formatBytes(r.out_bytes)}`,
                num: true,
              },
              { label: "Pending", cell: (r) => formatBytes(r.pending_size), num: true },
            ]}
            rows={routez.routes ?? []}
            empty="No cluster routes. This server runs alone."
          />
          <Requires version={varz.version} features={["raftz", "raftz_sys"]} />
        </>
      ),
    );
  });

  app.get("/gateways", async (c) => {
    const g = await deps.monitor.gatewayz();
    const outbound = Object.entries(g.outbound_gateways ?? {});
    const inbound = Object.entries(g.inbound_gateways ?? {}).flatMap(([name, list]) =>
      list.map((x) => [name, x] as const)
    );
    type Row = readonly [string, (typeof outbound)[number][1], string];
    const rows: Row[] = [
      ...outbound.map(([n, x]) => [n, x, "outbound"] as const),
      ...inbound.map(([n, x]) => [n, x, "inbound"] as const),
    ];
    return renderPage(
      c,
      { ...page, title: "Gateways" },
      (
        <>
          <Card title="Super-cluster">
            <KeyValues
              items={[
                ["Gateway name", g.name || "none (no gateway configured)"],
                ["Listen", g.port ? mono(g.host, ":", g.port) : "–"],
              ]}
            />
          </Card>
          <DataTable
            id="gateways"
            columns={[
              { label: "Gateway", cell: (r) => r[0] },
              { label: "Direction", cell: (r) => r[2] },
              { label: "Configured", cell: (r) => r[1].configured ? "yes" : "no" },
              {
                label: "Connection",
                cell: (r) =>
                  r[1].connection
                    ? `#${r[1].connection.cid} ${r[1].connection.ip ?? ""}:${
                      r[1].connection.port ?? ""
                    }`
                    : "–",
              },
              { label: "RTT", cell: (r) => formatGoDuration(r[1].connection?.rtt) },
            ]}
            rows={rows}
            empty="No gateways. This server is not part of a super-cluster."
          />
        </>
      ),
    );
  });

  app.get("/leafnodes", async (c) => {
    const leafz = await deps.monitor.leafz();
    const varz = await deps.monitor.varz();
    return renderPage(
      c,
      { ...page, title: "Leaf nodes" },
      (
        <>
          <Card title="Leaf node listener">
            <KeyValues
              items={[
                [
                  "Listen",
                  varz.leaf?.port ? mono(varz.leaf.host ?? "0.0.0.0", ":", varz.leaf.port) : "off",
                ],
                ["Connected leaf nodes", String(leafz.leafnodes)],
              ]}
            />
          </Card>
          <DataTable
            id="leafnodes"
            columns={[
              { label: "Name", cell: (l) => l.name ?? "–" },
              { label: "Account", cell: (l) => l.account },
              { label: "Address", cell: (l) => <span class="mono">{l.ip}:{l.port}</span> },
              { label: "Spoke", cell: (l) => l.is_spoke ? "yes" : "no" },
              { label: "RTT", cell: (l) => formatGoDuration(l.rtt) },
              { label: "Subs", cell: (l) => formatCount(l.subscriptions), num: true },
              {
                label: "Msgs in · out",
                cell: (l) => `${formatCount(l.in_msgs)} · ${formatCount(l.out_msgs)}`,
                num: true,
              },
              {
                label: "Bytes in · out",
                cell: (l) => `${formatBytes(l.in_bytes)} · ${formatBytes(l.out_bytes)}`,
                num: true,
              },
            ]}
            rows={leafz.leafs ?? []}
            empty="No leaf nodes connected."
          />
        </>
      ),
    );
  });
}
