import { z } from "zod";
import type { Agrees } from "../protocol/wire_schema.ts";

// Every schema validates the fields nunect reads and keeps the rest (looseObject), so a newer
// nats-server that adds fields never breaks the dashboard. Fields the server omits when empty
// (`omitempty` in its Go structs) are optional.

const int = z.number();
const count = z.number().nonnegative();
const str = z.string();
const opt = <T extends z.ZodType>(t: T) => t.optional();
/** Message and byte counters, in each direction, of a server, connection, route or leaf node. */
const traffic = { in_msgs: count, out_msgs: count, in_bytes: count, out_bytes: count };

/** `{ msgs, bytes }` traffic counters. */
export const dataStatsSchema = z.looseObject({ msgs: count, bytes: count });

/** JetStream configuration of a server (`/varz` jetstream.config and `/jsz` config). */
export const jetStreamConfigSchema = z.looseObject({
  max_memory: int,
  max_storage: int,
  store_dir: opt(str),
  domain: opt(str),
});

/** JetStream usage counters shared by `/varz` jetstream.stats and `/jsz`. */
export const jetStreamStatsSchema = z.looseObject({
  memory: count,
  storage: count,
  reserved_memory: opt(count),
  reserved_storage: opt(count),
  accounts: opt(count),
  ha_assets: opt(count),
  /** `level` (2.10+): the JetStream API level the server speaks (2.15: 5). */
  api: z.looseObject({ level: opt(count), total: count, errors: count }),
});

/** Counts per connection kind, in the newer `/varz` statistics (2.10+). */
const perKindSchema = z.looseObject({
  clients: opt(count),
  routes: opt(count),
  gateways: opt(count),
  leafs: opt(count),
});

/** `/varz`: server identity, limits, listeners and totals. */
export const varzSchema = z.looseObject({
  server_id: str,
  server_name: str,
  version: str,
  proto: opt(int),
  go: opt(str),
  host: str,
  port: int,
  max_connections: opt(int),
  max_payload: opt(int),
  cluster: opt(z.looseObject({
    name: opt(str),
    port: opt(int),
    urls: opt(z.array(str)),
    tls_cert_not_after: opt(str),
  })),
  gateway: opt(z.looseObject({ name: opt(str), port: opt(int), tls_cert_not_after: opt(str) })),
  leaf: opt(z.looseObject({
    host: opt(str),
    port: opt(int),
    tls_required: opt(z.boolean()),
    tls_verify: opt(z.boolean()),
    tls_cert_not_after: opt(str),
  })),
  websocket: opt(z.looseObject({
    host: opt(str),
    port: opt(int),
    no_tls: opt(z.boolean()),
    tls_cert_not_after: opt(str),
  })),
  mqtt: opt(z.looseObject({ port: opt(int), tls_cert_not_after: opt(str) })),
  /** Client connections need TLS. */
  tls_required: opt(z.boolean()),
  /** Client certificates are verified. */
  tls_verify: opt(z.boolean()),
  /** The HTTPS monitoring port (0: none). */
  https_port: opt(int),
  jetstream: opt(z.looseObject({
    config: opt(jetStreamConfigSchema),
    stats: opt(jetStreamStatsSchema),
  })),
  start: str,
  now: str,
  uptime: str,
  mem: count,
  cores: count,
  cpu: count,
  connections: count,
  total_connections: count,
  routes: count,
  remotes: count,
  leafnodes: count,
  ...traffic,
  slow_consumers: count,
  subscriptions: count,
  config_load_time: opt(str),
  system_account: opt(str),
  tags: opt(z.array(str)),
  // Newer servers (absent from 2.9.10; shown where they exist):
  /** Slow consumers by connection kind (2.10+). */
  slow_consumer_stats: opt(perKindSchema),
  /** Connections closed for missing PINGs, in total and by kind (2.11+). */
  stale_connections: opt(count),
  stale_connection_stats: opt(perKindSchema),
  /** Publishers stalled by a slow consumer (2.11+). */
  stalled_clients: opt(count),
  /** The Go memory limit (GOMEMLIMIT), bytes; only when set. */
  gomemlimit: opt(count),
  /** When the client port's TLS certificate (also HTTPS monitoring's) expires (2.12.4+). */
  tls_cert_not_after: opt(str),
  /** Feature flags of the JetStream protocol this server runs with (2.12+). */
  feature_flags: opt(z.record(str, z.boolean())),
  /** SHA-256 of the loaded configuration, to spot servers whose files differ (2.12+). */
  config_digest: opt(str),
});

