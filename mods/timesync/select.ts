import type { ClockQuality, ClockSource, NtpStatus, PtpStatus } from "../protocol/core.ts";
import type { ChronyState } from "./chrony.ts";
import type { PtpState } from "./ptp.ts";

/** TIME_SYNC_MODE: which daemon disciplines this clock. */
export type TimeSyncMode = "ptp" | "chrony" | "auto";

/** Thresholds of the quality rules (PTP_LOCK_THRESHOLD_NS, NTP_LOCK_THRESHOLD_NS). */
export interface QualityThresholds {
  /** PTP is `locked` when SLAVE and |master offset| is below this, ns. */
  readonly ptpLockThresholdNs: number;
  /** chrony is `locked` when synchronised and |offset| is below this, ns. */
  readonly ntpLockThresholdNs: number;
}

/** The clock's state as the guardian reports it (`ops.metric.time.<unit>` without unit and ts). */
export interface ClockReading {
  /** The clock source chosen. */
  readonly source: ClockSource;
  /** How well it is synchronised. */
  readonly quality: ClockQuality;
  /** Local clock minus the reference, ns, from the selected source; null for none. */
  readonly offsetNs: number | null;
  /** Frequency error of the local clock, ppm, when the selected source reports one. */
  readonly freqPpm: number | null;
  /** ptp4l's state when it answered. */
  readonly ptp: PtpStatus | null;
  /** chronyd's state when it answered. */
  readonly ntp: NtpStatus | null;
  /** Why a daemon that was asked did not answer, for logs. */
  readonly problems: readonly string[];
}

/** Port states in which ptp4l follows a master. */
const FOLLOWING = new Set(["SLAVE", "UNCALIBRATED"]);

/**
 * PTP quality:
 * - `locked`: port SLAVE, grandmaster present, |master offset| < `ptpLockThresholdNs`;
 * - `tracking`: port SLAVE, grandmaster present, offset above the threshold;
 * - `acquiring`: port UNCALIBRATED with a grandmaster present (servo not yet locked);
 * - `freerun`: anything else: no grandmaster, MASTER, LISTENING, FAULTY, ptp4l not answering.
 *
 * @param state what pmc returned
 * @param thresholds the lock threshold
 * @returns the quality
 */
export function ptpQuality(state: PtpState, thresholds: QualityThresholds): ClockQuality {
  if (state.status !== "answering" || !state.report.gmPresent) return "freerun";
  const r = state.report;
  if (r.portState === "SLAVE") {
    return Math.abs(r.masterOffsetNs) < thresholds.ptpLockThresholdNs ? "locked" : "tracking";
  }
  return r.portState === "UNCALIBRATED" ? "acquiring" : "freerun";
}

/**
 * chrony quality:
 * - `locked`: synchronised to a real source, |offset| < `ntpLockThresholdNs`;
 * - `tracking`: synchronised to a real source, offset above the threshold;
 * - `acquiring`: not synchronised, but a source has answered recently (reach register not 0);
 * - `freerun`: synchronised only to its own clock (`local stratum N`), no source answering, or
 *   chronyd not answering.
 *
 * @param state what chronyc returned
 * @param thresholds the lock threshold
 * @returns the quality
 */
export function chronyQuality(state: ChronyState, thresholds: QualityThresholds): ClockQuality {
  switch (state.status) {
    case "synchronised":
      if (state.localReference) return "freerun";
      return Math.abs(state.tracking.offsetNs) < thresholds.ntpLockThresholdNs
        ? "locked"
        : "tracking";
    case "unsynchronised":
      return state.sources.some((s) => s.reach !== 0) ? "acquiring" : "freerun";
    case "unreachable":
      return "freerun";
  }
}

function ptpStatus(state: PtpState | undefined): PtpStatus | null {
  if (state?.status !== "answering") return null;
  const r = state.report;
  return {
    portState: r.portState,
    gmPresent: r.gmPresent,
    gmIdentity: r.gmIdentity,
    masterOffsetNs: r.masterOffsetNs,
    meanPathDelayNs: r.meanPathDelayNs,
    stepsRemoved: r.stepsRemoved,
  };
}

function ntpStatus(state: ChronyState | undefined): NtpStatus | null {
  if (state === undefined || state.status === "unreachable") return null;
  const t = state.tracking;
  return {
    referenceId: t.referenceId,
    referenceName: t.referenceName,
    stratum: t.stratum,
    leapStatus: t.leapStatus,
    offsetNs: t.offsetNs,
    rootDelayNs: t.rootDelayNs,
    rootDispersionNs: t.rootDispersionNs,
    skewPpm: t.skewPpm,
    residualFreqPpm: t.residualFreqPpm,
  };
}

/**
 * Chooses the clock source and its quality.
 *
 * - `ptp`: the source is `ptp` with {@linkcode ptpQuality} (`freerun` when ptp4l is silent);
 * - `chrony`: the source is `ntp` with {@linkcode chronyQuality};
 * - `auto`: `ptp` when a grandmaster is present and the port is SLAVE or UNCALIBRATED, else `ntp`
 *   when chronyd is synchronised (also to its local clock, then `freerun`), else `none`/`freerun`.
 *
 * @param mode TIME_SYNC_MODE
 * @param ptp pmc's state (undefined when not asked)
 * @param chrony chronyc's state (undefined when not asked)
 * @param thresholds the lock thresholds
 * @returns the reading, with both daemons' details when they answered
 */
export function selectClock(
  mode: TimeSyncMode,
  ptp: PtpState | undefined,
  chrony: ChronyState | undefined,
  thresholds: QualityThresholds,
): ClockReading {
  const problems = [
    ...(ptp?.status === "unreachable" ? [`PTP: ${ptp.reason}`] : []),
    ...(chrony?.status === "unreachable" ? [`chrony: ${chrony.reason}`] : []),
  ];
  const details = { ptp: ptpStatus(ptp), ntp: ntpStatus(chrony), problems };
  const fromPtp = (): ClockReading => ({
    source: "ptp",
    quality: ptp ? ptpQuality(ptp, thresholds) : "freerun",
    offsetNs: ptp?.status === "answering" ? ptp.report.masterOffsetNs : null,
    freqPpm: null,
    ...details,
  });
  const fromChrony = (): ClockReading => ({
    source: "ntp",
    quality: chrony ? chronyQuality(chrony, thresholds) : "freerun",
    offsetNs: chrony && chrony.status !== "unreachable" ? chrony.tracking.offsetNs : null,
    freqPpm: chrony && chrony.status !== "unreachable" ? chrony.tracking.freqPpm : null,
    ...details,
  });
  if (mode === "ptp") return fromPtp();
  if (mode === "chrony") return fromChrony();
  if (ptp?.status === "answering" && ptp.report.gmPresent && FOLLOWING.has(ptp.report.portState)) {
    return fromPtp();
  }
  if (chrony?.status === "synchronised") return fromChrony();
  return { source: "none", quality: "freerun", offsetNs: null, freqPpm: null, ...details };
}
