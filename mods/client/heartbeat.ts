import {
  CLOCK_QUALITIES,
  CLOCK_SOURCES,
  type ClockState,
  FIELD_LIMITS,
  HEADERS,
  type Heartbeat,
  UNIT_KINDS,
  type UnitKind,
} from "../protocol/core.ts";
import { InvalidOptionError } from "./errors.ts";
import { VERSION } from "./version.ts";

/** Options of `client.startHeartbeat()`. */
export interface HeartbeatOptions {
  /** Interval between heartbeats (default 5000 ms). */
  intervalMs?: number;
  /** What kind of program this is (default `"client"`). */
  kind?: UnitKind;
  /** Program version (default the client's version). */
  version?: string;
  /** Host name (default empty: the client cannot know it in a browser). */
  host?: string;
  /** Current clock state, asked before every heartbeat (default none/freerun). */
  clock?: () => ClockState;
}

/** A running heartbeat. */
export interface HeartbeatHandle {
  /** Sequence number of the last heartbeat sent (-1 before the first). */
  readonly seq: number;
  /** Stops sending. */
  stop(): void;
}

/** What the heartbeat needs of the client. */
export interface HeartbeatSink {
  readonly unitId: string;
  connected(): boolean;
  /** Publishes on `ops.heartbeat.<unit>` with the given extra headers. */
  send(hb: Heartbeat, headers: Record<string, string>): void;
  /** Calls `fn` after each reconnect; returns the unsubscribe function. */
  onReconnected(fn: () => void): () => void;
}

const oneOf = (list: readonly string[], v: unknown) => list.includes(v as string);

/**
 * What is wrong with a heartbeat this client built, checked against the protocol's vocabularies
 * and limits (the same constants heartbeatSchema uses) without loading zod into browsers.
 *
 * @returns `field: problem`, or undefined when the heartbeat is valid
 */
function heartbeatProblem(hb: Heartbeat): string | undefined {
  if (!oneOf(UNIT_KINDS, hb.kind)) return `kind: expected one of ${UNIT_KINDS.join(", ")}`;
  for (const field of ["version", "host"] as const) {
    const v = hb[field] as unknown;
    if (typeof v !== "string" || v.length > FIELD_LIMITS[field]) {
      return `${field}: expected a string of at most ${FIELD_LIMITS[field]} characters`;
    }
  }
  const clock = hb.clock as Partial<ClockState> | undefined;
  if (!oneOf(CLOCK_SOURCES, clock?.source)) {
    return `clock.source: expected one of ${CLOCK_SOURCES.join(", ")}`;
  }
  if (!oneOf(CLOCK_QUALITIES, clock?.quality)) {
    return `clock.quality: expected one of ${CLOCK_QUALITIES.join(", ")}`;
  }
  return undefined;
}

/**
 * Publishes a heartbeatSchema message now and every `intervalMs`, with `X-Clock-Source` and
 * `X-Clock-Quality` headers. Skips beats while disconnected (so gaps in `seq` are beats that could
 * not be sent), sends one at once after a reconnect, and keeps `seq` across reconnects.
 *
 * @param sink the client
 * @param options interval, kind, version, host, clock
 * @returns a handle to stop it
 * @throws {InvalidOptionError} for options that would make an invalid heartbeat
 */
export function startHeartbeat(
  sink: HeartbeatSink,
  options: HeartbeatOptions = {},
): HeartbeatHandle {
  const intervalMs = options.intervalMs ?? 5000;
  if (typeof intervalMs !== "number" || !(intervalMs >= 10)) {
    throw new InvalidOptionError(`Invalid option intervalMs ${intervalMs}: expected >= 10`);
  }
  const clock = options.clock ?? (() => ({ source: "none", quality: "freerun" } as ClockState));
  let seq = -1;
  const build = (): Heartbeat => ({
    unitId: sink.unitId,
    seq: seq + 1,
    ts: Date.now(),
    // performance.now() counts from process start (page load in a browser).
    uptimeS: Math.round(performance.now()) / 1000,
    version: options.version ?? VERSION,
    host: options.host ?? "",
    kind: options.kind ?? "client",
    clock: clock(),
  });
  const problem = heartbeatProblem(build());
  if (problem !== undefined) throw new InvalidOptionError(`Invalid heartbeat options: ${problem}`);
  let stopped = false;
  const beat = () => {
    if (stopped || !sink.connected()) return;
    let hb: Heartbeat;
    try {
      hb = build();
    } catch {
      return; // the clock callback failed; try again next time
    }
    if (heartbeatProblem(hb) !== undefined) return;
    seq = hb.seq;
    sink.send(hb, {
      [HEADERS.clockSource]: hb.clock.source,
      [HEADERS.clockQuality]: hb.clock.quality,
    });
  };
  const timer = setInterval(beat, intervalMs);
  const off = sink.onReconnected(beat);
  beat();
  return {
    get seq() {
      return seq;
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      off();
    },
  };
}
