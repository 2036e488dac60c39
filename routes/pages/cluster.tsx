import { z } from "zod";
import { formatBytes, formatCount, formatGoDuration } from "../../components/format.ts";
import { Requires } from "../../components/Requires.tsx";
import { raftGroups } from "../../mods/dashboard/mod.ts";
import { serverFeatures } from "../../mods/monitor/mod.ts";
import {
  gatewayzSchema,
  ipqueueszSchema,
  leafzSchema,
  routezSchema,
} from "../../mods/monitor/schemas.ts";
import { Card, DataTable, KeyValues, mono } from "../../components/ui.tsx";
import { param } from "../query.ts";
import { endpoint, page, type Route } from "../route.ts";

const subsQuery = z.object({ subs: param.flag() });
const gatewayzQuery = z.object({ accs: param.flag() });

/**
 * Routes, Gateways and Leaf nodes: this server's cluster routes, super-cluster gateways and leaf
 * node connections; the monitoring endpoints behind them for scripts.
 */
export const clusterRoutes: readonly Route[] = [
  ...page({
    path: "/routes",
    title: "Routes",
    nav: true,
    twin: {
      path: "/api/routes",
      title: "the cluster (varz), its routes (routez) and every server's Raft groups (RAFTZ)",
    },
    load: async (c) => {
      const { monitor } = c.var.services;
      const [routez, varz, jsz] = await Promise.all([
        monitor.routez(),
        monitor.varz(),
        monitor.jsz({ accounts: true }).catch(() => undefined),
      ]);
      const sys = c.var.services.sys();
      const raftAvailable = serverFeatures(varz.version).some((f) =>
        f.feature === "raftz_sys" && f.available
      );
      // Replicated streams' groups run in their account: ask for each JetStream account's (by
      // key in operator mode, shown by name).
      const accounts = (jsz?.account_details ?? []).map((a) => a.id || a.name);
      const raft = sys && raftAvailable && varz.cluster?.name
        ? (await raftGroups(sys, accounts).catch(() => [])).map((r) => ({
          ...r,
          account: c.var.services.accountName(r.account),
        }))
        : [];
      // 2.9 names no remote server in /routez: the cluster ping knows the names by ID.
      const peers: Record<string, string> = {};
      if (sys) {
        for (const x of (await c.var.services.cluster.current()).servers) {
          peers[x.server.id] = x.server.name;
        }
      }
      return { cluster: varz.cluster ?? null, version: varz.version, routez, raft, peers };
    },
    render: ({ cluster, version, routez, raft, peers }) => (
      <>
        <Card title="Cluster">
          <KeyValues
            items={[
              ["Cluster name", cluster?.name ?? "none (this server is not clustered)"],
              ["Route port", cluster?.port ? String(cluster.port) : "–"],
              ["Configured URLs", (cluster?.urls ?? []).join(", ") || "–"],
              ["Routes", String(routez.num_routes)],
            ]}
          />
        </Card>
        <DataTable
          id="routes"
          columns={[
            { label: "RID", cell: (r) => r.rid, num: true },
            {
              label: "Remote",
              cell: (r) =>
                r.remote_name ?? peers[r.remote_id] ?? <span class="mono">{r.remote_id}</span>,
            },
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
        <h2>Raft groups</h2>
        <Requires version={version} features={["raftz", "raftz_sys"]} />
        <DataTable
          id="raft-groups"
          columns={[
            { label: "Group", cell: (g) => <span class="mono">{g.group}</span> },
            { label: "Account", cell: (g) => g.account },
            { label: "Server", cell: (g) => g.server },
            {
              label: "State",
              cell: (g) => g.state === "LEADER" ? <strong>{g.state}</strong> : g.state,
            },
            { label: "Leader", cell: (g) => g.leader || "none" },
            { label: "Size", cell: (g) => g.size, num: true },
            { label: "Term", cell: (g) => formatCount(g.term), num: true },
            { label: "Applied", cell: (g) => formatCount(g.applied), num: true },
          ]}
          rows={raft}
          empty={cluster?.name
            ? "No Raft groups reported (nats-server 2.11+ answers RAFTZ)."
            : "No Raft groups: this server is not clustered."}
        />
      </>
    ),
  }),
  ...page({
    path: "/gateways",
    response: gatewayzSchema,
    title: "Gateways",
    nav: true,
    query: gatewayzQuery,
    twin: {
      path: "/api/gatewayz",
      title: "nats-server /gatewayz (accs)",
      relay: (c, q) => c.var.services.monitor.relay("gatewayz", q),
    },
    load: (c, q) => c.var.services.monitor.gatewayz(q),
    render: (g) => {
      const outbound = Object.entries(g.outbound_gateways ?? {});
      const inbound = Object.entries(g.inbound_gateways ?? {}).flatMap(([name, list]) =>
        list.map((x) => [name, x] as const)
      );
      type Row = readonly [string, (typeof outbound)[number][1], string];
      const rows: Row[] = [
        ...outbound.map(([n, x]) => [n, x, "outbound"] as const),
        ...inbound.map(([n, x]) => [n, x, "inbound"] as const),
      ];
      return (
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
      );
    },
  }),
  ...page({
    path: "/leafnodes",
    title: "Leaf nodes",
    nav: true,
    twin: {
      path: "/api/leafnodes",
      title: "the leaf node listener (varz) and connections (leafz)",
    },
    load: async (c) => {
      const { monitor } = c.var.services;
      const [leafz, varz] = await Promise.all([monitor.leafz(), monitor.varz()]);
      // A router links twice: its data link (OPS) and its claims link (the system account), over
      // which account updates reach its leaf server's resolver.
      const leafs = (leafz.leafs ?? []).map((l) => ({
        ...l,
        accountName: c.var.services.accountName(l.account),
        claimsLink: varz.system_account !== undefined && l.account === varz.system_account,
      }));
      return { listener: varz.leaf ?? null, leafz: { ...leafz, leafs } };
    },
    render: ({ listener, leafz }) => (
      <>
        <Card title="Leaf node listener">
          <KeyValues
            items={[
              [
                "Listen",
                listener?.port ? mono(listener.host ?? "0.0.0.0", ":", listener.port) : "off",
              ],
              [
                "Leaf node connections",
                `${leafz.leafnodes} (${
                  leafz.leafs.filter((l) => l.claimsLink).length
                } of them routers' claims links)`,
              ],
            ]}
          />
        </Card>
        <DataTable
          id="leafnodes"
          columns={[
            { label: "Name", cell: (l) => l.name ?? "–" },
            {
              label: "Account",
              cell: (l) => (
                <span title={l.account}>
                  {l.claimsLink ? `${l.accountName} (claims link)` : l.accountName}
                </span>
              ),
            },
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
          rows={leafz.leafs}
          empty="No leaf nodes connected."
        />
      </>
    ),
  }),
  endpoint({
    path: "/api/routez",
    response: routezSchema,
    title: "nats-server /routez (subs)",
    query: subsQuery,
    handle: (c, q) => c.var.services.monitor.relay("routez", q),
  }),
  endpoint({
    path: "/api/leafz",
    response: leafzSchema,
    title: "nats-server /leafz (subs)",
    query: subsQuery,
    handle: (c, q) => c.var.services.monitor.relay("leafz", q),
  }),
  endpoint({
    path: "/api/ipqueuesz",
    response: ipqueueszSchema,
    title: "nats-server /ipqueuesz",
    handle: (c) => c.var.services.monitor.relay("ipqueuesz", {}),
  }),
];
