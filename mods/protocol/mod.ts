/**
 * The one contract between every nunect program: subjects, header names, unit-ID rules and the
 * zod schema of every ops.* message. The guardian, the dashboard and the client all use it;
 * runtime-neutral (no `Deno.*`), so it ships inside @nunect/client.
 *
 * @example
 * ```ts
 * import { decodeMessage, heartbeatSchema, subjects } from "./mod.ts";
 * subjects.heartbeat("router-07"); // "ops.heartbeat.router-07"
 * ```
 *
 * @module
 */
export { InvalidSubjectError, InvalidUnitIdError, NunectError } from "./errors.ts";
export { isUnitId, UNIT_ID_PATTERN, validateUnitId } from "./unit_id.ts";
export { LOG_LEVELS, parseSubject, subjects, validateSubject } from "./subjects.ts";
export type { LogLevel, ParsedSubject } from "./subjects.ts";
export { CLOCK_QUALITIES, CLOCK_SOURCES, HEADERS, nowNs, wallNsAt } from "./headers.ts";
export type { ClockQuality, ClockSource } from "./headers.ts";
export {
  clockSchema,
  heartbeatSchema,
  logSchema,
  ntpStatusSchema,
  ptpStatusSchema,
  rttSchema,
  timeConfigSchema,
  timeMetricSchema,
  UNIT_KINDS,
} from "./messages.ts";
export type {
  Heartbeat,
  LogRecord,
  NtpStatus,
  PtpStatus,
  RttMetric,
  TimeConfig,
  TimeMetric,
  UnitKind,
} from "./messages.ts";
export { decodeMessage } from "./decode.ts";
export type { Decoded } from "./decode.ts";
