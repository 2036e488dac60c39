/**
 * The guardian: the small agent on every host and leaf node. Over @nunect/client it sends a
 * heartbeat with clock headers, answers echo, publishes RTT and clock metrics (mods/timesync),
 * announces the time configuration when it is the time master, registers as the `guardian` micro
 * service, and reports each outage once it is back. The entry point is `main.ts`.
 *
 * @example
 * ```ts
 * const guardian = await startGuardian({ client, config, clock: createClockReader(config.timesync), host });
 * await guardian.stop();
 * ```
 *
 * @module
 */
export { GUARDIAN_SECTIONS, RTT_BURST, RTT_WARMUP, startGuardian, timeMetric } from "./guardian.ts";
export type { Guardian, GuardianConfig, GuardianOptions } from "./guardian.ts";
export { OutageTracker } from "./outage.ts";
export type { Outage } from "./outage.ts";
export { addGuardianService, SERVICE_NAME, statusSubject } from "./service.ts";
export type { GuardianService, GuardianServiceInfo } from "./service.ts";
