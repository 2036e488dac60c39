/**
 * Simulated units for the history and alerts benchmarks: `n` units, each publishing a heartbeat
 * every `heartbeatMs` and an RTT and a time metric every `metricMs`, spread evenly over the
 * interval, from one guardian connection. One unit can be stopped to time an alert.
 *
 * @module
 */
import { connect } from "@nats-io/transport-node";
import type { Heartbeat, RttMetric, TimeMetric } from "../../mods/protocol/mod.ts";
import type { TestIdentity } from "../../tests/_kit/mod.ts";
import { sampleHeartbeat } from "../../tests/_kit/messages.ts";

/** A running simulation. */
export interface UnitSimulation {
  /** Stops one unit's messages; resolves with the time its last heartbeat was sent. */
  silence(unitId: string): number;
  /** Time of each unit's last heartbeat. */
  lastHeartbeat(unitId: string): number;
  /** Stops everything. */
  stop(): Promise<void>;
}

/**
 * Starts the simulation.
 *
 * @param url NATS URL
 * @param creds the guardian user
 * @param n units
 * @param heartbeatMs heartbeat interval
 * @param metricMs RTT and time metric interval
 * @returns the simulation
 */
export async function simulateUnits(
  url: string,
  feeder: Pick<TestIdentity, "nats">,
  n: number,
  heartbeatMs = 5000,
  metricMs = 10_000,
): Promise<UnitSimulation> {
  const nc = await connect({ servers: url, ...feeder.nats, name: "bench-units" });
  const started = Date.now();
  const silenced = new Set<string>();
  const last = new Map<string, number>();
  const seq = new Array<number>(n).fill(0);
  const id = (i: number) => `sim-${String(i).padStart(4, "0")}`;
  const TICK = 50;
  let tick = 0;
  const timer = setInterval(() => {
    const slots = heartbeatMs / TICK;
    for (let i = 0; i < n; i++) {
      if (i % slots !== tick % slots) continue;
      const unitId = id(i);
      if (silenced.has(unitId)) continue;
      const ts = Date.now();
      const hb: Heartbeat = sampleHeartbeat(unitId, {
        seq: ++seq[i]!,
        ts,
        uptimeS: (ts - started) / 1000,
        clock: { source: "ntp", quality: "locked" },
      });
      nc.publish(`ops.heartbeat.${unitId}`, JSON.stringify(hb));
      last.set(unitId, ts);
      if ((seq[i]! * heartbeatMs) % metricMs === 0) {
        const rtt: RttMetric = {
          unitId,
          seq: seq[i]!,
          ts,
          target: unitId,
          // Noisy like measured values (integers, as the guardian sends them), so that the
          // history benchmark's compressed sizes are not flattered by repetition.
          nativeRttUs: 700 + (i % 50) + Math.floor(Math.random() * 400),
          appRttUs: 1100 + (i % 70) + Math.floor(Math.random() * 600),
        };
        const time: TimeMetric = {
          unitId,
          ts,
          source: "ntp",
          quality: "locked",
          offsetNs: Math.round((Math.random() - 0.5) * 100_000),
          freqPpm: 1.5,
          ptp: null,
          ntp: null,
        };
        nc.publish(`ops.metric.rtt.${unitId}`, JSON.stringify(rtt));
        nc.publish(`ops.metric.time.${unitId}`, JSON.stringify(time));
      }
    }
    tick++;
  }, TICK);
  return {
    silence(unitId) {
      silenced.add(unitId);
      return last.get(unitId) ?? Date.now();
    },
    lastHeartbeat: (unitId) => last.get(unitId) ?? 0,
    async stop() {
      clearInterval(timer);
      await nc.drain();
    },
  };
}
