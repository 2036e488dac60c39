import { relative } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { initIdentity } from "../../mods/controller/mod.ts";
import { type NatsServer, startNats, TEST_HUB_UNIT } from "./nats.ts";
import { freePorts } from "./ports.ts";
import { PROJECT_DIR } from "./project.ts";
import { until } from "./wait.ts";

/** Options of {@linkcode startCluster}. */
export interface StartClusterOptions {
  /** The cluster's name (default `nunect_test`); members are `<name>-1` … `<name>-n`. */
  readonly name?: string;
  /** Extra or overriding environment for every member's configuration. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A cluster of nats-servers started by the test kit. Dispose it to stop every member. */
export interface NatsCluster extends AsyncDisposable {
  /** The cluster's name. */
  readonly name: string;
  /** The members, in start order; each can `stop()` and `restart()` on its own. */
  readonly servers: readonly NatsServer[];
  /** Every member's `nats://` URL, for a client that fails over. */
  readonly urls: readonly string[];
  /** nunect's own users, the same on every member (one operator, one set of accounts). */
  readonly users: NatsServer["users"];
  /**
   * Waits until the running members form one cluster: each routes to every other running member,
   * they agree on a JetStream meta leader, and the leader sees every other member online and
   * current (so assets can be placed on all of them).
   */
  formed(timeoutMs?: number): Promise<void>;
}

/**
 * Starts `n` nats-servers with the project's own configuration (operator mode with one shared
 * identity: the same operator and accounts, each member's full resolver in its own data
 * directory; JetStream, WebSocket, leaf nodes, each on its own free ports) joined into one cluster: a
 * `cluster {}` block with routes to every member on fixed free ports, so a member that is
 * stopped comes back with `restart()` on the same ports and data. Waits until the routes are up
 * and JetStream has elected its meta leader.
 *
 * @param n how many servers (at least 2; 3 for a JetStream quorum that survives one member)
 * @param options the cluster's name and extra environment
 * @returns the running cluster
 * @throws {Error} when a member does not start, or the cluster does not form within 30 s
 * @example
 * ```ts
 * await using cluster = await startCluster(3);
 * const nc = await connect({ servers: [...cluster.urls], ...cluster.users.ops.nats });
 * await cluster.servers[2]!.stop();    // a member goes away …
 * await cluster.servers[2]!.restart(); // … and comes back
 * await cluster.formed();
 * ```
 */
export async function startCluster(
  n: number,
  options: StartClusterOptions = {},
): Promise<NatsCluster> {
  if (!Number.isInteger(n) || n < 2) {
    throw new RangeError(`Invalid cluster size ${n}: expected 2 or more servers`);
  }
  const name = options.name ?? "nunect_test";
  // The route ports are picked free, then bound by nats-server a moment later: another process
  // (or a member's own -1 port) may take one in between. A member that loses that race exits
  // with "address already in use"; the whole cluster then starts again on other ports.
  for (let attempt = 1;; attempt++) {
    try {
      return await startClusterOnce(n, name, options);
    } catch (e) {
      if (attempt >= BIND_ATTEMPTS || !/address already in use/i.test(String(e))) throw e;
    }
  }
}

/** How often {@linkcode startCluster} tries fresh ports when a member lost a bind race. */
const BIND_ATTEMPTS = 5;

async function startClusterOnce(
  n: number,
  name: string,
  options: StartClusterOptions,
): Promise<NatsCluster> {
  const dir = await Deno.makeTempDir({ prefix: "nunect-cluster-" });
  const ports = freePorts(n);
  // Each member includes the project's config and adds the cluster block; nats-server resolves an
  // include relative to the including file, and ignores the route to itself.
  const conf = `${dir}/cluster.conf`;
  await Deno.writeTextFile(
    conf,
    `include "${relative(dir, `${PROJECT_DIR}/config/nats-server.conf`)}"
cluster {
  name: ${name}
  host: 127.0.0.1
  port: $NATS_CLUSTER_PORT
  routes: [
${ports.map((p) => `    nats-route://127.0.0.1:${p}`).join("\n")}
  ]
}
`,
  );
  const shared: Record<string, string> = { ...options.env };
  // One identity for every member, made before they start (each then only writes its resolver
  // directory); account changes reach every member's full resolver through the cluster.
  const identityDir = `${dir}/identity`;
  await initIdentity({
    identityDir,
    dataDir: `${dir}/identity-init`,
    hubUnitId: TEST_HUB_UNIT,
    timeMaster: false,
  });
  // Started together: clustered JetStream is healthy only once a quorum sees each other.
  const started = await Promise.allSettled(ports.map((port, i) =>
    startNats({
      configFile: conf,
      identityDir,
      env: { ...shared, NATS_SERVER_NAME: `${name}-${i + 1}`, NATS_CLUSTER_PORT: String(port) },
    })
  ));
  const servers = started.flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
  const dispose = async () => {
    await Promise.all(servers.map((s) => s[Symbol.asyncDispose]()));
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const failed = started.find((r) => r.status === "rejected") as PromiseRejectedResult | undefined;
  if (failed !== undefined) {
    await dispose();
    throw failed.reason;
  }
  const cluster: NatsCluster = {
    name,
    servers,
    urls: servers.map((s) => s.url),
    users: servers[0]!.users,
    formed: (timeoutMs = 30_000) => formed(servers, timeoutMs),
    [Symbol.asyncDispose]: dispose,
  };
  try {
    await cluster.formed();
  } catch (e) {
    await dispose();
    throw e;
  }
  return cluster;
}

/**
 * The running members (not stopped), by server ID; undefined while one of them does not answer
 * /varz yet (a member that is slow to answer is still a member the cluster must include).
 */
async function running(
  servers: readonly NatsServer[],
): Promise<Map<string, NatsServer> | undefined> {
  const up = new Map<string, NatsServer>();
  let answered = true;
  await Promise.all(servers.map(async (s) => {
    if (s.pid < 0) return;
    try {
      const varz = await (await fetch(`${s.monitorUrl}/varz`)).json() as { server_id: string };
      up.set(varz.server_id, s);
    } catch {
      answered = false;
    }
  }));
  return answered ? up : undefined;
}

async function formed(servers: readonly NatsServer[], timeoutMs: number): Promise<void> {
  // One OPS connection per member for the whole wait, closed after it.
  const ops = new OpsConnections();
  try {
    await waitFormed(servers, timeoutMs, ops);
  } finally {
    await ops.close();
  }
}

async function waitFormed(
  servers: readonly NatsServer[],
  timeoutMs: number,
  ops: OpsConnections,
): Promise<void> {
  await until(
    async () => {
      const up = await running(servers);
      if (up === undefined || up.size < 2) return false;
      const leaders = new Set<string>();
      let leaderSees = false;
      for (const [id, s] of up) {
        try {
          const routez = await (await fetch(`${s.monitorUrl}/routez`)).json() as {
            server_name?: string;
            routes?: { remote_id: string }[] | null;
          };
          const peers = new Set((routez.routes ?? []).map((r) => r.remote_id));
          for (const other of up.keys()) if (other !== id && !peers.has(other)) return false;
          const jsz = await (await fetch(`${s.monitorUrl}/jsz`)).json() as {
            meta_cluster?: {
              leader?: string;
              replicas?: { current: boolean; offline?: boolean }[];
            };
          };
          const meta = jsz.meta_cluster;
          if (!meta?.leader) return false;
          leaders.add(meta.leader);
          // Placement needs the leader to see every other running member online and current,
          // or an R3 stream created now fails with "no suitable peers for placement".
          if (meta.leader === s.env.NATS_SERVER_NAME) {
            const replicas = meta.replicas ?? [];
            leaderSees = replicas.filter((r) => r.current && !r.offline).length >= up.size - 1;
          }
        } catch {
          return false;
        }
      }
      if (leaders.size !== 1 || !leaderSees) return false;
      // Each member has JetStream on for OPS (2.9 turns it on a moment after the account loads).
      for (const s of up.values()) if (!(await jetStreamAnswers(await ops.of(s)))) return false;
      return true;
    },
    `the cluster of ${servers.length} servers to form (routes, a JetStream meta leader that sees every member, JetStream for OPS on each)`,
    timeoutMs,
    100,
  );
}

/** OPS connections to the members, one each, made on first use and again once closed. */
class OpsConnections {
  readonly #open = new Map<NatsServer, Promise<NatsConnection | null>>();

  /** The member's connection; null while it cannot be made (asked again next time). */
  async of(server: NatsServer): Promise<NatsConnection | null> {
    const had = await this.#open.get(server);
    if (had && !had.isClosed()) return had;
    // This member only: never moved to another one that its INFO names.
    const made = connect({
      servers: server.url,
      ignoreClusterUpdates: true,
      ...server.users.ops.nats,
    }).catch(() => null);
    this.#open.set(server, made);
    return await made;
  }

  /** Closes every connection made. */
  async close(): Promise<void> {
    await Promise.all([...this.#open.values()].map(async (c) => await (await c)?.close()));
    this.#open.clear();
  }
}

/** Whether the member of `nc` answers OPS's JetStream account info (not "JetStream not enabled"). */
async function jetStreamAnswers(nc: NatsConnection | null): Promise<boolean> {
  if (nc === null) return false;
  try {
    const m = await nc.request("$JS.API.INFO", undefined, { timeout: 2_000 });
    return (m.json() as { error?: unknown }).error === undefined;
  } catch {
    return false;
  }
}
