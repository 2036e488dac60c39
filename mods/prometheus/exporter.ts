import type { Exposition } from "./exposition.ts";

/**
 * prometheus-nats-exporter (v0.20.1) compatibility: the same metric names and labels, built from
 * the same monitoring JSON, so Grafana dashboards and alert rules written for the exporter keep
 * working. Each function takes one server's answer of one endpoint.
 */

/** How the `server_id` label and names are chosen (the exporter's flags). */
export interface ExporterNaming {
  /** Replaces `gnatsd` and `jetstream` as the first name part (`-prefix`); "" keeps them. */
  readonly prefix: string;
}

// The exporter's generic collector skips these (collector.go, skipFQN) ...
const SKIP = new Set([
  "leaf",
  "trusted_operators_claim",
  "cluster_tls_timeout",
  "cluster_cluster_port",
  "cluster_auth_timeout",
  "gateway_port",
  "gateway_auth_timeout",
  "gateway_tls_timeout",
  "gateway_connect_retries",
]);
// ... and turns only these string fields into metrics (a time as epoch ms, else a label).
const LABEL_KEYS = new Set([
  "server_id",
  "server_name",
  "version",
  "domain",
  "leader",
  "name",
  "start",
  "config_load_time",
]);
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function core(naming: ExporterNaming): string {
  return naming.prefix || "gnatsd";
}

function fqName(path: readonly string[]): string {
  let fqn = path.join("_").replaceAll("/", "_").replace(/^_+|_+$/g, "");
  while (fqn.includes("__")) fqn = fqn.replaceAll("__", "_");
  return fqn;
}

/**
 * The exporter's generic collector (varz, subsz, routez): every number of the JSON, nested
 * objects flattened with `_`, as `gnatsd_<endpoint>_<path>{server_id}`; timestamps among the
 * label keys as epoch milliseconds; other strings among them as `{server_id, value}` = 1. Arrays
 * and booleans are skipped, as the exporter does.
 *
 * @param out where samples go
 * @param naming the prefix
 * @param endpoint `varz`, `subsz` or `routez`
 * @param serverId the `server_id` label value
 * @param json the endpoint's answer
 */
export function genericMetrics(
  out: Exposition,
  naming: ExporterNaming,
  endpoint: string,
  serverId: string,
  json: unknown,
): void {
  const walk = (obj: Record<string, unknown>, prefix: string[]) => {
    for (const [k, v] of Object.entries(obj)) {
      const path = [...prefix, k];
      const fqn = fqName(path);
      if (SKIP.has(fqn)) continue;
      const name = `${core(naming)}_${endpoint}_${fqn}`;
      if (typeof v === "number") {
        out.add(name, fqn, "gauge", { server_id: serverId }, v);
      } else if (typeof v === "string" && LABEL_KEYS.has(k)) {
        if (RFC3339.test(v)) out.add(name, fqn, "gauge", { server_id: serverId }, Date.parse(v));
        else out.add(name, fqn, "gauge", { server_id: serverId, value: v }, 1);
      } else if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        walk(v as Record<string, unknown>, path);
      }
    }
  };
  if (json !== null && typeof json === "object") walk(json as Record<string, unknown>, []);
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === "object" ? v as Obj : {});
const num = (v: unknown): number => (typeof v === "number" ? v : 0);
const str = (
  v: unknown,
): string => (typeof v === "string" ? v : v === undefined || v === null ? "" : String(v));

/** Go duration text (`1.5ms`, `2m3s`, `1d2h`) in seconds; -1 when it does not parse. */
export function goDurationS(text: string): number {
  const units: Record<string, number> = {
    y: 31_536_000,
    d: 86_400,
    h: 3600,
    m: 60,
    s: 1,
    ms: 1e-3,
    "µs": 1e-6,
    "us": 1e-6,
    ns: 1e-9,
  };
  const re = /(\d+(?:\.\d+)?)(ms|µs|us|ns|y|d|h|m|s)/g;
  let total = 0;
  let matched = "";
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * units[m[2]!]!;
    matched += m[0];
  }
  return matched.length > 0 && matched === text.replace(/^-/, "") ? total : -1;
}

/**
 * The exporter's connz collector (summary form): connection counts and the sums over the listed
 * connections.
 *
 * @param out where samples go
 * @param naming the prefix
 * @param serverId the `server_id` label value
 * @param connz the server's /connz answer
 */
