import type { Config } from "../config/mod.ts";
import type { EchoTiming, NunectClient, Subscription } from "../client/mod.ts";
import {
  HEADERS,
  NUNECT_VERSION,
  type RttMetric,
  subjects,
  type TimeConfig,
  type TimeMetric,
} from "../protocol/core.ts";
import type { ClockReader, ClockReading } from "../timesync/mod.ts";
import { type Outage, OutageTracker } from "./outage.ts";
import { addGuardianService, type GuardianService } from "./service.ts";

/** The configuration sections the guardian reads. */
export const GUARDIAN_SECTIONS = ["unit", "unitCreds", "guardian", "timesync", "natsTls"] as const;

/** The guardian's configuration. */
export type GuardianConfig = Config<(typeof GUARDIAN_SECTIONS)[number]>;

/** Options of {@linkcode startGuardian}. */
export interface GuardianOptions {
  /** A connected client of the unit's own user (role guardian). */
  readonly client: NunectClient;
  /** The loaded configuration. */
  readonly config: GuardianConfig;
  /** Reads the clock state (see mods/timesync). */
  readonly clock: ClockReader;
  /** Host name reported in heartbeats and service metadata. */
  readonly host: string;
  /** Local output (stdout/journald), one line per event; default none. */
  readonly print?: (line: string) => void;
}

/** A running guardian. */
export interface Guardian extends AsyncDisposable {
  /** The clock state last read. */
  readonly clock: ClockReading;
  /** Sequence number of the last heartbeat sent (-1 before the first). */
  readonly heartbeatSeq: number;
  /** Outages seen so far, oldest first. */
  readonly outages: readonly Outage[];
  /** Stops every loop, the service and the echo responder; the client stays open. */
  stop(): Promise<void>;
}

/**
 * Runs the guardian on a connected client: heartbeat every HEARTBEAT_INTERVAL_MS with clock
 * headers, echo responder, RTT metric every RTT_INTERVAL_MS (native PING/PONG and app RTT through
 * echo to RTT_TARGET or itself, timed at the socket with four timestamps as NTP does, so the
 * app RTT is the network's share and the responder's time and the clock offset are reported
 * beside it; each the median of {@linkcode RTT_BURST} back-to-back samples after
 * {@linkcode RTT_WARMUP} discarded ones),
 * time metric every TIME_INTERVAL_MS, `ops.time.config` when
 * TIME_MASTER, the `guardian` micro service, and one log record per outage (duration, heartbeats
 * missed) once the connection is back.
 *
 * @param options client, configuration, clock reader, host
 * @returns the running guardian
 */
