import type { NatsConnection } from "@nats-io/nats-core";
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager } from "@nats-io/jetstream";
import { type KV, Kvm, KvWatchInclude } from "@nats-io/kv";
import { z } from "zod";
import { heartbeatSchema, rttSchema, timeMetricSchema, type WireSchema } from "../protocol/mod.ts";
import { unitKey, type UnitRecord } from "./unit_table.ts";

/** Options of {@linkcode UnitStore.open}. */
export interface UnitStoreOptions {
  /** KV bucket of unit records in OPS (default `nunect_units`). */
  readonly bucket?: string;
  /** Replicas of the bucket (default 1). */
  readonly replicas?: number;
}

/** Counters of a {@linkcode UnitStore}. */
export interface UnitStoreStats {
  /** The KV bucket. */
  readonly bucket: string;
  /** Unit records written. */
  readonly persisted: number;
  /** Writes and deletes that failed (a failed write is retried at the next flush). */
  readonly persistErrors: number;
  /** Units read back by {@linkcode UnitStore.load}. */
  readonly restored: number;
  /** Records that did not parse when loaded (skipped). */
  readonly restoreErrors: number;
}

/** A protocol message inside a record, checked by its schema (which has no defaults to apply). */
const message = <T>(schema: WireSchema<T>) =>
  z.custom<T>((v) => schema.safeParse(v).success, "not a valid protocol message");

// What a KV record holds; parsed at the edge like any message from the wire.
// Records from before operator mode carry neither an account nor a key: they are OPS units.
const unitRecordSchema = z.object({
  account: z.string().default("OPS"),
  unitId: z.string(),
  heartbeat: message(heartbeatSchema).nullable(),
  rtt: message(rttSchema).nullable(),
  time: message(timeMetricSchema).nullable(),
  firstSeen: z.number(),
  lastSeen: z.number(),
  heartbeatAt: z.number().nullable(),
  rttAt: z.number().nullable(),
  timeAt: z.number().nullable(),
  skewMs: z.number().nullable(),
  heartbeatIntervalMs: z.number().positive(),
  intervalInferred: z.boolean(),
}).transform((r): UnitRecord => ({ ...r, key: unitKey(r.account, r.unitId) }));

const encoder = new TextEncoder();
/** Requests in flight at once: 1,000 units must not become 1,000 KV requests at once. */
const CONCURRENCY = 64;

/**
 * Unit records in a JetStream KV bucket of the OPS account, one key per unit (see `unitKey`): the units table
 * survives a dashboard or server restart, and every dashboard instance on the same NATS system
 * sees the others' deletions ({@linkcode UnitStore.watchDeletes}). Records are parsed when read;
 * a record that does not parse is counted and skipped.
 */
export class UnitStore {
  readonly #kv: KV;
  readonly #bucket: string;
  #persisted = 0;
  #persistErrors = 0;
  #restored = 0;
  #restoreErrors = 0;

  private constructor(kv: KV, bucket: string) {
    this.#kv = kv;
    this.#bucket = bucket;
  }

  /**
   * Creates (or opens) the bucket.
   *
   * @param nc a connection of the OPS dashboard user
   * @param options bucket name and replicas
   * @returns the store
   * @throws when the bucket cannot be created (JetStream off for the account, or not ready)
   */
  static async open(nc: NatsConnection, options: UnitStoreOptions = {}): Promise<UnitStore> {
    const bucket = options.bucket ?? "nunect_units";
    const kv = await new Kvm(nc).create(bucket, {
      history: 1,
      replicas: options.replicas ?? 1,
      description: "nunect units table (mods/monitor UnitStore)",
    });
    return new UnitStore(kv, bucket);
  }

  /**
   * Opens the bucket only if it exists, never creating it: for programs that read the units the
   * dashboard stores (the history collector, the alerts program), so that the bucket's settings
   * stay the dashboard's.
   *
   * @param nc a connection of the OPS account
   * @param options the bucket name
   * @returns the store, or null while the bucket does not exist
   * @throws when JetStream cannot be asked (off for the account, or not ready)
   */
  static async openExisting(
    nc: NatsConnection,
    options: Pick<UnitStoreOptions, "bucket"> = {},
  ): Promise<UnitStore | null> {
    const bucket = options.bucket ?? "nunect_units";
    try {
      await (await jetstreamManager(nc, { checkAPI: false })).streams.info(`KV_${bucket}`);
    } catch (e) {
      if (e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound) {
        return null;
      }
      throw e;
    }
    return new UnitStore(await new Kvm(nc).open(bucket), bucket);
  }

  /**
   * Reads every stored unit.
   *
   * @returns the records that parsed
   */
  async load(): Promise<UnitRecord[]> {
    const keys: string[] = [];
    for await (const k of await this.#kv.keys()) keys.push(k);
    const out: UnitRecord[] = [];
    await inBatches(keys, async (key) => {
      const e = await this.#kv.get(key);
      if (e === null || e.operation !== "PUT") return;
      let json: unknown;
      try {
        json = e.json();
      } catch {
        this.#restoreErrors++;
        return;
      }
      const r = unitRecordSchema.safeParse(json);
      if (!r.success || r.data.key !== key) {
        this.#restoreErrors++;
        return;
      }
      out.push(r.data);
      this.#restored++;
    });
    return out;
  }

  /**
   * Writes unit records; failures are counted and returned for a retry.
   *
   * @param records the records to write
   * @returns the IDs whose write failed
   */
  async save(records: readonly UnitRecord[]): Promise<string[]> {
    const failed: string[] = [];
    await inBatches(records, async (r) => {
      try {
        await this.#kv.put(r.key, encoder.encode(JSON.stringify(r)));
        this.#persisted++;
      } catch {
        this.#persistErrors++;
        failed.push(r.key);
      }
    });
    return failed;
  }

  /**
   * Deletes a unit's record.
   *
   * @param key the unit's key (see `unitKey`)
   * @returns when the delete is acknowledged
   */
  async delete(key: string): Promise<void> {
    try {
      await this.#kv.delete(key);
    } catch (e) {
      this.#persistErrors++;
      throw e;
    }
  }

  /**
   * Calls `fn` with the key of every unit record deleted from now on, by this or another
   * dashboard instance.
   *
   * @param fn the listener
   * @returns a function that stops watching
   */
  async watchDeletes(fn: (key: string) => void): Promise<() => void> {
    const watch = await this.#kv.watch({ include: KvWatchInclude.UpdatesOnly });
    (async () => {
      for await (const e of watch) {
        if (e.operation !== "PUT") fn(e.key);
      }
    })().catch(() => {/* the watch ends with the connection */});
    return () => watch.stop();
  }

  /**
   * Counters of writes and reads.
   *
   * @returns a snapshot
   */
  stats(): UnitStoreStats {
    return {
      bucket: this.#bucket,
      persisted: this.#persisted,
      persistErrors: this.#persistErrors,
      restored: this.#restored,
      restoreErrors: this.#restoreErrors,
    };
  }
}

async function inBatches<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += CONCURRENCY) {
    await Promise.all(items.slice(i, i + CONCURRENCY).map(fn));
  }
}
