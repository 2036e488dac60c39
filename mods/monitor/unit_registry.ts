import type { Msg, NatsConnection, Subscription } from "@nats-io/nats-core";
import {
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import { z } from "zod";
import {
  decodeMessage,
  type Heartbeat,
  heartbeatSchema,
  type LogRecord,
  logSchema,
  parseSubject,
  type RttMetric,
  rttSchema,
  subjects,
  type TimeConfig,
  timeConfigSchema,
  type TimeMetric,
  timeMetricSchema,
  validateUnitId,
} from "../protocol/mod.ts";
import { RingBuffer } from "./ring_buffer.ts";

/** What the registry knows about one unit. JSON-serialisable. */
export interface UnitState {
  /** The unit's ID (one subject token). */
  readonly unitId: string;
  /** The latest heartbeat (kind, host, version, uptime, clock), null until one arrives. */
  readonly heartbeat: Heartbeat | null;
  /** The latest RTT metric, null until one arrives. */
  readonly rtt: RttMetric | null;
  /** The latest time-sync metric, null until one arrives. */
  readonly time: TimeMetric | null;
  /** Receiver wall clock (ms since the epoch) when the unit was first and last heard of. */
  readonly firstSeen: number;
  /** Receiver wall clock when the unit was last heard of (any message). */
  readonly lastSeen: number;
  /** Receiver wall clock of the latest heartbeat, RTT and time metric. */
  readonly heartbeatAt: number | null;
  /** Receiver wall clock of the latest RTT metric. */
  readonly rttAt: number | null;
  /** Receiver wall clock of the latest time metric. */
  readonly timeAt: number | null;
  /** Receipt time minus the heartbeat's own `ts` (clock skew plus one-way latency), in ms. */
  readonly skewMs: number | null;
  /** The heartbeat interval: inferred from consecutive heartbeats, else the default. */
  readonly heartbeatIntervalMs: number;
  /** Whether `heartbeatIntervalMs` was inferred from the unit's own heartbeats. */
  readonly intervalInferred: boolean;
  /** No heartbeat for `staleAfterMissed` (3) intervals. */
  readonly stale: boolean;
}

/** Why a unit changed. */
export type UnitChangeType = "added" | "heartbeat" | "rtt" | "time" | "stale" | "fresh" | "removed";

/** One change of the units table, passed to {@linkcode UnitRegistry.onChange} listeners. */
export interface UnitChange {
  /** What changed. */
  readonly type: UnitChangeType;
  /** The unit after the change. */
  readonly unit: UnitState;
}

/** Why a telemetry message was dropped. */
export type DropReason = "subject" | "json" | "schema" | "unit_mismatch";

/** A dropped message, for the dashboard's diagnostics. */
export interface DroppedMessage {
  /** When it was dropped (ms since the epoch). */
  readonly at: number;
  /** The subject it arrived on. */
  readonly subject: string;
  /** Why it was dropped. */
  readonly reason: DropReason;
  /** What was wrong, e.g. the failing schema path. */
  readonly error: string;
}

/** Counters of a {@linkcode UnitRegistry}. */
export interface UnitRegistryStats {
  /** Every message received on `ops.>`. */
  readonly received: number;
  /** Valid messages by kind. */
  readonly accepted: {
    readonly heartbeat: number;
    readonly rtt: number;
    readonly time: number;
    readonly timeConfig: number;
    readonly log: number;
  };
  /** Echo requests between units: not telemetry, neither accepted nor dropped. */
  readonly ignored: number;
  /** Malformed messages counted and dropped, by reason. */
  readonly dropped: Readonly<Record<DropReason, number>>;
  /** Sum of `dropped`. */
  readonly droppedTotal: number;
  /** The most recent drops (at most 20), newest last. */
  readonly recentDrops: readonly DroppedMessage[];
  /** Units in the table. */
  readonly units: number;
  /** Units that are stale now. */
  readonly staleUnits: number;
  /** KV writes of unit records, and failed ones. */
  readonly persisted: number;
  /** KV writes that failed (retried at the next flush). */
  readonly persistErrors: number;
  /** Units restored from KV at start, and records there that did not parse. */
  readonly restored: number;
  /** KV records that did not parse at start (skipped). */
  readonly restoreErrors: number;
  /** The KV bucket and the history stream, or null where disabled. */
  readonly bucket: string | null;
  /** The history stream, or null when disabled or unavailable. */
  readonly historyStream: string | null;
  /** Why the history stream could not be created or updated (e.g. overlapping subjects). */
  readonly historyError: string | null;
}

/** Which history {@linkcode UnitRegistry.history} reads. */
export type HistoryKind = "rtt" | "time" | "log";

/** The validated message type of each history kind. */
export type HistoryValue = { rtt: RttMetric; time: TimeMetric; log: LogRecord };

/** One stored telemetry message. */
export interface HistoryEntry<T> {
  /** Stream sequence. */
  readonly seq: number;
  /** When the server stored it (ms since the epoch). */
  readonly storedAt: number;
  /** The message, as its schema parsed it. */
  readonly value: T;
}

/** Options of {@linkcode UnitRegistry.history}. */
export interface HistoryOptions {
  /** Only messages stored at or after this time (ms since the epoch; default: 1 hour ago). */
  readonly sinceMs?: number;
  /** At most this many, oldest first (default 1000). */
  readonly limit?: number;
}

/** Options of {@linkcode UnitRegistry.start}. */
export interface UnitRegistryOptions {
  /** KV bucket of unit records in OPS (default `nunect_units`); `null` keeps units in memory only. */
  readonly bucket?: string | null;
  /** Stream of metric history and logs in OPS (default `nunect_telemetry`); `null`: none. */
  readonly historyStream?: string | null;
  /** Subjects the history stream stores (default `ops.metric.>` and `ops.log.>`). */
  readonly historySubjects?: readonly string[];
  /** Age limit of history in ms (default 7 days). */
  readonly historyMaxAgeMs?: number;
  /** Size limit of history in bytes (default 256 MiB). */
  readonly historyMaxBytes?: number;
  /** Replicas of the bucket and stream (default 1). */
  readonly replicas?: number;
  /** Heartbeat interval assumed until one is inferred (default 5000, HEARTBEAT_INTERVAL_MS). */
  readonly defaultHeartbeatIntervalMs?: number;
  /** Missed heartbeats after which a unit is stale (default 3). */
  readonly staleAfterMissed?: number;
  /** How often changed unit records are written to KV, in ms (default 5000). */
  readonly persistIntervalMs?: number;
  /** How often staleness is checked, in ms (default 1000). */
  readonly staleCheckIntervalMs?: number;
  /**
   * Units silent for this long are forgotten (removed from the table and KV), so departed
   * browsers do not pile up; default 7 days, `null` keeps units forever.
   */
  readonly forgetAfterMs?: number | null;
  /** Recent log records kept in memory (default 500). */
  readonly logBuffer?: number;
  /** Subject to subscribe (default `ops.>`). */
  readonly subject?: string;
}

interface MutableUnit {
  unitId: string;
  heartbeat: Heartbeat | null;
  rtt: RttMetric | null;
  time: TimeMetric | null;
  firstSeen: number;
  lastSeen: number;
  heartbeatAt: number | null;
  rttAt: number | null;
  timeAt: number | null;
  skewMs: number | null;
  heartbeatIntervalMs: number;
  intervalInferred: boolean;
  stale: boolean;
}

// What a KV record holds; parsed at the edge like any message from the wire.
const unitRecordSchema = z.object({
  unitId: z.string(),
  heartbeat: heartbeatSchema.nullable(),
  rtt: rttSchema.nullable(),
  time: timeMetricSchema.nullable(),
  firstSeen: z.number(),
  lastSeen: z.number(),
  heartbeatAt: z.number().nullable(),
  rttAt: z.number().nullable(),
  timeAt: z.number().nullable(),
  skewMs: z.number().nullable(),
  heartbeatIntervalMs: z.number().positive(),
  intervalInferred: z.boolean(),
});

const MIN_INTERVAL_MS = 50;
const encoder = new TextEncoder();

/**
 * The units table: subscribes `ops.>` on an OPS connection (tenant telemetry arrives through
 * the account imports), validates every message with the protocol schemas, counts and drops
 * malformed ones, keeps each unit's latest heartbeat, RTT and time metric in memory, marks units
 * stale after three missed heartbeats, persists unit records in a JetStream KV bucket and keeps
 * metric history and logs in a stream with age and size limits. Closing it leaves the
 * connection open.
 *
 * @example
 * ```ts
 * const nc = await connect({ servers, user: opsUser, pass: opsPassword });
 * await using units = await UnitRegistry.start(nc);
 * units.onChange(({ type, unit }) => console.log(type, unit.unitId, unit.stale));
 * units.units(); // every unit, sorted by ID
 * ```
 */
export class UnitRegistry implements AsyncDisposable {
  readonly #nc: NatsConnection;
  readonly #kv: KV | null;
  readonly #bucket: string | null;
  readonly #historyStream: string | null;
  readonly #units = new Map<string, MutableUnit>();
  readonly #dirty = new Set<string>();
  readonly #listeners = new Set<(c: UnitChange) => void>();
  readonly #logs: RingBuffer<LogRecord>;
  readonly #drops = new RingBuffer<DroppedMessage>(20);
  readonly #defaultInterval: number;
  readonly #staleAfter: number;
  readonly #forgetAfter: number | null;
  #sub: Subscription | undefined;
  #timeConfig: TimeConfig | null = null;
  #timers: ReturnType<typeof setInterval>[] = [];
  #historyError: string | null = null;
  #flushing: Promise<void> = Promise.resolve();
  #closed = false;
  #stats = {
    received: 0,
    accepted: { heartbeat: 0, rtt: 0, time: 0, timeConfig: 0, log: 0 },
    ignored: 0,
    dropped: { subject: 0, json: 0, schema: 0, unit_mismatch: 0 } as Record<DropReason, number>,
    persisted: 0,
    persistErrors: 0,
    restored: 0,
    restoreErrors: 0,
  };

  private constructor(
    nc: NatsConnection,
    kv: KV | null,
    bucket: string | null,
    historyStream: string | null,
    options: UnitRegistryOptions,
  ) {
    this.#nc = nc;
    this.#kv = kv;
    this.#bucket = bucket;
    this.#historyStream = historyStream;
    this.#logs = new RingBuffer(options.logBuffer ?? 500);
    this.#defaultInterval = options.defaultHeartbeatIntervalMs ?? 5000;
    this.#staleAfter = options.staleAfterMissed ?? 3;
    this.#forgetAfter = options.forgetAfterMs === undefined
      ? 7 * 24 * 3600_000
      : options.forgetAfterMs;
  }

  /**
   * Creates (or opens) the KV bucket and history stream, restores units from KV, subscribes
   * `ops.>` and waits until the server has the subscription.
   *
   * @param nc a connection of the OPS dashboard user (needs JetStream in OPS)
   * @param options storage names and limits, staleness, timers
   * @returns the running registry
   * @throws when the KV bucket cannot be created (JetStream off for the account): retry, or
   *   start with `bucket: null`. A history stream that cannot be created only disables history
   *   (see `stats().historyError`).
   */
  static async start(
    nc: NatsConnection,
    options: UnitRegistryOptions = {},
  ): Promise<UnitRegistry> {
    const replicas = options.replicas ?? 1;
    const bucket = options.bucket === undefined ? "nunect_units" : options.bucket;
    const stream = options.historyStream === undefined ? "nunect_telemetry" : options.historyStream;
    let kv: KV | null = null;
    if (bucket !== null) {
      kv = await new Kvm(nc).create(bucket, {
        history: 1,
        replicas,
        description: "nunect units table (mods/monitor UnitRegistry)",
      });
    }
    let historyError: string | null = null;
    if (stream !== null) {
      // Without history the units table still works: record why and go on.
      await ensureHistoryStream(nc, stream, {
        subjects: [...(options.historySubjects ?? [subjects.all.metric, subjects.all.log])],
        maxAgeMs: options.historyMaxAgeMs ?? 7 * 24 * 3600_000,
        maxBytes: options.historyMaxBytes ?? 256 * 1024 * 1024,
        replicas,
      }).catch((e) => {
        historyError = `History stream "${stream}" is unavailable: ${(e as Error).message}`;
      });
    }
    const reg = new UnitRegistry(nc, kv, bucket, historyError === null ? stream : null, options);
    reg.#historyError = historyError;
    await reg.#restore();
    reg.#sub = nc.subscribe(options.subject ?? subjects.all.ops, {
      callback: (err, msg) => {
        if (err === null) reg.#onMessage(msg);
      },
    });
    await nc.flush();
    reg.#timers.push(setInterval(() => reg.#checkStale(), options.staleCheckIntervalMs ?? 1000));
    if (kv !== null) {
      reg.#timers.push(setInterval(() => reg.flush(), options.persistIntervalMs ?? 5000));
    }
    return reg;
  }

  /**
   * Every unit, sorted by ID, with staleness as of now.
   *
   * @returns snapshots (safe to serialise or keep)
   */
  units(): UnitState[] {
    const now = Date.now();
    return [...this.#units.values()]
      .sort((a, b) => a.unitId < b.unitId ? -1 : a.unitId > b.unitId ? 1 : 0)
      .map((u) => this.#snapshot(u, now));
  }

  /**
   * One unit.
   *
   * @param unitId the unit's ID
   * @returns its snapshot, or undefined when unknown
   */
  unit(unitId: string): UnitState | undefined {
    const u = this.#units.get(unitId);
    return u === undefined ? undefined : this.#snapshot(u, Date.now());
  }

  /**
   * Calls `fn` on every change of the units table (new unit, heartbeat, metric, stale, fresh,
   * removed). At 1,000 units that is thousands of calls a second: throttle before relaying.
   *
   * @param fn the listener; exceptions it throws are ignored
   * @returns a function that removes the listener
   */
  onChange(fn: (change: UnitChange) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /**
   * The latest `ops.time.config` of the time master, if one was received.
   *
   * @returns the configuration or null
   */
  timeConfig(): TimeConfig | null {
    return this.#timeConfig;
  }

  /**
   * Recent log records (`ops.log.<level>.<unit>`), oldest first.
   *
   * @param last only the newest `last`
   * @returns a copy
   */
  logs(last?: number): LogRecord[] {
    return this.#logs.toArray(last);
  }

  /**
   * Reads a unit's stored RTT metrics, time metrics or logs from the history stream, for
   * charts. Messages that do not parse are skipped (they were counted when they arrived).
   *
   * @param unitId the unit
   * @param kind `rtt`, `time` or `log`
   * @param options start time and count
   * @returns the entries, oldest first; empty without a history stream
   * @throws {InvalidUnitIdError} for an invalid unit ID
   */
  async history<K extends HistoryKind>(
    unitId: string,
    kind: K,
    options: HistoryOptions = {},
  ): Promise<HistoryEntry<HistoryValue[K]>[]> {
    const stream = this.#historyStream;
    if (stream === null) return [];
    const subject = kind === "rtt"
      ? subjects.rtt(unitId)
      : kind === "time"
      ? subjects.time(unitId)
      : `ops.log.*.${validateUnitId(unitId)}`;
    const schema =
      (kind === "rtt"
        ? rttSchema
        : kind === "time"
        ? timeMetricSchema
        : logSchema) as unknown as z.ZodType<HistoryValue[K]>;
    const since = options.sinceMs ?? Date.now() - 3600_000;
    const limit = Math.max(1, options.limit ?? 1000);
    // Without a message at or after `since` a fetch would wait for its expiry: look first.
    const jsm = await jetstreamManager(this.#nc);
    let last: { time: Date } | null = null;
    if (kind !== "log") {
      last = await jsm.streams.getMessage(stream, { last_by_subj: subject }).catch(() => null);
    } else {
      const info = await jsm.streams.info(stream, { subjects_filter: subject });
      if (Object.keys(info.state.subjects ?? {}).length > 0) last = { time: new Date() };
    }
    if (last === null || last.time.getTime() < since) return [];
    const consumer = await jetstream(this.#nc).consumers.get(stream, {
      filter_subjects: subject,
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: new Date(since).toISOString(),
    });
    const out: HistoryEntry<HistoryValue[K]>[] = [];
    const batch = await consumer.fetch({ max_messages: limit, expires: 2000 });
    for await (const m of batch) {
      const d = decodeMessage(schema, m.data);
      if (d.ok) out.push({ seq: m.seq, storedAt: m.info.timestampNanos / 1e6, value: d.value });
      if (m.info.pending === 0 || out.length >= limit) break;
    }
    batch.stop();
    // The ordered consumer is ephemeral; remove it now rather than at its inactivity timeout.
    await consumer.delete().catch(() => false);
    return out;
  }

  /**
   * Counters: received, accepted by kind, dropped by reason, units, persistence.
   *
   * @returns a snapshot
   */
  stats(): UnitRegistryStats {
    const s = this.#stats;
    const dropped = { ...s.dropped };
    const now = Date.now();
    let stale = 0;
    for (const u of this.#units.values()) if (this.#isStale(u, now)) stale++;
    return {
      received: s.received,
      accepted: { ...s.accepted },
      ignored: s.ignored,
      dropped,
      droppedTotal: Object.values(dropped).reduce((a, b) => a + b, 0),
      recentDrops: this.#drops.toArray(),
      units: this.#units.size,
      staleUnits: stale,
      persisted: s.persisted,
      persistErrors: s.persistErrors,
      restored: s.restored,
      restoreErrors: s.restoreErrors,
      bucket: this.#bucket,
      historyStream: this.#historyStream,
      historyError: this.#historyError,
    } as UnitRegistryStats;
  }

  /**
   * Removes a unit from the table and from KV (e.g. a decommissioned router). It comes back
   * if it sends telemetry again.
   *
   * @param unitId the unit's ID
   * @returns whether the unit was known
   */
  async forget(unitId: string): Promise<boolean> {
    const u = this.#units.get(unitId);
    if (u === undefined) return false;
    this.#units.delete(unitId);
    this.#dirty.delete(unitId);
    this.#emit("removed", u);
    await this.#kv?.delete(unitId);
    return true;
  }

  /**
   * Writes changed unit records to KV now (also done every `persistIntervalMs` and on close).
   *
   * @returns when the writes are acknowledged
   */
  flush(): Promise<void> {
    // Never rejects: failed writes are counted and retried, so the timer cannot leak a rejection.
    this.#flushing = this.#flushing.then(() => this.#flushDirty()).catch(() => {
      this.#stats.persistErrors++;
    });
    return this.#flushing;
  }

  /** Unsubscribes, stops the timers and writes pending records; the connection stays open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    try {
      this.#sub?.unsubscribe();
    } catch { /* connection already closed */ }
    if (!this.#nc.isClosed()) await this.flush();
    this.#listeners.clear();
  }

  /** Same as {@linkcode UnitRegistry.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #drop(subject: string, reason: DropReason, error: string): void {
    this.#stats.dropped[reason]++;
    this.#drops.push({ at: Date.now(), subject, reason, error });
  }

  #decode<T>(msg: Msg, schema: z.ZodType<T>): T | undefined {
    const d = decodeMessage(schema, msg.data);
    if (d.ok) return d.value;
    this.#drop(msg.subject, d.error.startsWith("Invalid JSON") ? "json" : "schema", d.error);
    return undefined;
  }

  #onMessage(msg: Msg): void {
    this.#stats.received++;
    const parsed = parseSubject(msg.subject);
    if (parsed === undefined) {
      this.#drop(msg.subject, "subject", `Invalid subject "${msg.subject}": not an ops.* subject`);
      return;
    }
    const now = Date.now();
    switch (parsed.kind) {
      case "echo":
        this.#stats.ignored++;
        return;
      case "timeConfig": {
        const v = this.#decode(msg, timeConfigSchema);
        if (v === undefined) return;
        this.#stats.accepted.timeConfig++;
        this.#timeConfig = v;
        return;
      }
      case "log": {
        const v = this.#decode(msg, logSchema);
        if (v === undefined || !this.#sameUnit(msg, v.unitId, parsed.unit)) return;
        this.#stats.accepted.log++;
        this.#logs.push(v);
        return;
      }
      case "heartbeat": {
        const v = this.#decode(msg, heartbeatSchema);
        if (v === undefined || !this.#sameUnit(msg, v.unitId, parsed.unit)) return;
        this.#stats.accepted.heartbeat++;
        this.#onHeartbeat(v, now);
        return;
      }
      case "rtt": {
        const v = this.#decode(msg, rttSchema);
        if (v === undefined || !this.#sameUnit(msg, v.unitId, parsed.unit)) return;
        this.#stats.accepted.rtt++;
        const { unit, added } = this.#touch(v.unitId, now);
        unit.rtt = v;
        unit.rttAt = now;
        this.#changed(unit, added ? "added" : "rtt");
        return;
      }
      case "time": {
        const v = this.#decode(msg, timeMetricSchema);
        if (v === undefined || !this.#sameUnit(msg, v.unitId, parsed.unit)) return;
        this.#stats.accepted.time++;
        const { unit, added } = this.#touch(v.unitId, now);
        unit.time = v;
        unit.timeAt = now;
        this.#changed(unit, added ? "added" : "time");
        return;
      }
    }
  }

  #sameUnit(msg: Msg, payloadUnit: string, subjectUnit: string): boolean {
    if (payloadUnit === subjectUnit) return true;
    this.#drop(
      msg.subject,
      "unit_mismatch",
      `Unit "${payloadUnit}" in the payload does not match "${subjectUnit}" in the subject`,
    );
    return false;
  }

  #touch(unitId: string, now: number): { unit: MutableUnit; added: boolean } {
    let unit = this.#units.get(unitId);
    const added = unit === undefined;
    if (unit === undefined) {
      unit = {
        unitId,
        heartbeat: null,
        rtt: null,
        time: null,
        firstSeen: now,
        lastSeen: now,
        heartbeatAt: null,
        rttAt: null,
        timeAt: null,
        skewMs: null,
        heartbeatIntervalMs: this.#defaultInterval,
        intervalInferred: false,
        stale: false,
      };
      this.#units.set(unitId, unit);
    }
    unit.lastSeen = now;
    return { unit, added };
  }

  #onHeartbeat(hb: Heartbeat, now: number): void {
    const { unit, added } = this.#touch(hb.unitId, now);
    const prev = unit.heartbeat;
    // Infer the interval from two consecutive heartbeats of the same run (seq increasing) by the
    // sender's own timestamps, so network jitter does not enter; smoothed against outliers.
    if (prev !== null && hb.seq > prev.seq && hb.ts > prev.ts) {
      const measured = Math.max(MIN_INTERVAL_MS, (hb.ts - prev.ts) / (hb.seq - prev.seq));
      unit.heartbeatIntervalMs = unit.intervalInferred
        ? 0.7 * unit.heartbeatIntervalMs + 0.3 * measured
        : measured;
      unit.intervalInferred = true;
    }
    unit.heartbeat = hb;
    unit.heartbeatAt = now;
    unit.skewMs = now - hb.ts;
    const wasStale = unit.stale;
    unit.stale = false;
    this.#changed(unit, added ? "added" : wasStale ? "fresh" : "heartbeat");
  }

  #isStale(u: MutableUnit, now: number): boolean {
    return now - (u.heartbeatAt ?? u.lastSeen) > this.#staleAfter * u.heartbeatIntervalMs;
  }

  #checkStale(): void {
    const now = Date.now();
    const forget = this.#forgetAfter;
    for (const u of this.#units.values()) {
      if (forget !== null && now - u.lastSeen > forget) {
        this.forget(u.unitId).catch(() => this.#stats.persistErrors++);
        continue;
      }
      const stale = this.#isStale(u, now);
      if (stale === u.stale) continue;
      u.stale = stale;
      this.#changed(u, stale ? "stale" : "fresh");
    }
  }

  #changed(u: MutableUnit, type: UnitChangeType): void {
    if (this.#kv !== null) this.#dirty.add(u.unitId);
    this.#emit(type, u);
  }

  #emit(type: UnitChangeType, u: MutableUnit): void {
    if (this.#listeners.size === 0) return;
    const change: UnitChange = { type, unit: this.#snapshot(u, Date.now()) };
    for (const fn of this.#listeners) {
      try {
        fn(change);
      } catch { /* a listener's failure is its own */ }
    }
  }

  #snapshot(u: MutableUnit, now: number): UnitState {
    return { ...u, stale: this.#isStale(u, now) };
  }

  async #flushDirty(): Promise<void> {
    const kv = this.#kv;
    if (kv === null || this.#dirty.size === 0 || this.#nc.isClosed()) return;
    const ids = [...this.#dirty];
    this.#dirty.clear();
    // Bounded concurrency: 1,000 units must not become 1,000 requests in flight at once.
    for (let i = 0; i < ids.length; i += 64) {
      await Promise.all(
        ids.slice(i, i + 64).map(async (id) => {
          const u = this.#units.get(id);
          if (u === undefined) return;
          const { stale: _stale, ...record } = u;
          try {
            await kv.put(id, encoder.encode(JSON.stringify(record)));
            this.#stats.persisted++;
          } catch {
            this.#stats.persistErrors++;
            this.#dirty.add(id);
          }
        }),
      );
    }
  }

  async #restore(): Promise<void> {
    const kv = this.#kv;
    if (kv === null) return;
    const keys: string[] = [];
    for await (const k of await kv.keys()) keys.push(k);
    const now = Date.now();
    for (let i = 0; i < keys.length; i += 64) {
      await Promise.all(
        keys.slice(i, i + 64).map(async (key) => {
          const e = await kv.get(key);
          if (e === null || e.operation !== "PUT") return;
          let json: unknown;
          try {
            json = e.json();
          } catch {
            this.#stats.restoreErrors++;
            return;
          }
          const r = unitRecordSchema.safeParse(json);
          if (!r.success || r.data.unitId !== key) {
            this.#stats.restoreErrors++;
            return;
          }
          const unit: MutableUnit = { ...r.data, stale: false };
          unit.stale = this.#isStale(unit, now);
          this.#units.set(key, unit);
          this.#stats.restored++;
        }),
      );
    }
  }
}

async function ensureHistoryStream(
  nc: NatsConnection,
  name: string,
  o: { subjects: string[]; maxAgeMs: number; maxBytes: number; replicas: number },
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const config = {
    subjects: o.subjects,
    max_age: Math.round(o.maxAgeMs * 1e6),
    max_bytes: o.maxBytes,
    num_replicas: o.replicas,
    description: "nunect metric history and logs (mods/monitor UnitRegistry)",
  };
  try {
    await jsm.streams.info(name);
  } catch {
    await jsm.streams.add({
      name,
      ...config,
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
    });
    return;
  }
  await jsm.streams.update(name, config);
}
