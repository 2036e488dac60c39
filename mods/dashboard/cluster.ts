import type { EventServer, Statsz, SysMonitor } from "../monitor/mod.ts";

/** One server of the cluster as its STATSZ reply describes it. */
export interface ClusterServer {
  /** The server, as its reply names it. */
  readonly server: EventServer;
  /** Its statistics. */
  readonly statsz: Statsz;
}

/**
 * Every server of the cluster (and connected super-clusters), through a SYS-account STATSZ ping
 * answered within the window (a server that comes back is seen on the next ping: no early stop
 * at a count, which route pools of 2.10+ would make wrong anyway: /varz `routes` counts route
 * connections, several per peer).
 *
 * @param sys the SYS monitor
 * @param windowMs how long to collect replies
 * @returns the servers that answered, by name; servers that answered with an error are left out
 */
export async function clusterServers(sys: SysMonitor, windowMs = 500): Promise<ClusterServer[]> {
  const replies = await sys.ping("STATSZ", { windowMs });
  return replies.flatMap((r) => r.ok ? [{ server: r.server, statsz: r.data }] : []);
}

/** One Raft group on one server, as the Routes page lists them. */
export interface RaftGroupRow {
  /** The server reporting it. */
  readonly server: string;
  /** The account the group runs in (`SYS` for the JetStream meta group). */
  readonly account: string;
  /** The group's name: `_meta_`, `S-R3F-…` (a stream), `C-R3F-…` (a consumer). */
  readonly group: string;
  /** LEADER, FOLLOWER, CANDIDATE, … */
  readonly state: string;
  /** The leader's server name (from the group's peers), or "" while there is none. */
  readonly leader: string;
  /** Peers of the group. */
  readonly size: number;
  /** The Raft term. */
  readonly term: number;
  /** The index of the last entry applied. */
  readonly applied: number;
}

/**
 * The Raft groups of every server (RAFTZ, nats-server 2.11+): the meta group (system account)
 * and the groups of replicated streams and consumers of `accounts`, one row per server and
 * group. An older server does not answer, so its groups are missing, not wrong.
 *
 * @param sys the SYS monitor
 * @param accounts the JetStream accounts whose groups to list besides the system account's
 * @param windowMs how long to collect replies per account
 * @returns the rows, by group, then server
 */
export async function raftGroups(
  sys: SysMonitor,
  accounts: readonly string[],
  windowMs = 500,
): Promise<RaftGroupRow[]> {
  const requests = [undefined, ...accounts].map((account) =>
    sys.ping("RAFTZ", { windowMs, request: account === undefined ? {} : { account } })
  );
  const rows: RaftGroupRow[] = [];
  for (const replies of await Promise.all(requests)) {
    for (const r of replies) {
      if (!r.ok) continue;
      for (const [account, groups] of Object.entries(r.data)) {
        for (const [group, g] of Object.entries(groups)) {
          const leader = g.state === "LEADER"
            ? r.server.name
            : (g.leader ? g.peers?.[g.leader]?.name ?? g.leader : "");
          rows.push({
            server: r.server.name,
            account,
            group,
            state: g.state,
            leader,
            size: g.size,
            term: g.term ?? 0,
            applied: g.applied ?? 0,
          });
        }
      }
    }
  }
  const seen = new Set<string>();
  return rows.filter((x) => {
    const key = `${x.server}\u0000${x.account}\u0000${x.group}`;
    return !seen.has(key) && seen.add(key) !== undefined;
  }).sort((a, b) =>
    `${a.account}/${a.group}/${a.server}`.localeCompare(`${b.account}/${b.group}/${b.server}`)
  );
}
