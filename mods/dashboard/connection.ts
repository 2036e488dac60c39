import type { ConnInfo, MonitorClient } from "../monitor/mod.ts";
import { NotFoundError } from "./errors.ts";

/**
 * One client connection with its subscriptions, open or recently closed.
 *
 * @param monitor the monitoring client
 * @param cid the client ID
 * @returns the connection
 * @throws {NotFoundError} when no open or recently closed connection has this ID
 * @throws {MonitorUnreachableError} when the server does not answer
 */
export async function findConnection(monitor: MonitorClient, cid: number): Promise<ConnInfo> {
  // Open first; a connection that has gone is still found among the closed ones.
  for (const state of ["open", "closed"] as const) {
    const connz = await monitor.connz({ cid, state, subs: "detail", auth: true });
    const conn = connz.connections.find((x) => x.cid === cid);
    if (conn) return conn;
  }
  throw new NotFoundError(
    `Unknown connection "${cid}": no open or recently closed connection has this ID`,
  );
}
