import { z } from "zod";
import { jszSchema } from "../../mods/monitor/schemas.ts";
import { formatBytes, formatCount } from "../../components/format.ts";
import { Requires } from "../../components/Requires.tsx";
import { Card, DataTable, KeyValues, mono, Stat, usage } from "../../components/ui.tsx";
import { param } from "../query.ts";
import { endpoint, page, type Route } from "../route.ts";

const jszQuery = z.object({
  accounts: param.flag(),
  streams: param.flag(),
  consumers: param.flag(),
  config: param.flag(),
  acc: param.name(),
});

/** JetStream: usage and limits, accounts, streams and consumers (jsz). */
export const jetstreamRoutes: readonly Route[] = [
  ...page({
    path: "/jetstream",
    title: "JetStream",
    nav: true,
    twin: {
      path: "/api/jetstream",
      title: "JetStream with every account, stream and consumer (jsz) and the server version",
    },
    load: async (c) => {
      const services = c.var.services;
      const [jsz, { varz }] = await Promise.all([
        services.monitor.jsz({ accounts: true, streams: true, consumers: true, config: true }),
        services.overview.sample(),
      ]);
      return { jsz, version: varz.version, server: varz.server_name };
    },
    render: ({ jsz, version, server }) => {
      const accounts = jsz.account_details ?? [];
      const streams = accounts.flatMap((a) =>
        (a.stream_detail ?? []).map((s) => ({ account: a.name, s }))
      );
      const consumers = streams.flatMap(({ account, s }) =>
        (s.consumer_detail ?? []).map((k) => ({ account, k }))
      );
      if (jsz.disabled || !jsz.config) {
        return <div class="notice warn">JetStream is not enabled on this server.</div>;
      }
      const cfg = jsz.config;
      return (
        <>
          <div class="grid stats">
            <Stat
              label="Memory"
              value={formatBytes(jsz.memory)}
              sub={`of ${formatBytes(cfg.max_memory)}`}
            />
            <Stat
              label="Storage"
              value={formatBytes(jsz.storage)}
              sub={`of ${formatBytes(cfg.max_storage)}`}
            />
            <Stat label="Streams" value={formatCount(jsz.streams)} />
            <Stat label="Consumers" value={formatCount(jsz.consumers)} />
            <Stat label="Messages" value={formatCount(jsz.messages)} sub={formatBytes(jsz.bytes)} />
            <Stat
              label="API calls"
              value={formatCount(jsz.api.total)}
              sub={`${formatCount(jsz.api.errors)} errors`}
            />
          </div>
          <Card title="Limits">
            <KeyValues
              items={[
                ["Memory", usage(jsz.memory, cfg.max_memory)],
                ["Storage", usage(jsz.storage, cfg.max_storage)],
                ["Store directory", mono(cfg.store_dir ?? "–")],
                ["Domain", cfg.domain || "–"],
                [
                  "Meta cluster",
                  jsz.meta_cluster?.name
                    ? `${jsz.meta_cluster.name} (leader ${jsz.meta_cluster.leader ?? "?"})`
                    : "standalone",
                ],
              ]}
            />
          </Card>
          <h2>Accounts</h2>
          <DataTable
            id="js-accounts"
            columns={[
              { label: "Account", cell: (a) => a.name },
              {
                label: "Streams",
                cell: (a) => formatCount(a.stream_detail?.length ?? 0),
                num: true,
              },
              { label: "Memory", cell: (a) => formatBytes(a.memory), num: true },
              { label: "Storage", cell: (a) => formatBytes(a.storage), num: true },
              { label: "API calls", cell: (a) => formatCount(a.api.total), num: true },
              { label: "API errors", cell: (a) => formatCount(a.api.errors), num: true },
            ]}
            rows={accounts}
            empty="No account uses JetStream yet."
          />
          <h2>Streams</h2>
          <DataTable
            id="js-streams"
            columns={[
              { label: "Stream", cell: (r) => <strong>{r.s.name}</strong> },
              { label: "Account", cell: (r) => r.account },
              {
                label: "Subjects",
                cell: (r) => (
                  <span class="mono">{(r.s.config?.subjects ?? []).join(", ") || "–"}</span>
                ),
                wrap: true,
              },
              { label: "Messages", cell: (r) => formatCount(r.s.state.messages), num: true },
              { label: "Bytes", cell: (r) => formatBytes(r.s.state.bytes), num: true },
              {
                label: "First · last seq",
                cell: (r) => `${r.s.state.first_seq} · ${r.s.state.last_seq}`,
                num: true,
              },
              { label: "Consumers", cell: (r) => formatCount(r.s.state.consumer_count), num: true },
              {
                label: "Replicas",
                cell: (r) => formatCount(r.s.config?.num_replicas ?? 1),
                num: true,
              },
              {
                label: "Leader",
                cell: (r) => r.s.cluster?.leader ? <strong>{r.s.cluster.leader}</strong> : "–",
              },
              {
                // The answering server lists the other replicas; only the leader knows whether
                // its followers are current.
                label: "Replicas (seen from this server)",
                cell: (r) =>
                  r.s.cluster?.leader
                    ? [
                      server,
                      ...(r.s.cluster.replicas ?? []).map((x) =>
                        `${x.name}${
                          r.s.cluster?.leader === server
                            ? (x.current ? " (current)" : " (behind)")
                            : ""
                        }`
                      ),
                    ].join(", ")
                    : "–",
                wrap: true,
              },
              { label: "Raft group", cell: (r) => mono(r.s.cluster?.raft_group ?? "–") },
              { label: "Created", cell: (r) => r.s.created.slice(0, 19).replace("T", " ") },
            ]}
            rows={streams}
            empty="No streams."
          />
          <h2>Consumers</h2>
          <Requires
            version={version}
            features={["consumer_pause", "message_ttl", "subject_transforms"]}
          />
          <DataTable
            id="js-consumers"
            columns={[
              { label: "Consumer", cell: (r) => r.k.name },
              { label: "Stream", cell: (r) => r.k.stream_name },
              { label: "Account", cell: (r) => r.account },
              { label: "Pending", cell: (r) => formatCount(r.k.num_pending), num: true },
              { label: "Ack pending", cell: (r) => formatCount(r.k.num_ack_pending), num: true },
              { label: "Redelivered", cell: (r) => formatCount(r.k.num_redelivered), num: true },
              { label: "Waiting", cell: (r) => formatCount(r.k.num_waiting), num: true },
            ]}
            rows={consumers}
            empty="No consumers."
          />
        </>
      );
    },
  }),
  endpoint({
    path: "/api/jsz",
    response: jszSchema,
    title: "nats-server /jsz (accounts, streams, consumers, config, acc)",
    query: jszQuery,
    handle: (c, q) =>
      c.var.services.monitor.relay(
        "jsz",
        q.acc ? { ...q, acc: c.var.services.accountKey(q.acc) } : q,
      ),
  }),
];
