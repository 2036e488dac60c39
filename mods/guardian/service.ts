import type { NatsConnection } from "@nats-io/nats-core";
import { type Service, Svcm } from "@nats-io/services";

/** What `$SRV.INFO.guardian` shows of a unit. */
export interface GuardianServiceInfo {
  /** The unit's ID. */
  readonly unitId: string;
  /** The guardian's version. */
  readonly version: string;
  /** The host name. */
  readonly host: string;
  /** The clock source when the service started (`ptp` | `ntp` | `none`). */
  readonly clockSource: string;
  /** CPU architecture the guardian runs on (`x86_64`, `aarch64`). */
  readonly arch: string;
}

/** The micro service's name: `$SRV.PING.guardian` finds every unit. */
export const SERVICE_NAME = "guardian";

/**
 * Subject of the service's `status` endpoint for a unit. It lives under `$SRV.` because that is
 * what the guardian user may subscribe to (config/accounts.conf).
 *
 * @param unitId the unit
 * @returns `$SRV.STATUS.guardian.<unit>`
 */
export function statusSubject(unitId: string): string {
  return `$SRV.STATUS.${SERVICE_NAME}.${unitId}`;
}

/**
 * Registers the unit as a NATS micro service named `guardian` (metadata: unit ID, version, host,
 * clock source, architecture) with one endpoint, `status`, answering with `status()` as JSON.
 *
 * @nats-io/services 3.0.0-25 is typed against nats-core 3.0.0-50; at run time it works with the
 * 3.4.0 connection we pass (only public NatsConnection methods are used; the tests prove PING,
 * INFO and STATS), so the connection is cast here, in one place.
 *
 * @param nc the guardian's connection
 * @param info unit ID, version, host, clock source
 * @param status the current status, for the `status` endpoint
 * @returns the running service (stop it before closing the connection)
 */
export async function addGuardianService(
  nc: NatsConnection,
  info: GuardianServiceInfo,
  status: () => unknown,
): Promise<Service> {
  const svcm = new Svcm(nc as unknown as ConstructorParameters<typeof Svcm>[0]);
  const service = await svcm.add({
    name: SERVICE_NAME,
    version: info.version,
    description: "nunect guardian: heartbeat, echo, RTT and clock status of one unit",
    metadata: {
      unitId: info.unitId,
      version: info.version,
      host: info.host,
      clockSource: info.clockSource,
      arch: info.arch,
    },
  });
  service.addEndpoint("status", {
    subject: statusSubject(info.unitId),
    metadata: { unitId: info.unitId },
    handler: (err, msg) => {
      if (err) return;
      msg.respond(JSON.stringify(status()));
    },
  });
  return service;
}
