import type { NatsConnection } from "@nats-io/nats-core";
import {
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import type { z } from "zod";
import {
  decodeMessage,
  type LogRecord,
  logSchema,
  type RttMetric,
  rttSchema,
  subjects,
  type TimeMetric,
  timeMetricSchema,
  validateUnitId,
} from "../protocol/mod.ts";

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
  /** Subjects the stream stores (default `ops.metric.>` and `ops.log.>`). */
  readonly subjects?: readonly string[];
  /** Age limit in ms (default 7 days, TELEMETRY_HISTORY_MAX_AGE_H). */
  readonly maxAgeMs?: number;
  /** Size limit in bytes (default 256 MiB, TELEMETRY_HISTORY_MAX_MB). */
  readonly maxBytes?: number;
  /** Replicas (default 1). */
  readonly replicas?: number;
}

const SCHEMAS = { rtt: rttSchema, time: timeMetricSchema, log: logSchema } as const;

/**
 * Metric history and logs of every unit in a JetStream stream of the OPS account, with age and
 * size limits. The server stores the messages itself (the stream captures `ops.metric.>` and
 * `ops.log.>`); this class creates or updates the stream and reads a unit's entries back for
 * charts.
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
      subjects: [...(options.subjects ?? [subjects.all.metric, subjects.all.log])],
      max_age: Math.round((options.maxAgeMs ?? 7 * 24 * 3600_000) * 1e6),
      max_bytes: options.maxBytes ?? 256 * 1024 * 1024,
      num_replicas: options.replicas ?? 1,
      description: "nunect metric history and logs (mods/monitor UnitHistory)",
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
   * Reads a unit's stored RTT metrics, time metrics or logs. Messages that do not parse are
   * skipped (they were counted when they arrived).
   *
   * @param unitId the unit
   * @param kind `rtt`, `time` or `log`
   * @param options start time and count
   * @returns the entries, oldest first
   * @throws {InvalidUnitIdError} for an invalid unit ID
   */
  async read<K extends HistoryKind>(
    unitId: string,
    kind: K,
    options: HistoryOptions = {},
  ): Promise<HistoryEntry<HistoryValue[K]>[]> {
    const subject = kind === "rtt"
      ? subjects.rtt(unitId)
      : kind === "time"
      ? subjects.time(unitId)
      : `ops.log.*.${validateUnitId(unitId)}`;
    const schema = SCHEMAS[kind] as unknown as z.ZodType<HistoryValue[K]>;
    const since = options.sinceMs ?? Date.now() - 3600_000;
    const limit = Math.max(1, options.limit ?? 1000);
    // Without a message at or after `since` a fetch would wait for its expiry: look first.
    const jsm = await jetstreamManager(this.#nc);
    let last: { time: Date } | null = null;
    if (kind !== "log") {
      last = await jsm.streams.getMessage(this.stream, { last_by_subj: subject })
        .catch(() => null);
    } else {
      const info = await jsm.streams.info(this.stream, { subjects_filter: subject });
      if (Object.keys(info.state.subjects ?? {}).length > 0) last = { time: new Date() };
    }
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
