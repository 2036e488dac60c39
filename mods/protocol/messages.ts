import * as z from "zod";
import { FIELD_LIMITS, PROTOCOL_LIMITS, UNIT_KINDS, type UnitKind } from "./fields.ts";
import {
  CLOCK_QUALITIES,
  CLOCK_SOURCES,
  type ClockQuality,
  type ClockSource,
  type ClockState,
} from "./headers.ts";
import { LOG_LEVELS, type LogLevel } from "./subjects.ts";
import { UNIT_ID_PATTERN } from "./unit_id.ts";
import type { Agrees, WireSchema } from "./wire_schema.ts";

// Each message's zod object is private; the module exports it as a WireSchema of a written-out,
// documented interface, pinned to the object by Agrees so the two cannot drift.

const unitId = z.string().regex(UNIT_ID_PATTERN);
/** Milliseconds since the Unix epoch (JSON-friendly; nanoseconds travel in headers). */
const ts = z.number().int().nonnegative();
const nonNegativeInt = z.number().int().nonnegative();
const token = z.string().max(PROTOCOL_LIMITS.token);
const name = z.string().max(PROTOCOL_LIMITS.name);

/** Clock state as carried in a heartbeat. */
const clockObject = z.object({
  source: z.enum(CLOCK_SOURCES),
  quality: z.enum(CLOCK_QUALITIES),
});

/** `ops.heartbeat.<unit>` */
const heartbeatObject = z.object({
  unitId,
  seq: nonNegativeInt,
  ts,
  uptimeS: z.number().nonnegative(),
  version: z.string().max(FIELD_LIMITS.version),
  host: z.string().max(FIELD_LIMITS.host),
  kind: z.enum(UNIT_KINDS),
  clock: clockObject,
});

