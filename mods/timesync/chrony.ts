import { TimesyncParseError } from "./errors.ts";
import type { CommandRunner } from "./run.ts";

/**
 * `chronyc -c tracking`, parsed. Sign conventions: {@linkcode ChronyTracking.offsetNs} is the
 * local clock minus NTP time (positive: the local clock is ahead), the opposite sign of chronyc's
 * CSV "System time" field, which is the correction chronyd still has to apply;
 * {@linkcode ChronyTracking.freqPpm} is positive when the local clock runs fast.
 */
export interface ChronyTracking {
  /** Reference ID as 8 hex digits, e.g. `7F000001`; `00000000` when not synchronised. */
  readonly referenceId: string;
  /** The reference's name or address; empty for a local reference or none. */
  readonly referenceName: string;
  /** NTP stratum of this clock (the reference's plus one). */
  readonly stratum: number;
  /** Time of the last update from the reference, seconds since the epoch (0: never). */
  readonly refTimeS: number;
  /** Local clock minus NTP time, ns (negated "System time"). */
  readonly offsetNs: number;
  /** Offset measured at the last update, ns, chronyc's sign. */
  readonly lastOffsetNs: number;
  /** Long-term average offset, ns. */
  readonly rmsOffsetNs: number;
  /** How fast the local clock would run uncorrected, ppm (positive: fast). */
  readonly freqPpm: number;
  /** Frequency error of the reference against the local clock's estimate, ppm. */
  readonly residualFreqPpm: number;
  /** Estimated error bound of the frequency, ppm. */
  readonly skewPpm: number;
  /** Total network delay to the stratum-1 source, ns. */
  readonly rootDelayNs: number;
  /** Total dispersion accumulated up to the stratum-1 source, ns. */
  readonly rootDispersionNs: number;
  /** Interval between the last two clock updates, seconds. */
  readonly updateIntervalS: number;
  /** `Normal`, `Insert second`, `Delete second` or `Not synchronised`. */
  readonly leapStatus: string;
}

/** One line of `chronyc -c sources`. */
export interface ChronySource {
  /** `^` server, `=` peer, `#` reference clock. */
  readonly mode: string;
  /** `*` selected, `+` combined, `-` not combined, `?` unreachable, `x` falseticker, `~` too variable. */
  readonly state: string;
  /** The source's name or address. */
  readonly name: string;
  /** The source's NTP stratum. */
  readonly stratum: number;
  /** Polling interval as a power of two, seconds. */
  readonly poll: number;
  /** Reachability register of the last 8 polls (chronyc prints it in octal: 377 = 255). */
  readonly reach: number;
  /** Seconds since the last sample (4294967295: never). */
  readonly lastRxS: number;
  /** Last sample's offset after later slews, ns (positive: the source is ahead). */
  readonly adjustedOffsetNs: number;
  /** Last sample's offset as measured, ns. */
  readonly measuredOffsetNs: number;
  /** Error bound of the last sample, ns. */
  readonly errorNs: number;
}

/** What chronyd says about the clock, or why it said nothing. */
export type ChronyState =
  | {
    /** chronyd answered and has a reference (possibly its own local clock). */
    readonly status: "synchronised";
    readonly tracking: ChronyTracking;
    /** The source marked `*`, when chronyd has one (not for a local reference). */
    readonly selected: ChronySource | undefined;
    readonly sources: readonly ChronySource[];
    /** The reference is chronyd's own clock (`local stratum N`), not a time source. */
    readonly localReference: boolean;
  }
  | {
    /** chronyd answered but is not synchronised (reference 00000000). */
    readonly status: "unsynchronised";
    readonly tracking: ChronyTracking;
    readonly sources: readonly ChronySource[];
  }
  | {
    /** chronyd did not answer: not running, wrong socket, no permission, timed out. */
    readonly status: "unreachable";
    /** chronyc's message, e.g. `506 Cannot talk to daemon`. */
    readonly reason: string;
  };

