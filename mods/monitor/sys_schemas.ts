import { z } from "zod";
import {
  accountzSchema,
  accstatzSchema,
  connzSchema,
  dataStatsSchema,
  gatewayzSchema,
  healthzSchema,
  jetStreamConfigSchema,
  jetStreamStatsSchema,
  jszSchema,
  leafzSchema,
  routezSchema,
  subszSchema,
  varzSchema,
} from "./schemas.ts";

const str = z.string();
const count = z.number().nonnegative();

/** The `server` block of every `$SYS` event and ping reply: who answered. */
export const eventServerSchema = z.looseObject({
  name: str,
  host: str,
  id: str,
  cluster: str.optional(),
  domain: str.optional(),
  ver: str,
  tags: z.array(str).optional(),
  jetstream: z.boolean().optional(),
  seq: count,
  time: str,
});

/** `$SYS.REQ.SERVER.PING.STATSZ` data: a server's load summary. */
export const statszSchema = z.looseObject({
  start: str,
  mem: count,
  cores: count,
  cpu: count,
  connections: count,
  total_connections: count,
  active_accounts: count,
  subscriptions: count,
  sent: dataStatsSchema,
  received: dataStatsSchema,
  slow_consumers: count,
  active_servers: count.optional(),
  routes: z.array(z.looseObject({ rid: count, name: str.optional() })).optional(),
  gateways: z.array(z.looseObject({ gwid: count, name: str.optional() })).optional(),
  jetstream: z.looseObject({
    config: jetStreamConfigSchema.optional(),
    stats: jetStreamStatsSchema.optional(),
  }).optional(),
});

/** The `client` block of connect, disconnect and auth-error events. */
export const eventClientSchema = z.looseObject({
  start: str.optional(),
  stop: str.optional(),
  host: str.optional(),
  id: count.optional(),
  acc: str.optional(),
  user: str.optional(),
  /** Operator mode: the user JWT's name up to 2.10, the account's name from 2.11 on. */
  name_tag: str.optional(),
  /** Operator mode: the user JWT the client connected with (its name is the user's name). */
  jwt: str.optional(),
  name: str.optional(),
  lang: str.optional(),
  ver: str.optional(),
  /** Round trip in nanoseconds. */
  rtt: count.optional(),
  server: str.optional(),
  cluster: str.optional(),
  kind: str.optional(),
  client_type: str.optional(),
});

/** `$SYS.ACCOUNT.<acc>.CONNECT` */
export const connectEventSchema = z.looseObject({
  type: str,
  id: str,
  timestamp: str,
  server: eventServerSchema,
  client: eventClientSchema,
});

/** `$SYS.ACCOUNT.<acc>.DISCONNECT` and `$SYS.SERVER.<id>.CLIENT.AUTH.ERR` */
export const disconnectEventSchema = connectEventSchema.extend({
  /** What the client sent to the server. */
  sent: dataStatsSchema.optional(),
  /** What the server sent to the client. */
  received: dataStatsSchema.optional(),
  reason: str.optional(),
});

/** One Raft group in `/raftz` and RAFTZ replies (2.11+). */
export const raftGroupSchema = z.looseObject({
  id: str,
  state: str,
  size: count,
  quorum_needed: count,
  leader: str.optional(),
  term: count.optional(),
  committed: count.optional(),
  applied: count.optional(),
  ever_had_leader: z.boolean().optional(),
  peers: z.record(
    str,
    z.looseObject({
      name: str.optional(),
      known: z.boolean().optional(),
      last_seen: str.optional(),
    }),
  ).optional(),
});

/** `/raftz` and RAFTZ: Raft groups by account, then by group name (`_meta_`, `S-R3F-…`). */
export const raftzSchema = z.record(str, z.record(str, raftGroupSchema));

/** EXPVARZ (2.10+): the Go runtime's memory statistics and the command line. */
export const expvarzSchema = z.looseObject({
  memstats: z.looseObject({
    Alloc: count.optional(),
    Sys: count.optional(),
    HeapInuse: count.optional(),
    NumGC: count.optional(),
    PauseTotalNs: count.optional(),
  }).nullable().optional(),
  cmdline: z.array(str).nullable().optional(),
});

