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
  /**
   * Receiver wall clock at receipt (echo replies): when the request was read off the responder's
   * socket, nanoseconds since the epoch, as a string. NTP's t2.
   */
  rxTimestamp: "X-RX-Timestamp",
  /**
   * Responder wall clock when it sent the echo reply, nanoseconds since the epoch, as a string.
   * NTP's t3: with the requester's send (t1) and receive (t4) times it gives the network round
   * trip without the responder's processing, and the clock offset between the two units.
   */
  replyTxTimestamp: "X-Reply-TX-Timestamp",
} as const;

/** Clock sources a unit reports. */
export const CLOCK_SOURCES = ["ptp", "ntp", "none"] as const;
/** A clock source. */
export type ClockSource = (typeof CLOCK_SOURCES)[number];

/** Clock qualities, best first. */
export const CLOCK_QUALITIES = ["locked", "tracking", "acquiring", "freerun"] as const;
/** A clock quality. */
export type ClockQuality = (typeof CLOCK_QUALITIES)[number];

/** A unit's clock as a heartbeat carries it. */
export interface ClockState {
  /** What disciplines the clock: `ptp`, `ntp` or `none`. */
  source: ClockSource;
  /** How well the clock follows its source: `locked`, `tracking`, `acquiring` or `freerun`. */
  quality: ClockQuality;
}

// Wall-clock origin of performance.now(), in ms: performance.timeOrigin (sub-millisecond, so two
// processes on one host agree to microseconds, which clock offsets between units rely on),
// re-anchored when the wall clock steps, so the result follows the system clock (which is what
// time sync disciplines). Date.now() truncates to whole ms, hence the 2 ms threshold.
let originMs = typeof performance.timeOrigin === "number" && performance.timeOrigin > 0
  ? performance.timeOrigin
  : Date.now() - performance.now();

/**
 * The wall clock as integer nanoseconds since the Unix epoch, as a string (header form), with
 * microsecond resolution from the monotonic clock between wall-clock ticks.
 *
 * @returns e.g. `"1763884800123456789"`
 */
export function nowNs(): string {
  return wallNsAt(performance.now());
}

/**
 * The wall-clock time of a `performance.now()` reading taken a moment ago, as {@linkcode nowNs}
 * gives it: for times noted at the socket and turned into timestamps later.
 *
 * @param monoMs a `performance.now()` value
 * @returns nanoseconds since the Unix epoch, as a string
 */
export function wallNsAt(monoMs: number): string {
  const mono = performance.now();
  if (Math.abs(Date.now() - (originMs + mono)) > 2) originMs = Date.now() - mono;
  const ms = originMs + monoMs;
  const whole = Math.floor(ms);
  return (BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6))).toString();
}
