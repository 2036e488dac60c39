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
import {
  type CachedMessage,
  type CachedStreamState,
  frameBytes,
  FrameCache,
  type FrameCacheStats,
} from "./frame_cache.ts";

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
  /**
   * Bytes of decoded points to keep in memory for reads (DASHBOARD_HISTORY_CACHE_MB; default 0:
   * every read decodes what it reads). See {@linkcode HistoryStore.read}.
   */
  readonly cacheBytes?: number;
}

/** Counters of a {@linkcode HistoryStore}. */
export interface HistoryStoreStats {
  /** Messages published (chunks). */
  readonly published: number;
  /** Publishes the stream dropped as duplicates of a point another collector already wrote. */
  readonly duplicates: number;
  /** Bytes of payload published (compressed). */
  readonly bytes: number;
  /** The decoded-frame cache of reads (`maxBytes` 0: off). */
  readonly cache: FrameCacheStats;
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
  readonly #cache: FrameCache;
  readonly #locks = new Map<string, Promise<void>>();
  readonly #syncing = new Set<string>();

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
    this.#cache = new FrameCache(options.cacheBytes ?? 0);
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
   * With a cache (`cacheBytes`), the decoded messages of each tier and kind stay in memory: a
   * read asks the stream for its state (as an uncached read does to see that it exists), drops
   * from memory what the stream no longer stores, and reads from JetStream only the messages
   * memory lacks — newer than the cache, or older than it when the window starts earlier. The
   * answer is the same as without the cache (same messages, same order, same merging).
   *
   * @param tier the tier's name
   * @param kind the kind
   * @param fromMs start (inclusive), ms since the epoch
   * @param toMs end (exclusive), default now
   * @returns the frames (none while the tier's stream does not exist yet); malformed stored
   *   messages are skipped
   */
  read(tier: string, kind: Kind, fromMs: number, toMs = Date.now()): Promise<Frame[]> {
    if (this.#cache.maxBytes > 0) {
      return this.#locked(tier, () => this.#readCached(tier, kind, fromMs, toMs));
    }
    return this.#readStream(tier, kind, fromMs, toMs);
  }

  /**
   * Says that a point of a tier and kind was published (the dashboard's live subscription on
   * `nunect.history.>` calls it): a cached tier and kind is brought up to date in the
   * background, so the next read finds it in memory. Does nothing without a cache.
   *
   * @param tier the tier's name (from the subject)
   * @param kind the kind (from the subject)
   */
  notePoint(tier: string, kind: string): void {
    const key = `${tier}.${kind}`;
    if (!this.#cache.has(key) || this.#syncing.has(key)) return;
    this.#syncing.add(key);
    this.#locked(tier, async () => {
      this.#syncing.delete(key);
      if (!this.#cache.has(key)) return;
      await this.#sync(tier, kind as Kind, null);
      this.#cache.trim();
    }).catch(() => {/* the next read reads it (and reports the error) */});
  }

  /** Runs `fn` after every earlier cached read or sync of the tier. */
  #locked<T>(tier: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#locks.get(tier) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.then(() => {}, () => {});
    this.#locks.set(tier, tail);
    tail.then(() => {
      if (this.#locks.get(tier) === tail) this.#locks.delete(tier);
    });
    return run;
  }

  /** Reads what an uncached read reads, from memory plus what memory lacks. */
  async #readCached(tier: string, kind: Kind, fromMs: number, toMs: number): Promise<Frame[]> {
    const startMs = Math.max(0, fromMs - 2000);
    const startNs = BigInt(startMs) * 1_000_000n;
    const state = await this.#sync(tier, kind, startMs);
    if (state === null) return [];
    const frames = merged(
      this.#cache.messages(`${tier}.${kind}`, startNs),
      fromMs,
      toMs,
      this.#stepMs(tier),
    );
    this.#cache.trim();
    return frames;
  }