/** IDZ (2.10+): a server's name, host and ID; the reply is this object alone. */
export const idzSchema = z.looseObject({ name: str, host: str, id: str });

/** PROFILEZ (2.10+): the profile in pprof format (base64 in JSON), or the server's error. */
export const profilezSchema = z.looseObject({
  profile: str.nullable().optional(),
  error: str.optional(),
});

/**
 * The cluster-wide request kinds: `$SYS.REQ.SERVER.PING.<KIND>`, and `ACCSTATZ` for
 * `$SYS.REQ.ACCOUNT.PING.STATZ` (per-account statistics from every server). nats-server 2.9.10
 * answers the first eleven; EXPVARZ needs 2.10, RAFTZ 2.11 (see `FEATURES`): an older server
 * does not answer them.
 */
export const PING_KINDS = [
  "STATSZ",
  "VARZ",
  "CONNZ",
  "SUBSZ",
  "JSZ",
  "HEALTHZ",
  "ACCOUNTZ",
  "ROUTEZ",
  "LEAFZ",
  "GATEWAYZ",
  "ACCSTATZ",
  "EXPVARZ",
  "RAFTZ",
] as const;

/** The subject each ping kind is requested on. */
export const PING_SUBJECTS: { readonly [K in PingKind]: string } = {
  STATSZ: "$SYS.REQ.SERVER.PING.STATSZ",
  VARZ: "$SYS.REQ.SERVER.PING.VARZ",
  CONNZ: "$SYS.REQ.SERVER.PING.CONNZ",
  SUBSZ: "$SYS.REQ.SERVER.PING.SUBSZ",
  JSZ: "$SYS.REQ.SERVER.PING.JSZ",
  HEALTHZ: "$SYS.REQ.SERVER.PING.HEALTHZ",
  ACCOUNTZ: "$SYS.REQ.SERVER.PING.ACCOUNTZ",
  ROUTEZ: "$SYS.REQ.SERVER.PING.ROUTEZ",
  LEAFZ: "$SYS.REQ.SERVER.PING.LEAFZ",
  GATEWAYZ: "$SYS.REQ.SERVER.PING.GATEWAYZ",
  ACCSTATZ: "$SYS.REQ.ACCOUNT.PING.STATZ",
  EXPVARZ: "$SYS.REQ.SERVER.PING.EXPVARZ",
  RAFTZ: "$SYS.REQ.SERVER.PING.RAFTZ",
};
/** A cluster-wide ping kind. */
export type PingKind = (typeof PING_KINDS)[number];

/** The data schema of each ping kind's reply. */
export const pingDataSchemas = {
  STATSZ: statszSchema,
  VARZ: varzSchema,
  CONNZ: connzSchema,
  SUBSZ: subszSchema,
  JSZ: jszSchema,
  HEALTHZ: healthzSchema,
  ACCOUNTZ: accountzSchema,
  ROUTEZ: routezSchema,
  LEAFZ: leafzSchema,
  GATEWAYZ: gatewayzSchema,
  ACCSTATZ: accstatzSchema,
  EXPVARZ: expvarzSchema,
  RAFTZ: raftzSchema,
} as const;

/** The data type of each ping kind's reply. */
export type PingData = { [K in PingKind]: z.infer<(typeof pingDataSchemas)[K]> };

/** One Raft group. */
export type RaftGroup = z.infer<typeof raftGroupSchema>;
/** Raft groups by account and group name. */
export type Raftz = z.infer<typeof raftzSchema>;
/** EXPVARZ data. */
export type Expvarz = z.infer<typeof expvarzSchema>;
/** IDZ reply. */
export type Idz = z.infer<typeof idzSchema>;
/** Who answered a `$SYS` request or sent an event. */
export type EventServer = z.infer<typeof eventServerSchema>;
/** STATSZ data. */
export type Statsz = z.infer<typeof statszSchema>;
/** A raw connect event. */
export type ConnectEventMsg = z.infer<typeof connectEventSchema>;
/** A raw disconnect or auth-error event. */
export type DisconnectEventMsg = z.infer<typeof disconnectEventSchema>;
