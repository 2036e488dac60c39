import {
  type EventServer,
  type Expvarz,
  type FeatureStatus,
  type Healthz,
  serverFeatures,
  type ServerRef,
  type SysMonitor,
  type Varz,
} from "../monitor/mod.ts";
import { NotFoundError } from "./errors.ts";

/** One server of the cluster as its page shows it. */
export interface ServerDetail {
  /** Who it is, for actions (ID, name, version). */
  readonly ref: ServerRef;
  /** The server block of its reply (host, cluster, JetStream). */
  readonly server: EventServer;
  /** Its `/varz` (through the SYS account). */
  readonly varz: Varz;
  /** `/healthz` with details (2.10+ lists each failing check). */
  readonly healthz: Healthz | null;
  /** Go runtime memory and the command line (2.10+), or null. */
  readonly expvarz: Expvarz | null;
  /** Which newer features it has. */
  readonly features: readonly FeatureStatus[];
}

const SERVER_ID = /^N[A-Z0-9]{55}$/;

/**
 * One server of the cluster, asked over the system account (VARZ, HEALTHZ with details, and
 * EXPVARZ where the server has it).
 *
 * @param sys the SYS monitor
 * @param id the server's ID (`N…`, 56 characters)
 * @returns its identity, varz, health and Go memory
 * @throws {NotFoundError} when the ID is malformed or no server of the cluster has it
 */
export async function serverDetail(sys: SysMonitor, id: string): Promise<ServerDetail> {
  if (!SERVER_ID.test(id)) throw new NotFoundError(`Unknown server "${id}": not a server ID`);
  const [varz, healthz, expvarz] = await Promise.all([
    sys.ping("VARZ", { windowMs: 1000 }),
    sys.ping("HEALTHZ", { windowMs: 1000, request: { details: true } }),
    sys.ping("EXPVARZ", { windowMs: 1000 }),
  ]);
  const mine = <T>(replies: { ok: boolean; server: EventServer | null; data?: T }[]) =>
    replies.find((r) => r.ok && r.server?.id === id) as
      | { server: EventServer; data: T }
      | undefined;
  const v = mine<Varz>(varz);
  if (v === undefined) {
    throw new NotFoundError(`Unknown server "${id}": no server of the cluster has this ID`);
  }
  return {
    ref: { id, name: v.server.name, version: v.server.ver },
    server: v.server,
    varz: v.data,
    healthz: mine<Healthz>(healthz)?.data ?? null,
    expvarz: mine<Expvarz>(expvarz)?.data ?? null,
    features: serverFeatures(v.server.ver),
  };
}
