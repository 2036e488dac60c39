import type { Config } from "../config/mod.ts";
import { CHRONYC_PATH, type ChronyState, readChrony } from "./chrony.ts";
import { PMC_PATH, type PtpState, readPtp } from "./ptp.ts";
import { type CommandRunner, commandRunner, CommandStartError } from "./run.ts";
import { type ClockReading, selectClock } from "./select.ts";

/** Options of {@linkcode createClockReader}. */
export interface ClockReaderOptions {
  /** Runs chronyc and pmc (default: {@linkcode commandRunner} with a 3 s timeout). */
  readonly run?: CommandRunner;
  /** Absolute path of chronyc (default `/usr/bin/chronyc`). */
  readonly chronyc?: string;
  /** Absolute path of pmc (default `/usr/sbin/pmc`). */
  readonly pmc?: string;
}

/** Reads the clock state on demand. */
export interface ClockReader {
  /** Asks the daemons TIME_SYNC_MODE names (both for `auto`) and selects. Never throws. */
  read(): Promise<ClockReading>;
}

/**
 * Builds a reader from the `timesync` configuration section.
 *
 * @param config the `timesync` section of {@linkcode loadConfig}
 * @param options runner and program paths
 * @returns the reader
 * @example
 * ```ts
 * const { timesync } = loadConfig(["timesync"]);
 * const reading = await createClockReader(timesync).read();
 * reading.source; // "ntp"
 * ```
 */
export function createClockReader(
  config: Config<"timesync">["timesync"],
  options: ClockReaderOptions = {},
): ClockReader {
  const run = options.run ?? commandRunner();
  const thresholds = {
    ptpLockThresholdNs: config.ptpLockThresholdNs,
    ntpLockThresholdNs: config.ntpLockThresholdNs,
  };
  const askPtp = async (): Promise<PtpState> => {
    try {
      return await readPtp({
        pmc: options.pmc ?? PMC_PATH,
        udsPath: config.ptpUdsPath,
        domain: config.ptpDomain,
        run,
      });
    } catch (e) {
      return { status: "unreachable", reason: reasonOf(e) };
    }
  };
  const askChrony = async (): Promise<ChronyState> => {
    try {
      return await readChrony({
        chronyc: options.chronyc ?? CHRONYC_PATH,
        socket: config.chronySocket,
        run,
      });
    } catch (e) {
      return { status: "unreachable", reason: reasonOf(e) };
    }
  };
  return {
    async read() {
      const [ptp, chrony] = await Promise.all([
        config.mode === "chrony" ? undefined : askPtp(),
        config.mode === "ptp" ? undefined : askChrony(),
      ]);
      return selectClock(config.mode, ptp, chrony, thresholds);
    },
  };
}

function reasonOf(e: unknown): string {
  if (e instanceof CommandStartError) return e.message;
  return e instanceof Error ? e.message : String(e);
}