/** One subscription with details (`subs=detail` in /connz, `subs=true` in /subsz). */
export const subDetailSchema = z.looseObject({
  account: opt(str),
  subject: str,
  qgroup: opt(str),
  sid: str,
  msgs: count,
  max: opt(count),
  cid: count,
});

/** One connection in `/connz`. */
export const connInfoSchema = z.looseObject({
  cid: count,
  kind: opt(str),
  type: opt(str),
  ip: str,
  port: int,
  start: str,
  last_activity: str,
  stop: opt(str),
  reason: opt(str),
  rtt: opt(str),
  uptime: str,
  idle: str,
  pending_bytes: count,
  ...traffic,
  subscriptions: count,
  name: opt(str),
  lang: opt(str),
  version: opt(str),
  tls_version: opt(str),
  tls_cipher_suite: opt(str),
  authorized_user: opt(str),
  /** Operator mode: the name in the user's JWT (`authorized_user` is its public key). */
  name_tag: opt(str),
  account: opt(str),
  subscriptions_list: opt(z.array(str)),
  subscriptions_list_detail: opt(z.array(subDetailSchema)),
  mqtt_client: opt(str),
});

/** `/connz`: a page of client connections. */
export const connzSchema = z.looseObject({
  server_id: str,
  now: str,
  num_connections: count,
  total: count,
  offset: count,
  limit: count,
  connections: z.array(connInfoSchema),
});

/** One route in `/routez`. */
export const routeInfoSchema = z.looseObject({
  rid: count,
  remote_id: str,
  remote_name: opt(str),
  did_solicit: z.boolean(),
  is_configured: opt(z.boolean()),
  ip: str,
  port: int,
  rtt: opt(str),
  pending_size: count,
  ...traffic,
  subscriptions: count,
  subscriptions_list: opt(z.array(str)),
});

/** `/routez`: cluster routes of this server. */
export const routezSchema = z.looseObject({
  server_id: str,
  server_name: opt(str),
  now: str,
  num_routes: count,
  routes: z.array(routeInfoSchema).nullable(),
});

/** One gateway connection inside `/gatewayz`. */
export const remoteGatewaySchema = z.looseObject({
  configured: opt(z.boolean()),
  connection: opt(z.looseObject({ cid: count, ip: opt(str), port: opt(int), rtt: opt(str) })),
  accounts: opt(z.array(z.looseObject({ name: str }))),
});

/** `/gatewayz`: super-cluster gateways. */
export const gatewayzSchema = z.looseObject({
  server_id: str,
  now: str,
  name: opt(str),
  host: opt(str),
  port: opt(int),
  outbound_gateways: z.record(str, remoteGatewaySchema).nullable(),
  inbound_gateways: z.record(str, z.array(remoteGatewaySchema)).nullable(),
});

/** One leaf node connection in `/leafz`. */
export const leafInfoSchema = z.looseObject({
  name: opt(str),
  is_spoke: opt(z.boolean()),
  account: str,
  ip: str,
  port: int,
  rtt: opt(str),
  ...traffic,
  subscriptions: count,
  subscriptions_list: opt(z.array(str)),
});

/** `/leafz`: leaf node connections. With none, `leafs` is null (2.9) or empty (2.10+). */
export const leafzSchema = z.looseObject({
  server_id: str,
  now: str,
  leafnodes: count,
  leafs: z.array(leafInfoSchema).nullable(),
});

/**
 * `/subsz`: the subscription routing table and its statistics. Without `subs` the 2.9 server
 * answers the statistics only (no server_id, now or paging fields).
 */
export const subszSchema = z.looseObject({
  server_id: opt(str),
  now: opt(str),
  num_subscriptions: count,
  num_cache: count,
  num_inserts: count,
  num_removes: count,
  num_matches: count,
  cache_hit_rate: count,
  max_fanout: count,
  avg_fanout: count,
  total: opt(count),
  offset: opt(count),
  limit: opt(count),
  subscriptions_list: opt(z.array(subDetailSchema)),
});

/** One import or export in an account's detail. */
export const accountImportSchema = z.looseObject({
  subject: str,
  account: opt(str),
  local_subject: opt(str),
  to: opt(str),
  type: str,
  invalid: opt(z.boolean()),
});

/** `/accountz?acc=X` account_detail. */
export const accountDetailSchema = z.looseObject({
  account_name: str,
  update_time: opt(str),
  expired: opt(z.boolean()),
  complete: opt(z.boolean()),
  jetstream_enabled: z.boolean(),
  leafnode_connections: count,
  client_connections: count,
  subscriptions: count,
  imports: opt(z.array(accountImportSchema)),
  exports: opt(z.array(z.looseObject({ subject: str, type: str }))),
});

