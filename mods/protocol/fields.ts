/** What kind of program a unit runs. */
export const UNIT_KINDS = ["guardian", "client", "browser", "dashboard"] as const;
/** A unit kind. */
export type UnitKind = (typeof UNIT_KINDS)[number];

/**
 * Length limits of free-text fields, in characters. The zod schemas enforce them on receipt;
 * senders that build messages without zod (the browser client) check the same numbers.
 */
export const FIELD_LIMITS = {
  /** A heartbeat's `version`. */
  version: 64,
  /** A heartbeat's `host`. */
  host: 255,
  /** An RTT metric's `target`. */
  target: 255,
} as const;