/** Reference ID chronyd reports for `local stratum N` (127.127.1.1, "LOCL"). */
export const LOCAL_REFERENCE_ID = "7F7F0101";

const NS = 1e9;

function num(fields: readonly string[], i: number, what: string, line: string): number {
  const raw = fields[i];
  const n = raw === undefined || raw.trim() === "" ? NaN : Number(raw);
  if (!Number.isFinite(n)) {
    throw new TimesyncParseError(
      `Invalid chronyc output "${line}": field ${i + 1} (${what}) is not a number`,
    );
  }
  return n;
}

function octal(fields: readonly string[], i: number, what: string, line: string): number {
  const raw = fields[i] ?? "";
  if (!/^[0-7]+$/.test(raw)) {
    throw new TimesyncParseError(
      `Invalid chronyc output "${line}": field ${i + 1} (${what}) is not an octal number`,
    );
  }
  return parseInt(raw, 8);
}

/** Rounds seconds to whole nanoseconds (chronyc prints 9 decimals). */
function ns(seconds: number): number {
  return Math.round(seconds * NS);
}

/**
 * Parses the output of `chronyc -c tracking` (one CSV line of 14 fields).
 *
 * @param csv chronyc's standard output
 * @returns the tracking report
 * @throws {TimesyncParseError} when the output is not a 14-field CSV line with numbers in place
 * @example
 * ```ts
 * const t = parseChronyTracking("7F000001,127.0.0.1,11,1795424921.009,-0.000001785,...,Normal");
 * t.offsetNs; // 1785 (the local clock is 1.785 µs ahead)
 * ```
 */
export function parseChronyTracking(csv: string): ChronyTracking {
  const line = csv.trim().split("\n")[0] ?? "";
  const f = line.split(",");
  if (f.length !== 14) {
    throw new TimesyncParseError(
      `Invalid chronyc tracking output "${line}": expected 14 comma-separated fields, got ${f.length}`,
    );
  }
  const referenceId = f[0]!.toUpperCase();
  if (!/^[0-9A-F]{8}$/.test(referenceId)) {
    throw new TimesyncParseError(
      `Invalid chronyc tracking output "${line}": reference ID "${f[0]}" is not 8 hex digits`,
    );
  }
  return {
    referenceId,
    referenceName: f[1]!,
    stratum: num(f, 2, "stratum", line),
    refTimeS: num(f, 3, "ref time", line),
    offsetNs: -ns(num(f, 4, "system time", line)) || 0,
    lastOffsetNs: ns(num(f, 5, "last offset", line)),
    rmsOffsetNs: ns(num(f, 6, "RMS offset", line)),
    freqPpm: num(f, 7, "frequency", line),
    residualFreqPpm: num(f, 8, "residual frequency", line),
    skewPpm: num(f, 9, "skew", line),
    rootDelayNs: ns(num(f, 10, "root delay", line)),
    rootDispersionNs: ns(num(f, 11, "root dispersion", line)),
    updateIntervalS: num(f, 12, "update interval", line),
    leapStatus: f[13]!.trim(),
  };
}

/**
 * Parses the output of `chronyc -c sources` (one CSV line of 10 fields per source; no line when
 * chronyd has no sources).
 *
 * @param csv chronyc's standard output
 * @returns the sources in chronyc's order
 * @throws {TimesyncParseError} for a line that is not 10 fields with numbers in place
 */
export function parseChronySources(csv: string): ChronySource[] {
  return csv.split("\n").map((l) => l.trim()).filter((l) => l.length > 0).map((line) => {
    const f = line.split(",");
    if (f.length !== 10) {
      throw new TimesyncParseError(
        `Invalid chronyc sources output "${line}": expected 10 comma-separated fields, got ${f.length}`,
      );
    }
    return {
      mode: f[0]!,
      state: f[1]!,
      name: f[2]!,
      stratum: num(f, 3, "stratum", line),
      poll: num(f, 4, "poll", line),
      reach: octal(f, 5, "reach", line),
      lastRxS: num(f, 6, "last rx", line),
      adjustedOffsetNs: ns(num(f, 7, "adjusted offset", line)),
      measuredOffsetNs: ns(num(f, 8, "measured offset", line)),
      errorNs: ns(num(f, 9, "error", line)),
    };
  });
}