/** `/accountz`: the list of accounts, or one account's detail with `acc`. */
export const accountzSchema = z.looseObject({
  server_id: str,
  now: str,
  system_account: opt(str),
  accounts: opt(z.array(str)),
  account_detail: opt(accountDetailSchema),
});

/** One account's statistics in `/accstatz`. */
export const accountStatSchema = z.looseObject({
  acc: str,
  conns: count,
  leafnodes: count,
  total_conns: count,
  sent: dataStatsSchema,
  received: dataStatsSchema,
  slow_consumers: count,
});

/** `/accstatz`: connections and traffic per account. */
export const accstatzSchema = z.looseObject({
  server_id: str,
  now: str,
  account_statz: z.array(accountStatSchema),
});

/** A stream's state in `/jsz?streams=true`. */
export const streamStateSchema = z.looseObject({
  messages: count,
  bytes: count,
  first_seq: count,
  last_seq: count,
  consumer_count: count,
  num_subjects: opt(count),
});

/**
 * Where a replicated stream or consumer lives: its Raft group, leader and the other replicas as
 * the answering server sees them (only the leader knows whether its followers are current).
 */
export const clusterInfoSchema = z.looseObject({
  name: opt(str),
  raft_group: opt(str),
  leader: opt(str),
  replicas: opt(z.array(z.looseObject({
    name: str,
    current: z.boolean(),
    offline: opt(z.boolean()),
    active: opt(count),
    lag: opt(count),
  }))),
});

/** One consumer in `/jsz?consumers=true`. */
export const consumerDetailSchema = z.looseObject({
  stream_name: str,
  name: str,
  created: str,
  config: opt(z.looseObject({})),
  cluster: opt(clusterInfoSchema),
  /** When the server took this snapshot of the consumer (2.10+). */
  ts: opt(str),
  /** Paused until (2.11+), when the consumer is paused. */
  paused: opt(z.boolean()),
  pause_remaining: opt(count),
  num_ack_pending: count,
  num_redelivered: count,
  num_waiting: count,
  num_pending: count,
});

/** One stream in `/jsz?streams=true`. */
export const streamDetailSchema = z.looseObject({
  name: str,
  created: str,
  cluster: opt(clusterInfoSchema),
  config: opt(z.looseObject({
    name: str,
    subjects: opt(z.array(str)),
    num_replicas: opt(count),
    /** Per-message TTL allowed (2.11+). */
    allow_msg_ttl: opt(z.boolean()),
    /** `none` or `s2` (2.10+). */
    compression: opt(str),
    metadata: opt(z.record(str, str)),
  })),
  state: streamStateSchema,
  consumer_detail: opt(z.array(consumerDetailSchema)),
});

/** One account in `/jsz?accounts=true`. */
export const jszAccountSchema = z.looseObject({
  name: str,
  id: str,
  memory: count,
  storage: count,
  reserved_memory: opt(count),
  reserved_storage: opt(count),
  api: z.looseObject({ total: count, errors: count }),
  stream_detail: opt(z.array(streamDetailSchema)),
});

/** `/jsz`: JetStream usage, optionally per account, stream and consumer. */
export const jszSchema = z.looseObject({
  server_id: str,
  now: str,
  disabled: opt(z.boolean()),
  config: opt(jetStreamConfigSchema),
  memory: count,
  storage: count,
  reserved_memory: opt(count),
  reserved_storage: opt(count),
  accounts: count,
  ha_assets: count,
  api: z.looseObject({ level: opt(count), total: count, errors: count }),
  streams: count,
  consumers: count,
  messages: count,
  bytes: count,
  meta_cluster: opt(z.looseObject({ name: opt(str), leader: opt(str), cluster_size: opt(count) })),
  account_details: opt(z.array(jszAccountSchema)),
});

/**
 * `/healthz`: `status` is `ok` when healthy, `unavailable` (HTTP 503) with an `error` otherwise.
 */
export const healthzSchema = z.looseObject({
  status: str,
  status_code: opt(int),
  error: opt(str),
  /** With `details` (2.10+): one entry per failing check. */
  errors: opt(z.array(z.looseObject({
    /** The check that failed, as a number (2.10+ HealthZErrorType). */
    type: z.union([int, str]),
    account: opt(str),
    stream: opt(str),
    consumer: opt(str),
    error: opt(str),
  }))),
});

/** One internal queue in `/ipqueuesz`. */
export const ipQueueSchema = z.looseObject({ pending: count, in_progress: opt(count) });