export function connzMetrics(
  out: Exposition,
  naming: ExporterNaming,
  serverId: string,
  connz: unknown,
): void {
  const c = obj(connz);
  const sums = {
    pending_bytes: 0,
    subscriptions: 0,
    in_bytes: 0,
    out_bytes: 0,
    in_msgs: 0,
    out_msgs: 0,
  };
  for (const conn of Array.isArray(c.connections) ? c.connections : []) {
    const o = obj(conn);
    for (const k of Object.keys(sums) as (keyof typeof sums)[]) sums[k] += num(o[k]);
  }
  const l = { server_id: serverId };
  const p = `${core(naming)}_connz`;
  out.add(`${p}_num_connections`, "num_connections", "gauge", l, num(c.num_connections));
  out.add(`${p}_total`, "total", "gauge", l, num(c.total));
  out.add(`${p}_offset`, "offset", "gauge", l, num(c.offset));
  out.add(`${p}_limit`, "limit", "gauge", l, num(c.limit));
  out.add(`${p}_pending_bytes`, "pending_bytes", "gauge", l, sums.pending_bytes);
  out.add(`${p}_subscriptions`, "subscriptions", "gauge", l, sums.subscriptions);
  out.add(`${p}_in_bytes`, "in_bytes", "counter", l, sums.in_bytes);
  out.add(`${p}_out_bytes`, "out_bytes", "counter", l, sums.out_bytes);
  out.add(`${p}_in_msgs`, "in_msgs", "counter", l, sums.in_msgs);
  out.add(`${p}_out_msgs`, "out_msgs", "counter", l, sums.out_msgs);
}

/**
 * The exporter's healthz collector: `status` (0 = ok, 1 = not) and `status_value{value}`
 * (1 = ok; `value` = the status, or `unreachable` when the server did not answer).
 *
 * @param out where samples go
 * @param naming the prefix
 * @param serverId the `server_id` label value
 * @param status the server's healthz status, or null when it did not answer
 */
export function healthzMetrics(
  out: Exposition,
  naming: ExporterNaming,
  serverId: string,
  status: string | null,
): void {
  const p = `${core(naming)}_healthz`;
  if (status !== null) {
    out.add(`${p}_status`, "status", "gauge", { server_id: serverId }, status === "ok" ? 0 : 1);
  }
  out.add(`${p}_status_value`, "status", "gauge", {
    server_id: serverId,
    value: status ?? "unreachable",
  }, status === "ok" ? 1 : 0);
}

/**
 * The exporter's accstatz collector: per account connections, subscriptions, leaf nodes,
 * traffic and slow consumers.
 *
 * @param out where samples go
 * @param naming the prefix
 * @param serverId the `server_id` label value
 * @param accstatz the server's /accstatz answer
 */
export function accstatzMetrics(
  out: Exposition,
  naming: ExporterNaming,
  serverId: string,
  accstatz: unknown,
): void {
  const p = `${core(naming)}_accstatz`;
  const list = obj(accstatz).account_statz;
  for (const a of Array.isArray(list) ? list : []) {
    const acc = obj(a);
    const l = {
      server_id: serverId,
      account: str(acc.acc),
      account_id: str(acc.acc),
      account_name: str(acc.name),
    };
    out.add(`${p}_current_connections`, "current_connections", "gauge", l, num(acc.conns));
    out.add(`${p}_total_connections`, "total_connections", "gauge", l, num(acc.total_conns));
    out.add(`${p}_subscriptions`, "subscriptions", "gauge", l, num(acc.num_subscriptions));
    out.add(`${p}_leaf_nodes`, "leaf_nodes", "gauge", l, num(acc.leafnodes));
    out.add(`${p}_sent_messages`, "sent_messages", "gauge", l, num(obj(acc.sent).msgs));
    out.add(`${p}_sent_bytes`, "sent_bytes", "gauge", l, num(obj(acc.sent).bytes));
    out.add(`${p}_received_messages`, "received_messages", "gauge", l, num(obj(acc.received).msgs));
    out.add(`${p}_received_bytes`, "received_bytes", "gauge", l, num(obj(acc.received).bytes));
    out.add(`${p}_slow_consumers`, "slow_consumers", "gauge", l, num(acc.slow_consumers));
  }
}

