import { headers, type NatsConnection } from "@nats-io/nats-core";
import {
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  type JetStreamClient,
  type JetStreamManager,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import type { HistoryTier } from "../config/mod.ts";
import { decodeFrame, encodeFrame, FRAME_ENCODING_HEADER } from "./codec.ts";
import type { Frame, Kind } from "./frame.ts";

/** Subjects of history points: `nunect.history.<tier>.<kind>`. Outside `ops.>`: units cannot write them. */
export const HISTORY_SUBJECT = "nunect.history";

/**
 * The subject of one tier and kind.
 *
 * @param tier the tier's name, e.g. `10s`
 * @param kind the kind
 * @returns e.g. `nunect.history.10s.stream`
 */
export function historySubject(tier: string, kind: Kind | "*"): string {
  return `${HISTORY_SUBJECT}.${tier}.${kind}`;
}

/**
 * The stream holding one tier (one stream per tier, since retention is per stream).
 *
 * @param tier the tier's name
 * @returns e.g. `nunect_history_10s`
 */
export function historyStream(tier: string): string {
  return `nunect_history_${tier}`;
}

/** Options of {@linkcode HistoryStore}. */
export interface HistoryStoreOptions {
  /** The tiers, finest first (from HISTORY_TIERS). */
  readonly tiers: readonly HistoryTier[];
  /**
   * Size limit of all tiers together in bytes (HISTORY_MAX_MB), shared by the points each tier
   * keeps (keep / step); the oldest points go first.
   */
  readonly maxBytes: number;
  /** Stream replicas (1 on a single server, 3 in a cluster). */
  readonly replicas?: number;
}

/** Counters of a {@linkcode HistoryStore}. */
export interface HistoryStoreStats {
  /** Messages published (chunks). */
  readonly published: number;
  /** Publishes the stream dropped as duplicates of a point another collector already wrote. */
  readonly duplicates: number;
  /** Bytes of payload published (compressed). */
  readonly bytes: number;
}

/** How long one tier's stream holds its points ({@linkcode HistoryStore.retention}). */
export interface TierRetention {
  /** The tier's name. */
  readonly tier: string;
  /** Its step, seconds. */
  readonly stepS: number;
  /** How long its points should be kept (HISTORY_TIERS), seconds. */
  readonly keepS: number;
  /** The stream's byte limit (its share of HISTORY_MAX_MB); 0 when the stream does not exist. */
  readonly maxBytes: number;
  /** Bytes stored now (as JetStream counts them against the limit). */
  readonly bytes: number;
  /** Messages stored now (one per point and kind, or more for chunked points). */
  readonly messages: number;
  /** Time of the oldest stored message, ms since the epoch; null when empty. */
  readonly oldest: number | null;
  /**
   * How long the tier holds its points at the rate it has been filling: `keepS` when the byte
   * limit allows it, less when the limit fills first; null until a few points are stored.
   */
  readonly holdsS: number | null;
}

/**
 * Metric history in JetStream: one stream per tier in the OPS account, a message per point and
 * kind (brotli-compressed JSON, chunked when large; see {@linkcode encodeFrame}), written once:
 * each message carries `Nats-Msg-Id` = `<tier>.<kind>.<t>.<chunk>`, so a second collector writing
 * the same point is dropped by the stream's duplicate window.
 */
export class HistoryStore {
  readonly #js: JetStreamClient;
  readonly #jsm: Promise<JetStreamManager>;
  readonly #options: HistoryStoreOptions;
  #stats = { published: 0, duplicates: 0, bytes: 0 };

  /**
   * Creates the store; nothing is requested until it is used.
   *
   * @param nc a connection of the OPS account with JetStream
   * @param options tiers, limits
   */
  constructor(nc: NatsConnection, options: HistoryStoreOptions) {
    this.#js = jetstream(nc);
    this.#jsm = jetstreamManager(nc);
    // Without JetStream the manager rejects: that is reported where it is used, never unhandled
    // (which would end the dashboard's process).
    this.#jsm.catch(() => {});
    this.#options = options;
  }

  /** The tiers, finest first. */
  get tiers(): readonly HistoryTier[] {
    return this.#options.tiers;
  }

  /**
   * Creates the tier streams, or updates their limits to the configuration.
   *
   * @throws when JetStream is unavailable in the account
   */
  async ensure(): Promise<void> {
    const jsm = await this.#jsm;
    const tiers = this.#options.tiers;
    const points = tiers.reduce((sum, t) => sum + t.keepS / t.stepS, 0);
    for (const tier of tiers) {
      const share = (tier.keepS / tier.stepS) / points;
      const keepNs = tier.keepS * 1e9;
      const config: Partial<StreamConfig> & { name: string } = {
        name: historyStream(tier.name),
        subjects: [`${HISTORY_SUBJECT}.${tier.name}.>`],
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        discard: DiscardPolicy.Old,
        max_age: keepNs,
        max_bytes: Math.max(1 << 20, Math.floor(this.#options.maxBytes * share)),
        // Long enough to catch a second collector writing the same point, never past max_age.
        duplicate_window: Math.min(keepNs, Math.max(120, 3 * tier.stepS) * 1e9),
        num_replicas: this.#options.replicas ?? 1,
        allow_direct: true,
        description: `nunect metric history: a point every ${tier.name}, kept ${tier.keepS} s`,
      };
      try {
        await jsm.streams.info(config.name);
        await jsm.streams.update(config.name, config);
      } catch (e) {
        if (!/not found/i.test((e as Error).message)) throw e;
        await jsm.streams.add(config);
      }
    }
  }

  /**
   * Writes one point (compressed, in chunks of at most 256 KiB of JSON).
   *
   * @param tier the tier's name
   * @param frame the point
   * @returns how many chunks the stream stored (0 when all were duplicates)
   */
  async write(tier: string, frame: Frame): Promise<number> {
    const subject = historySubject(tier, frame.kind);
    let stored = 0;
    const chunks = encodeFrame(frame);
    for (let i = 0; i < chunks.length; i++) {
      const payload = chunks[i]!;
      const h = headers();
      h.set(FRAME_ENCODING_HEADER, "br");
      const ack = await this.#js.publish(subject, payload, {
        msgID: `${tier}.${frame.kind}.${frame.t}.${i}`,
        headers: h,
      });
      this.#stats.published++;
      this.#stats.bytes += payload.length;
      if (ack.duplicate) this.#stats.duplicates++;
      else stored++;
    }
    return stored;
  }

  /**
   * Points of one tier and kind in `[fromMs, toMs)`, chunks merged, oldest first.
   *
   * @param tier the tier's name
   * @param kind the kind
   * @param fromMs start (inclusive), ms since the epoch
   * @param toMs end (exclusive), default now
   * @returns the frames (none while the tier's stream does not exist yet); malformed stored
   *   messages are skipped
   */
  async read(tier: string, kind: Kind, fromMs: number, toMs = Date.now()): Promise<Frame[]> {
    const stream = historyStream(tier);
    if (!await this.#exists(stream)) return [];
    // Points are stored up to one step after their t; start reading a little earlier.
    const step = this.#options.tiers.find((t) => t.name === tier)?.stepS ?? 0;
    const consumer = await this.#js.consumers.get(stream, {
      filter_subjects: historySubject(tier, kind), // a string: works on 2.9 too
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: new Date(Math.max(0, fromMs - 2000)).toISOString(),
    });
    const byT = new Map<number, Frame>();
    try {
      const info = await consumer.info(true);
      let pending = info.num_pending;
      if (pending > 0) {
        const messages = await consumer.consume({ max_messages: 1000 });
        for await (const m of messages) {
          pending = m.info.pending;
          const f = decodeFrame(m.data, m.headers?.get(FRAME_ENCODING_HEADER));
          if (f !== undefined) {
            if (f.t >= fromMs && f.t < toMs) {
              const had = byT.get(f.t);
              byT.set(f.t, had ? { ...had, rows: { ...had.rows, ...f.rows } } : f);
            }
            if (f.t >= toMs + step * 1000) break;
          }
          if (pending === 0) break;
        }
        messages.stop();
      }
    } finally {
      await consumer.delete().catch(() => {});
    }
    return [...byT.values()].sort((a, b) => a.t - b.t);
  }

  /**
   * How long each tier's stream holds its points: the configured keep, the stream's byte limit,
   * what it stores now, and how long the limit lasts at the rate it has been filling — the
   * figure that says whether HISTORY_MAX_MB is enough for HISTORY_TIERS.
   *
   * @returns one entry per tier, finest first; a tier whose stream does not exist yet has no
   *   points and `holdsS` null
   */
  async retention(): Promise<TierRetention[]> {
    const jsm = await this.#jsm;
    const out: TierRetention[] = [];
    for (const tier of this.#options.tiers) {
      const base = { tier: tier.name, stepS: tier.stepS, keepS: tier.keepS };
      let info;
      try {
        info = await jsm.streams.info(historyStream(tier.name));
      } catch (e) {
        if (!/not found/i.test((e as Error).message)) throw e;
        out.push({ ...base, maxBytes: 0, bytes: 0, messages: 0, oldest: null, holdsS: null });
        continue;
      }
      const { bytes, messages } = info.state;
      const maxBytes = info.config.max_bytes;
      const oldest = messages > 0 ? Date.parse(info.state.first_ts) : null;
      const spanS = oldest === null ? 0 : (Date.parse(info.state.last_ts) - oldest) / 1000;
      let holdsS: number | null = null;
      if (maxBytes > 0 && bytes >= 0.98 * maxBytes) holdsS = Math.min(tier.keepS, spanS);
      else if (spanS >= 2 * tier.stepS) {
        holdsS = maxBytes > 0 ? Math.min(tier.keepS, maxBytes / (bytes / spanS)) : tier.keepS;
      }
      out.push({ ...base, maxBytes, bytes, messages, oldest, holdsS });
    }
    return out;
  }

  async #exists(stream: string): Promise<boolean> {
    try {
      await (await this.#jsm).streams.info(stream);
      return true;
    } catch (e) {
      if (/not found/i.test((e as Error).message)) return false;
      throw e;
    }
  }

  /** Counters since start. */
  stats(): HistoryStoreStats {
    return { ...this.#stats };
  }
}
