import type { EventServer, Statsz, SysMonitor } from "../monitor/mod.ts";

/** One server of the cluster as its STATSZ reply describes it. */
export interface ClusterServer {
  readonly server: EventServer;
  readonly statsz: Statsz;
}

/**
 * Every server of the cluster (and connected super-clusters), through a SYS-account STATSZ ping.
 *
 * @param sys the SYS monitor
 * @param expected stop waiting once this many answered (e.g. this server and its routes)
 * @returns the servers that answered, by name; servers that answered with an error are left out
 */
export async function clusterServers(sys: SysMonitor, expected?: number): Promise<ClusterServer[]> {
  const replies = await sys.ping("STATSZ", { windowMs: 500, expected });
  return replies.flatMap((r) => r.ok ? [{ server: r.server, statsz: r.data }] : []);
}