  /**
   * Checks the tier's stream, drops what it no longer has, and reads what the slot lacks: the
   * messages from `startMs` on that are older than it (when `startMs` is given) and every one
   * newer than it.
   *
   * @returns the stream's state, null when it does not exist
   */
  async #sync(tier: string, kind: Kind, startMs: number | null): Promise<CachedStreamState | null> {
    const stream = historyStream(tier);
    const subject = historySubject(tier, kind);
    const key = `${tier}.${kind}`;
    const state = await this.#state(stream);
    this.#cache.reconcile(tier, state);
    if (state === null) return null;
    const front = startMs === null
      ? undefined
      : this.#cache.front(key, BigInt(startMs) * 1_000_000n);
    if (startMs !== null && front !== undefined) {
      const before = front.beforeSeq;
      const got: CachedMessage[] = [];
      await this.#consume(stream, subject, { startMs }, (m) => {
        if (m.seq >= before) return false;
        if (m.frame !== undefined) got.push({ ...m, frame: m.frame, bytes: frameBytes(m.frame) });
        return true;
      });
      // Started at (or before) the stream's first message: memory holds all it has.
      const whole = state.messages === 0 || startMs <= state.firstMs;
      this.#cache.prepend(
        key,
        tier,
        got,
        whole ? null : BigInt(startMs) * 1_000_000n,
        state.lastSeq,
      );
    }
    const after = this.#cache.syncedTo(key);
    if (after !== undefined && after < state.lastSeq) {
      const got: CachedMessage[] = [];
      await this.#consume(stream, subject, { startSeq: after + 1 }, (m) => {
        if (m.frame !== undefined) got.push({ ...m, frame: m.frame, bytes: frameBytes(m.frame) });
        return true;
      });
      this.#cache.append(key, got, state.lastSeq);
    }
    return state;
  }

  /** The stream's state for the cache, null when it does not exist. */
  async #state(stream: string): Promise<CachedStreamState | null> {
    let info;
    try {
      info = await (await this.#jsm).streams.info(stream);
    } catch (e) {
      if (/not found/i.test((e as Error).message)) return null;
      throw e;
    }
    const s = info.state;
    return {
      created: info.created,
      firstSeq: s.first_seq,
      lastSeq: s.last_seq,
      firstMs: s.messages > 0 ? Date.parse(s.first_ts) : NaN,
      messages: s.messages,
      deleted: s.num_deleted ?? 0,
    };
  }

  /** Reads the stream, every message decoded, as before the cache. */
  async #readStream(tier: string, kind: Kind, fromMs: number, toMs: number): Promise<Frame[]> {
    const stream = historyStream(tier);
    if (!await this.#exists(stream)) return [];
    const stepMs = this.#stepMs(tier);
    const read: CachedMessage[] = [];
    await this.#consume(
      stream,
      historySubject(tier, kind),
      { startMs: Math.max(0, fromMs - 2000) },
      ({ seq, tsNs, frame }) => {
        if (frame === undefined) return true;
        read.push({ seq, tsNs, frame, bytes: 0 });
        // Points are stored up to one step after their t: stop a step past the window.
        return frame.t < toMs + stepMs;
      },
    );
    return merged(read, fromMs, toMs, stepMs);
  }

  /**
   * Delivers the subject's messages from a time or a sequence on, decoded, until `visit` says
   * stop or none is left.
   */
  async #consume(
    stream: string,
    subject: string,
    from: { startMs: number } | { startSeq: number },
    visit: (m: { seq: number; tsNs: bigint; frame: Frame | undefined }) => boolean,
  ): Promise<void> {
    const consumer = await this.#js.consumers.get(stream, {
      filter_subjects: subject, // a string: works on 2.9 too
      ...("startMs" in from
        ? {
          deliver_policy: DeliverPolicy.StartTime,
          opt_start_time: new Date(from.startMs).toISOString(),
        }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from.startSeq }),
    });
    try {
      const info = await consumer.info(true);
      let pending = info.num_pending;
      if (pending > 0) {
        const messages = await consumer.consume({ max_messages: 1000 });
        for await (const m of messages) {
          pending = m.info.pending;
          const frame = decodeFrame(m.data, m.headers?.get(FRAME_ENCODING_HEADER));
          if (!visit({ seq: m.seq, tsNs: m.timestampNanos, frame })) break;
          if (pending === 0) break;
        }
        messages.stop();
      }
    } finally {
      await consumer.delete().catch(() => {});
    }
  }

  #stepMs(tier: string): number {
    return (this.#options.tiers.find((t) => t.name === tier)?.stepS ?? 0) * 1000;
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
    return { ...this.#stats, cache: this.#cache.stats() };
  }
}

/**
 * Frames from messages in sequence order, as a read merges them: chunks of one point into one
 * frame, only points in `[fromMs, toMs)`, stopping at the first a step past the window.
 */
function merged(
  messages: readonly CachedMessage[],
  fromMs: number,
  toMs: number,
  stepMs: number,
): Frame[] {
  const byT = new Map<number, Frame>();
  for (const { frame: f } of messages) {
    if (f.t >= fromMs && f.t < toMs) {
      const had = byT.get(f.t);
      byT.set(f.t, had ? { ...had, rows: { ...had.rows, ...f.rows } } : f);
    }
    if (f.t >= toMs + stepMs) break;
  }
  return [...byT.values()].sort((a, b) => a.t - b.t);
}
