import { headers, type NatsConnection } from "@nats-io/nats-core";
import {
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import {
  decodeMessage,
  type LogRecord,
  logSchema,
  type RttMetric,
  rttSchema,
  type TimeMetric,
  timeMetricSchema,
  type WireSchema,
} from "../protocol/mod.ts";
import { type AcceptedRecord, validateUnitKey } from "./unit_table.ts";

/** Which history {@linkcode UnitHistory.read} reads. */
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

/** Options of {@linkcode UnitHistory.read}. */
export interface HistoryOptions {
  /** Only messages stored at or after this time (ms since the epoch; default: 1 hour ago). */
  readonly sinceMs?: number;
  /** At most this many, oldest first (default 1000). */
  readonly limit?: number;
}

/** Options of {@linkcode UnitHistory.open}. */
export interface UnitHistoryOptions {
  /** Stream of metric history and logs in OPS (default `nunect_telemetry`). */
  readonly stream?: string;
  /** Age limit in ms (default 7 days, TELEMETRY_HISTORY_MAX_AGE_H). */
  readonly maxAgeMs?: number;
  /** Size limit in bytes (default 256 MiB, TELEMETRY_HISTORY_MAX_MB). */
  readonly maxBytes?: number;
  /**
   * Records kept per unit and kind, the newest (default 10,000, TELEMETRY_HISTORY_PER_UNIT): a
   * unit's flood replaces only its own history.
   */
  readonly perUnit?: number;
  /** Replicas (default 1). */
  readonly replicas?: number;
}

/**
 * Where validated records are stored: `nunect.telemetry.<kind>.<unit>` for OPS's own units,
 * `nunect.telemetry.<kind>.<ACCOUNT>.<unit>` for a tenant's; one subject each.
 */
export const HISTORY_SUBJECT_PREFIX = "nunect.telemetry";

/** FNV-1a, 32 bits, of a string's UTF-16 code units, in hex. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16);
}

/** The subject of a unit's history of one kind, by its key (`<unit>` or `<ACCOUNT>.<unit>`). */
function historySubject(kind: HistoryKind, key: string): string {
  return `${HISTORY_SUBJECT_PREFIX}.${kind}.${validateUnitKey(key)}`;
}

/** The largest record stored: every field of every kind is bounded by the protocol. */
const MAX_RECORD_BYTES = 16 * 1024;
/** Two dashboard instances store the same record once (Nats-Msg-Id) within this window. */
const DUPLICATE_WINDOW_MS = 10_000;

const SCHEMAS = { rtt: rttSchema, time: timeMetricSchema, log: logSchema } as const;

/**
 * Metric history and logs of every unit in a JetStream stream of the OPS account, with age and
 * size limits. Only what passed validation is stored: the units table hands every valid RTT
 * metric, time metric and (bounded) log record to {@linkcode UnitHistory.store}, which publishes
 * it on the unit's own subject (`nunect.telemetry.<kind>.<unit>`, which only the dashboard's OPS
 * user may publish); the stream keeps at most `perUnit` records per subject, so a unit's flood
 * only replaces its own history, never another unit's (as long as the size limit holds what the
 * units keep: about units × 3 × perUnit × 0.5 KB). Raw `ops.*` traffic is never stored.
 */
export class UnitHistory {
  readonly #nc: NatsConnection;
  /** The stream's name. */
  readonly stream: string;

  private constructor(nc: NatsConnection, stream: string) {
    this.#nc = nc;
    this.stream = stream;
  }

  /**
   * Creates the stream, or updates its subjects and limits.
   *
   * @param nc a connection of the OPS dashboard user
   * @param options name, subjects and limits
   * @returns the history
   * @throws when the stream cannot be created or updated (JetStream off, or another stream
   *   already captures the subjects)
   */
  static async open(nc: NatsConnection, options: UnitHistoryOptions = {}): Promise<UnitHistory> {
    const name = options.stream ?? "nunect_telemetry";
    const jsm = await jetstreamManager(nc);
    const config = {
      subjects: [`${HISTORY_SUBJECT_PREFIX}.>`],
      max_age: Math.round((options.maxAgeMs ?? 7 * 24 * 3600_000) * 1e6),
      max_bytes: options.maxBytes ?? 256 * 1024 * 1024,
      max_msgs_per_subject: options.perUnit ?? 10_000,
      max_msg_size: MAX_RECORD_BYTES,
      duplicate_window: DUPLICATE_WINDOW_MS * 1e6,
      num_replicas: options.replicas ?? 1,
      description: "nunect metric history and logs, validated (mods/monitor UnitHistory)",
    };
    const exists = await jsm.streams.info(name).then(() => true, () => false);
    if (exists) await jsm.streams.update(name, config);
    else {
      await jsm.streams.add({
        name,
        ...config,
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
      });
    }
    return new UnitHistory(nc, name);
  }

  /**
   * Stores one validated record on its unit's subject (fire and forget: the stream's limits
   * apply, and a record two dashboard instances both store is kept once).
   *
   * @param record what the units table accepted
   */
  store(record: AcceptedRecord): void {
    if (this.#nc.isClosed()) return;
    const json = JSON.stringify(record.value);
    const h = headers();
    // The same record from two instances has the same ID; two different ones almost never do.
    h.set("Nats-Msg-Id", `${record.kind}.${record.key}.${record.value.ts}.${fnv1a(json)}`);
    this.#nc.publish(historySubject(record.kind, record.key), json, { headers: h });
  }

  /**
   * Reads a unit's stored RTT metrics, time metrics or logs. Messages that do not parse are
   * skipped (they were counted when they arrived).
   *
   * @param key the unit's key: its ID for an OPS unit, `<ACCOUNT>.<unit>` for a tenant's
   * @param kind `rtt`, `time` or `log`
   * @param options start time and count
   * @returns the entries, oldest first
   * @throws {InvalidUnitIdError} for an invalid unit ID
   */
  async read<K extends HistoryKind>(
    key: string,
    kind: K,
    options: HistoryOptions = {},
  ): Promise<HistoryEntry<HistoryValue[K]>[]> {
    const subject = historySubject(kind, key);
    const schema = SCHEMAS[kind] as unknown as WireSchema<HistoryValue[K]>;
    const since = options.sinceMs ?? Date.now() - 3600_000;
    const limit = Math.max(1, options.limit ?? 1000);
    // Without a message at or after `since` a fetch would wait for its expiry: look first.
    const jsm = await jetstreamManager(this.#nc);
    const last = await jsm.streams.getMessage(this.stream, { last_by_subj: subject })
      .catch(() => null);
    if (last === null || last.time.getTime() < since) return [];
    const consumer = await jetstream(this.#nc).consumers.get(this.stream, {
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
}
