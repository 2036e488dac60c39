import type { Heartbeat, RttMetric } from "../../mods/protocol/mod.ts";

/**
 * A valid heartbeat for tests and benchmarks: a guardian at version 0.1.0 on `<unit>.lan`,
 * its clock tracking NTP, sent now; `fields` replace any of that.
 *
 * @param unitId the unit
 * @param fields fields to set
 * @returns the heartbeat
 */
export function sampleHeartbeat(unitId: string, fields: Partial<Heartbeat> = {}): Heartbeat {
  return {
    unitId,
    seq: 1,
    ts: Date.now(),
    uptimeS: 1,
    version: "0.1.0",
    host: `${unitId}.lan`,
    kind: "guardian",
    clock: { source: "ntp", quality: "tracking" },
    ...fields,
  };
}

/**
 * A valid RTT metric for tests: measured now against a hub, 100 µs native, 200 µs echo;
 * `fields` replace any of that.
 *
 * @param unitId the unit
 * @param fields fields to set
 * @returns the metric
 */
export function sampleRtt(unitId: string, fields: Partial<RttMetric> = {}): RttMetric {
  return {
    unitId,
    seq: 1,
    ts: Date.now(),
    target: "nats://hub:4222",
    nativeRttUs: 100,
    appRttUs: 200,
    ...fields,
  };
}
