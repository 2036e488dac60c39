/**
 * Nanoseconds since the Unix epoch of an RFC 3339 time (as nats-server writes them, up to nine
 * fractional digits) or a Date. JavaScript's Date keeps milliseconds only, and thousands of
 * messages share one.
 *
 * @param t an RFC 3339 time or a Date
 * @returns nanoseconds since the epoch
 * @throws {RangeError} when `t` is not a time
 */
export function epochNs(t: string | Date): bigint {
  if (t instanceof Date) {
    const ms = t.getTime();
    if (Number.isNaN(ms)) throw new RangeError("Invalid time: not a date");
    return BigInt(ms) * 1_000_000n;
  }
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(t.trim());
  const ms = m ? Date.parse(`${m[1]}${m[3]}`) : NaN;
  if (m === null || Number.isNaN(ms)) {
    throw new RangeError(`Invalid time "${t}": expected RFC 3339, e.g. 2025-01-31T12:00:00Z`);
  }
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}

/**
 * An RFC 3339 time with nanoseconds, for the server (`start_time`) and for display.
 *
 * @param ns nanoseconds since the epoch
 * @returns e.g. `2025-01-31T12:00:00.123456789Z`
 */
export function rfc3339(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const s = new Date(Number(ms / 1000n) * 1000).toISOString().slice(0, 19);
  return `${s}.${String(ns % 1_000_000_000n).padStart(9, "0")}Z`;
}