/**
 * The exporter's leafz collector: the number of leaf nodes and per leaf node connection its RTT,
 * traffic and subscriptions.
 *
 * @param out where samples go
 * @param naming the prefix
 * @param serverId the `server_id` label value
 * @param leafz the server's /leafz answer
 */
export function leafzMetrics(
  out: Exposition,
  naming: ExporterNaming,
  serverId: string,
  leafz: unknown,
): void {
  const p = `${core(naming)}_leafz`;
  const l = obj(leafz);
  out.add(
    `${p}_conn_nodes_total`,
    "nodes_total",
    "gauge",
    { server_id: serverId },
    num(l.leafnodes),
  );
  for (const leaf of Array.isArray(l.leafs) ? l.leafs : []) {
    const lf = obj(leaf);
    const labels = {
      server_id: serverId,
      account: str(lf.account),
      account_id: str(lf.account),
      ip: str(lf.ip),
      port: str(lf.port),
      name: str(lf.name),
    };
    out.add(`${p}_info`, "info", "gauge", labels, 1);
    out.add(`${p}_conn_rtt`, "rtt", "gauge", labels, Math.max(0, goDurationS(str(lf.rtt))));
    out.add(`${p}_conn_in_msgs`, "in_msgs", "gauge", labels, num(lf.in_msgs));
    out.add(`${p}_conn_out_msgs`, "out_msgs", "gauge", labels, num(lf.out_msgs));
    out.add(`${p}_conn_in_bytes`, "in_bytes", "gauge", labels, num(lf.in_bytes));
    out.add(`${p}_conn_out_bytes`, "out_bytes", "gauge", labels, num(lf.out_bytes));
    out.add(
      `${p}_conn_subscriptions_total`,
      "subscriptions_total",
      "gauge",
      labels,
      num(lf.subscriptions),
    );
    const subs = lf.subscriptions_list;
    for (const s of Array.isArray(subs) ? subs : []) {
      out.add(`${p}_conn_subscriptions`, "subscriptions", "gauge", {
        ...labels,
        subscription: str(s),
      }, 0);
    }
  }
}

/**
 * The exporter's gatewayz collector: per outbound and inbound gateway connection whether it is
 * configured, its times, RTT, traffic and subscriptions.
 *
 * @param out where samples go
 * @param naming the prefix
 * @param serverId the `server_id` label value
 * @param gatewayz the server's /gatewayz answer
 */
export function gatewayzMetrics(
  out: Exposition,
  naming: ExporterNaming,
  serverId: string,
  gatewayz: unknown,
): void {
  const g = obj(gatewayz);
  const one = (type: string, remote: string, gw: Obj) => {
    const p = `${core(naming)}_gatewayz_${type}`;
    const c = obj(gw.connection);
    const l = {
      gateway_name: str(g.name),
      cid: str(c.cid ?? 0),
      remote_gateway_name: remote,
      server_id: serverId,
    };
    const epoch = (v: unknown) => Math.floor((Date.parse(str(v)) || 0) / 1000);
    out.add(`${p}_configured`, "configured", "gauge", l, gw.configured === true ? 1 : 0);
    out.add(`${p}_conn_start_time_seconds`, "conn_start_time_seconds", "gauge", l, epoch(c.start));
    out.add(
      `${p}_conn_last_activity_seconds`,
      "conn_last_activity_seconds",
      "gauge",
      l,
      epoch(c.last_activity),
    );
    out.add(
      `${p}_conn_uptime_seconds`,
      "conn_uptime_seconds",
      "gauge",
      l,
      goDurationS(str(c.uptime)),
    );
    out.add(`${p}_conn_idle_seconds`, "conn_idle_seconds", "gauge", l, goDurationS(str(c.idle)));
    out.add(`${p}_conn_rtt`, "rtt", "gauge", l, Math.max(0, goDurationS(str(c.rtt))));
    out.add(`${p}_conn_pending_bytes`, "pending_bytes", "gauge", l, num(c.pending_bytes));
    out.add(`${p}_conn_in_msgs`, "in_msgs", "gauge", l, num(c.in_msgs));
    out.add(`${p}_conn_out_msgs`, "out_msgs", "gauge", l, num(c.out_msgs));
    out.add(`${p}_conn_in_bytes`, "in_bytes", "gauge", l, num(c.in_bytes));
    out.add(`${p}_conn_out_bytes`, "out_bytes", "gauge", l, num(c.out_bytes));
    out.add(`${p}_conn_subscriptions`, "subscriptions", "gauge", l, num(c.subscriptions));
  };
  for (const [remote, gw] of Object.entries(obj(g.outbound_gateways))) {
    one("outbound_gateway", remote, obj(gw));
  }
  for (const [remote, list] of Object.entries(obj(g.inbound_gateways))) {
    for (const gw of Array.isArray(list) ? list : []) one("inbound_gateway", remote, obj(gw));
  }
}

