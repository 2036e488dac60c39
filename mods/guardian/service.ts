import { Empty, headers, type Msg, nuid, type Subscription } from "@nats-io/nats-core";
import type { NatsConnection } from "../client/nats_types.ts";

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

/** A registered guardian service. */
export interface GuardianService {
  /** The service instance's ID (a NUID), as `$SRV.PING` answers it. */
  readonly id: string;
  /** Drains the service's subscriptions (before the connection closes). */
  stop(): Promise<void>;
}

/** The service's name: `$SRV.PING.guardian` finds every unit. */
export const SERVICE_NAME = "guardian";

/** The queue group of the service's endpoint, as NATS services use by default. */
const QUEUE = "q";

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
 * The service protocol (NATS ADR-32: `$SRV.PING|INFO|STATS[.<name>[.<id>]]` answered with
 * `io.nats.micro.v1.*_response` JSON, the endpoint in queue group `q`, per-endpoint request and
 * error counts) is implemented here on the guardian's own nats-core instead of with
 * `@nats-io/services`, whose only release depends on a pre-release nats-core: bundled, it
 * carried a second copy of nats-core into the router artefact, memory a router's guardian does
 * not spare. The tests discover it with `@nats-io/services`' client.
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
): Promise<GuardianService> {
  const id = nuid.next();
  const started = new Date().toISOString();
  const metadata = {
    unitId: info.unitId,
    version: info.version,
    host: info.host,
    clockSource: info.clockSource,
    arch: info.arch,
  };
  const endpoint = {
    name: "status",
    subject: statusSubject(info.unitId),
    queue_group: QUEUE,
    metadata: { unitId: info.unitId },
  };
  const counts = { requests: 0, errors: 0, processingNs: 0, lastError: "" };
  const identity = { name: SERVICE_NAME, id, version: info.version, metadata };
  const answers: Record<string, () => unknown> = {
    PING: () => ({ type: "io.nats.micro.v1.ping_response", ...identity }),
    INFO: () => ({
      type: "io.nats.micro.v1.info_response",
      ...identity,
      description: "nunect guardian: heartbeat, echo, RTT and clock status of one unit",
      endpoints: [endpoint],
    }),
    STATS: () => ({
      type: "io.nats.micro.v1.stats_response",
      ...identity,
      started,
      endpoints: [{
        name: endpoint.name,
        subject: endpoint.subject,
        queue_group: QUEUE,
        num_requests: counts.requests,
        num_errors: counts.errors,
        processing_time: counts.processingNs,
        average_processing_time: counts.requests
          ? Math.round(counts.processingNs / counts.requests)
          : 0,
        last_error: counts.lastError,
      }],
    }),
  };

  const subs: Subscription[] = [];
  for (const [verb, answer] of Object.entries(answers)) {
    for (const subject of [`$SRV.${verb}`, `$SRV.${verb}.${SERVICE_NAME}`]) {
      subs.push(nc.subscribe(subject, { callback: (_, m) => respond(m, answer()) }));
    }
    subs.push(nc.subscribe(`$SRV.${verb}.${SERVICE_NAME}.${id}`, {
      callback: (_, m) => respond(m, answer()),
    }));
  }
  subs.push(nc.subscribe(endpoint.subject, {
    queue: QUEUE,
    callback: (_, m) => {
      const start = performance.now();
      try {
        respond(m, status());
      } catch (e) {
        counts.errors++;
        counts.lastError = (e as Error).message;
        const h = headers();
        h.set("Nats-Service-Error", counts.lastError);
        h.set("Nats-Service-Error-Code", "500");
        if (m.reply) m.respond(Empty, { headers: h });
      } finally {
        counts.requests++;
        counts.processingNs += Math.round((performance.now() - start) * 1e6);
      }
    },
  }));
  await nc.flush(); // registered at the server before anyone is told the unit is up

  let stopped: Promise<void> | undefined;
  return {
    id,
    stop() {
      stopped ??= Promise.allSettled(subs.map(async (s) => await s.drain())).then(() => {});
      return stopped;
    },
  };
}

function respond(m: Msg, body: unknown): void {
  if (m.reply) m.respond(JSON.stringify(body));
}
