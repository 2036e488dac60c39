import type { NatsConnection } from "@nats-io/nats-core";
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager } from "@nats-io/jetstream";
import { type KV, Kvm, type KvWatchEntry } from "@nats-io/kv";
import { parseUnitKeysEntry, UNIT_KEYS_BUCKET, type UnitKeysEntry } from "../protocol/mod.ts";
import type { UnitKeyLookup } from "./telemetry_verifier.ts";

/** Options of {@linkcode UnitKeyDirectory.open}. */
export interface UnitKeyDirectoryOptions {
  /** The bucket (default {@linkcode UNIT_KEYS_BUCKET}). */
  readonly bucket?: string;
  /** How often a bucket that does not exist yet is looked for again, ms (default 5000). */
  readonly retryMs?: number;
  /** How long {@linkcode UnitKeyDirectory.open} waits for the stored entries, ms (default 10,000). */
  readonly loadTimeoutMs?: number;
}

/**
 * The controller's unit key directory as the units table reads it: the KV bucket
 * {@linkcode UNIT_KEYS_BUCKET} (unit → role and active user keys), followed live. Read only: the
 * controller creates and writes it. A bucket that does not exist yet (no controller has run) is
 * looked for again; until then every unit is unknown (its telemetry taken unverified, see
 * {@linkcode TelemetryVerifier}).
 *
 * @example
 * ```ts
 * await using keys = await UnitKeyDirectory.open(nc);
 * const verifier = new TelemetryVerifier(keys);
 * ```
 */
export class UnitKeyDirectory implements UnitKeyLookup, AsyncDisposable {
  readonly #nc: NatsConnection;
  readonly #bucket: string;
  readonly #entries = new Map<string, UnitKeysEntry>();
  #stop: (() => void) | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #state: "absent" | "ready" = "absent";
  #badEntries = 0;
  #closed = false;

  private constructor(nc: NatsConnection, bucket: string) {
    this.#nc = nc;
    this.#bucket = bucket;
  }

  /**
   * Opens the directory: reads every stored entry (waiting up to `loadTimeoutMs`) and follows
   * changes; or, while the bucket does not exist, looks for it every `retryMs`.
   *
   * @param nc a connection of an OPS user that may read the bucket
   * @param options bucket, retry interval, load timeout
   * @returns the directory
   */
  static async open(
    nc: NatsConnection,
    options: UnitKeyDirectoryOptions = {},
  ): Promise<UnitKeyDirectory> {
    const d = new UnitKeyDirectory(nc, options.bucket ?? UNIT_KEYS_BUCKET);
    const loaded = await d.#follow(options.loadTimeoutMs ?? 10_000).catch(() => false);
    if (!loaded) {
      let looking = false;
      d.#timer = setInterval(async () => {
        if (looking || d.#closed) return;
        looking = true;
        if (await d.#follow(options.loadTimeoutMs ?? 10_000).catch(() => false)) {
          clearInterval(d.#timer);
        }
        looking = false;
      }, options.retryMs ?? 5000);
    }
    return d;
  }

  /**
   * The entry of a unit.
   *
   * @param unitId the unit
   * @returns its role and active keys, or undefined when the controller never issued it
   */
  entry(unitId: string): UnitKeysEntry | undefined {
    return this.#entries.get(unitId);
  }

  /**
   * What the directory holds.
   *
   * @returns whether the bucket was read, its units, and entries that did not parse
   */
  stats(): { state: "absent" | "ready"; units: number; badEntries: number } {
    return { state: this.#state, units: this.#entries.size, badEntries: this.#badEntries };
  }

  /** Stops following the bucket. */
  close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#stop?.();
    return Promise.resolve();
  }

  /** Same as {@linkcode UnitKeyDirectory.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Reads the bucket if it exists and follows it; false while it does not exist. */
  async #follow(timeoutMs: number): Promise<boolean> {
    let kv: KV;
    try {
      const jsm = await jetstreamManager(this.#nc, { checkAPI: false });
      const info = await jsm.streams.info(`KV_${this.#bucket}`);
      kv = await new Kvm(this.#nc).open(this.#bucket);
      if (this.#closed) return true;
      const watch = await kv.watch();
      this.#stop = () => watch.stop();
      let caughtUp: () => void = () => {};
      const loaded = new Promise<void>((r) => caughtUp = r);
      if (info.state.messages === 0) caughtUp();
      (async () => {
        for await (const e of watch) {
          this.#apply(e);
          if ((e.delta ?? 0) === 0 || e.isUpdate) caughtUp();
        }
      })().catch(() => {/* the watch ends with the connection */});
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        loaded,
        new Promise((r) => timer = setTimeout(r, timeoutMs)),
      ]);
      clearTimeout(timer);
      this.#state = "ready";
      return true;
    } catch (e) {
      if (e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound) {
        return false;
      }
      throw e;
    }
  }

  #apply(e: KvWatchEntry): void {
    if (e.operation !== "PUT") {
      this.#entries.delete(e.key);
      return;
    }
    let entry: UnitKeysEntry | undefined;
    try {
      entry = parseUnitKeysEntry(e.json());
    } catch {
      entry = undefined;
    }
    if (entry === undefined) {
      this.#badEntries++;
      this.#entries.delete(e.key);
      return;
    }
    this.#entries.set(e.key, entry);
  }
}