/**
 * Turns chronyc's tracking and sources output into a state. Pure: the reader and the tests use it.
 *
 * @param tracking result of `chronyc -c tracking`
 * @param sources result of `chronyc -c sources` (ignored unless tracking succeeded)
 * @returns the state; `unreachable` carries chronyc's own message
 * @throws {TimesyncParseError} when chronyc answered with output of an unknown shape
 */
export function chronyState(
  tracking: { code: number; stdout: string; stderr: string; timedOut?: boolean },
  sources: { code: number; stdout: string } | undefined,
): ChronyState {
  if (tracking.timedOut) return { status: "unreachable", reason: "chronyc timed out" };
  if (tracking.code !== 0 || tracking.stdout.trim() === "") {
    const reason = (tracking.stdout + "\n" + tracking.stderr).trim().split("\n")
      .filter((l) => l.trim() !== "").join("; ");
    return { status: "unreachable", reason: reason || `chronyc exited with ${tracking.code}` };
  }
  const t = parseChronyTracking(tracking.stdout);
  const list = sources !== undefined && sources.code === 0
    ? parseChronySources(sources.stdout)
    : [];
  if (t.referenceId === "00000000" || t.leapStatus === "Not synchronised") {
    return { status: "unsynchronised", tracking: t, sources: list };
  }
  return {
    status: "synchronised",
    tracking: t,
    selected: list.find((s) => s.state === "*"),
    sources: list,
    localReference: t.referenceId === LOCAL_REFERENCE_ID,
  };
}

/**
 * chronyc's arguments for a socket or address: a path (`/run/chrony/chronyd.sock`) becomes
 * `-h <path>`, `host:port` or `[v6]:port` becomes `-h host -p port`, a bare host `-h host`,
 * empty means chronyc's default.
 *
 * @param socket the CHRONY_SOCKET setting
 * @returns the arguments to put before the command
 */
export function chronycTarget(socket: string): string[] {
  const s = socket.trim();
  if (s === "") return [];
  if (s.startsWith("/")) return ["-h", s];
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  if (m) return ["-h", m[1]!, "-p", m[2]!];
  return ["-h", s.replace(/^\[|\]$/g, "")];
}

/** Where chronyc is and how to reach chronyd. */
export interface ChronyReaderOptions {
  /** Absolute path of chronyc (default `/usr/bin/chronyc`). */
  readonly chronyc?: string;
  /** CHRONY_SOCKET: socket path, `host[:port]`, or empty for chronyc's default. */
  readonly socket: string;
  /** Runs chronyc (see {@linkcode commandRunner}). */
  readonly run: CommandRunner;
}

/** Default absolute path of chronyc (Debian, OpenWRT). */
export const CHRONYC_PATH = "/usr/bin/chronyc";

/**
 * Asks chronyd for tracking and sources through chronyc (`-c`, `-n`: numeric CSV).
 *
 * @param options chronyc path, socket and runner
 * @returns the state; an absent daemon is a state, not an error
 * @throws {TimesyncParseError} when chronyc answers in a shape we do not know
 * @throws {CommandStartError} when chronyc cannot be started (missing, not permitted)
 */
export async function readChrony(options: ChronyReaderOptions): Promise<ChronyState> {
  const chronyc = options.chronyc ?? CHRONYC_PATH;
  const target = chronycTarget(options.socket);
  const tracking = await options.run(chronyc, [...target, "-n", "-c", "tracking"]);
  if (tracking.code !== 0 || tracking.timedOut) return chronyState(tracking, undefined);
  const sources = await options.run(chronyc, [...target, "-n", "-c", "sources"]);
  return chronyState(tracking, sources);
}
