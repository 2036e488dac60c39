/** Days before a certificate's end that nunect starts warning about it. */
export const EXPIRY_WARNING_DAYS = 21;

/** `ok`, `expiring` (within {@linkcode EXPIRY_WARNING_DAYS}), or `expired`. */
export type ExpiryStatus = "ok" | "expiring" | "expired";

/** How close a certificate is to its end. */
export interface ExpiryState {
  /** The status. */
  readonly status: ExpiryStatus;
  /** Whole days left (negative once expired), rounded down. */
  readonly daysLeft: number;
}

const DAY_MS = 86_400_000;

/**
 * Whether a certificate is fine, about to expire or expired.
 *
 * @param notAfter the end of its validity, ms since the Unix epoch
 * @param now the current time, ms since the Unix epoch
 * @param warnDays how many days ahead to warn (default {@linkcode EXPIRY_WARNING_DAYS})
 * @returns the status and the days left
 * @example
 * ```ts
 * expiryState(Date.parse("2026-03-01"), Date.parse("2026-02-20")); // { status: "expiring", daysLeft: 9 }
 * ```
 */
export function expiryState(
  notAfter: number,
  now: number,
  warnDays: number = EXPIRY_WARNING_DAYS,
): ExpiryState {
  const daysLeft = Math.floor((notAfter - now) / DAY_MS);
  const status: ExpiryStatus = notAfter <= now
    ? "expired"
    : notAfter - now <= warnDays * DAY_MS
    ? "expiring"
    : "ok";
  return { status, daysLeft };
}
