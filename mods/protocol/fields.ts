/** What kind of program a unit runs. */
export const UNIT_KINDS = ["guardian", "client", "browser", "dashboard"] as const;
/** A unit kind. */
export type UnitKind = (typeof UNIT_KINDS)[number];

/**
 * The bounds of the protocol: every string and array of an ops.* message has one, so that no
 * message, however forged, makes a receiver keep more than a few kilobytes. Log messages and
 * fields are the exception that is cut instead of refused (see `boundLogRecord`).
 */
export const PROTOCOL_LIMITS: Readonly<{
  token: number;
  name: number;
  list: number;
  logMessage: number;
  logFields: number;
  timestampToleranceMs: number;
  maxHeartbeatIntervalMs: number;
}> = Object.freeze({
  /** Characters of short identifiers: versions, PTP port states and identities, leap status. */
  token: 64,
  /** Characters of names: hosts, RTT targets, NTP servers, PTP master addresses. */
  name: 255,
  /** Entries of a list (NTP servers of the time config). */
  list: 32,
  /** Characters of a log message; a longer one is cut and marked where it is received. */
  logMessage: 4096,
  /** Bytes of a log record's fields as JSON; fields beyond are dropped and marked. */
  logFields: 4096,
  /**
   * How far a message's `ts` may be from the receiver's clock, either way, in milliseconds
   * (24 h): beyond it the sender's clock is wrong or the message is forged, and it is dropped as
   * malformed.
   */
  timestampToleranceMs: 24 * 3600_000,
  /** The longest heartbeat interval a unit may use or a receiver may infer (10 min). */
  maxHeartbeatIntervalMs: 600_000,
});

/**
 * Length limits of free-text fields, in characters. The zod schemas enforce them on receipt;
 * senders that build messages without zod (the browser client) check the same numbers.
 */
export const FIELD_LIMITS = {
  /** A heartbeat's `version`. */
  version: PROTOCOL_LIMITS.token,
  /** A heartbeat's `host`. */
  host: PROTOCOL_LIMITS.name,
  /** An RTT metric's `target`. */
  target: PROTOCOL_LIMITS.name,
} as const;
