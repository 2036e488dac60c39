import type { NatsConnection } from "../client/nats_types.ts";
import type { HistoryTier } from "../config/mod.ts";
import { Downsampler } from "./downsample.ts";
import { type Frame, KINDS } from "./frame.ts";
import { Lease } from "./lease.ts";
import type { Sample } from "./sampler.ts";
import { framesFromSnapshot } from "./snapshot.ts";
import { HistoryStore } from "./store.ts";

/** Options of {@linkcode HistoryCollector.start}. */
export interface HistoryCollectorOptions {
  /** OPS-account connection: history streams and the lease. */
  readonly nc: NatsConnection;
  /** Reads one snapshot (see `sysSampler`). */
  readonly sample: Sample;
  /** Tiers, finest first; the first tier's step is the sampling interval. */
  readonly tiers: readonly HistoryTier[];
  /** Size limit of all tiers' streams together, bytes. */
  readonly maxBytes: number;
  /** Replicas of the streams and the lease bucket. */
  readonly replicas?: number;
  /** This collector's stable name (`<UNIT_ID>-history`): a restart under it resumes at once. */
  readonly collectorId: string;
  /** Lease TTL (default half a step, at least 1 s): a dead leader's successor starts within it. */
  readonly leaseMs?: number;
  /** Called with every point written (tier, frame), e.g. for live charts. */
  readonly onFrame?: (tier: string, frame: Frame) => void;
  /** Problems worth an operator's attention. */
  readonly log?: (line: string) => void;
}

/** Counters of a {@linkcode HistoryCollector}. */
export interface HistoryCollectorStats {
  /** Whether this collector leads (samples and writes) now. */
  readonly leader: boolean;
  /** Times it became the leader. */
  readonly takeovers: number;
  /** Sampling rounds done, and failed. */
  readonly rounds: number;
  /** Rounds that failed (no NATS, no JetStream); the point is missing. */
  readonly failedRounds: number;
  /** Time of the last point written, ms (0: none yet). */
  readonly lastPointAt: number;
  /** Store counters: messages, duplicates dropped, bytes. */
  readonly store: ReturnType<HistoryStore["stats"]>;
}

/**
 * The history collector: while it holds the `history` lease it takes one snapshot per step of the
 * finest tier (aligned to the step, so every collector means the same point by the same time),
 * writes it, and writes each coarser point as the downsampler finishes it. A second collector
 * waits on the lease; when the leader stops renewing, the second takes over within the lease
 * TTL (half a step), seeds the coarser buckets from what is stored, and samples at once, so no
 * point is lost. Writes carry a message ID per point, so even two leaders for a moment store
 * each point once.
 */
export class HistoryCollector implements AsyncDisposable {
  readonly #options: HistoryCollectorOptions;
  readonly #store: HistoryStore;
  readonly #lease: Lease;
  readonly #stepMs: number;
  readonly #leaseMs: number;
  #downsampler: Downsampler;
  #closed = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> = Promise.resolve();
  #lastT = -1;
  #stats = { takeovers: 0, rounds: 0, failedRounds: 0, lastPointAt: 0 };

  private constructor(options: HistoryCollectorOptions, store: HistoryStore, lease: Lease) {
    this.#options = options;
    this.#store = store;
    this.#lease = lease;
    this.#stepMs = options.tiers[0]!.stepS * 1000;
    this.#leaseMs = options.leaseMs ?? Math.max(1000, this.#stepMs / 2);
    this.#downsampler = this.#newDownsampler();
  }

  /**
   * Creates the streams and the lease bucket and starts collecting in the background.
   *
   * @param options connection, sampler, tiers and limits
   * @returns the running collector
   * @throws when JetStream is unavailable in the OPS account
   */
  static async start(options: HistoryCollectorOptions): Promise<HistoryCollector> {
    if (options.tiers.length === 0) throw new RangeError("No history tiers configured");
    const store = new HistoryStore(options.nc, {
      tiers: options.tiers,
      maxBytes: options.maxBytes,
      replicas: options.replicas,
    });
    await store.ensure();
    const stepMs = options.tiers[0]!.stepS * 1000;
    const lease = await Lease.open(options.nc, {
      name: "history",
      holder: options.collectorId,
      ttlMs: options.leaseMs ?? Math.max(1000, stepMs / 2),
      replicas: options.replicas,
    });
    const c = new HistoryCollector(options, store, lease);
    c.#loop = c.#run();
    return c;
  }

