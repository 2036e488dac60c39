import type { NatsConnection } from "@nats-io/nats-core";
import {
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
  StorageType,
} from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";

/** Options of {@linkcode Lease.open}. */
export interface LeaseOptions {
  /** KV bucket of leases (default `nunect_leases_<name>`). */
  readonly bucket?: string;
  /** What is led, e.g. `history`; the key. */
  readonly name: string;
  /** Who asks: stable across restarts of the same program (so a restart resumes at once). */
  readonly holder: string;
  /** A lease not renewed for this long expires (the bucket's TTL). */
  readonly ttlMs: number;
  /** Replicas of the bucket (default 1). */
  readonly replicas?: number;
}

/**
 * Leadership by a KV lease: the holder's name under one key of a bucket whose entries expire
 * after `ttlMs`; taking and renewing are compare-and-set on the key's revision, so two
 * candidates can never both hold it. A holder that dies stops renewing and the key expires; a
 * holder that restarts under the same name finds its own lease and keeps it. The bucket is kept in
 * memory: a nats-server restart loses it, and the next try makes it again.
 */
export class Lease {
  readonly #nc: NatsConnection;
  #kv: KV;
  readonly #options: LeaseOptions;
  #revision = 0;
  #held = false;

  private constructor(nc: NatsConnection, kv: KV, options: LeaseOptions) {
    this.#nc = nc;
    this.#kv = kv;
    this.#options = options;
  }

  /**
   * Opens (creating when absent) the lease bucket.
   *
   * @param nc a connection of the OPS account with JetStream
   * @param options name, holder and TTL
   * @returns the lease, not yet held
   */
  static async open(nc: NatsConnection, options: LeaseOptions): Promise<Lease> {
    return new Lease(nc, await bucketOf(nc, options), options);
  }

  /** Whether this candidate held the lease at its last acquire or renew. */
  get held(): boolean {
    return this.#held;
  }

  /** The current holder's name, or null when nobody holds it. */
  async holder(): Promise<string | null> {
    const e = await this.#kv.get(this.#options.name);
    return e === null || e.operation !== "PUT" ? null : e.string();
  }

  /**
   * Takes the lease when it is free or already this holder's, else keeps out; when held, renews.
   *
   * @returns whether this candidate holds the lease now
   */
  async tryAcquire(): Promise<boolean> {
    const { name, holder } = this.#options;
    try {
      if (this.#held) {
        this.#revision = await this.#kv.update(name, holder, this.#revision);
        return true;
      }
      const e = await this.#kv.get(name);
      if (e === null || e.operation !== "PUT") {
        this.#revision = await this.#kv.create(name, holder);
      } else if (e.string() === holder) {
        this.#revision = await this.#kv.update(name, holder, e.revision);
      } else {
        return this.#held = false;
      }
      return this.#held = true;
    } catch {
      // Lost a race (wrong last sequence) or no JetStream right now: not the leader. A bucket
      // gone (a restarted nats-server keeps no memory storage) is made again for the next try.
      this.#held = false;
      if (await this.#bucketGone()) this.#kv = await bucketOf(this.#nc, this.#options);
      return false;
    }
  }

  async #bucketGone(): Promise<boolean> {
    try {
      const jsm = await jetstreamManager(this.#nc, { checkAPI: false });
      await jsm.streams.info(`KV_${bucketName(this.#options)}`);
      return false;
    } catch (e) {
      return e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound;
    }
  }

  /** Gives the lease up at once (a clean stop), so another candidate need not wait for expiry. */
  async release(): Promise<void> {
    if (!this.#held) return;
    this.#held = false;
    await this.#kv.delete(this.#options.name, { previousSeq: this.#revision }).catch(() => {});
  }
}

function bucketName(options: LeaseOptions): string {
  return options.bucket ?? `nunect_leases_${options.name}`;
}

async function bucketOf(nc: NatsConnection, options: LeaseOptions): Promise<KV> {
  const kvm = new Kvm(nc);
  try {
    return await kvm.create(bucketName(options), {
      ttl: options.ttlMs,
      history: 1,
      storage: StorageType.Memory,
      replicas: options.replicas ?? 1,
    });
  } catch {
    // Created by another candidate with other settings: use it as it is.
    return await kvm.open(bucketName(options));
  }
}
