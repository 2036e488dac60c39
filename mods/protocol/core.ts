/**
 * The protocol without its zod schemas: errors, the version, unit IDs, subject builders, header names, field
 * vocabularies, the protocol's bounds and the log-record cutter, and the message types. This is what a sender needs; it imports no
 * zod, so a browser bundle that only publishes stays small. Receivers validate with the schemas
 * of `mod.ts`, the one contract for incoming data.
 *
 * @example
 * ```ts
 * import { HEADERS, subjects } from "./core.ts";
 * subjects.log("warn", "kiosk-3"); // "ops.log.warn.kiosk-3"
 * HEADERS.txTimestamp; // "X-TX-Timestamp"
 * ```
 *
 * @module
 */
export { InvalidSubjectError, InvalidUnitIdError, NunectError } from "./errors.ts";
export { compareVersions, isVersion, NUNECT_VERSION, versionLine } from "./version.ts";
export { isUnitId, UNIT_ID_PATTERN, validateUnitId } from "./unit_id.ts";
export {
  LOG_LEVELS,
  parseSubject,
  registrySubjects,
  splitTenant,
  subjects,
  validateSubject,
} from "./subjects.ts";
export type { LogLevel, ParsedSubject } from "./subjects.ts";
export { CLOCK_QUALITIES, CLOCK_SOURCES, HEADERS, nowNs, wallNsAt } from "./headers.ts";
export type { ClockQuality, ClockSource, ClockState } from "./headers.ts";
export { FIELD_LIMITS, PROTOCOL_LIMITS, UNIT_KINDS } from "./fields.ts";
export { boundLogRecord, TRUNCATED_FIELDS_KEY } from "./log_bounds.ts";
export type { BoundedLogRecord } from "./log_bounds.ts";
export { INBOX_STREAM, INBOX_SUBJECTS, inboxConsumer, inboxSubject } from "./inbox.ts";
export { decodeNKeySeed, decodeUserKey, encodeNKey, InvalidNKeyError } from "./nkeys.ts";
export {
  base64Url,
  isSignedTelemetry,
  SIGNATURE_HEADER,
  telemetrySigningBytes,
} from "./telemetry_signature.ts";
export { parseUnitKeysEntry, UNIT_KEYS_BUCKET } from "./unit_keys.ts";
export type { UnitKeysEntry } from "./unit_keys.ts";
export type { DecodedSeed } from "./nkeys.ts";
export type { UnitKind } from "./fields.ts";
export type {
  Heartbeat,
  LogRecord,
  NtpStatus,
  PtpStatus,
  RttMetric,
  TimeConfig,
  TimeMetric,
} from "./messages.ts";