/** `/ipqueuesz`: the server's internal queues by name (empty when idle). */
export const ipqueueszSchema = z.record(str, ipQueueSchema);

// The types of the answers, written out and documented; each is pinned to its schema above by
// `Agrees`, so a field added to one and not the other fails the type check.

/** Message and byte counters, in each direction, of a server, connection, route or leaf node. */
export interface Traffic {
  /** Messages received. */
  in_msgs: number;
  /** Messages sent. */
  out_msgs: number;
  /** Bytes received. */
  in_bytes: number;
  /** Bytes sent. */
  out_bytes: number;
}

/** `{ msgs, bytes }` traffic counters. */
export interface DataStats {
  /** Messages. */
  msgs: number;
  /** Bytes. */
  bytes: number;
}
true satisfies Agrees<z.output<typeof dataStatsSchema>, DataStats>;

/** JetStream configuration of a server (`/varz` jetstream.config and `/jsz` config). */
export interface JetStreamConfig {
  /** Memory storage limit, bytes (-1: none). */
  max_memory: number;
  /** File storage limit, bytes (-1: none). */
  max_storage: number;
  /** Where file storage lives. */
  store_dir?: string;
  /** The JetStream domain. */
  domain?: string;
}
true satisfies Agrees<z.output<typeof jetStreamConfigSchema>, JetStreamConfig>;

/** JetStream usage counters shared by `/varz` jetstream.stats and `/jsz`. */
export interface JetStreamStats {
  /** Memory storage used, bytes. */
  memory: number;
  /** File storage used, bytes. */
  storage: number;
  /** Memory storage reserved by streams' limits, bytes. */
  reserved_memory?: number;
  /** File storage reserved by streams' limits, bytes. */
  reserved_storage?: number;
  /** Accounts with JetStream. */
  accounts?: number;
  /** Replicated assets (streams and consumers with a Raft group). */
  ha_assets?: number;
  /** API calls: total, errors, and `level` (2.10+), the JetStream API level it speaks (2.15: 5). */
  api: { level?: number; total: number; errors: number };
}
true satisfies Agrees<z.output<typeof jetStreamStatsSchema>, JetStreamStats>;

/** Counts per connection kind, in the newer `/varz` statistics (2.10+). */
export interface PerKind {
  /** Client connections. */
  clients?: number;
  /** Routes. */
  routes?: number;
  /** Gateways. */
  gateways?: number;
  /** Leaf nodes. */
  leafs?: number;
}

/** `/varz`: server identity, limits, listeners and totals. */
export interface Varz extends Traffic {
  /** The server's ID (a public nkey). */
  server_id: string;
  /** The server's name. */
  server_name: string;
  /** nats-server version. */
  version: string;
  /** Protocol version. */
  proto?: number;
  /** Go version it was built with. */
  go?: string;
  /** Client listener host. */
  host: string;
  /** Client listener port. */
  port: number;
  /** Most client connections allowed. */
  max_connections?: number;
  /** Largest message payload allowed, bytes. */
  max_payload?: number;
  /** The cluster listener: name, port, route URLs and certificate expiry. */
  cluster?: { name?: string; port?: number; urls?: string[]; tls_cert_not_after?: string };
  /** The gateway listener: name, port and certificate expiry. */
  gateway?: { name?: string; port?: number; tls_cert_not_after?: string };
  /** The leaf node listener: host, port, TLS and certificate expiry. */
  leaf?: {
    host?: string;
    port?: number;
    tls_required?: boolean;
    tls_verify?: boolean;
    tls_cert_not_after?: string;
  };
  /** The WebSocket listener: host, port, whether TLS is off, certificate expiry. */
  websocket?: { host?: string; port?: number; no_tls?: boolean; tls_cert_not_after?: string };
  /** The MQTT listener: port and certificate expiry. */
  mqtt?: { port?: number; tls_cert_not_after?: string };
  /** Client connections need TLS. */
  tls_required?: boolean;
  /** Client certificates are verified. */
  tls_verify?: boolean;
  /** The HTTPS monitoring port (0: none). */
  https_port?: number;
  /** JetStream's configuration and usage, when it runs. */
  jetstream?: { config?: JetStreamConfig; stats?: JetStreamStats };
  /** When the server started, RFC 3339. */
  start: string;
  /** The server's clock when it answered, RFC 3339. */
  now: string;
  /** How long it has run, a Go duration (`1h2m3s`). */
  uptime: string;
  /** Resident memory, bytes. */
  mem: number;
  /** CPU cores. */
  cores: number;
  /** CPU use, percent. */
  cpu: number;
  /** Client connections now. */
  connections: number;
  /** Client connections since start. */
  total_connections: number;
  /** Routes now. */
  routes: number;
  /** Gateways (remote clusters) now. */
  remotes: number;
  /** Leaf node connections now. */
  leafnodes: number;
  /** Slow consumers since start. */
  slow_consumers: number;
  /** Subscriptions. */
  subscriptions: number;
  /** When the configuration was last loaded, RFC 3339. */
  config_load_time?: string;
  /** The system account's name. */
  system_account?: string;
  /** The server's tags. */
  tags?: string[];
  /** Slow consumers by connection kind (2.10+). */
  slow_consumer_stats?: PerKind;
  /** Connections closed for missing PINGs, in total (2.11+). */
  stale_connections?: number;
  /** Connections closed for missing PINGs, by kind (2.11+). */
  stale_connection_stats?: PerKind;
  /** Publishers stalled by a slow consumer (2.11+). */
  stalled_clients?: number;
  /** The Go memory limit (GOMEMLIMIT), bytes; only when set. */
  gomemlimit?: number;
  /** When the client port's TLS certificate (also HTTPS monitoring's) expires (2.12.4+). */
  tls_cert_not_after?: string;
  /** Feature flags of the JetStream protocol this server runs with (2.12+). */
  feature_flags?: Record<string, boolean>;
  /** SHA-256 of the loaded configuration, to spot servers whose files differ (2.12+). */
  config_digest?: string;
}
true satisfies Agrees<z.output<typeof varzSchema>, Varz>;

