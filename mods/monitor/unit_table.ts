import {
  boundLogRecord,
  decodeMessage,
  type Heartbeat,
  heartbeatSchema,
  InvalidUnitIdError,
  type LogRecord,
  logSchema,
  parseSubject,
  PROTOCOL_LIMITS,
  registrySubjects,
  type RttMetric,
  rttSchema,
  splitTenant,
  type TimeConfig,
  timeConfigSchema,
  type TimeMetric,
  timeMetricSchema,
  validateUnitId,
  type WireSchema,
} from "../protocol/mod.ts";
import { RingBuffer } from "./ring_buffer.ts";
import type { HeaderReader, SignatureStats, TelemetryVerifier } from "./telemetry_verifier.ts";

/** The subject registry's reports: protocol subjects under ops.> that are not unit telemetry. */
const REGISTRY_SUBJECTS: ReadonlySet<string> = new Set(Object.values(registrySubjects));
/**
 * The key of a unit in the table and the store: its ID for OPS's own units, `<ACCOUNT>.<unit>`
 * for a tenant's (the same unit ID in two accounts is two units; a tenant's unit is never an OPS
 * unit).
 *
 * @param account the account the telemetry came from
 * @param unitId the unit's ID
 * @returns the key
 */
export function unitKey(account: string, unitId: string): string {
  return account === "OPS" ? unitId : `${account}.${unitId}`;
}

/**
 * Checks a unit key from a request: a unit ID, or an account name, a dot and a unit ID.
 *
 * @param key e.g. `router-7` or `BRIDGE.sensor-1`
 * @returns the key
 * @throws {InvalidUnitIdError} naming what is wrong
 */
export function validateUnitKey(key: string): string {
  const dot = key.indexOf(".");
  if (dot >= 0 && !/^[A-Z][A-Z0-9_-]{0,31}$/.test(key.slice(0, dot))) {
    throw new InvalidUnitIdError(
      `Invalid unit key "${key.slice(0, 80)}": expected <unit> or <ACCOUNT>.<unit>`,
    );
  }
  validateUnitId(key.slice(dot + 1));
  return key;
}