  /** The store it writes to (for reading history back). */
  get store(): HistoryStore {
    return this.#store;
  }

  /** Counters and leadership. */
  stats(): HistoryCollectorStats {
    return { leader: this.#lease.held, ...this.#stats, store: this.#store.stats() };
  }

  #newDownsampler(): Downsampler {
    return new Downsampler(
      this.#options.tiers.map((t) => ({ name: t.name, stepMs: t.stepS * 1000 })),
    );
  }

  async #run(): Promise<void> {
    const renewMs = this.#leaseMs / 3;
    let nextAt = 0;
    while (!this.#closed) {
      const wasLeader = this.#lease.held;
      const leader = await this.#lease.tryAcquire();
      if (leader && !wasLeader) {
        this.#stats.takeovers++;
        await this.#seed();
        nextAt = 0; // sample the current point at once
      } else if (!leader && wasLeader) {
        this.#options.log?.("History collector lost the lease; another collector leads");
      }
      const now = Date.now();
      if (leader && now >= nextAt) {
        await this.#keepLeaseWhile(this.#round(now), renewMs);
        nextAt = now - (now % this.#stepMs) + this.#stepMs;
      }
      const wait = leader ? Math.min(renewMs, Math.max(0, nextAt - Date.now())) : renewMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  /**
   * Renews the lease every `renewMs` until `work` settles: a round slowed past the lease's TTL (a
   * loaded machine, a slow server) must not hand the lead to a standby in the middle of it.
   */
  async #keepLeaseWhile(work: Promise<void>, renewMs: number): Promise<void> {
    let settled = false;
    const done = work.finally(() => settled = true);
    while (!settled) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([done, new Promise((r) => timer = setTimeout(r, renewMs))]);
      clearTimeout(timer);
      if (!settled && !this.#closed) await this.#lease.tryAcquire();
    }
    await done;
  }

  /** Fills the coarser tiers' open buckets from stored finer points. */
  async #seed(): Promise<void> {
    this.#downsampler = this.#newDownsampler();
    const tiers = this.#options.tiers;
    const now = Date.now();
    try {
      for (let i = 1; i < tiers.length; i++) {
        const stepMs = tiers[i]!.stepS * 1000;
        const start = now - (now % stepMs);
        for (const kind of KINDS) {
          const frames = await this.#store.read(tiers[i - 1]!.name, kind, start, now + 1);
          this.#downsampler.seed(i, frames, now);
        }
      }
    } catch (e) {
      this.#options.log?.(
        `History collector could not read back open buckets: ${(e as Error).message}`,
      );
    }
  }

  async #round(now: number): Promise<void> {
    const t = now - (now % this.#stepMs);
    if (t === this.#lastT) return;
    this.#stats.rounds++;
    try {
      const snapshot = await this.#options.sample();
      const tier0 = this.#options.tiers[0]!.name;
      for (const frame of framesFromSnapshot(snapshot, t, this.#stepMs)) {
        await this.#store.write(tier0, frame);
        this.#options.onFrame?.(tier0, frame);
        for (const done of this.#downsampler.add(frame)) {
          await this.#store.write(done.tier, done.frame);
          this.#options.onFrame?.(done.tier, done.frame);
        }
      }
      this.#lastT = t;
      this.#stats.lastPointAt = t;
    } catch (e) {
      this.#stats.failedRounds++;
      this.#options.log?.(
        `History round at ${new Date(t).toISOString()} failed: ${(e as Error).message}`,
      );
    }
  }

  /**
   * Stops collecting and gives up the lease, so a standby takes over at once.
   *
   * @param release whether to release the lease (false: behave like a crash, for tests)
   */
  async close(release = true): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake?.();
    await this.#loop;
    if (release) await this.#lease.release();
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