/** One subscription with details (`subs=detail` in /connz, `subs=true` in /subsz). */
export interface SubDetail {
  /** The subscriber's account. */
  account?: string;
  /** The subject. */
  subject: string;
  /** The queue group. */
  qgroup?: string;
  /** The subscription's ID on its connection. */
  sid: string;
  /** Messages delivered. */
  msgs: number;
  /** Messages after which it unsubscribes itself. */
  max?: number;
  /** The connection's ID. */
  cid: number;
}
true satisfies Agrees<z.output<typeof subDetailSchema>, SubDetail>;

/** One connection in `/connz`. */
export interface ConnInfo extends Traffic {
  /** The connection's ID on this server. */
  cid: number;
  /** Its kind (`Client`, …). */
  kind?: string;
  /** Its type (`nats`, `websocket`, `mqtt`, `leafnode`). */
  type?: string;
  /** The client's address. */
  ip: string;
  /** The client's port. */
  port: number;
  /** When it connected, RFC 3339. */
  start: string;
  /** When it last sent or received, RFC 3339. */
  last_activity: string;
  /** Closed connections: when it closed, RFC 3339. */
  stop?: string;
  /** Closed connections: why. */
  reason?: string;
  /** Round trip to the client, a Go duration. */
  rtt?: string;
  /** How long it has been connected, a Go duration. */
  uptime: string;
  /** How long since its last activity, a Go duration. */
  idle: string;
  /** Bytes waiting to be written to it. */
  pending_bytes: number;
  /** Its subscriptions. */
  subscriptions: number;
  /** The name the client gave. */
  name?: string;
  /** The client library's language. */
  lang?: string;
  /** The client library's version. */
  version?: string;
  /** The TLS version, when it uses TLS. */
  tls_version?: string;
  /** The TLS cipher suite. */
  tls_cipher_suite?: string;
  /** The user it authenticated as (`auth=true`; in operator mode the user's public key). */
  authorized_user?: string;
  /** Operator mode: the name in the user's JWT (`authorized_user` is its public key). */
  name_tag?: string;
  /** Its account (`auth=true`). */
  account?: string;
  /** Its subscriptions' subjects (`subs=true`). */
  subscriptions_list?: string[];
  /** Its subscriptions in detail (`subs=detail`). */
  subscriptions_list_detail?: SubDetail[];
  /** The MQTT client ID, for an MQTT connection. */
  mqtt_client?: string;
}
true satisfies Agrees<z.output<typeof connInfoSchema>, ConnInfo>;

/** `/connz`: a page of client connections. */
export interface Connz {
  /** The answering server's ID. */
  server_id: string;
  /** Its clock when it answered, RFC 3339. */
  now: string;
  /** Connections on this page. */
  num_connections: number;
  /** Connections in all. */
  total: number;
  /** Where the page starts. */
  offset: number;
  /** The page's size limit. */
  limit: number;
  /** The connections. */
  connections: ConnInfo[];
}
true satisfies Agrees<z.output<typeof connzSchema>, Connz>;

