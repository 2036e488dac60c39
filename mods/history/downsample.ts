import { FIELDS, type Frame, type Kind, type Row } from "./frame.ts";

/** A tier as the downsampler sees it: a name and a step. */
export interface TierStep {
  /** The tier's name (e.g. `1m`). */
  readonly name: string;
  /** Its step in ms; each a multiple of the one before. */
  readonly stepMs: number;
}

/** A finished point of a coarser tier. */
export interface TierFrame {
  /** The tier it belongs to. */
  readonly tier: string;
  /** The point. */
  readonly frame: Frame;
}

interface Bucket {
  start: number;
  fields: readonly string[];
  rows: Map<string, { sum: number[]; n: number[]; last: (number | null)[] }>;
}

/**
 * Builds the coarser tiers from the finest one: feed it every point of the first tier with
 * {@linkcode add}; when a point crosses a coarser step boundary the finished coarser point comes
 * back (and itself feeds the next tier, so all tiers close on the same boundary). Points older
 * than the last one added are ignored. Counters keep their last value, gauges their mean over
 * the finer points present (gaps do not drag a mean towards zero), to 4 significant digits (see
 * {@linkcode roundMean}). Pure: no clock, no I/O.
 *
 * A collector that takes over mid-bucket {@linkcode seed}s each coarser tier with the finer points
 * already stored for the current bucket, so a takeover or restart loses nothing.
 *
 * @example
 * ```ts
 * const ds = new Downsampler([{ name: "10s", stepMs: 10_000 }, { name: "1m", stepMs: 60_000 }]);
 * ds.add(frameAt0); // []
 * ds.add(frameAt60s); // [{ tier: "1m", frame: <the mean of 0…50 s> }]
 * ```
 */
export class Downsampler {
  readonly #tiers: readonly TierStep[];
  /** Per coarser tier (index 1…), per kind: the bucket being filled. */
  readonly #buckets: Map<Kind, Bucket>[];
  readonly #lastT = new Map<Kind, number>();

  /**
   * Creates a downsampler with empty buckets.
   *
   * @param tiers finest first; every step a multiple of the one before
   */
  constructor(tiers: readonly TierStep[]) {
    tiers.forEach((t, i) => {
      const prev = tiers[i - 1];
      if (prev !== undefined && t.stepMs % prev.stepMs !== 0) {
        throw new RangeError(
          `Invalid tier "${t.name}": its step must be a multiple of "${prev.name}"'s`,
        );
      }
    });
    this.#tiers = tiers;
    this.#buckets = tiers.map(() => new Map());
  }

  /**
   * Adds one point of the finest tier.
   *
   * @param frame a point of tier 0
   * @returns the coarser points this point finished, finest first
   */
  add(frame: Frame): TierFrame[] {
    const last = this.#lastT.get(frame.kind);
    if (last !== undefined && frame.t <= last) return []; // late or repeated point
    this.#lastT.set(frame.kind, frame.t);
    const out: TierFrame[] = [];
    this.#feed(1, frame, out, frame.t);
    return out;
  }

  /**
   * Fills tier `tier`'s current bucket with points of tier `tier - 1` read back from storage
   * (after a restart or takeover). Points outside the bucket that holds `now` are ignored; nothing
   * is emitted.
   *
   * @param tier index of the coarser tier (1 or more)
   * @param frames stored points of the tier below, any order
   * @param now the current time in ms
   */
  seed(tier: number, frames: readonly Frame[], now: number): void {
    const step = this.#tiers[tier]?.stepMs;
    if (step === undefined) return;
    const start = now - (now % step);
    for (const f of [...frames].sort((a, b) => a.t - b.t)) {
      if (f.t >= start && f.t < start + step) this.#accumulate(tier, f, start);
    }
  }

  /** Adds a point of tier `tier - 1` to tier `tier`; closes buckets that end by `now`. */
  #feed(tier: number, frame: Frame, out: TierFrame[], now: number): void {
    const spec = this.#tiers[tier];
    if (spec === undefined) return;
    const start = frame.t - (frame.t % spec.stepMs);
    const open = this.#buckets[tier]!.get(frame.kind);
    if (open !== undefined && start < open.start) return; // already closed
    if (open !== undefined && start > open.start) this.#close(tier, frame.kind, out, now);
    this.#accumulate(tier, frame, start);
    if (start + spec.stepMs <= now) this.#close(tier, frame.kind, out, now);
  }

  #close(tier: number, kind: Kind, out: TierFrame[], now: number): void {
    const spec = this.#tiers[tier]!;
    const bucket = this.#buckets[tier]!.get(kind)!;
    this.#buckets[tier]!.delete(kind);
    const done = close(bucket, kind, spec.stepMs);
    out.push({ tier: spec.name, frame: done });
    this.#feed(tier + 1, done, out, now);
  }

  #accumulate(tier: number, frame: Frame, start: number): void {
    const buckets = this.#buckets[tier]!;
    let bucket = buckets.get(frame.kind);
    if (bucket === undefined || bucket.start !== start) {
      bucket = { start, fields: frame.fields, rows: new Map() };
      buckets.set(frame.kind, bucket);
    }
    const index = bucket.fields.map((f) => frame.fields.indexOf(f));
    for (const [id, row] of Object.entries(frame.rows)) {
      let acc = bucket.rows.get(id);
      if (acc === undefined) {
        const n = bucket.fields.length;
        acc = { sum: new Array(n).fill(0), n: new Array(n).fill(0), last: new Array(n).fill(null) };
        bucket.rows.set(id, acc);
      }
      for (let i = 0; i < index.length; i++) {
        const v = index[i]! < 0 ? null : row[index[i]!] ?? null;
        if (v === null || !Number.isFinite(v)) continue;
        acc.sum[i]! += v;
        acc.n[i]!++;
        acc.last[i] = v;
      }
    }
  }
}

function close(bucket: Bucket, kind: Kind, stepMs: number): Frame {
  const types = FIELDS[kind];
  const rows: Record<string, Row> = {};
  for (const [id, acc] of bucket.rows) {
    rows[id] = bucket.fields.map((f, i) => {
      if (acc.n[i] === 0) return null;
      return types[f] === "counter" ? acc.last[i]! : roundMean(acc.sum[i]! / acc.n[i]!);
    });
  }
  return { t: bucket.start, stepMs, kind, fields: bucket.fields, rows };
}

/**
 * A gauge's mean as stored: integers below 10,000 and fractions to 4 significant digits
 * (`812.3333…` → 812.3, `0.16666…` → 0.1667), larger values to the integer. A mean's 17 digits
 * would be mostly noise, and noise does not compress: unrounded, a coarse point was twice the
 * size of a fine one.
 *
 * @param mean the mean
 * @returns the rounded mean (relative error below 0.05 %)
 */
export function roundMean(mean: number): number {
  if (Number.isInteger(mean)) return mean;
  return Math.abs(mean) >= 10_000 ? Math.round(mean) : Number(mean.toPrecision(4));
}
