import {
  type ClockQuality,
  type ClockSource,
  HEADERS,
  type Heartbeat,
  heartbeatSchema,
  type UnitKind,
} from "../protocol/mod.ts";
import { InvalidOptionError } from "./errors.ts";
import { VERSION } from "./version.ts";

/** The clock state a heartbeat reports. */
export interface ClockState {
  /** What disciplines the clock: `ptp`, `ntp` or `none`. */
  source: ClockSource;
  /** How well the clock follows its source: `locked`, `tracking`, `acquiring` or `freerun`. */
  quality: ClockQuality;
}

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
  const first = heartbeatSchema.safeParse(build());
  if (!first.success) {
    const issue = first.error.issues[0];
    throw new InvalidOptionError(
      `Invalid heartbeat options: ${issue?.path.join(".")}: ${issue?.message}`,
    );
  }
  let stopped = false;
  const beat = () => {
    if (stopped || !sink.connected()) return;
    let hb: Heartbeat;
    try {
      hb = build();
    } catch {
      return; // the clock callback failed; try again next time
    }
    const parsed = heartbeatSchema.safeParse(hb);
    if (!parsed.success) return;
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