/** One route in `/routez`. */
export interface RouteInfo extends Traffic {
  /** The route's ID. */
  rid: number;
  /** The remote server's ID. */
  remote_id: string;
  /** The remote server's name. */
  remote_name?: string;
  /** Whether this server dialled it. */
  did_solicit: boolean;
  /** Whether it is in the configuration (not discovered). */
  is_configured?: boolean;
  /** The remote's address. */
  ip: string;
  /** The remote's port. */
  port: number;
  /** Round trip, a Go duration. */
  rtt?: string;
  /** Bytes waiting to be written. */
  pending_size: number;
  /** Subscriptions the remote has interest in. */
  subscriptions: number;
  /** Their subjects (`subs=true`). */
  subscriptions_list?: string[];
}
true satisfies Agrees<z.output<typeof routeInfoSchema>, RouteInfo>;

/** `/routez`: cluster routes of this server. */
export interface Routez {
  /** The answering server's ID. */
  server_id: string;
  /** Its name. */
  server_name?: string;
  /** Its clock when it answered, RFC 3339. */
  now: string;
  /** How many routes. */
  num_routes: number;
  /** The routes (null: none, on some versions). */
  routes: RouteInfo[] | null;
}
true satisfies Agrees<z.output<typeof routezSchema>, Routez>;

/** One gateway connection inside `/gatewayz`. */
export interface RemoteGateway {
  /** Whether it is in the configuration (not discovered). */
  configured?: boolean;
  /** The connection: ID, address, port and round trip (a Go duration). */
  connection?: { cid: number; ip?: string; port?: number; rtt?: string };
  /** The accounts with interest across it. */
  accounts?: { name: string }[];
}
true satisfies Agrees<z.output<typeof remoteGatewaySchema>, RemoteGateway>;

/** `/gatewayz`: super-cluster gateways. */
export interface Gatewayz {
  /** The answering server's ID. */
  server_id: string;
  /** Its clock when it answered, RFC 3339. */
  now: string;
  /** This cluster's gateway name. */
  name?: string;
  /** The gateway listener's host. */
  host?: string;
  /** The gateway listener's port. */
  port?: number;
  /** Gateways this server dialled, by remote cluster name. */
  outbound_gateways: Record<string, RemoteGateway> | null;
  /** Gateways that dialled this server, by remote cluster name. */
  inbound_gateways: Record<string, RemoteGateway[]> | null;
}
true satisfies Agrees<z.output<typeof gatewayzSchema>, Gatewayz>;

/** One leaf node connection in `/leafz`. */
export interface LeafInfo extends Traffic {
  /** The leaf server's name. */
  name?: string;
  /** Whether the remote is a spoke (this server its hub). */
  is_spoke?: boolean;
  /** The account it is bound to. */
  account: string;
  /** The remote's address. */
  ip: string;
  /** The remote's port. */
  port: number;
  /** Round trip, a Go duration. */
  rtt?: string;
  /** Subscriptions across it. */
  subscriptions: number;
  /** Their subjects (`subs=true`). */
  subscriptions_list?: string[];
}
true satisfies Agrees<z.output<typeof leafInfoSchema>, LeafInfo>;

/** `/leafz`: leaf node connections. With none, `leafs` is null (2.9) or empty (2.10+). */
export interface Leafz {
  /** The answering server's ID. */
  server_id: string;
  /** Its clock when it answered, RFC 3339. */
  now: string;
  /** How many leaf node connections. */
  leafnodes: number;
  /** The connections. */
  leafs: LeafInfo[] | null;
}
true satisfies Agrees<z.output<typeof leafzSchema>, Leafz>;

/**
 * `/subsz`: the subscription routing table and its statistics. Without `subs` the 2.9 server
 * answers the statistics only (no server_id, now or paging fields).
 */
export interface Subsz {
  /** The answering server's ID. */
  server_id?: string;
  /** Its clock when it answered, RFC 3339. */
  now?: string;
  /** Subscriptions in the table. */
  num_subscriptions: number;
  /** Entries in the match cache. */
  num_cache: number;
  /** Inserts since start. */
  num_inserts: number;
  /** Removals since start. */
  num_removes: number;
  /** Matches since start. */
  num_matches: number;
  /** Share of matches answered from the cache, 0…1. */
  cache_hit_rate: number;
  /** Most subscriptions one match found. */
  max_fanout: number;
  /** Subscriptions a match found, on average. */
  avg_fanout: number;
  /** Subscriptions in all (`subs=true`). */
  total?: number;
  /** Where the page starts. */
  offset?: number;
  /** The page's size limit. */
  limit?: number;
  /** The subscriptions (`subs=true`). */
  subscriptions_list?: SubDetail[];
}
true satisfies Agrees<z.output<typeof subszSchema>, Subsz>;

