/**
 * Number and time formatting shared by server components and islands (pure, runtime-neutral).
 *
 * @module
 */

// the file itself, not mods/monitor/mod.ts: islands import this module, and the monitor's mod.ts
// would bring nats.js into their bundles
import { parseGoDuration } from "../mods/monitor/go_duration.ts";

export { parseGoDuration };

/**
 * Formats a byte count with binary units.
 *
 * @param n bytes
 * @returns e.g. `1.5 MiB`
 */
export function formatBytes(n: number | undefined | null): string {
  if (n === undefined || n === null || !Number.isFinite(n)) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v.toFixed(0) : v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

/**
 * Formats a count with thousands separators and, when large, a suffix.
 *
 * @param n the number
 * @returns e.g. `12,345` or `1.2M`
 */
export function formatCount(n: number | undefined | null): string {
  if (n === undefined || n === null || !Number.isFinite(n)) return "–";
  if (Math.abs(n) >= 10_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  return Math.round(n).toLocaleString("en-US");
}

/**
 * Formats a rate per second.
 *
 * @param n events per second
 * @returns e.g. `1,234/s` or `12.5/s`
 */
export function formatRate(n: number | undefined | null): string {
  if (n === undefined || n === null || !Number.isFinite(n)) return "–";
  return n < 100 ? `${n.toFixed(1)}/s` : `${formatCount(n)}/s`;
}

/**
 * Formats microseconds as a readable duration.
 *
 * @param us microseconds
 * @returns e.g. `850 µs`, `12.3 ms`, `1.20 s`
 */
export function formatMicros(us: number | undefined | null): string {
  if (us === undefined || us === null || !Number.isFinite(us)) return "–";
  if (us < 1000) return `${us.toFixed(0)} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

/**
 * Formats nanoseconds (signed; clock offsets) as a readable duration.
 *
 * @param ns nanoseconds
 * @returns e.g. `+120 ns`, `-3.4 µs`, `+1.20 ms`
 */
export function formatNanos(ns: number | undefined | null): string {
  if (ns === undefined || ns === null || !Number.isFinite(ns)) return "–";
  const sign = ns < 0 ? "-" : "+";
  const a = Math.abs(ns);
  if (a < 1000) return `${sign}${a.toFixed(0)} ns`;
  if (a < 1_000_000) return `${sign}${(a / 1000).toFixed(1)} µs`;
  if (a < 1_000_000_000) return `${sign}${(a / 1_000_000).toFixed(2)} ms`;
  return `${sign}${(a / 1_000_000_000).toFixed(2)} s`;
}

/**
 * Formats a number of seconds as a compact duration.
 *
 * @param s seconds
 * @returns e.g. `3d 4h`, `5m 10s`
 */
export function formatSeconds(s: number | undefined | null): string {
  if (s === undefined || s === null || !Number.isFinite(s)) return "–";
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${sec}s`;
  return `${sec}s`;
}

/**
 * How long ago a moment was.
 *
 * @param ts milliseconds since the epoch
 * @param now the current time in ms
 * @returns e.g. `4s ago`
 */
export function formatAgo(ts: number | undefined | null, now: number): string {
  if (ts === undefined || ts === null || !Number.isFinite(ts) || ts <= 0) return "never";
  const s = Math.max(0, (now - ts) / 1000);
  return `${formatSeconds(s)} ago`;
}

/**
 * Formats a timestamp as UTC time of day (with date when not today).
 *
 * @param ts milliseconds since the epoch, or an ISO string
 * @returns e.g. `10:04:31`
 */
export function formatTime(ts: number | string | undefined | null): string {
  if (ts === undefined || ts === null) return "–";
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return "–";
  return d.toISOString().slice(11, 19);
}

/**
 * A chart's time tick: UTC time of day, to the minute when the tick falls on one.
 *
 * @param s seconds since the epoch (uPlot's time unit)
 * @returns e.g. `10:04` or `10:04:30`
 */
export function formatAxisTime(s: number): string {
  const hms = new Date(s * 1000).toISOString().slice(11, 19);
  return hms.endsWith(":00") ? hms.slice(0, 5) : hms;
}

/** RTT classes: green below 50 ms, yellow below 200 ms, red above. */
export type RttLevel = "good" | "warn" | "bad" | "none";

/**
 * Classifies a round-trip time.
 *
 * @param us microseconds
 * @returns `good` (< 50 ms), `warn` (< 200 ms), `bad`, or `none` when unknown
 */
export function rttLevel(us: number | undefined | null): RttLevel {
  if (us === undefined || us === null || !Number.isFinite(us)) return "none";
  if (us < 50_000) return "good";
  if (us < 200_000) return "warn";
  return "bad";
}

/**
 * Formats a Go duration (an RTT from /connz) like {@linkcode formatMicros}.
 *
 * @param d the duration text
 * @returns e.g. `9.07 ms`, or the text unchanged when it does not parse
 */
export function formatGoDuration(d: string | undefined | null): string {
  const us = parseGoDuration(d);
  return us === undefined ? (d || "–") : formatMicros(us);
}
