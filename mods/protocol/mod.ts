/**
 * The one contract between every nunect program: subjects, header names, unit-ID rules and the
 * zod schema of every ops.* message. The guardian, the dashboard and the client all use it;
 * runtime-neutral (no `Deno.*`), so it ships inside @nunect/client. Everything but the schemas
 * is also in `core.ts`, which imports no zod (for senders such as the browser client).
 *
 * @example
 * ```ts
 * import { decodeMessage, heartbeatSchema, subjects } from "./mod.ts";
 * subjects.heartbeat("router-07"); // "ops.heartbeat.router-07"
 * ```
 *
 * @module
 */
export * from "./core.ts";
export {
  clockSchema,
  heartbeatSchema,
  logSchema,
  ntpStatusSchema,
  ptpStatusSchema,
  rttSchema,
  timeConfigSchema,
  timeMetricSchema,
} from "./messages.ts";
export { decodeMessage, timestampProblem } from "./decode.ts";
export type { WireIssue, WireResult, WireSchema } from "./wire_schema.ts";
export type { Decoded, DecodeFailure, DecodeOptions } from "./decode.ts";