/** One import or export in an account's detail. */
export interface AccountImport {
  /** The subject. */
  subject: string;
  /** The other account. */
  account?: string;
  /** The subject it is mapped to locally. */
  local_subject?: string;
  /** The subject it is mapped to. */
  to?: string;
  /** `stream` or `service`. */
  type: string;
  /** Whether the server found it invalid. */
  invalid?: boolean;
}
true satisfies Agrees<z.output<typeof accountImportSchema>, AccountImport>;

/** `/accountz?acc=X` account_detail. */
export interface AccountDetail {
  /** The account's name. */
  account_name: string;
  /** When it was last updated, RFC 3339. */
  update_time?: string;
  /** Whether its JWT has expired. */
  expired?: boolean;
  /** Whether it is complete (all its imports resolved). */
  complete?: boolean;
  /** Whether it has JetStream. */
  jetstream_enabled: boolean;
  /** Leaf node connections in it. */
  leafnode_connections: number;
  /** Client connections in it. */
  client_connections: number;
  /** Its subscriptions. */
  subscriptions: number;
  /** What it imports. */
  imports?: AccountImport[];
  /** What it exports: subject and `stream` or `service`. */
  exports?: { subject: string; type: string }[];
}
true satisfies Agrees<z.output<typeof accountDetailSchema>, AccountDetail>;

/** `/accountz`: the list of accounts, or one account's detail with `acc`. */
export interface Accountz {
  /** The answering server's ID. */
  server_id: string;
  /** Its clock when it answered, RFC 3339. */
  now: string;
  /** The system account's name. */
  system_account?: string;
  /** The accounts' names (without `acc`). */
  accounts?: string[];
  /** One account's detail (with `acc`). */
  account_detail?: AccountDetail;
}
true satisfies Agrees<z.output<typeof accountzSchema>, Accountz>;

/** One account's statistics in `/accstatz`. */
export interface AccountStat {
  /** The account's name. */
  acc: string;
  /** Client connections now. */
  conns: number;
  /** Leaf node connections now. */
  leafnodes: number;
  /** Connections of any kind now. */
  total_conns: number;
  /** What the account sent. */
  sent: DataStats;
  /** What the account received. */
  received: DataStats;
  /** Slow consumers in it since start. */
  slow_consumers: number;
}
true satisfies Agrees<z.output<typeof accountStatSchema>, AccountStat>;

/** `/accstatz`: connections and traffic per account. */
export interface Accstatz {
  /** The answering server's ID. */
  server_id: string;
  /** Its clock when it answered, RFC 3339. */
  now: string;
  /** One entry per account. */
  account_statz: AccountStat[];
}
true satisfies Agrees<z.output<typeof accstatzSchema>, Accstatz>;

/** A stream's state in `/jsz?streams=true`. */
export interface StreamState {
  /** Messages stored. */
  messages: number;
  /** Bytes stored. */
  bytes: number;
  /** The first stored sequence. */
  first_seq: number;
  /** The last stored sequence. */
  last_seq: number;
  /** Consumers. */
  consumer_count: number;
  /** Distinct subjects stored. */
  num_subjects?: number;
}
true satisfies Agrees<z.output<typeof streamStateSchema>, StreamState>;

/**
 * Where a replicated stream or consumer lives: its Raft group, leader and the other replicas as
 * the answering server sees them (only the leader knows whether its followers are current).
 */
export interface ClusterInfo {
  /** The cluster's name. */
  name?: string;
  /** The Raft group's name. */
  raft_group?: string;
  /** The leader server's name. */
  leader?: string;
  /**
   * The other replicas: server name, whether current, whether offline, nanoseconds since last
   * active and how many operations behind.
   */
  replicas?: { name: string; current: boolean; offline?: boolean; active?: number; lag?: number }[];
}
true satisfies Agrees<z.output<typeof clusterInfoSchema>, ClusterInfo>;

/** One consumer in `/jsz?consumers=true`. */
export interface ConsumerDetail {
  /** Its stream. */
  stream_name: string;
  /** Its name. */
  name: string;
  /** When it was created, RFC 3339. */
  created: string;
  /** Its configuration, as the server sends it. */
  config?: Record<string, unknown>;
  /** Where it lives, when replicated. */
  cluster?: ClusterInfo;
  /** When the server took this snapshot of the consumer (2.10+). */
  ts?: string;
  /** Whether it is paused (2.11+). */
  paused?: boolean;
  /** How long it stays paused, nanoseconds (2.11+). */
  pause_remaining?: number;
  /** Messages delivered and not yet acknowledged. */
  num_ack_pending: number;
  /** Messages delivered more than once. */
  num_redelivered: number;
  /** Pull requests waiting. */
  num_waiting: number;
  /** Messages not yet delivered. */
  num_pending: number;
}
true satisfies Agrees<z.output<typeof consumerDetailSchema>, ConsumerDetail>;

