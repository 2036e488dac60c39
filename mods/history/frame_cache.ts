import type { Frame } from "./frame.ts";

/** One stored history message, decoded, as the cache keeps it. */
export interface CachedMessage {
  /** Its stream sequence. */
  readonly seq: number;
  /** The stream's timestamp of it, ns since the epoch. */
  readonly tsNs: bigint;
  /** The decoded frame (or one chunk of it). */
  readonly frame: Frame;
  /** Estimated bytes it holds in memory ({@linkcode frameBytes}). */
  readonly bytes: number;
}

/** What the cache needs to know of a tier's stream before it answers from memory. */
export interface CachedStreamState {
  /** The stream's creation time (a recreated stream has another). */
  readonly created: string;
  /** Sequence of the oldest message still stored. */
  readonly firstSeq: number;
  /** Sequence of the newest message stored. */
  readonly lastSeq: number;
  /** Time of the oldest message still stored, ms since the epoch (NaN when empty). */
  readonly firstMs: number;
  /** Messages stored. */
  readonly messages: number;
  /** Messages deleted between the first and the last (a purge by subject, a deleted message). */
  readonly deleted: number;
}

/** Counters of a {@linkcode FrameCache}. */
export interface FrameCacheStats {
  /** The bound, bytes (0: the cache is off). */
  readonly maxBytes: number;
  /** Estimated bytes held now. */
  readonly bytes: number;
  /** Messages held now (one per point, more for a chunked point). */
  readonly messages: number;
  /** Messages read from JetStream and decoded into the cache since start. */
  readonly decoded: number;
  /** Messages evicted to stay within `maxBytes`. */
  readonly evicted: number;
  /** Times a tier was dropped whole: stream recreated or missing, messages deleted inside it. */
  readonly resets: number;
}

/** One tier and kind: a suffix of its stored messages, in sequence order. */
interface Slot {
  readonly tier: string;
  messages: CachedMessage[];
  /**
   * Every stored message of the subject with a timestamp at or after this (ns) and a sequence
   * up to `syncedTo` is in `messages`; null: every stored message up to `syncedTo`.
   */
  coverNs: bigint | null;
  /** The stream's last sequence when the slot was last brought up to date. */
  syncedTo: number;
}

/**
 * The estimated memory of a decoded frame: V8 keeps each row as an array of doubles and each
 * ID as a string (calibrated by `deno task bench charts` against the heap's growth).
 *
 * @param frame the frame
 * @returns bytes
 */
export function frameBytes(frame: Frame): number {
  let bytes = 96 + 16 * frame.fields.length;
  for (const id in frame.rows) bytes += 88 + 2 * id.length + 8 * (frame.rows[id]?.length ?? 0);
  return bytes;
}

/**
 * The decoded recent history messages of each tier and kind, bounded by an estimate of their
 * memory (the oldest go first). Pure bookkeeping: {@linkcode HistoryStore} does the reading and
 * checks each tier's stream before every answer (`reconcile`), so what the cache returns is what
 * reading the stream returns — messages the stream dropped (age, bytes, purge, a recreated
 * stream) leave the cache before they could be shown, new ones are read before the answer.
 *
 * Coverage relies on JetStream's timestamps rising with the sequence (as the server's own
 * start-time lookup does).
 */
export class FrameCache {
  readonly #maxBytes: number;
  readonly #slots = new Map<string, Slot>();
  readonly #streams = new Map<string, { created: string; deleted: number }>();
  #bytes = 0;
  #stats = { decoded: 0, evicted: 0, resets: 0 };

  /**
   * @param maxBytes the bound of the estimated memory, bytes; 0 keeps nothing
   */
  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** The bound, bytes; 0 when off. */
  get maxBytes(): number {
    return this.#maxBytes;
  }

  /**
   * Brings the tier's slots in line with its stream: drops them all when the stream was
   * recreated or lost messages inside it, a slot whose stream went back behind it, and every
   * message the stream no longer stores (older than its first sequence).
   *
   * @param tier the tier
   * @param state the stream's state, or null when the stream does not exist
   */
  reconcile(tier: string, state: CachedStreamState | null): void {
    const mark = this.#streams.get(tier);
    if (
      state === null ||
      (mark !== undefined && (mark.created !== state.created || state.deleted > mark.deleted))
    ) {
      this.#dropTier(tier);
    }
    if (state === null) return void this.#streams.delete(tier);
    this.#streams.set(tier, { created: state.created, deleted: state.deleted });
    for (const [key, slot] of this.#slots) {
      if (slot.tier !== tier) continue;
      if (state.lastSeq < slot.syncedTo) {
        this.#drop(key, slot);
        this.#stats.resets++;
        continue;
      }
      let gone = 0;
      while (gone < slot.messages.length && slot.messages[gone]!.seq < state.firstSeq) {
        this.#bytes -= slot.messages[gone]!.bytes;
        gone++;
      }
      if (gone > 0) slot.messages = slot.messages.slice(gone);
    }
  }

