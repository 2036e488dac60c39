import { z } from "zod";

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

/** `/varz` */
export type Varz = z.infer<typeof varzSchema>;
/** `/connz` */
export type Connz = z.infer<typeof connzSchema>;
/** One connection of `/connz`. */
export type ConnInfo = z.infer<typeof connInfoSchema>;
/** One subscription with details. */
export type SubDetail = z.infer<typeof subDetailSchema>;
/** `/routez` */
export type Routez = z.infer<typeof routezSchema>;
/** One route of `/routez`. */
export type RouteInfo = z.infer<typeof routeInfoSchema>;
/** `/gatewayz` */
export type Gatewayz = z.infer<typeof gatewayzSchema>;
/** `/leafz` */
export type Leafz = z.infer<typeof leafzSchema>;
/** One leaf node of `/leafz`. */
export type LeafInfo = z.infer<typeof leafInfoSchema>;
/** `/subsz` */
export type Subsz = z.infer<typeof subszSchema>;
/** `/accountz` */
export type Accountz = z.infer<typeof accountzSchema>;
/** One account's detail of `/accountz?acc=`. */
export type AccountDetail = z.infer<typeof accountDetailSchema>;
/** `/accstatz` */
export type Accstatz = z.infer<typeof accstatzSchema>;
/** One account of `/accstatz`. */
export type AccountStat = z.infer<typeof accountStatSchema>;
/** `/jsz` */
export type Jsz = z.infer<typeof jszSchema>;
/** One account of `/jsz?accounts=true`. */
export type JszAccount = z.infer<typeof jszAccountSchema>;
/** One stream of `/jsz?streams=true`. */
export type StreamDetail = z.infer<typeof streamDetailSchema>;
/** One consumer of `/jsz?consumers=true`. */
export type ConsumerDetail = z.infer<typeof consumerDetailSchema>;
/** `/healthz` */
export type Healthz = z.infer<typeof healthzSchema>;
/** `/ipqueuesz` */
export type Ipqueuesz = z.infer<typeof ipqueueszSchema>;