/** One stream in `/jsz?streams=true`. */
export interface StreamDetail {
  /** Its name. */
  name: string;
  /** When it was created, RFC 3339. */
  created: string;
  /** Where it lives, when replicated. */
  cluster?: ClusterInfo;
  /**
   * Its configuration (`config=true`), the fields nunect shows: name, subjects, replicas,
   * whether per-message TTL is allowed (2.11+), compression (`none` or `s2`, 2.10+), metadata.
   */
  config?: {
    name: string;
    subjects?: string[];
    num_replicas?: number;
    allow_msg_ttl?: boolean;
    compression?: string;
    metadata?: Record<string, string>;
  };
  /** What it holds. */
  state: StreamState;
  /** Its consumers (`consumers=true`). */
  consumer_detail?: ConsumerDetail[];
}
true satisfies Agrees<z.output<typeof streamDetailSchema>, StreamDetail>;

/** One account in `/jsz?accounts=true`. */
export interface JszAccount {
  /** The account's name. */
  name: string;
  /** Its ID. */
  id: string;
  /** Memory storage used, bytes. */
  memory: number;
  /** File storage used, bytes. */
  storage: number;
  /** Memory storage reserved, bytes. */
  reserved_memory?: number;
  /** File storage reserved, bytes. */
  reserved_storage?: number;
  /** Its JetStream API calls: total and errors. */
  api: { total: number; errors: number };
  /** Its streams (`streams=true`). */
  stream_detail?: StreamDetail[];
}
true satisfies Agrees<z.output<typeof jszAccountSchema>, JszAccount>;

/** `/jsz`: JetStream usage, optionally per account, stream and consumer. */
export interface Jsz {
  /** The answering server's ID. */
  server_id: string;
  /** Its clock when it answered, RFC 3339. */
  now: string;
  /** Whether JetStream is off on this server. */
  disabled?: boolean;
  /** Its JetStream configuration. */
  config?: JetStreamConfig;
  /** Memory storage used, bytes. */
  memory: number;
  /** File storage used, bytes. */
  storage: number;
  /** Memory storage reserved, bytes. */
  reserved_memory?: number;
  /** File storage reserved, bytes. */
  reserved_storage?: number;
  /** Accounts with JetStream. */
  accounts: number;
  /** Replicated assets. */
  ha_assets: number;
  /** API calls: total, errors, and `level` (2.10+). */
  api: { level?: number; total: number; errors: number };
  /** Streams. */
  streams: number;
  /** Consumers. */
  consumers: number;
  /** Messages stored. */
  messages: number;
  /** Bytes stored. */
  bytes: number;
  /** The meta group: cluster name, leader and size. */
  meta_cluster?: { name?: string; leader?: string; cluster_size?: number };
  /** Per account (`accounts=true`). */
  account_details?: JszAccount[];
}
true satisfies Agrees<z.output<typeof jszSchema>, Jsz>;

/**
 * `/healthz`: `status` is `ok` when healthy, `unavailable` (HTTP 503) with an `error` otherwise.
 */
export interface Healthz {
  /** `ok`, or what is wrong (`unavailable`). */
  status: string;
  /** The HTTP status it answered with (2.10+). */
  status_code?: number;
  /** Why it is not healthy. */
  error?: string;
  /**
   * With `details` (2.10+): one entry per failing check, with its type (a number, 2.10+
   * HealthZErrorType), the account, stream or consumer concerned, and the error.
   */
  errors?: {
    type: number | string;
    account?: string;
    stream?: string;
    consumer?: string;
    error?: string;
  }[];
}
true satisfies Agrees<z.output<typeof healthzSchema>, Healthz>;

/** One internal queue in `/ipqueuesz`. */
export interface IpQueue {
  /** Items waiting. */
  pending: number;
  /** Items being worked on. */
  in_progress?: number;
}
true satisfies Agrees<z.output<typeof ipQueueSchema>, IpQueue>;

/** `/ipqueuesz`: the server's internal queues by name (empty when idle). */
export type Ipqueuesz = Record<string, IpQueue>;
true satisfies Agrees<z.output<typeof ipqueueszSchema>, Ipqueuesz>;
