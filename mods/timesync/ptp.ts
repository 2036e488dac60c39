import { TimesyncParseError } from "./errors.ts";
import type { CommandRunner } from "./run.ts";

/** The management responses we ask ptp4l for, as pmc prints them: key → value text. */
export type PmcResponses = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** What ptp4l says through pmc. Offsets are the local clock minus the master's (ptp4l's sign). */
export interface PtpReport {
  /** `SLAVE`, `UNCALIBRATED`, `MASTER`, `LISTENING`, `PASSIVE`, `FAULTY`, ... */
  readonly portState: string;
  /** A grandmaster other than this clock is visible. */
  readonly gmPresent: boolean;
  /** Grandmaster clock identity, e.g. `b60844.fffe.350f17`. */
  readonly gmIdentity: string;
  /** TIME_STATUS_NP master_offset, ns. */
  readonly masterOffsetNs: number;
  /** CURRENT_DATA_SET meanPathDelay, ns. */
  readonly meanPathDelayNs: number;
  /** Hops between this clock and the grandmaster. */
  readonly stepsRemoved: number;
  /** PORT_DATA_SET portIdentity. */
  readonly portIdentity: string;
}

/** What ptp4l says, or why it said nothing. */
export type PtpState =
  | { readonly status: "answering"; readonly report: PtpReport }
  | {
    /** ptp4l did not answer (not running, wrong socket or domain): pmc printed only `sending:`. */
    readonly status: "unreachable";
    readonly reason: string;
  };

/** The management IDs the reader asks for, in order. */
export const PMC_QUERIES = ["GET TIME_STATUS_NP", "GET PORT_DATA_SET", "GET CURRENT_DATA_SET"];

/**
 * Parses pmc's output into one key/value table per management ID (`TIME_STATUS_NP`, ...). pmc
 * interleaves `sending:` lines with responses; a response is a line `<port> seq <n> RESPONSE
 * MANAGEMENT <ID>` followed by lines of `<key> <value>` indented with two tabs.
 *
 * @param stdout pmc's standard output
 * @returns the responses by management ID (empty when ptp4l did not answer)
 */
export function parsePmc(stdout: string): PmcResponses {
  const responses: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | undefined;
  for (const raw of stdout.split("\n")) {
    const head = /^\s*\S+ seq \d+ RESPONSE MANAGEMENT (\S+)\s*$/.exec(raw);
    if (head) {
      current = responses[head[1]!] = {};
      continue;
    }
    if (raw.startsWith("\t\t") && current) {
      const m = /^\s+(\S+)\s+(.*?)\s*$/.exec(raw);
      if (m) current[m[1]!] = m[2]!;
      continue;
    }
    // `sending: ...`, errors, MANAGEMENT_ERROR_STATUS: anything else ends the current block.
    current = undefined;
  }
  return responses;
}

function field(r: PmcResponses, id: string, key: string): string {
  const v = r[id]?.[key];
  if (v === undefined) {
    throw new TimesyncParseError(`Invalid pmc output: ${id} has no "${key}"`);
  }
  return v;
}

function number(r: PmcResponses, id: string, key: string): number {
  const v = field(r, id, key);
  const n = Number(v);
  if (!Number.isFinite(n)) {
    throw new TimesyncParseError(`Invalid pmc output: ${id} ${key} "${v}" is not a number`);
  }
  return n;
}

/**
 * Turns pmc's output into a state. ptp4l not answering is a state (pmc exits 0 and prints only
 * its `sending:` lines); an answer missing one of the three responses is reported the same way,
 * naming what is missing.
 *
 * @param result pmc's exit code and output
 * @returns the state
 * @throws {TimesyncParseError} when a response is there but a field is missing or not a number
 */
export function ptpState(
  result: { code: number; stdout: string; stderr: string; timedOut?: boolean },
): PtpState {
  if (result.timedOut) return { status: "unreachable", reason: "pmc timed out" };
  const r = parsePmc(result.stdout);
  const missing = ["TIME_STATUS_NP", "PORT_DATA_SET", "CURRENT_DATA_SET"].filter((id) => !r[id]);
  if (missing.length === 3) {
    const err = result.stderr.trim();
    return {
      status: "unreachable",
      reason: result.code !== 0
        ? `pmc exited with ${result.code}${err ? `: ${err}` : ""}`
        : "ptp4l did not answer",
    };
  }
  if (missing.length > 0) {
    return { status: "unreachable", reason: `ptp4l did not answer ${missing.join(", ")}` };
  }
  return {
    status: "answering",
    report: {
      portState: field(r, "PORT_DATA_SET", "portState"),
      portIdentity: field(r, "PORT_DATA_SET", "portIdentity"),
      gmPresent: field(r, "TIME_STATUS_NP", "gmPresent") === "true",
      gmIdentity: field(r, "TIME_STATUS_NP", "gmIdentity"),
      masterOffsetNs: number(r, "TIME_STATUS_NP", "master_offset"),
      meanPathDelayNs: number(r, "CURRENT_DATA_SET", "meanPathDelay"),
      stepsRemoved: number(r, "CURRENT_DATA_SET", "stepsRemoved"),
    },
  };
}

/** Default absolute path of pmc (Debian, OpenWRT). */
export const PMC_PATH = "/usr/sbin/pmc";

/** Where pmc is and how to reach ptp4l. */
export interface PtpReaderOptions {
  /** Absolute path of pmc (default `/usr/sbin/pmc`). */
  readonly pmc?: string;
  /** ptp4l's UNIX domain socket (PTP_UDS_PATH). */
  readonly udsPath: string;
  /** PTP domain number (PTP_DOMAIN); ptp4l answers only its own domain. */
  readonly domain: number;
  /** Runs pmc (see {@linkcode commandRunner}). */
  readonly run: CommandRunner;
}

/**
 * Asks ptp4l through `pmc -u -b 0 -d <domain> -s <uds>` for TIME_STATUS_NP, PORT_DATA_SET and
 * CURRENT_DATA_SET.
 *
 * @param options pmc path, socket, domain and runner
 * @returns the state; ptp4l not answering is a state, not an error
 * @throws {TimesyncParseError} when a response lacks a field we need
 * @throws {CommandStartError} when pmc cannot be started (missing, not permitted)
 */
export async function readPtp(options: PtpReaderOptions): Promise<PtpState> {
  const result = await options.run(options.pmc ?? PMC_PATH, [
    "-u",
    "-b",
    "0",
    "-d",
    String(options.domain),
    "-s",
    options.udsPath,
    ...PMC_QUERIES,
  ]);
  return ptpState(result);
}