/** `ops.metric.rtt.<unit>` (see {@linkcode RttMetric}). */
const rttObject = z.object({
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
const ptpStatusObject = z.object({
  portState: token,
  gmPresent: z.boolean(),
  gmIdentity: token,
  masterOffsetNs: z.number(),
  meanPathDelayNs: z.number(),
  stepsRemoved: nonNegativeInt,
});

/** NTP state as reported by chronyc. */
const ntpStatusObject = z.object({
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
const timeMetricObject = z.object({
  unitId,
  ts,
  source: z.enum(CLOCK_SOURCES),
  quality: z.enum(CLOCK_QUALITIES),
  offsetNs: z.number().nullable(),
  freqPpm: z.number().nullable(),
  ptp: ptpStatusObject.nullable(),
  ntp: ntpStatusObject.nullable(),
});

/** `ops.time.config`, published by the time master's guardian. */
const timeConfigObject = z.object({
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
const logObject = z.object({
  ts,
  level: z.enum(LOG_LEVELS),
  unitId,
  msg: z.string(),
  fields: z.record(z.string(), z.unknown()).optional(),
});

true satisfies Agrees<z.output<typeof clockObject>, ClockState>;
/** Clock state as carried in a heartbeat. */
export const clockSchema: WireSchema<ClockState> = clockObject;

/** `ops.heartbeat.<unit>`: a unit is alive, what it is and how its clock is. */
export interface Heartbeat {
  /** The sending unit's ID. */
  unitId: string;
  /** Counts the unit's heartbeats since it started. */
  seq: number;
  /** When it was sent, ms since the Unix epoch. */
  ts: number;
  /** Seconds since the unit started. */
  uptimeS: number;
  /** The unit's software version. */
  version: string;
  /** The unit's host name. */
  host: string;
  /** What kind of unit it is. */
  kind: UnitKind;
  /** Its clock. */
  clock: ClockState;
}
true satisfies Agrees<z.output<typeof heartbeatObject>, Heartbeat>;
/** The schema of {@linkcode Heartbeat}. */
export const heartbeatSchema: WireSchema<Heartbeat> = heartbeatObject;

/**
 * `ops.metric.rtt.<unit>`: native (PING/PONG) and application (echo) round trips, timed as NTP
 * does. From the requester's send (t1) and receive (t4) times at its socket and the responder's
 * receive (t2, `X-RX-Timestamp`) and reply (t3, `X-Reply-TX-Timestamp`) times:
 * `appRttUs` = (t4 - t1) - (t3 - t2), the network's share of the round trip;
 * `responderUs` = t3 - t2; `offsetUs` = ((t2 - t1) + (t3 - t4)) / 2, the responder's clock minus
 * the requester's. `responderUs` and `offsetUs` are absent from older guardians (whose `appRttUs`
 * is the whole round trip) and null when the responder sent no t3.
 */
export interface RttMetric {
  /** The measuring unit's ID. */
  unitId: string;
  /** Counts the unit's measurements. */
  seq: number;
  /** When it was measured, ms since the Unix epoch. */
  ts: number;
  /** What was measured against: the server URL or the echoed unit. */
  target: string;
  /** The PING/PONG round trip to the server, µs. */
  nativeRttUs: number;
  /** The echo round trip without the responder's processing, µs (null: no answer). */
  appRttUs: number | null;
  /** How long the responder took (t3 - t2), µs; null without its t3, absent from older guardians. */
  responderUs?: number | null;
  /** The responder's clock minus the requester's, µs; null without its t3, absent from older guardians. */
  offsetUs?: number | null;
}
true satisfies Agrees<z.output<typeof rttObject>, RttMetric>;
/** The schema of {@linkcode RttMetric}. */
export const rttSchema: WireSchema<RttMetric> = rttObject;

/** PTP state as reported by ptp4l through pmc. */
export interface PtpStatus {
  /** The port's state (`SLAVE`, `MASTER`, `LISTENING`, …). */
  portState: string;
  /** Whether a grandmaster is present. */
  gmPresent: boolean;
  /** The grandmaster's clock identity. */
  gmIdentity: string;
  /** Offset from the master, ns. */
  masterOffsetNs: number;
  /** Mean path delay to the master, ns. */
  meanPathDelayNs: number;
  /** Hops from the grandmaster. */
  stepsRemoved: number;
}
true satisfies Agrees<z.output<typeof ptpStatusObject>, PtpStatus>;
/** The schema of {@linkcode PtpStatus}. */
export const ptpStatusSchema: WireSchema<PtpStatus> = ptpStatusObject;

/** NTP state as reported by chronyc. */
export interface NtpStatus {
  /** The reference's ID (hex). */
  referenceId: string;
  /** The reference's name or address. */
  referenceName: string;
  /** Stratum. */
  stratum: number;
  /** Leap status (`Normal`, `Insert second`, `Not synchronised`, …). */
  leapStatus: string;
  /** The system clock's offset, ns. */
  offsetNs: number;
  /** Root delay, ns. */
  rootDelayNs: number;
  /** Root dispersion, ns. */
  rootDispersionNs: number;
  /** Frequency error bound, ppm. */
  skewPpm: number;
  /** Residual frequency, ppm. */
  residualFreqPpm: number;
}
true satisfies Agrees<z.output<typeof ntpStatusObject>, NtpStatus>;
/** The schema of {@linkcode NtpStatus}. */
export const ntpStatusSchema: WireSchema<NtpStatus> = ntpStatusObject;

/** `ops.metric.time.<unit>`: how a unit's clock follows its source. */
export interface TimeMetric {
  /** The unit's ID. */
  unitId: string;
  /** When it was measured, ms since the Unix epoch. */
  ts: number;
  /** What disciplines the clock. */
  source: ClockSource;
  /** How well it follows. */
  quality: ClockQuality;
  /** Offset from the source, ns (null: unknown). */
  offsetNs: number | null;
  /** Frequency correction, ppm (null: unknown). */
  freqPpm: number | null;
  /** PTP details, when PTP is the source. */
  ptp: PtpStatus | null;
  /** NTP details, when chrony is the source. */
  ntp: NtpStatus | null;
}
true satisfies Agrees<z.output<typeof timeMetricObject>, TimeMetric>;
/** The schema of {@linkcode TimeMetric}. */
export const timeMetricSchema: WireSchema<TimeMetric> = timeMetricObject;

/** `ops.time.config`, published by the time master's guardian: how units sync their clocks. */
export interface TimeConfig {
  /** PTP, chrony, or PTP where it locks and chrony otherwise. */
  mode: "ptp" | "chrony" | "auto";
  /** The PTP master's name. */
  ptpMaster: string;
  /** The PTP domain. */
  ptpDomain: number;
  /** Whether PTP uses hardware timestamps. */
  ptpHwTimestamp: boolean;
  /** The NTP servers chrony follows. */
  ntpServers: string[];
}
true satisfies Agrees<z.output<typeof timeConfigObject>, TimeConfig>;
/** The schema of {@linkcode TimeConfig}. */
export const timeConfigSchema: WireSchema<TimeConfig> = timeConfigObject;

/** `ops.log.<level>.<unit>`: one log record of a unit. */
export interface LogRecord {
  /** When it was logged, ms since the Unix epoch. */
  ts: number;
  /** Its level. */
  level: LogLevel;
  /** The unit's ID. */
  unitId: string;
  /** The message (receivers cut it to `PROTOCOL_LIMITS`). */
  msg: string;
  /** Structured fields (receivers cut them to `PROTOCOL_LIMITS`). */
  fields?: Record<string, unknown>;
}
true satisfies Agrees<z.output<typeof logObject>, LogRecord>;
/** The schema of {@linkcode LogRecord}. */
export const logSchema: WireSchema<LogRecord> = logObject;
