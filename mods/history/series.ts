import { FIELDS, type Frame, type Kind, valueOf } from "./frame.ts";

/** A chart's data in uPlot's layout: times in seconds, values with null for gaps. */
export interface Series {
  /** Point times, seconds since the epoch, ascending. */
  readonly t: number[];
  /** One value per time; null where there is no data (uPlot draws a gap). */
  readonly v: (number | null)[];
}

/** A tier for {@linkcode chooseTier}. */
export interface TierSpan {
  /** The tier's name. */
  readonly name: string;
  /** Step in ms. */
  readonly stepMs: number;
  /** How long it is kept, in ms. */
  readonly keepMs: number;
}

/**
 * The tier to read for a chart of `rangeMs`: the finest one that still covers the range and
 * gives at most `maxPoints` points; the coarsest when none does.
 *
 * @param tiers finest first
 * @param rangeMs the chart's time range
 * @param maxPoints the most points worth drawing (default 720)
 * @returns one of `tiers`
 * @example
 * ```ts
 * chooseTier(tiers, 15 * 60_000).name; // "10s"
 * chooseTier(tiers, 30 * 86_400_000).name; // "1h"
 * ```
 */
export function chooseTier<T extends TierSpan>(
  tiers: readonly T[],
  rangeMs: number,
  maxPoints = 720,
): T {
  const fit = tiers.find((t) => t.keepMs >= rangeMs && rangeMs / t.stepMs <= maxPoints);
  const last = tiers[tiers.length - 1];
  if (last === undefined) throw new RangeError("No history tiers configured");
  return fit ?? last;
}

/**
 * Per-second rate of a counter between two readings, as Prometheus' `rate()` treats resets: a
 * value lower than the one before means the counter restarted from zero.
 *
 * @param before the earlier reading
 * @param after the later reading
 * @param seconds time between them
 * @returns the rate, or null when it cannot be known
 */
export function counterRate(before: number, after: number, seconds: number): number | null {
  if (!(seconds > 0)) return null;
  return (after >= before ? after - before : after) / seconds;
}

/**
 * One field of one entity over time, from frames of one tier. Counters become per-second rates;
 * gauges are taken as stored. A missing point (a gap longer than 1.5 steps, or an entity absent
 * from a frame) becomes null so that charts break the line instead of bridging it.
 *
 * @param frames points of one tier and kind, any order
 * @param id the entity
 * @param field the field
 * @returns the series
 */
export function seriesOf(frames: readonly Frame[], id: string, field: string): Series {
  const sorted = [...frames].sort((a, b) => a.t - b.t);
  const kind: Kind | undefined = sorted[0]?.kind;
  const counter = kind !== undefined && FIELDS[kind][field] === "counter";
  const t: number[] = [];
  const v: (number | null)[] = [];
  let prev: { t: number; value: number | null } | undefined;
  for (const f of sorted) {
    if (prev !== undefined && f.t - prev.t > 1.5 * f.stepMs) {
      t.push((prev.t + f.stepMs) / 1000);
      v.push(null);
    }
    const raw = valueOf(f, id, field);
    let value: number | null = raw;
    if (counter) {
      value = prev?.value != null && raw !== null && f.t - prev.t <= 1.5 * f.stepMs
        ? counterRate(prev.value, raw, (f.t - prev.t) / 1000)
        : null;
    }
    t.push(f.t / 1000);
    v.push(value);
    prev = { t: f.t, value: raw };
  }
  return { t, v };
}

/**
 * The entity IDs present in any of the frames, sorted.
 *
 * @param frames points of one kind
 * @returns IDs
 */
export function idsOf(frames: readonly Frame[]): string[] {
  const ids = new Set<string>();
  for (const f of frames) for (const id of Object.keys(f.rows)) ids.add(id);
  return [...ids].sort();
}

/**
 * Several series sharing one time axis as CSV: `time` (ISO 8601) then one column per series;
 * empty cells for gaps. Values that could start a spreadsheet formula are quoted away.
 *
 * @param t times in seconds
 * @param columns column name to values (same length as `t`)
 * @returns CSV text with a header line
 */
export function toCsv(
  t: readonly number[],
  columns: Readonly<Record<string, readonly (number | null)[]>>,
): string {
  const names = Object.keys(columns);
  const cell = (s: string) => /[",\n\r]|^[=+\-@]/.test(s) ? `"'${s.replaceAll('"', '""')}"` : s;
  const lines = [["time", ...names].map(cell).join(",")];
  t.forEach((ts, i) => {
    lines.push(
      [
        new Date(ts * 1000).toISOString(),
        ...names.map((n) => {
          const x = columns[n]![i];
          return x === null || x === undefined ? "" : String(x);
        }),
      ].join(","),
    );
  });
  return lines.join("\n") + "\n";
}