/**
 * The exporter's jsz collector (`-jsz=all`): JetStream per server, account, stream (with sources
 * and mirrors) and consumer, with its leader labels.
 *
 * @param out where samples go
 * @param naming the prefix (replaces `jetstream`)
 * @param serverId the `server_id` label value
 * @param serverName the server's name (leader labels compare against it)
 * @param jsz the server's /jsz answer with accounts, streams, consumers and config
 */
export function jszMetrics(
  out: Exposition,
  naming: ExporterNaming,
  serverId: string,
  serverName: string,
  jsz: unknown,
): void {
  const p = naming.prefix || "jetstream";
  const j = obj(jsz);
  const meta = j.meta_cluster === undefined ? undefined : obj(j.meta_cluster);
  const server = {
    server_id: serverId,
    server_name: serverName,
    cluster: str(meta?.name),
    domain: str(obj(j.config).domain),
    meta_leader: str(meta?.leader),
    is_meta_leader: meta === undefined || str(meta.leader) === serverName ? "true" : "false",
  };
  const g = (name: string, help: string, labels: Record<string, string>, v: number) =>
    out.add(`${p}_${name}`, help, "gauge", labels, v);
  g("server_jetstream_disabled", "JetStream disabled or not", server, j.disabled === true ? 1 : 0);
  g("server_max_memory", "JetStream Max Memory", server, num(obj(j.config).max_memory));
  g("server_max_storage", "JetStream Max Storage", server, num(obj(j.config).max_storage));
  g("server_total_streams", "Total number of streams in JetStream", server, num(j.streams));
  g("server_total_consumers", "Total number of consumers in JetStream", server, num(j.consumers));
  g(
    "server_total_messages",
    "Total number of stored messages in JetStream",
    server,
    num(j.messages),
  );
  g(
    "server_total_message_bytes",
    "Total number of bytes stored in JetStream",
    server,
    num(j.bytes),
  );
  for (const a of Array.isArray(j.account_details) ? j.account_details : []) {
    const acc = obj(a);
    const account = {
      ...server,
      account: str(acc.name),
      account_name: str(acc.name),
      account_id: str(acc.id),
    };
    g(
      "account_max_storage",
      "JetStream Account Max Storage in bytes",
      account,
      num(acc.reserved_storage),
    );
    g(
      "account_max_memory",
      "JetStream Account Max Memory in bytes",
      account,
      num(acc.reserved_memory),
    );
    g(
      "account_storage_used",
      "Total number of bytes used by JetStream storage",
      account,
      num(acc.storage),
    );
    g(
      "account_memory_used",
      "Total number of bytes used by JetStream memory",
      account,
      num(acc.memory),
    );
    for (const s of Array.isArray(acc.stream_detail) ? acc.stream_detail : []) {
      const st = obj(s);
      const cluster = st.cluster === undefined ? undefined : obj(st.cluster);
      const streamLeader = str(cluster?.leader);
      const stream = {
        ...account,
        stream_name: str(st.name),
        stream_leader: streamLeader,
        is_stream_leader: cluster === undefined || streamLeader === serverName ? "true" : "false",
        stream_raft_group: str(st.stream_raft_group),
      };
      const state = obj(st.state);
      g(
        "stream_total_messages",
        "Total number of messages from a stream",
        stream,
        num(state.messages),
      );
      g("stream_total_bytes", "Total stored bytes from a stream", stream, num(state.bytes));
      g("stream_first_seq", "First sequence from a stream", stream, num(state.first_seq));
      g("stream_last_seq", "Last sequence from a stream", stream, num(state.last_seq));
      g(
        "stream_consumer_count",
        "Total number of consumers from a stream",
        stream,
        num(state.consumer_count),
      );
      g(
        "stream_subject_count",
        "Total number of subjects in a stream",
        stream,
        num(state.num_subjects),
      );
      if (st.config !== undefined) {
        const config = obj(st.config);
        g(
          "stream_limit_bytes",
          "The maximum configured storage limit (in bytes) for a JetStream stream. A value of -1 indicates no limit.",
          stream,
          num(config.max_bytes),
        );
        g(
          "stream_limit_messages",
          "The maximum number of messages allowed in a JetStream stream as per its configuration. A value of -1 indicates no limit.",
          stream,
          num(config.max_msgs),
        );
      }
      for (const src of Array.isArray(st.sources) ? st.sources : []) {
        const so = obj(src);
        const ext = obj(so.external);
        const l = {
          ...stream,
          source_name: str(so.name),
          source_api: str(ext.api),
          source_deliver: str(ext.deliver),
        };
        g("stream_source_lag", "Number of messages a stream source is behind", l, num(so.lag));
        g(
          "stream_source_active_duration_ns",
          "Stream source active duration in nanoseconds (-1 indicates inactive)",
          l,
          num(so.active),
        );
      }
      if (st.mirror !== undefined) {
        const mi = obj(st.mirror);
        const ext = obj(mi.external);
        const l = {
          ...stream,
          mirror_name: str(mi.name),
          mirror_api: str(ext.api),
          mirror_deliver: str(ext.deliver),
        };
        g("stream_mirror_lag", "Number of messages a stream mirror is behind", l, num(mi.lag));
        g(
          "stream_mirror_active_duration_ns",
          "Stream mirror active duration in nanoseconds (-1 indicates inactive)",
          l,
          num(mi.active),
        );
      }
      for (const c of Array.isArray(st.consumer_detail) ? st.consumer_detail : []) {
        const co = obj(c);
        const cc = co.cluster === undefined ? undefined : obj(co.cluster);
        const consumerLeader = str(cc?.leader);
        const consumer = {
          ...stream,
          consumer_name: str(co.name),
          consumer_leader: consumerLeader,
          is_consumer_leader: cc === undefined || consumerLeader === serverName ? "true" : "false",
          consumer_desc: str(obj(co.config).description),
        };
        const delivered = obj(co.delivered);
        const ackFloor = obj(co.ack_floor);
        const ts = Date.parse(str(co.ts));
        if (delivered.last_active !== undefined && !Number.isNaN(ts)) {
          g(
            "consumer_last_delivery_seconds",
            "Seconds since last message delivery to consumer",
            consumer,
            (ts - Date.parse(str(delivered.last_active))) / 1000,
          );
        }
        if (ackFloor.last_active !== undefined && !Number.isNaN(ts)) {
          g(
            "consumer_last_ack_seconds",
            "Seconds since last ack from consumer",
            consumer,
            (ts - Date.parse(str(ackFloor.last_active))) / 1000,
          );
        }
        g(
          "consumer_delivered_consumer_seq",
          "Latest sequence number of a stream consumer",
          consumer,
          num(delivered.consumer_seq),
        );
        g(
          "consumer_delivered_stream_seq",
          "Latest sequence number of a stream",
          consumer,
          num(delivered.stream_seq),
        );
        g(
          "consumer_num_ack_pending",
          "Number of pending acks from a consumer",
          consumer,
          num(co.num_ack_pending),
        );
        g(
          "consumer_num_redelivered",
          "Number of redelivered messages from a consumer",
          consumer,
          num(co.num_redelivered),
        );
        g(
          "consumer_num_waiting",
          "Number of inflight fetch requests from a pull consumer",
          consumer,
          num(co.num_waiting),
        );
        g(
          "consumer_num_pending",
          "Number of pending messages from a consumer",
          consumer,
          num(co.num_pending),
        );
        g(
          "consumer_ack_floor_stream_seq",
          "Number of ack floor stream seq from a consumer",
          consumer,
          num(ackFloor.stream_seq),
        );
        g(
          "consumer_ack_floor_consumer_seq",
          "Number of ack floor consumer seq from a consumer",
          consumer,
          num(ackFloor.consumer_seq),
        );
      }
    }
  }
}