/** What the units table knows about one unit. JSON-serialisable. */
export interface UnitState {
  /** The table's key: the unit ID, or `<ACCOUNT>.<unit>` for a tenant's unit. */
  readonly key: string;
  /** The account its telemetry comes from: `OPS`, or the tenant's name. */
  readonly account: string;
  /** The unit's ID (one subject token). */
  readonly unitId: string;
  /** The latest heartbeat (kind, host, version, uptime, clock), null until one arrives. */
  readonly heartbeat: Heartbeat | null;
  /** The latest RTT metric, null until one arrives. */
  readonly rtt: RttMetric | null;
  /** The latest time-sync metric, null until one arrives. */
  readonly time: TimeMetric | null;
  /** Receiver wall clock (ms since the epoch) when the unit was first heard of. */
  readonly firstSeen: number;
  /** Receiver wall clock when the unit was last heard of (any message). */
  readonly lastSeen: number;
  /** Receiver wall clock of the latest heartbeat. */
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

/** What is stored of a unit: its state without the staleness, which is computed on reading. */
export type UnitRecord = Omit<UnitState, "stale">;

/** Why a unit changed. */
export type UnitChangeType = "added" | "heartbeat" | "rtt" | "time" | "stale" | "fresh" | "removed";

/** One change of the units table. */
export interface UnitChange {
  /** What changed. */
  readonly type: UnitChangeType;
  /** The unit after the change (for `removed`, as it was last). */
  readonly unit: UnitState;
  /** With `added` on a full table: the stale unit evicted to make room (store: delete it). */
  readonly evicted?: UnitState;
}

/**
 * Why a telemetry message was dropped: not an ops.* subject, not JSON, not the schema, a `ts`
 * beyond `PROTOCOL_LIMITS.timestampToleranceMs` of the receiver's clock, a payload naming
 * another unit than its subject, or a signature refused by the table's
 * {@linkcode TelemetryVerifier} (another sender speaking for an OPS unit, e.g. a router).
 */
export type DropReason =
  | "subject"
  | "json"
  | "schema"
  | "timestamp"
  | "unit_mismatch"
  | "signature";

/**
 * A validated RTT metric, time metric or log record, as the history stores it, with its unit's
 * key (see {@linkcode unitKey}).
 */
export type AcceptedRecord =
  | { readonly kind: "rtt"; readonly key: string; readonly value: RttMetric }
  | { readonly kind: "time"; readonly key: string; readonly value: TimeMetric }
  | { readonly kind: "log"; readonly key: string; readonly value: LogRecord };

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

/** Counters of a {@linkcode UnitTable}. */
export interface UnitTableStats {
  /** Every message applied. */
  readonly received: number;
  /** Valid messages by kind. */
  readonly accepted: {
    readonly heartbeat: number;
    readonly rtt: number;
    readonly time: number;
    readonly timeConfig: number;
    readonly log: number;
  };
  /**
   * Echo requests between units and the subject registry's reports (`ops.registry.*`): not
   * telemetry, neither accepted nor dropped.
   */
  readonly ignored: number;
  /** Malformed messages counted and dropped, by reason. */
  readonly dropped: Readonly<Record<DropReason, number>>;
  /** Sum of `dropped`. */
  readonly droppedTotal: number;
  /** The most recent drops (at most 20), newest last. */
  readonly recentDrops: readonly DroppedMessage[];
  /** The signature checks (verified, unverified, refused by reason), or null without a verifier. */
  readonly signatures: SignatureStats | null;
  /** Units in the table. */
  readonly units: number;
  /** Units that are stale now. */
  readonly staleUnits: number;
  /** The most units the table holds. */
  readonly maxUnits: number;
  /** Stale units evicted (oldest first) to make room for new ones in a full table. */
  readonly evicted: number;
  /** Messages of new units refused because the table was full of live units. */
  readonly refused: number;
  /** Log records whose message or fields were cut to the protocol's bounds. */
  readonly truncatedLogs: number;
}

/** Options of {@linkcode UnitTable}. */
export interface UnitTableOptions {
  /** Heartbeat interval assumed until one is inferred (default 5000, HEARTBEAT_INTERVAL_MS). */
  readonly defaultHeartbeatIntervalMs?: number;
  /** Missed heartbeats after which a unit is stale (default 3). */
  readonly staleAfterMissed?: number;
  /**
   * Units silent for this long are forgotten by {@linkcode UnitTable.tick}, so departed browsers
   * do not pile up; default 7 days, `null` keeps units forever.
   */
  readonly forgetAfterMs?: number | null;
  /** Recent log records kept (default 500). */
  readonly logBuffer?: number;
  /**
   * The most units the table holds (default 10,000, TELEMETRY_MAX_UNITS). A new unit in a full
   * table evicts the stale unit heard from longest ago; with no stale unit it is refused.
   */
  readonly maxUnits?: number;
  /**
   * Checks the signature of OPS units' telemetry (heartbeats, RTT and time metrics, logs) before
   * anything else; a refused message is dropped as `signature`. Without one nothing is checked.
   */
  readonly verifier?: TelemetryVerifier;
}

/** What the units table can be sorted by. */
export const UNIT_SORTS = [
  "unit",
  "kind",
  "host",
  "seen",
  "native",
  "app",
  "state",
  "quality",
  "offset",
] as const;
/** A sort key of {@linkcode UnitQuery}. */
export type UnitSort = (typeof UNIT_SORTS)[number];

/** One page of the units table: which units, in which order. */
export interface UnitQuery {
  /** Units to skip (default 0). */
  readonly offset?: number;
  /** Units on the page (default 100). */
  readonly limit?: number;
  /** Sort key (default `unit`, the unit ID). Units without the value come last. */
  readonly sort?: UnitSort;
  /** `asc` (default) or `desc`. */
  readonly dir?: "asc" | "desc";
  /** Only units whose ID or host contains this, case-insensitive. */
  readonly q?: string;
  /** Only units of these accounts (an account-scoped user's); null or absent: every unit. */
  readonly accounts?: readonly string[] | null;
}

/** A page of units. */
export interface UnitPage {
  /** Units matching the query (before paging). */
  readonly total: number;
  /** The page, sorted. */
  readonly units: UnitState[];
}

const QUALITY_RANK: Record<string, number> = { locked: 0, tracking: 1, acquiring: 2, freerun: 3 };

function sortValue(u: UnitState, sort: UnitSort): string | number | null {
  switch (sort) {
    case "unit":
      return u.key;
    case "kind":
      return u.heartbeat?.kind ?? null;
    case "host":
      return u.heartbeat?.host || null;
    case "seen":
      return u.lastSeen;
    case "native":
      return u.rtt?.nativeRttUs ?? null;
    case "app":
      return u.rtt?.appRttUs ?? null;
    case "state":
      return u.stale ? 1 : 0;
    case "quality": {
      const q = u.time?.quality ?? u.heartbeat?.clock.quality;
      return q === undefined ? null : QUALITY_RANK[q] ?? null;
    }
    case "offset":
      return u.time?.offsetNs === null || u.time?.offsetNs === undefined
        ? null
        : Math.abs(u.time.offsetNs);
  }
}

/** A message as it arrives: its subject and raw payload. */
export interface TelemetryMessage {
  /** e.g. `ops.heartbeat.router-1`, or `tenant.BRIDGE.ops.heartbeat.pos-3` from a tenant */
  readonly subject: string;
  /** The JSON payload. */
  readonly data: Uint8Array;
  /** Its headers (the signature, timestamp and sequence), if any. */
  readonly headers?: HeaderReader;
}

type MutableUnit = { -readonly [K in keyof UnitState]: UnitState[K] };

/** Heartbeats closer than this (by the sender's clock) do not lower the inferred interval further. */
const MIN_INTERVAL_MS = 50;
/** Nor does a longer gap raise it beyond what the protocol allows (10 min). */
const MAX_INTERVAL_MS = PROTOCOL_LIMITS.maxHeartbeatIntervalMs;
/** How many of the least recently heard units a full table looks at for a stale one to evict. */
const EVICTION_SCAN = 64;

function boundInterval(ms: number): number {
  return Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, ms));
}

