import * as z from "zod";
import { FIELD_LIMITS, PROTOCOL_LIMITS, UNIT_KINDS } from "./fields.ts";
import { CLOCK_QUALITIES, CLOCK_SOURCES } from "./headers.ts";
import { LOG_LEVELS } from "./subjects.ts";
import { UNIT_ID_PATTERN } from "./unit_id.ts";

const unitId = z.string().regex(UNIT_ID_PATTERN);
/** Milliseconds since the Unix epoch (JSON-friendly; nanoseconds travel in headers). */
const ts = z.number().int().nonnegative();
const nonNegativeInt = z.number().int().nonnegative();
const token = z.string().max(PROTOCOL_LIMITS.token);
const name = z.string().max(PROTOCOL_LIMITS.name);

/** Clock state as carried in a heartbeat. */
export const clockSchema = z.object({
  source: z.enum(CLOCK_SOURCES),
  quality: z.enum(CLOCK_QUALITIES),
});

/** `ops.heartbeat.<unit>` */
export const heartbeatSchema = z.object({
  unitId,
  seq: nonNegativeInt,
  ts,
  uptimeS: z.number().nonnegative(),
  version: z.string().max(FIELD_LIMITS.version),
  host: z.string().max(FIELD_LIMITS.host),
  kind: z.enum(UNIT_KINDS),
  clock: clockSchema,
});

/**
 * `ops.metric.rtt.<unit>`: native (PING/PONG) and application (echo) round trips, timed as NTP
 * does. From the requester's send (t1) and receive (t4) times at its socket and the responder's
 * receive (t2, `X-RX-Timestamp`) and reply (t3, `X-Reply-TX-Timestamp`) times:
 * `appRttUs` = (t4 - t1) - (t3 - t2), the network's share of the round trip;
 * `responderUs` = t3 - t2; `offsetUs` = ((t2 - t1) + (t3 - t4)) / 2, the responder's clock minus
 * the requester's. `responderUs` and `offsetUs` are absent from older guardians (whose `appRttUs`
 * is the whole round trip) and null when the responder sent no t3.
 */
export const rttSchema = z.object({
  unitId,
  seq: nonNegativeInt,
  ts,
  /** What was measured against: the server URL or the echoed unit. */
  target: z.string().max(FIELD_LIMITS.target),
  nativeRttUs: z.number().nonnegative(),
  appRttUs: z.number().nonnegative().nullable(),
  responderUs: z.number().nonnegative().nullable().optional(),
  offsetUs: z.number().nullable().optional(),
});

/** PTP state as reported by ptp4l through pmc. */
export const ptpStatusSchema = z.object({
  portState: token,
  gmPresent: z.boolean(),
  gmIdentity: token,
  masterOffsetNs: z.number(),
  meanPathDelayNs: z.number(),
  stepsRemoved: nonNegativeInt,
});

/** NTP state as reported by chronyc. */
export const ntpStatusSchema = z.object({
  referenceId: token,
  referenceName: name,
  stratum: nonNegativeInt,
  leapStatus: token,
  offsetNs: z.number(),
  rootDelayNs: z.number(),
  rootDispersionNs: z.number(),
  skewPpm: z.number(),
  residualFreqPpm: z.number(),
});

/** `ops.metric.time.<unit>` */
export const timeMetricSchema = z.object({
  unitId,
  ts,
  source: z.enum(CLOCK_SOURCES),
  quality: z.enum(CLOCK_QUALITIES),
  offsetNs: z.number().nullable(),
  freqPpm: z.number().nullable(),
  ptp: ptpStatusSchema.nullable(),
  ntp: ntpStatusSchema.nullable(),
});

/** `ops.time.config`, published by the time master's guardian. */
export const timeConfigSchema = z.object({
  mode: z.enum(["ptp", "chrony", "auto"]),
  ptpMaster: name,
  ptpDomain: nonNegativeInt,
  ptpHwTimestamp: z.boolean(),
  ntpServers: z.array(name).max(PROTOCOL_LIMITS.list),
});

/**
 * `ops.log.<level>.<unit>`. `msg` and `fields` are not refused for their size: receivers cut them
 * to {@linkcode PROTOCOL_LIMITS} with `boundLogRecord`, and the client logger sends them cut.
 */
export const logSchema = z.object({
  ts,
  level: z.enum(LOG_LEVELS),
  unitId,
  msg: z.string(),
  fields: z.record(z.string(), z.unknown()).optional(),
});

/** A heartbeat. */
export type Heartbeat = z.infer<typeof heartbeatSchema>;
/** An RTT metric. */
export type RttMetric = z.infer<typeof rttSchema>;
/** A time metric. */
export type TimeMetric = z.infer<typeof timeMetricSchema>;
/** PTP status. */
export type PtpStatus = z.infer<typeof ptpStatusSchema>;
/** NTP (chrony) status. */
export type NtpStatus = z.infer<typeof ntpStatusSchema>;
/** The time master's configuration. */
export type TimeConfig = z.infer<typeof timeConfigSchema>;
/** A log record. */
export type LogRecord = z.infer<typeof logSchema>;
