import type { NatsConnection, Subscription } from "@nats-io/nats-core";
import { type LogRecord, subjects, type TimeConfig } from "../protocol/mod.ts";
import {
  type HistoryEntry,
  type HistoryKind,
  type HistoryOptions,
  type HistoryValue,
  UnitHistory,
} from "./unit_history.ts";
import { UnitStore } from "./unit_store.ts";
import { TelemetryVerifier, type UnitKeyLookup } from "./telemetry_verifier.ts";
import {
  type UnitChange,
  type UnitPage,
  type UnitQuery,
  type UnitState,
  UnitTable,
  type UnitTableOptions,
  type UnitTableStats,
} from "./unit_table.ts";

/** Counters of a {@linkcode UnitRegistry}: the table's, the store's and the history's. */
export interface UnitRegistryStats extends UnitTableStats {
  /** Unit records written to KV. */
  readonly persisted: number;
  /** KV writes and deletes that failed (a failed write is retried at the next flush). */
  readonly persistErrors: number;
  /** Units restored from KV at start. */
  readonly restored: number;
  /** KV records that did not parse at start (skipped). */
  readonly restoreErrors: number;
  /** The KV bucket, or null when units are kept in memory only. */
  readonly bucket: string | null;
  /** The history stream, or null when disabled or unavailable. */
  readonly historyStream: string | null;
  /** Why the history stream could not be created or updated (e.g. overlapping subjects). */
  readonly historyError: string | null;
}

/** Options of {@linkcode UnitRegistry.start}. */
export interface UnitRegistryOptions extends UnitTableOptions {
  /** KV bucket of unit records in OPS (default `nunect_units`); `null` keeps units in memory only. */
  readonly bucket?: string | null;
  /**
   * Whether this registry writes the bucket (default true: the dashboard, which owns the
   * records). With false it only reads it: the units stored there are restored at start (so a
   * unit silent since before the start is known, and can be missed) and deletions are followed,
   * but nothing is created, written or deleted; a bucket that does not exist yet is looked for
   * again every `persistIntervalMs`. For the programs beside the dashboard (history collector,
   * alerts).
   */
  readonly persist?: boolean;
  /** Stream of metric history and logs in OPS (default `nunect_telemetry`); `null`: none. */
  readonly historyStream?: string | null;
  /** Records kept per unit and kind in the history (default 10,000). */
  readonly historyPerUnit?: number;
  /** Age limit of history in ms (default 7 days). */
  readonly historyMaxAgeMs?: number;
  /** Size limit of history in bytes (default 256 MiB). */
  readonly historyMaxBytes?: number;
  /** Replicas of the bucket and stream (default 1). */
  readonly replicas?: number;
  /** How often changed unit records are written to KV, in ms (default 5000). */
  readonly persistIntervalMs?: number;
  /** How often staleness is checked, in ms (default 1000). */
  readonly staleCheckIntervalMs?: number;
  /** Subjects to subscribe (default `ops.>` and `tenant.*.ops.>`, the tenants' telemetry). */
  readonly subjects?: readonly string[];
  /**
   * The controller's unit key directory (a `UnitKeyDirectory`): OPS units' telemetry is
   * then verified against it ({@linkcode TelemetryVerifier}) and what a unit did not sign itself
   * is dropped. Without it (tests of the table alone) nothing is verified.
   */
  readonly unitKeys?: UnitKeyLookup;
}

/**
 * The live units table of the dashboard: subscribes `ops.>` and `tenant.*.ops.>` on an OPS
 * connection (a tenant's telemetry arrives through the account imports under its name, so a
 * tenant's unit is never an OPS unit) and applies every message to a
 * {@linkcode UnitTable}, re-checks staleness every second, writes changed units to a
 * {@linkcode UnitStore} (KV) and keeps the validated metric history and logs in a
 * {@linkcode UnitHistory} stream. Several dashboard instances may run one each on the same NATS system: they see the
 * same telemetry and each other's deletions. Closing it leaves the connection open.
 *
 * @example
 * ```ts
 * const nc = await connect({ servers, user: opsUser, pass: opsPassword });
 * await using units = await UnitRegistry.start(nc);
 * units.onChange(({ type, unit }) => console.log(type, unit.unitId, unit.stale));
 * units.units(); // every unit, sorted by ID
 * ```
 */
