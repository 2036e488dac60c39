/** Standard header names: routing and timing travel in headers, bulk data in the payload. */
export const HEADERS = {
  /** The sender's unit ID. */
  unitId: "X-Unit-ID",
  /** Sender wall clock at send, integer nanoseconds since the Unix epoch, as a string. */
  txTimestamp: "X-TX-Timestamp",
  /** Per-sender sequence number. */
  seq: "X-Seq",
  /** `ptp` | `ntp` | `none` */
  clockSource: "X-Clock-Source",
  /** `locked` | `tracking` | `acquiring` | `freerun` */
  clockQuality: "X-Clock-Quality",
  /** Receiver wall clock at receipt (echo replies), nanoseconds since the epoch, as a string. */
  rxTimestamp: "X-RX-Timestamp",
} as const;

/** Clock sources a unit reports. */
export const CLOCK_SOURCES = ["ptp", "ntp", "none"] as const;
/** A clock source. */
export type ClockSource = (typeof CLOCK_SOURCES)[number];

/** Clock qualities, best first. */
export const CLOCK_QUALITIES = ["locked", "tracking", "acquiring", "freerun"] as const;
/** A clock quality. */
export type ClockQuality = (typeof CLOCK_QUALITIES)[number];

// Wall-clock origin of performance.now(), in ms; re-anchored when the wall clock steps, so the
// result follows the system clock (which is what time sync disciplines) with sub-ms resolution.
let originMs = Date.now() - performance.now();

/**
 * The wall clock as integer nanoseconds since the Unix epoch, as a string (header form), with
 * microsecond resolution from the monotonic clock between wall-clock ticks.
 *
 * @returns e.g. `"1763884800123456789"`
 */
export function nowNs(): string {
  const mono = performance.now();
  if (Math.abs(Date.now() - (originMs + mono)) > 1) originMs = Date.now() - mono;
  const ms = originMs + mono;
  const whole = Math.floor(ms);
  return (BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6))).toString();
}