  /**
   * Where the slot's coverage ends: what must be read from the stream before it answers for
   * messages from `startNs` on.
   *
   * @param key `<tier>.<kind>`
   * @param startNs the earliest timestamp wanted, ns
   * @returns undefined when memory covers it; else read from `startNs` up to (not including)
   *   `beforeSeq` (Infinity for a new slot: to the end)
   */
  front(key: string, startNs: bigint): { beforeSeq: number } | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return { beforeSeq: Infinity };
    if (slot.coverNs === null || startNs >= slot.coverNs) return undefined;
    return { beforeSeq: slot.messages[0]?.seq ?? slot.syncedTo + 1 };
  }

  /**
   * The stream sequence the slot is current up to.
   *
   * @param key `<tier>.<kind>`
   * @returns the sequence, undefined without a slot
   */
  syncedTo(key: string): number | undefined {
    return this.#slots.get(key)?.syncedTo;
  }

  /**
   * Adds messages read before the slot's first (or into a new slot).
   *
   * @param key `<tier>.<kind>`
   * @param tier the tier
   * @param messages read from `coverNs` on, in sequence order
   * @param coverNs where the read started, ns; null when it started at the stream's first message
   * @param syncedTo for a new slot: the stream's last sequence the read covered
   */
  prepend(
    key: string,
    tier: string,
    messages: CachedMessage[],
    coverNs: bigint | null,
    syncedTo: number,
  ): void {
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      slot = { tier, messages: [], coverNs, syncedTo };
      this.#slots.set(key, slot);
    }
    slot.messages = [...messages, ...slot.messages];
    slot.coverNs = coverNs;
    slot.syncedTo = Math.max(slot.syncedTo, messages.at(-1)?.seq ?? 0);
    this.#added(messages);
  }

  /**
   * Adds messages read after the slot's last.
   *
   * @param key `<tier>.<kind>`
   * @param messages with sequences above the slot's `syncedTo`, in order
   * @param syncedTo the stream's last sequence before they were read
   */
  append(key: string, messages: CachedMessage[], syncedTo: number): void {
    const slot = this.#slots.get(key);
    if (slot === undefined) return;
    for (const m of messages) slot.messages.push(m);
    slot.syncedTo = Math.max(syncedTo, messages.at(-1)?.seq ?? 0, slot.syncedTo);
    this.#added(messages);
  }

  /**
   * Whether a tier and kind is cached (the live subscription brings those up to date).
   *
   * @param key `<tier>.<kind>`
   * @returns true when it has a slot
   */
  has(key: string): boolean {
    return this.#slots.has(key);
  }

  /**
   * The slot's messages from `startNs` on, in sequence order (what a consumer starting at that
   * time delivers), as they are now.
   *
   * @param key `<tier>.<kind>`
   * @param startNs the earliest timestamp, ns
   * @returns the messages (the cache's own objects: read only)
   */
  messages(key: string, startNs: bigint): readonly CachedMessage[] {
    const all = this.#slots.get(key)?.messages ?? [];
    let lo = 0;
    let hi = all.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (all[mid]!.tsNs < startNs) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? all : all.slice(lo);
  }

  /** Evicts the oldest messages (by time, across tiers and kinds) until within the bound. */
  trim(): void {
    while (this.#bytes > this.#maxBytes) {
      let oldest: Slot | undefined;
      for (const slot of this.#slots.values()) {
        const first = slot.messages[0];
        if (
          first !== undefined && (oldest === undefined || first.tsNs < oldest.messages[0]!.tsNs)
        ) {
          oldest = slot;
        }
      }
      if (oldest === undefined) break;
      const m = oldest.messages.shift()!;
      this.#bytes -= m.bytes;
      this.#stats.evicted++;
      // Later messages of the subject all have later timestamps: coverage starts after it.
      oldest.coverNs = m.tsNs + 1n;
    }
  }

  /** Counters and size now. */
  stats(): FrameCacheStats {
    let messages = 0;
    for (const slot of this.#slots.values()) messages += slot.messages.length;
    return { maxBytes: this.#maxBytes, bytes: this.#bytes, messages, ...this.#stats };
  }

  #added(messages: readonly CachedMessage[]): void {
    for (const m of messages) this.#bytes += m.bytes;
    this.#stats.decoded += messages.length;
  }

  #dropTier(tier: string): void {
    let any = false;
    for (const [key, slot] of this.#slots) {
      if (slot.tier !== tier) continue;
      this.#drop(key, slot);
      any = true;
    }
    if (any) this.#stats.resets++;
  }

  #drop(key: string, slot: Slot): void {
    for (const m of slot.messages) this.#bytes -= m.bytes;
    this.#slots.delete(key);
  }
}