export class UnitRegistry implements AsyncDisposable {
  readonly #nc: NatsConnection;
  readonly #table: UnitTable;
  readonly #store: UnitStore | null;
  #source: UnitStore | null = null;
  readonly #history: UnitHistory | null;
  readonly #historyError: string | null;
  readonly #dirty = new Set<string>();
  readonly #listeners = new Set<(c: UnitChange) => void>();
  readonly #subs: Subscription[] = [];
  #unwatch: (() => void) | undefined;
  #timers: ReturnType<typeof setInterval>[] = [];
  #flushing: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(
    nc: NatsConnection,
    table: UnitTable,
    store: UnitStore | null,
    history: UnitHistory | null,
    historyError: string | null,
  ) {
    this.#nc = nc;
    this.#table = table;
    this.#store = store;
    this.#history = history;
    this.#historyError = historyError;
  }

  /**
   * Creates (or opens) the KV bucket and history stream, restores units from KV, subscribes
   * `ops.>` and waits until the server has the subscription.
   *
   * @param nc a connection of the OPS dashboard user (needs JetStream in OPS)
   * @param options storage names and limits, staleness, timers
   * @returns the running registry
   * @throws when the KV bucket cannot be created (JetStream off for the account): retry, or
   *   start with `bucket: null` (with `persist: false` nothing is created: a bucket that cannot
   *   be read yet is looked for again). A history stream that cannot be created only disables history
   *   (see `stats().historyError`).
   */
  static async start(
    nc: NatsConnection,
    options: UnitRegistryOptions = {},
  ): Promise<UnitRegistry> {
    const replicas = options.replicas ?? 1;
    const bucket = options.bucket === undefined ? "nunect_units" : options.bucket;
    const stream = options.historyStream === undefined ? "nunect_telemetry" : options.historyStream;
    const persist = options.persist ?? true;
    const store = bucket === null || !persist
      ? null
      : await UnitStore.open(nc, { bucket, replicas });
    let history: UnitHistory | null = null;
    let historyError: string | null = null;
    if (stream !== null) {
      // Without history the units table still works: record why and go on.
      history = await UnitHistory.open(nc, {
        stream,
        perUnit: options.historyPerUnit,
        maxAgeMs: options.historyMaxAgeMs,
        maxBytes: options.historyMaxBytes,
        replicas,
      }).catch((e) => {
        historyError = `History stream "${stream}" is unavailable: ${(e as Error).message}`;
        return null;
      });
    }
    const table = new UnitTable({
      ...options,
      ...(options.unitKeys ? { verifier: new TelemetryVerifier(options.unitKeys) } : {}),
    });
    const reg = new UnitRegistry(nc, table, store, history, historyError);
    if (store !== null) await reg.#follow(store);
    else if (bucket !== null) {
      // Read only: a bucket that cannot be read yet (absent, JetStream not ready) is looked for
      // again; the table works from telemetry meanwhile.
      const found = await UnitStore.openExisting(nc, { bucket }).catch(() => null);
      if (found !== null) await reg.#follow(found);
      else reg.#lookFor(bucket, options.persistIntervalMs ?? 5000);
    }
    for (const subject of options.subjects ?? [subjects.all.ops, subjects.all.tenants]) {
      reg.#subs.push(nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err !== null) return;
          const change = table.apply(msg, Date.now(), (record) => history?.store(record));
          if (change !== null) reg.#changed(change);
        },
      }));
    }
    await nc.flush();
    reg.#timers.push(setInterval(() => reg.#tick(), options.staleCheckIntervalMs ?? 1000));
    if (store !== null) {
      reg.#timers.push(setInterval(() => reg.flush(), options.persistIntervalMs ?? 5000));
    }
    return reg;
  }

  /**
   * Every unit, sorted by ID, with staleness as of now.
   *
   * @returns snapshots (safe to serialise or keep)
   */
  units(): UnitState[] {
    return this.#table.units(Date.now());
  }

  /**
   * One page of units, filtered and sorted, with staleness as of now.
   *
   * @param query offset, limit, sort key, direction and filter
   * @returns the page and how many units matched
   */
  query(query: UnitQuery): UnitPage {
    return this.#table.query(query, Date.now());
  }

  /**
   * One unit.
   *
   * @param key the unit's key: its ID for an OPS unit, `<ACCOUNT>.<unit>` for a tenant's
   * @returns its snapshot, or undefined when unknown
   */
  unit(key: string): UnitState | undefined {
    return this.#table.unit(key, Date.now());
  }

  /**
   * Calls `fn` on every change of the units table (new unit, heartbeat, metric, stale, fresh,
   * removed). At 1,000 units that is thousands of calls a second: throttle before relaying.
   *
   * @param fn the listener; exceptions it throws are ignored
   * @returns a function that removes the listener
   */
  onChange(fn: (change: UnitChange) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /**
   * The latest `ops.time.config` of the time master, if one was received.
   *
   * @returns the configuration or null
   */
  timeConfig(): TimeConfig | null {
    return this.#table.timeConfig();
  }

  /**
   * Recent log records (`ops.log.<level>.<unit>`), oldest first.
   *
   * @param last only the newest `last`
   * @returns a copy
   */
  logs(last?: number): LogRecord[] {
    return this.#table.logs(last);
  }

  /**
   * Reads a unit's stored RTT metrics, time metrics or logs from the history stream, for
   * charts. Messages that do not parse are skipped (they were counted when they arrived).
   *
   * @param key the unit's key (see {@linkcode unitKey})
   * @param kind `rtt`, `time` or `log`
   * @param options start time and count
   * @returns the entries, oldest first; empty without a history stream
   * @throws {InvalidUnitIdError} for an invalid unit ID
   */
  history<K extends HistoryKind>(
    key: string,
    kind: K,
    options: HistoryOptions = {},
  ): Promise<HistoryEntry<HistoryValue[K]>[]> {
    return this.#history?.read(key, kind, options) ?? Promise.resolve([]);
  }

  /**
   * Counters: received, accepted by kind, dropped by reason, units, persistence.
   *
   * @returns a snapshot
   */
  stats(): UnitRegistryStats {
    const store = (this.#store ?? this.#source)?.stats();
    return {
      ...this.#table.stats(Date.now()),
      persisted: store?.persisted ?? 0,
      persistErrors: store?.persistErrors ?? 0,
      restored: store?.restored ?? 0,
      restoreErrors: store?.restoreErrors ?? 0,
      bucket: store?.bucket ?? null,
      historyStream: this.#history?.stream ?? null,
      historyError: this.#historyError,
    };
  }

  /**
   * Removes a unit from the table and from KV (e.g. a decommissioned router); other dashboard
   * instances remove it too. It comes back if it sends telemetry again.
   *
   * @param key the unit's key (see {@linkcode unitKey})
   * @returns whether the unit was known
   */
  async forget(key: string): Promise<boolean> {
    const change = this.#table.remove(key, Date.now());
    if (change === null) return false;
    this.#dirty.delete(key);
    this.#emit(change);
    await this.#store?.delete(key);
    return true;
  }

  /**
   * Writes changed unit records to KV now (also done every `persistIntervalMs` and on close).
   *
   * @returns when the writes are acknowledged
   */
  flush(): Promise<void> {
    // Never rejects: failed writes are counted and retried, so the timer cannot leak a rejection.
    this.#flushing = this.#flushing.then(() => this.#flushDirty()).catch(() => {});
    return this.#flushing;
  }

  /** Unsubscribes, stops the timers and writes pending records; the connection stays open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    this.#unwatch?.();
    for (const sub of this.#subs) {
      try {
        sub.unsubscribe();
      } catch { /* connection already closed */ }
    }
    if (!this.#nc.isClosed()) await this.flush();
    this.#listeners.clear();
  }

  /** Same as {@linkcode UnitRegistry.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Restores the stored units into the table and follows deletions from now on. */
  async #follow(store: UnitStore): Promise<void> {
    const now = Date.now();
    for (const record of await store.load()) this.#table.restore(record, now);
    this.#unwatch = await store.watchDeletes((id) => {
      const change = this.#table.remove(id, Date.now());
      if (change !== null) this.#emit(change);
    });
    if (this.#closed) this.#unwatch(); // closed while a late bucket was being read
    this.#source = store;
  }

  /** Looks for a bucket that does not exist yet (the dashboard creates it) until it does. */
  #lookFor(bucket: string, intervalMs: number): void {
    let looking = false;
    const timer = setInterval(async () => {
      if (looking || this.#closed) return;
      looking = true;
      try {
        const found = await UnitStore.openExisting(this.#nc, { bucket });
        if (found !== null && !this.#closed) {
          await this.#follow(found);
          clearInterval(timer);
        }
      } catch { /* JetStream not ready: try again */ }
      looking = false;
    }, intervalMs);
    this.#timers.push(timer);
  }

  #tick(): void {
    for (const change of this.#table.tick(Date.now())) {
      // Staleness is computed on reading, never stored: only a removal reaches KV.
      if (change.type === "removed") {
        this.#dirty.delete(change.unit.key);
        this.#store?.delete(change.unit.key).catch(() => {/* counted by the store */});
      }
      this.#emit(change);
    }
  }

  #changed(change: UnitChange): void {
    const evicted = change.evicted;
    if (evicted !== undefined) {
      // Made room in a full table: gone from KV too, and from every page.
      this.#dirty.delete(evicted.key);
      this.#store?.delete(evicted.key).catch(() => {/* counted by the store */});
      this.#emit({ type: "removed", unit: evicted });
    }
    if (this.#store !== null) this.#dirty.add(change.unit.key);
    this.#emit(change);
  }

  #emit(change: UnitChange): void {
    for (const fn of this.#listeners) {
      try {
        fn(change);
      } catch { /* a listener's failure is its own */ }
    }
  }

  async #flushDirty(): Promise<void> {
    const store = this.#store;
    if (store === null || this.#dirty.size === 0 || this.#nc.isClosed()) return;
    const records = [...this.#dirty].flatMap((id) => this.#table.record(id) ?? []);
    this.#dirty.clear();
    for (const id of await store.save(records)) this.#dirty.add(id);
  }
}
