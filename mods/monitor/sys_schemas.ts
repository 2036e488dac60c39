import { z } from "zod";
import type { Agrees } from "../protocol/wire_schema.ts";
import {
  type Accountz,
  accountzSchema,
  type Accstatz,
  accstatzSchema,
  type Connz,
  connzSchema,
  type DataStats,
  dataStatsSchema,
  type Gatewayz,
  gatewayzSchema,
  type Healthz,
  healthzSchema,
  type JetStreamConfig,
  jetStreamConfigSchema,
  type JetStreamStats,
  jetStreamStatsSchema,
  type Jsz,
  jszSchema,
  type Leafz,
  leafzSchema,
  type Routez,
  routezSchema,
  type Subsz,
  subszSchema,
  type Varz,
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

/** The data of each ping kind's reply. */
export interface PingData {
  /** A server's load summary. */
  STATSZ: Statsz;
  /** `/varz` of each server. */
  VARZ: Varz;
  /** `/connz` of each server. */
  CONNZ: Connz;
  /** `/subsz` of each server. */
  SUBSZ: Subsz;
  /** `/jsz` of each server. */
  JSZ: Jsz;
  /** `/healthz` of each server. */
  HEALTHZ: Healthz;
  /** `/accountz` of each server. */
  ACCOUNTZ: Accountz;
  /** `/routez` of each server. */
  ROUTEZ: Routez;
  /** `/leafz` of each server. */
  LEAFZ: Leafz;
  /** `/gatewayz` of each server. */
  GATEWAYZ: Gatewayz;
  /** Per-account statistics of each server. */
  ACCSTATZ: Accstatz;
  /** The Go runtime's memory statistics and command line (2.10+). */
  EXPVARZ: Expvarz;
  /** Raft groups (2.11+). */
  RAFTZ: Raftz;
}
true satisfies Agrees<
  { [K in PingKind]: z.output<(typeof pingDataSchemas)[K]> },
  PingData
>;

/** One Raft group in `/raftz` and RAFTZ replies (2.11+). */
export interface RaftGroup {
  /** The group's ID. */
  id: string;
  /** This server's role in it: `LEADER`, `FOLLOWER`, `CANDIDATE`, `CLOSED`. */
  state: string;
  /** How many peers the group has. */
  size: number;
  /** How many peers make a quorum. */
  quorum_needed: number;
  /** The leader's ID, when there is one. */
  leader?: string;
  /** The current term. */
  term?: number;
  /** The highest log index committed. */
  committed?: number;
  /** The highest log index applied. */
  applied?: number;
  /** Whether the group has ever had a leader. */
  ever_had_leader?: boolean;
  /** The peers by ID: name, whether known, when last seen. */
  peers?: Record<string, { name?: string; known?: boolean; last_seen?: string }>;
}
true satisfies Agrees<z.output<typeof raftGroupSchema>, RaftGroup>;

/** `/raftz` and RAFTZ: Raft groups by account, then by group name (`_meta_`, `S-R3F-…`). */
export type Raftz = Record<string, Record<string, RaftGroup>>;
true satisfies Agrees<z.output<typeof raftzSchema>, Raftz>;

/** EXPVARZ (2.10+): the Go runtime's memory statistics and the command line. */
export interface Expvarz {
  /**
   * Go's `runtime.MemStats` (those nunect shows): bytes allocated (`Alloc`), obtained from the
   * system (`Sys`), in use by the heap (`HeapInuse`), garbage collections (`NumGC`) and their
   * total pause (`PauseTotalNs`).
   */
  memstats?: {
    Alloc?: number;
    Sys?: number;
    HeapInuse?: number;
    NumGC?: number;
    PauseTotalNs?: number;
  } | null;
  /** The server's command line. */
  cmdline?: string[] | null;
}
true satisfies Agrees<z.output<typeof expvarzSchema>, Expvarz>;

/** IDZ (2.10+): a server's name, host and ID; the reply is this object alone. */
export interface Idz {
  /** The server's name. */
  name: string;
  /** Its host. */
  host: string;
  /** Its ID (a public nkey). */
  id: string;
}
true satisfies Agrees<z.output<typeof idzSchema>, Idz>;

/** The `server` block of every `$SYS` event and ping reply: who answered or sent it. */
export interface EventServer {
  /** The server's name. */
  name: string;
  /** Its host. */
  host: string;
  /** Its ID. */
  id: string;
  /** Its cluster's name. */
  cluster?: string;
  /** Its JetStream domain. */
  domain?: string;
  /** Its nats-server version. */
  ver: string;
  /** Its tags. */
  tags?: string[];
  /** Whether it runs JetStream. */
  jetstream?: boolean;
  /** The server's event sequence number. */
  seq: number;
  /** When it sent this, RFC 3339. */
  time: string;
}
true satisfies Agrees<z.output<typeof eventServerSchema>, EventServer>;

/** `$SYS.REQ.SERVER.PING.STATSZ` data: a server's load summary. */
export interface Statsz {
  /** When the server started, RFC 3339. */
  start: string;
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
  /** Accounts with connections. */
  active_accounts: number;
  /** Subscriptions. */
  subscriptions: number;
  /** What the server sent. */
  sent: DataStats;
  /** What the server received. */
  received: DataStats;
  /** Slow consumers since start. */
  slow_consumers: number;
  /** Servers in the cluster that answered. */
  active_servers?: number;
  /** Its routes: route ID and remote name. */
  routes?: { rid: number; name?: string }[];
  /** Its gateways: gateway ID and remote name. */
  gateways?: { gwid: number; name?: string }[];
  /** Its JetStream configuration and usage. */
  jetstream?: { config?: JetStreamConfig; stats?: JetStreamStats };
}
true satisfies Agrees<z.output<typeof statszSchema>, Statsz>;

/** A raw connect event. */
export type ConnectEventMsg = z.infer<typeof connectEventSchema>;
/** A raw disconnect or auth-error event. */
export type DisconnectEventMsg = z.infer<typeof disconnectEventSchema>;