export async function startGuardian(options: GuardianOptions): Promise<Guardian> {
  const { client, config, clock: reader, host } = options;
  const print = options.print ?? (() => {});
  const unitId = client.unitId;
  const g = config.guardian;
  let clock = await reader.read();
  let lastProblems = "";
  const noteProblems = (r: ClockReading) => {
    const now = r.problems.join("; ");
    if (now === lastProblems) return;
    lastProblems = now;
    if (now) {
      print(`clock: ${now}`);
      client.logger.warn("Clock daemon not answering", { problems: [...r.problems] });
    } else print("clock: daemons answering again");
  };
  noteProblems(clock);

  const echo: Subscription = client.serveEcho();
  const heartbeat = client.startHeartbeat({
    intervalMs: g.heartbeatIntervalMs,
    kind: "guardian",
    version: NUNECT_VERSION,
    host: host.slice(0, 255),
    clock: () => ({ source: clock.source, quality: clock.quality }),
  });
  const started = Date.now();
  const outages: Outage[] = [];
  const tracker = new OutageTracker(g.heartbeatIntervalMs);
  const publish = (subject: string, data: unknown, headers?: Record<string, string>) => {
    if (!client.isConnected) return false;
    try {
      client.publish(subject, data, headers ? { headers } : undefined);
      return true;
    } catch {
      return false; // closed or draining meanwhile
    }
  };

  const publishTimeConfig = () => {
    const tc: TimeConfig = {
      mode: config.timesync.mode,
      ptpMaster: config.timesync.ptpMasterAddress,
      ptpDomain: config.timesync.ptpDomain,
      ptpHwTimestamp: config.timesync.ptpHwTimestamp,
      ntpServers: [...config.timesync.ntpServers],
    };
    publish(subjects.timeConfig(), tc);
  };

  const offDisconnected = client.on("disconnected", () => {
    if (!tracker.down) print("connection lost; reconnecting");
    tracker.disconnected(Date.now(), heartbeat.seq);
  });
  const offReconnected = client.on("reconnected", () => {
    const outage = tracker.reconnected(Date.now());
    if (!outage) return;
    outages.push(outage);
    const s = (outage.durationMs / 1000).toFixed(1);
    print(`reconnected after ${s} s; ${outage.heartbeatsMissed} heartbeats missed`);
    client.logger.warn(
      `Connection to NATS lost for ${s} s; ${outage.heartbeatsMissed} heartbeats missed`,
      {
        durationMs: outage.durationMs,
        heartbeatsMissed: outage.heartbeatsMissed,
        fromTs: outage.fromMs,
        toTs: outage.toMs,
        lastSeq: outage.lastSeq,
      },
    );
    if (g.timeMaster) publishTimeConfig();
  });

  const service: GuardianService = await addGuardianService(client.nc, {
    unitId,
    version: NUNECT_VERSION,
    host,
    clockSource: clock.source,
    arch: Deno.build.arch,
  }, () => ({
    unitId,
    uptimeS: Math.round((Date.now() - started) / 1000),
    heartbeatSeq: heartbeat.seq,
    clock: timeMetric(unitId, clock),
    outages: outages.length,
  }));

  let rttSeq = 0;
  const target = g.rttTarget || unitId;
  const measureRtt = async () => {
    if (!client.isConnected) return;
    let nativeRttUs: number;
    try {
      nativeRttUs = await medianBy(RTT_WARMUP, RTT_BURST, () => client.rtt(), (us) => us);
    } catch {
      return; // lost the connection meanwhile
    }
    let app: EchoTiming | undefined;
    try {
      const timeoutMs = Math.min(2000, g.rttIntervalMs);
      app = await medianBy(
        RTT_WARMUP,
        RTT_BURST,
        () => client.echoTimes(target, { timeoutMs }),
        (t) => t.rttUs,
      );
    } catch { /* no echo responder or timed out: reported as null */ }
    const metric: RttMetric = {
      unitId,
      seq: rttSeq++,
      ts: Date.now(),
      target,
      nativeRttUs,
      appRttUs: app ? Math.round(app.rttUs) : null,
      responderUs: app?.responderUs ?? null,
      offsetUs: app?.offsetUs ?? null,
    };
    publish(subjects.rtt(unitId), metric);
  };

  const measureTime = async () => {
    clock = await reader.read();
    noteProblems(clock);
    publish(subjects.time(unitId), timeMetric(unitId, clock), {
      [HEADERS.clockSource]: clock.source,
      [HEADERS.clockQuality]: clock.quality,
    });
    if (g.timeMaster) publishTimeConfig();
  };

  const loops = [
    loop(measureRtt, g.rttIntervalMs),
    loop(measureTime, g.timeIntervalMs),
  ];
  print(
    `unit ${unitId}: heartbeat every ${g.heartbeatIntervalMs} ms, RTT every ${g.rttIntervalMs} ms ` +
      `(echo via ${target}), time every ${g.timeIntervalMs} ms; clock ${clock.source}/${clock.quality}` +
      (g.timeMaster ? "; time master" : ""),
  );

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(loops.map((l) => l.stop()));
    heartbeat.stop();
    offDisconnected();
    offReconnected();
    try {
      echo.unsubscribe();
    } catch { /* closed */ }
    await service.stop().catch(() => {});
  };

  return {
    get clock() {
      return clock;
    },
    get heartbeatSeq() {
      return heartbeat.seq;
    },
    outages,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/**
 * The time metric of a reading.
 *
 * @param unitId the unit
 * @param r the reading
 * @returns a message valid against timeMetricSchema
 */
export function timeMetric(unitId: string, r: ClockReading): TimeMetric {
  return {
    unitId,
    ts: Date.now(),
    source: r.source,
    quality: r.quality,
    offsetNs: r.offsetNs,
    freqPpm: r.freqPpm,
    ptp: r.ptp,
    ntp: r.ntp,
  };
}

/**
 * Round trips per RTT measurement: the metric is the median of this many back-to-back samples, so
 * one stall of a busy machine (or of the guardian's own wake-up from idle) does not become the
 * reported figure.
 */
export const RTT_BURST = 3;

/**
 * Round trips sent, and discarded, right before the {@linkcode RTT_BURST} counted ones. After a
 * second of idling, the first round trip mostly measures the host waking up (CPU out of its idle
 * state, cold caches, the JavaScript of the request path cold), not the link: on the 2-core
 * bench machine it took about 1.7 times as long as the third.
 */
export const RTT_WARMUP = 1;

/** The median by `key` of `n` samples, after `warmup` discarded ones. */
async function medianBy<T>(
  warmup: number,
  n: number,
  sample: () => Promise<T>,
  key: (t: T) => number,
): Promise<T> {
  for (let i = 0; i < warmup; i++) await sample();
  const xs: T[] = [];
  for (let i = 0; i < n; i++) xs.push(await sample());
  xs.sort((a, b) => key(a) - key(b));
  return xs[Math.floor((xs.length - 1) / 2)]!;
}

/** Runs `fn` now and then `intervalMs` after each run ends (runs never overlap). */
function loop(fn: () => Promise<void>, intervalMs: number): { stop(): Promise<void> } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    running = fn().catch(() => {}).finally(() => {
      running = undefined;
      if (!stopped) timer = setTimeout(tick, intervalMs);
    });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
