import type { NatsConnection } from "@nats-io/nats-core";
import { StorageType } from "@nats-io/jetstream";
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
 * holder that restarts under the same name finds its own lease and keeps it.
 */
export class Lease {
  readonly #kv: KV;
  readonly #options: LeaseOptions;
  #revision = 0;
  #held = false;

  private constructor(kv: KV, options: LeaseOptions) {
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
    const bucket = options.bucket ?? `nunect_leases_${options.name}`;
    const kvm = new Kvm(nc);
    let kv: KV;
    try {
      kv = await kvm.create(bucket, {
        ttl: options.ttlMs,
        history: 1,
        storage: StorageType.Memory,
        replicas: options.replicas ?? 1,
      });
    } catch {
      // Created by another candidate with other settings: use it as it is.
      kv = await kvm.open(bucket);
    }
    return new Lease(kv, options);
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
      // Lost a race (wrong last sequence) or no JetStream right now: not the leader.
      return this.#held = false;
    }
  }

  /** Gives the lease up at once (a clean stop), so another candidate need not wait for expiry. */
  async release(): Promise<void> {
    if (!this.#held) return;
    this.#held = false;
    await this.#kv.delete(this.#options.name, { previousSeq: this.#revision }).catch(() => {});
  }
}
