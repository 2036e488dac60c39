import type { Accstatz, Healthz, Jsz, ServerReply, Statsz, UnitState } from "../monitor/mod.ts";
import { CLOCK_QUALITY, type Frame, frameOf, type Kind, KINDS } from "./frame.ts";

/** Everything one sampling round read: `$SYS` replies of every server, and the units table. */
export interface Snapshot {
  /** When the round started (ms since the epoch). */
  readonly at: number;
  /** `$SYS.REQ.SERVER.PING.STATSZ` replies. */
  readonly statsz: readonly ServerReply<Statsz>[];
  /** `…PING.HEALTHZ` replies. */
  readonly healthz: readonly ServerReply<Healthz>[];
  /** `$SYS.REQ.ACCOUNT.PING.STATZ` replies. */
  readonly accstatz: readonly ServerReply<Accstatz>[];
  /** `…PING.JSZ` replies with accounts, streams, consumers and config. */
  readonly jsz: readonly ServerReply<Jsz>[];
  /** The units table. */
  readonly units: readonly UnitState[];
}

type Rows = Record<string, Record<string, number | null>>;

/** A number at `path` in a loosely typed object, or null. */
function num(value: unknown, ...path: string[]): number | null {
  let v: unknown = value;
  for (const p of path) {
    if (v === null || typeof v !== "object") return null;
    v = (v as Record<string, unknown>)[p];
  }
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function add(rows: Rows, id: string, values: Record<string, number | null>): void {
  const row = rows[id] ??= {};
  for (const [k, v] of Object.entries(values)) {
    if (v === null) continue;
    row[k] = (row[k] ?? 0) + v;
  }
}

/**
 * Turns one sampling round into one frame per kind. Servers by name; accounts summed over the
 * servers that report them (accstatz is per server); streams and consumers from their leader's
 * view (or the first replica that reports them when no leader is known); units as the registry
 * holds them, `up` meaning "not stale". Pure.
 *
 * @param snapshot what the round read
 * @param t the point's time (the start of its interval), ms
 * @param stepMs the finest tier's step
 * @returns a frame for every kind (empty rows where nothing was reported)
 */
export function framesFromSnapshot(snapshot: Snapshot, t: number, stepMs: number): Frame[] {
  const rows: Record<Kind, Rows> = {
    server: {},
    account: {},
    stream: {},
    consumer: {},
    unit: {},
  };
  const health = new Map<string, number>();
  for (const r of snapshot.healthz) {
    if (r.server) health.set(r.server.name, r.ok && r.data.status === "ok" ? 1 : 0);
  }
  for (const r of snapshot.statsz) {
    if (!r.ok) continue;
    const s = r.data;
    add(rows.server, r.server.name, {
      in_msgs: s.received.msgs,
      out_msgs: s.sent.msgs,
      in_bytes: s.received.bytes,
      out_bytes: s.sent.bytes,
      slow_consumers: s.slow_consumers,
      disconnects: Math.max(0, s.total_connections - s.connections),
      connections: s.connections,
      subscriptions: s.subscriptions,
      mem_bytes: s.mem,
      cpu_percent: s.cpu,
      healthy: health.get(r.server.name) ?? null,
      js_memory_bytes: num(s, "jetstream", "stats", "memory"),
      js_storage_bytes: num(s, "jetstream", "stats", "storage"),
      js_max_memory_bytes: num(s, "jetstream", "config", "max_memory"),
      js_max_storage_bytes: num(s, "jetstream", "config", "max_storage"),
    });
  }
  // A server that answered HEALTHZ but not STATSZ still counts as (un)healthy.
  for (const [name, ok] of health) {
    if (rows.server[name] === undefined) rows.server[name] = { healthy: ok };
  }
  for (const r of snapshot.accstatz) {
    if (!r.ok) continue;
    for (const a of r.data.account_statz) {
      add(rows.account, a.acc, {
        in_msgs: a.received.msgs,
        out_msgs: a.sent.msgs,
        in_bytes: a.received.bytes,
        out_bytes: a.sent.bytes,
        slow_consumers: a.slow_consumers,
        connections: a.conns,
        leafnodes: a.leafnodes,
        subscriptions: num(a, "num_subscriptions"),
      });
    }
  }
  const seenJsAccount = new Set<string>();
  for (const r of snapshot.jsz) {
    if (!r.ok) continue;
    const serverName = r.server.name;
    for (const acc of r.data.account_details ?? []) {
      // JetStream usage per account is cluster-wide in every server's answer: take it once.
      if (!seenJsAccount.has(acc.name)) {
        seenJsAccount.add(acc.name);
        add(rows.account, acc.name, {
          js_memory_bytes: acc.memory,
          js_storage_bytes: acc.storage,
          js_max_memory_bytes: acc.reserved_memory ?? null,
          js_max_storage_bytes: acc.reserved_storage ?? null,
        });
      }
      for (const st of acc.stream_detail ?? []) {
        const sid = `${acc.name}/${st.name}`;
        const leader = st.cluster?.leader;
        const authoritative = leader === undefined || leader === "" || leader === serverName;
        if (rows.stream[sid] !== undefined && !authoritative) continue;
        rows.stream[sid] = {
          last_seq: st.state.last_seq,
          messages: st.state.messages,
          bytes: st.state.bytes,
          consumers: st.state.consumer_count,
          max_bytes: num(st, "config", "max_bytes"),
          max_msgs: num(st, "config", "max_msgs"),
        };
        for (const c of st.consumer_detail ?? []) {
          rows.consumer[`${sid}/${c.name}`] = {
            delivered_stream_seq: num(c, "delivered", "stream_seq"),
            ack_floor_stream_seq: num(c, "ack_floor", "stream_seq"),
            redelivered: c.num_redelivered,
            num_pending: c.num_pending,
            num_ack_pending: c.num_ack_pending,
            num_waiting: c.num_waiting,
          };
        }
      }
    }
  }
  // By the units table's key: a tenant's unit is `<ACCOUNT>.<unit>`, never mixed with OPS's.
  for (const u of snapshot.units) {
    rows.unit[u.key] = {
      up: u.stale ? 0 : 1,
      heartbeat_age_s: u.heartbeatAt === null
        ? null
        : Math.max(0, (snapshot.at - u.heartbeatAt) / 1000),
      rtt_native_us: u.rtt?.nativeRttUs ?? null,
      rtt_app_us: u.rtt?.appRttUs ?? null,
      clock_offset_ns: u.time?.offsetNs ?? null,
      clock_quality: u.time ? CLOCK_QUALITY[u.time.quality] : null,
    };
  }
  return KINDS.map((kind) => frameOf(kind, t, stepMs, rows[kind]));
}
