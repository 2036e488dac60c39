import type { NatsConnection } from "@nats-io/nats-core";
import { type KV, Kvm, KvWatchInclude } from "@nats-io/kv";
import type { z } from "zod";
import { AccessConflictError, AccessStoreUnavailableError } from "./errors.ts";

/** One record and the KV revision it was read at (0 in memory mode). */
export interface Versioned<T> {
  readonly value: T;
  readonly revision: number;
}

/**
 * A KV bucket of JSON records mirrored in memory: a watch keeps every instance's copy current,
 * writes are compare-and-set on the revision read, and without a connection it keeps records in
 * this process only. Records that do not parse are ignored (and never served).
 */
export class KvMap<T> {
  readonly #kv: KV | null;
  readonly #schema: z.ZodType<T>;
  readonly #records = new Map<string, Versioned<T>>();
  #stop: (() => void) | undefined;
  /** Resolves once the watch has delivered what the bucket held at the start. */
  readonly loaded: Promise<void>;

  private constructor(kv: KV | null, schema: z.ZodType<T>, loaded: Promise<void>) {
    this.#kv = kv;
    this.#schema = schema;
    this.loaded = loaded;
  }

  /**
   * Opens (or creates) the bucket and starts following it.
   *
   * @param nc an OPS connection, or null for a map in this process only
   * @param bucket the bucket's name
   * @param schema each record's schema
   * @param options description and replicas
   * @returns the map, its existing records loaded
   */
  static async open<T>(
    nc: NatsConnection | null,
    bucket: string,
    schema: z.ZodType<T>,
    options: { description: string; replicas?: number },
  ): Promise<KvMap<T>> {
    if (nc === null) return new KvMap(null, schema, Promise.resolve());
    const kv = await new Kvm(nc).create(bucket, {
      history: 1,
      replicas: options.replicas ?? 1,
      description: options.description,
    });
    let markLoaded = () => {};
    const loaded = new Promise<void>((r) => markLoaded = r);
    const map = new KvMap(kv, schema, loaded);
    const held = (await kv.status()).values;
    const watch = await kv.watch({ include: KvWatchInclude.LastValue });
    map.#stop = () => watch.stop();
    if (held === 0) markLoaded();
    (async () => {
      for await (const e of watch) {
        if (e.operation !== "PUT") map.#records.delete(e.key);
        else {
          const value = map.#parse(e.value);
          if (value !== undefined) map.#records.set(e.key, { value, revision: e.revision });
        }
        // The last of what the bucket held when the watch started.
        if (e.delta === 0) markLoaded();
      }
    })().catch(() => {/* the watch ends with the connection */}).finally(() => markLoaded());
    // Bounded: a bucket that cannot be read in time is asked record by record (get()).
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([loaded, new Promise((r) => timer = setTimeout(r, 5000))]);
    clearTimeout(timer);
    return map;
  }

  /** Whether records live in KV (shared by every instance) or in this process only. */
  get shared(): boolean {
    return this.#kv !== null;
  }

  /**
   * A record as this instance knows it.
   *
   * @param key the key
   * @returns the record and its revision
   */
  peek(key: string): Versioned<T> | undefined {
    return this.#records.get(key);
  }

  /**
   * A record, asking the bucket when this instance has not seen it yet (made elsewhere a moment
   * ago).
   *
   * @param key the key
   * @returns the record and its revision
   * @throws {AccessStoreUnavailableError} when the bucket does not answer: absence is not assumed
   */
  async get(key: string): Promise<Versioned<T> | undefined> {
    const known = this.#records.get(key);
    if (known !== undefined || this.#kv === null) return known;
    const e = await this.#kv.get(key).catch((cause) => {
      throw new AccessStoreUnavailableError(
        `Cannot read "${key}" from the access store (JetStream did not answer); try again`,
        { cause },
      );
    });
    if (e?.operation !== "PUT") return undefined;
    const value = this.#parse(e.value);
    if (value === undefined) return undefined;
    const got = { value, revision: e.revision };
    this.#records.set(key, got);
    return got;
  }

  /** Every record this instance knows, by key. */
  entries(): [string, Versioned<T>][] {
    return [...this.#records.entries()];
  }

  /**
   * Creates a record that must not exist yet.
   *
   * @param key the key
   * @param value the record
   * @returns its revision
   * @throws {AccessConflictError} when the key exists
   */
  async create(key: string, value: T): Promise<number> {
    if (this.#kv === null) {
      if (this.#records.has(key)) throw new AccessConflictError(`"${key}" exists already`);
      this.#records.set(key, { value, revision: 1 });
      return 1;
    }
    const revision = await this.#kv.create(key, JSON.stringify(value)).catch((e) => {
      throw new AccessConflictError(`"${key}" exists already`, { cause: e });
    });
    this.#records.set(key, { value, revision });
    return revision;
  }

  /**
   * Replaces a record if nobody changed it since `revision` was read.
   *
   * @param key the key
   * @param value the new record
   * @param revision the revision it was read at
   * @returns the new revision
   * @throws {AccessConflictError} when it changed meanwhile (read it again and retry)
   */
  async update(key: string, value: T, revision: number): Promise<number> {
    if (this.#kv === null) {
      const known = this.#records.get(key);
      if (known === undefined || known.revision !== revision) {
        throw new AccessConflictError(`"${key}" changed meanwhile; try again`);
      }
      this.#records.set(key, { value, revision: revision + 1 });
      return revision + 1;
    }
    const next = await this.#kv.update(key, JSON.stringify(value), revision).catch((e) => {
      throw new AccessConflictError(`"${key}" changed meanwhile; try again`, { cause: e });
    });
    const known = this.#records.get(key);
    if (known === undefined || known.revision <= next) {
      this.#records.set(key, { value, revision: next });
    }
    return next;
  }

  /**
   * Changes a record by a function of its current value, retrying on concurrent changes.
   *
   * @param key the key
   * @param change the new value from the current one (may throw to refuse)
   * @returns the value stored
   * @throws what `change` throws; {@linkcode AccessConflictError} after repeated conflicts
   */
  async modify(key: string, change: (current: T) => T | Promise<T>): Promise<T> {
    for (let attempt = 0;; attempt++) {
      const current = await this.get(key);
      if (current === undefined) throw new AccessConflictError(`"${key}" does not exist`);
      const next = await change(current.value);
      if (next === current.value) return next; // unchanged: nothing to write
      try {
        await this.update(key, next, current.revision);
        return next;
      } catch (e) {
        if (!(e instanceof AccessConflictError) || attempt >= 4) throw e;
        // Re-read from the bucket: the mirror may lag behind the write that beat us.
        this.#records.delete(key);
      }
    }
  }

  /**
   * Deletes a record everywhere.
   *
   * @param key the key
   * @returns whether it existed
   */
  async delete(key: string): Promise<boolean> {
    const had = this.#records.delete(key);
    if (this.#kv === null) return had;
    const e = await this.#kv.get(key).catch(() => null);
    await this.#kv.delete(key);
    return had || e?.operation === "PUT";
  }

  /** Stops following the bucket; the connection stays open. */
  close(): void {
    this.#stop?.();
  }

  #parse(data: Uint8Array): T | undefined {
    try {
      const r = this.#schema.safeParse(JSON.parse(new TextDecoder().decode(data)));
      return r.success ? r.data : undefined;
    } catch {
      return undefined;
    }
  }
}