/**
 * The units table as pure state: {@linkcode UnitTable.apply} takes one `ops.*` message and the
 * receiver's clock and returns what changed; {@linkcode UnitTable.tick} decides staleness and
 * forgetting. It validates every message with the protocol schemas, counts and drops malformed
 * ones, keeps each unit's latest heartbeat, RTT and time metric, infers heartbeat intervals and
 * marks units stale after `staleAfterMissed` missed heartbeats. Everything is bounded: timestamps
 * beyond the protocol's tolerance are dropped as malformed, inferred intervals stay within
 * 50 ms-10 min, log records are cut to the protocol's bounds, and at `maxUnits` units the stale
 * unit heard from longest ago makes room for a new one (or, with none stale, the new one is
 * refused). Units are kept in the order they were last heard from, so the eviction candidates
 * come first. No I/O and no timers: the
 * {@linkcode UnitRegistry} feeds it from NATS and stores it in KV; tests feed it directly.
 *
 * @example
 * ```ts
 * const table = new UnitTable();
 * const data = new TextEncoder().encode(JSON.stringify(heartbeat));
 * const change = table.apply({ subject: "ops.heartbeat.router-1", data }, Date.now());
 * change?.type; // "added"
 * ```
 */
export class UnitTable {
  readonly #units = new Map<string, MutableUnit>();
  readonly #logs: RingBuffer<LogRecord>;
  readonly #drops = new RingBuffer<DroppedMessage>(20);
  readonly #defaultInterval: number;
  readonly #staleAfter: number;
  readonly #forgetAfter: number | null;
  readonly #maxUnits: number;
  readonly #verifier: TelemetryVerifier | undefined;
  #timeConfig: TimeConfig | null = null;
  #received = 0;
  #ignored = 0;
  #evicted = 0;
  #refused = 0;
  #truncatedLogs = 0;
  readonly #accepted = { heartbeat: 0, rtt: 0, time: 0, timeConfig: 0, log: 0 };
  readonly #dropped: Record<DropReason, number> = {
    subject: 0,
    json: 0,
    schema: 0,
    timestamp: 0,
    unit_mismatch: 0,
    signature: 0,
  };

  /**
   * Creates an empty table.
   *
   * @param options default interval, staleness and forgetting thresholds, log buffer size
   */
  constructor(options: UnitTableOptions = {}) {
    this.#logs = new RingBuffer(options.logBuffer ?? 500);
    this.#defaultInterval = options.defaultHeartbeatIntervalMs ?? 5000;
    this.#staleAfter = options.staleAfterMissed ?? 3;
    this.#forgetAfter = options.forgetAfterMs === undefined
      ? 7 * 24 * 3600_000
      : options.forgetAfterMs;
    this.#maxUnits = options.maxUnits ?? 10_000;
    this.#verifier = options.verifier;
  }

  /**
   * Applies one message: validates it, updates the unit it is about, and says what changed.
   * Malformed messages are counted by reason and dropped; logs and the time configuration are
   * kept but change no unit.
   *
   * @param msg the subject and payload as received
   * @param now the receiver's wall clock, ms since the epoch
   * @param accepted called with each valid RTT metric, time metric and log record (bounded),
   *   for the history: only what passed validation is stored
   * @returns the unit's change, or null when no unit changed
   */
  apply(
    msg: TelemetryMessage,
    now: number,
    accepted?: (record: AcceptedRecord) => void,
  ): UnitChange | null {
    this.#received++;
    const { account, subject } = splitTenant(msg.subject);
    if (REGISTRY_SUBJECTS.has(subject)) {
      this.#ignored++;
      return null;
    }
    const parsed = parseSubject(subject);
    if (parsed === undefined) {
      this.#drop(
        now,
        msg.subject,
        "subject",
        `Invalid subject "${msg.subject}": not an ops.* subject`,
      );
      return null;
    }
    if (
      this.#verifier !== undefined && account === "OPS" && parsed.kind !== "echo" &&
      parsed.kind !== "timeConfig"
    ) {
      const check = this.#verifier.check(subject, parsed.unit, msg.headers, msg.data);
      if (!check.ok) {
        this.#drop(now, msg.subject, "signature", check.error);
        return null;
      }
    }
    switch (parsed.kind) {
      case "echo":
        this.#ignored++;
        return null;
      case "timeConfig": {
        // Only OPS's own time master configures the time (tenants do not export it anyway).
        if (account !== "OPS") {
          this.#ignored++;
          return null;
        }
        const v = this.#decode(msg, timeConfigSchema, now);
        if (v === undefined) return null;
        this.#accepted.timeConfig++;
        this.#timeConfig = v;
        return null;
      }
      case "log": {
        const v = this.#decode(msg, logSchema, now);
        if (v === undefined || !this.#sameUnit(msg, v.unitId, parsed.unit, now)) return null;
        this.#accepted.log++;
        const { record, truncated } = boundLogRecord(v);
        if (truncated) this.#truncatedLogs++;
        this.#logs.push(record);
        accepted?.({ kind: "log", key: unitKey(account, record.unitId), value: record });
        return null;
      }
      case "heartbeat": {
        const v = this.#decode(msg, heartbeatSchema, now);
        if (v === undefined || !this.#sameUnit(msg, v.unitId, parsed.unit, now)) return null;
        return this.#heartbeat(account, v, now);
      }
      case "rtt": {
        const v = this.#decode(msg, rttSchema, now);
        if (v === undefined || !this.#sameUnit(msg, v.unitId, parsed.unit, now)) return null;
        const touched = this.#touch(account, v.unitId, now);
        if (touched === undefined) return null;
        this.#accepted.rtt++;
        const { unit, added, evicted } = touched;
        unit.rtt = v;
        unit.rttAt = now;
        accepted?.({ kind: "rtt", key: unit.key, value: v });
        return this.#change(added ? "added" : "rtt", unit, now, evicted);
      }
      case "time": {
        const v = this.#decode(msg, timeMetricSchema, now);
        if (v === undefined || !this.#sameUnit(msg, v.unitId, parsed.unit, now)) return null;
        const touched = this.#touch(account, v.unitId, now);
        if (touched === undefined) return null;
        this.#accepted.time++;
        const { unit, added, evicted } = touched;
        unit.time = v;
        unit.timeAt = now;
        accepted?.({ kind: "time", key: unit.key, value: v });
        return this.#change(added ? "added" : "time", unit, now, evicted);
      }
    }
  }

  /**
   * Re-decides staleness and forgetting as of `now`: units whose staleness flipped come back as
   * `stale` or `fresh`, units silent for `forgetAfterMs` are removed and come back as `removed`.
   *
   * @param now the receiver's wall clock
   * @returns the changes, in table order
   */
  tick(now: number): UnitChange[] {
    const changes: UnitChange[] = [];
    for (const u of [...this.#units.values()]) {
      if (this.#forgetAfter !== null && now - u.lastSeen > this.#forgetAfter) {
        changes.push(this.remove(u.key, now)!);
        continue;
      }
      const stale = this.#isStale(u, now);
      if (stale === u.stale) continue;
      u.stale = stale;
      changes.push(this.#change(stale ? "stale" : "fresh", u, now));
    }
    return changes;
  }

  /**
   * Puts a stored unit back (at start, from the store). A unit the table already heard from
   * since is newer and is kept; a full table takes no more; a stored interval beyond the
   * protocol's bounds (written before they existed) is bounded.
   *
   * @param record the stored unit
   * @param now the receiver's wall clock
   * @returns whether the record was taken
   */
  restore(record: UnitRecord, now: number): boolean {
    const known = this.#units.get(record.key);
    if (known !== undefined && known.lastSeen >= record.lastSeen) return false;
    if (known === undefined && this.#units.size >= this.#maxUnits) return false;
    const unit: MutableUnit = {
      ...record,
      heartbeatIntervalMs: boundInterval(record.heartbeatIntervalMs),
      stale: false,
    };
    unit.stale = this.#isStale(unit, now);
    this.#units.delete(unit.key);
    this.#units.set(unit.key, unit);
    return true;
  }

  /**
   * Removes a unit (forgotten by an operator, or silent too long). It comes back if it sends
   * telemetry again.
   *
   * @param key the unit's key (see {@linkcode unitKey})
   * @param now the receiver's wall clock
   * @returns the `removed` change, or null when the unit was unknown
   */
  remove(key: string, now: number): UnitChange | null {
    const u = this.#units.get(key);
    if (u === undefined) return null;
    this.#units.delete(key);
    return { type: "removed", unit: this.#snapshot(u, now) };
  }

  /**
   * Every unit, sorted by key (`<unit>` in OPS, `<ACCOUNT>.<unit>`), with staleness as of `now`.
   *
   * @param now the receiver's wall clock
   * @returns snapshots (safe to serialise or keep)
   */
  units(now: number): UnitState[] {
    return [...this.#units.values()]
      .sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
      .map((u) => this.#snapshot(u, now));
  }

  /**
   * One page of units, filtered and sorted; only the page is copied, so a page of 100 out of
   * 10,000 units costs a sort, not 10,000 snapshots.
   *
   * @param query offset, limit, sort key, direction and filter
   * @param now the receiver's wall clock
   * @returns the page and how many units matched
   */
  query(query: UnitQuery, now: number): UnitPage {
    const sort = query.sort ?? "unit";
    const desc = query.dir === "desc";
    const q = query.q?.toLowerCase() ?? "";
    let units = [...this.#units.values()];
    const accounts = query.accounts;
    if (accounts !== undefined && accounts !== null) {
      // Units without an account of their own report in OPS.
      units = units.filter((u) => accounts.includes((u as { account?: string }).account ?? "OPS"));
    }
    if (q !== "") {
      units = units.filter((u) =>
        u.key.toLowerCase().includes(q) ||
        (u.heartbeat?.host ?? "").toLowerCase().includes(q)
      );
    }
    // Staleness is decided as of `now` for sorting too.
    const keyed = units.map((u) => {
      const unit = sort === "state" ? { ...u, stale: this.#isStale(u, now) } : u;
      return { u, key: sortValue(unit, sort) };
    });
    keyed.sort((a, b) => {
      if (a.key === null || b.key === null) {
        if (a.key === b.key) return a.u.key < b.u.key ? -1 : 1;
        return a.key === null ? 1 : -1;
      }
      const order = a.key < b.key ? -1 : a.key > b.key ? 1 : a.u.key < b.u.key ? -1 : 1;
      return desc ? -order : order;
    });
    const offset = Math.max(0, query.offset ?? 0);
    const limit = Math.max(1, query.limit ?? 100);
    return {
      total: keyed.length,
      units: keyed.slice(offset, offset + limit).map(({ u }) => this.#snapshot(u, now)),
    };
  }

  /**
   * One unit.
   *
   * @param key the unit's key (see {@linkcode unitKey})
   * @param now the receiver's wall clock
   * @returns its snapshot, or undefined when unknown
   */
  unit(key: string, now: number): UnitState | undefined {
    const u = this.#units.get(key);
    return u === undefined ? undefined : this.#snapshot(u, now);
  }

  /**
   * What the store keeps of a unit.
   *
   * @param key the unit's key (see {@linkcode unitKey})
   * @returns its record, or undefined when unknown
   */
  record(key: string): UnitRecord | undefined {
    const u = this.#units.get(key);
    if (u === undefined) return undefined;
    const { stale: _stale, ...record } = u;
    return record;
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
   * Counters: received, accepted by kind, dropped by reason, units and stale units.
   *
   * @param now the receiver's wall clock, for staleness
   * @returns a snapshot
   */
  stats(now: number): UnitTableStats {
    const dropped = { ...this.#dropped };
    let stale = 0;
    for (const u of this.#units.values()) if (this.#isStale(u, now)) stale++;
    return {
      received: this.#received,
      accepted: { ...this.#accepted },
      ignored: this.#ignored,
      dropped,
      droppedTotal: Object.values(dropped).reduce((a, b) => a + b, 0),
      recentDrops: this.#drops.toArray(),
      signatures: this.#verifier?.stats() ?? null,
      units: this.#units.size,
      staleUnits: stale,
      maxUnits: this.#maxUnits,
      evicted: this.#evicted,
      refused: this.#refused,
      truncatedLogs: this.#truncatedLogs,
    };
  }

  #drop(now: number, subject: string, reason: DropReason, error: string): void {
    this.#dropped[reason]++;
    this.#drops.push({ at: now, subject, reason, error });
  }

  #decode<T>(msg: TelemetryMessage, schema: WireSchema<T>, now: number): T | undefined {
    const d = decodeMessage(schema, msg.data, { nowMs: now });
    if (d.ok) return d.value;
    this.#drop(now, msg.subject, d.reason, d.error);
    return undefined;
  }

  #sameUnit(
    msg: TelemetryMessage,
    payloadUnit: string,
    subjectUnit: string,
    now: number,
  ): boolean {
    if (payloadUnit === subjectUnit) return true;
    this.#drop(
      now,
      msg.subject,
      "unit_mismatch",
      `Unit "${payloadUnit}" in the payload does not match "${subjectUnit}" in the subject`,
    );
    return false;
  }

  /**
   * The unit a message is about, created if new, moved to the end of the table's order (most
   * recently heard). In a full table a new unit evicts the stale unit heard from longest ago, or
   * is refused (undefined) when none of the least recently heard is stale.
   */
  #touch(
    account: string,
    unitId: string,
    now: number,
  ): { unit: MutableUnit; added: boolean; evicted?: UnitState } | undefined {
    const key = unitKey(account, unitId);
    let unit = this.#units.get(key);
    const added = unit === undefined;
    let evicted: UnitState | undefined;
    if (unit === undefined && this.#units.size >= this.#maxUnits) {
      evicted = this.#evictStale(now);
      if (evicted === undefined) {
        this.#refused++;
        return undefined;
      }
    }
    if (unit === undefined) {
      unit = {
        key,
        account,
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
    } else this.#units.delete(key);
    this.#units.set(key, unit);
    unit.lastSeen = now;
    return { unit, added, evicted };
  }

  #evictStale(now: number): UnitState | undefined {
    let looked = 0;
    for (const u of this.#units.values()) {
      if (looked++ >= EVICTION_SCAN) break;
      if (!this.#isStale(u, now)) continue;
      this.#units.delete(u.key);
      this.#evicted++;
      return this.#snapshot(u, now);
    }
    return undefined;
  }

  #heartbeat(account: string, hb: Heartbeat, now: number): UnitChange | null {
    const touched = this.#touch(account, hb.unitId, now);
    if (touched === undefined) return null;
    this.#accepted.heartbeat++;
    const { unit, added, evicted } = touched;
    const prev = unit.heartbeat;
    // Infer the interval from two consecutive heartbeats of the same run (seq increasing) by the
    // sender's own timestamps, so network jitter does not enter; smoothed against outliers, and
    // bounded, so that no timestamp keeps a stopped unit "live" for long.
    if (prev !== null && hb.seq > prev.seq && hb.ts > prev.ts) {
      const measured = boundInterval((hb.ts - prev.ts) / (hb.seq - prev.seq));
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
    return this.#change(added ? "added" : wasStale ? "fresh" : "heartbeat", unit, now, evicted);
  }

  #isStale(u: UnitRecord, now: number): boolean {
    return now - (u.heartbeatAt ?? u.lastSeen) > this.#staleAfter * u.heartbeatIntervalMs;
  }

  #change(type: UnitChangeType, u: MutableUnit, now: number, evicted?: UnitState): UnitChange {
    const change = { type, unit: this.#snapshot(u, now) };
    return evicted === undefined ? change : { ...change, evicted };
  }

  #snapshot(u: MutableUnit, now: number): UnitState {
    return { ...u, stale: this.#isStale(u, now) };
  }
}
