/**
 * Clock-sync status from the daemons that discipline the clock: chrony (through `chronyc -c`)
 * and linuxptp's ptp4l (through `pmc`). Parses their output, turns an absent or unsynchronised
 * daemon into a state rather than an error, selects the source by TIME_SYNC_MODE and grades it
 * `locked | tracking | acquiring | freerun` with documented thresholds. Runs chronyc and pmc by
 * absolute path only; reads configuration only through mods/config.
 *
 * @example
 * ```ts
 * import { loadConfig } from "../config/mod.ts";
 * import { createClockReader } from "./mod.ts";
 * const { timesync } = loadConfig(["timesync"]);
 * const { source, quality, offsetNs } = await createClockReader(timesync).read();
 * ```
 *
 * @module
 */
export {
  CHRONYC_PATH,
  chronycTarget,
  chronyState,
  LOCAL_REFERENCE_ID,
  parseChronySources,
  parseChronyTracking,
  readChrony,
} from "./chrony.ts";
export type { ChronyReaderOptions, ChronySource, ChronyState, ChronyTracking } from "./chrony.ts";
export { parsePmc, PMC_PATH, PMC_QUERIES, ptpState, readPtp } from "./ptp.ts";
export type { PmcResponses, PtpReaderOptions, PtpReport, PtpState } from "./ptp.ts";
export { chronyQuality, ptpQuality, selectClock } from "./select.ts";
export type { ClockReading, QualityThresholds, TimeSyncMode } from "./select.ts";
export { createClockReader } from "./reader.ts";
export type { ClockReader, ClockReaderOptions } from "./reader.ts";
export { commandRunner, CommandStartError } from "./run.ts";
export type { CommandResult, CommandRunner } from "./run.ts";
export { TimesyncParseError } from "./errors.ts";
