import { UNIT_KEYS_BUCKET } from "../protocol/mod.ts";

/**
 * nunect's own state in the OPS account that the JetStream console must not touch: the users'
 * password hashes and sealed TOTP secrets, token hashes, sessions, the audit trail, and the
 * controller's unit key directory (whoever writes it may sign telemetry as any unit). The
 * console acts in OPS with the dashboard's own NATS user, so these are refused by name (read and
 * write alike), hidden from its lists, and their subjects refused for raw publishes.
 */
export const INTERNAL_OPS: Readonly<{
  buckets: readonly string[];
  streams: readonly string[];
  subjects: readonly string[];
}> = Object.freeze({
  /** KV buckets (their streams are `KV_<bucket>`). */
  buckets: [
    "nunect_users",
    "nunect_tokens",
    "nunect_sessions",
    UNIT_KEYS_BUCKET,
  ] as readonly string[],
  /** Streams besides the buckets'. */
  streams: ["nunect_audit"] as readonly string[],
  /** Subject prefixes nobody may publish to by hand (records of the audit trail). */
  subjects: ["nunect.audit."] as readonly string[],
});

/**
 * Whether a stream, bucket or subject of an account is nunect's own (see {@linkcode INTERNAL_OPS}).
 *
 * @param account the account's name
 * @param what a stream name, a KV bucket name, or a subject to publish to
 * @returns true for nunect's own state in OPS
 */
export function isInternal(
  account: string,
  what: { stream?: string; bucket?: string; subject?: string },
): boolean {
  if (account !== "OPS") return false;
  const { buckets, streams, subjects } = INTERNAL_OPS;
  if (what.bucket !== undefined && buckets.includes(what.bucket)) return true;
  if (what.stream !== undefined) {
    if (streams.includes(what.stream)) return true;
    if (what.stream.startsWith("KV_") && buckets.includes(what.stream.slice(3))) return true;
  }
  if (what.subject !== undefined) {
    const s = what.subject;
    if (subjects.some((p) => s.startsWith(p) || s === p.slice(0, -1))) return true;
    if (buckets.some((b) => s.startsWith(`$KV.${b}.`))) return true;
  }
  return false;
}
