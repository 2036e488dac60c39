import { type NatsCluster, startCluster } from "./cluster.ts";
import { guardianEnv, guardianFlags } from "./guardian.ts";
import { type LeafNode, startLeafNode } from "./leaf.ts";
import { type Netns, startNetns } from "./netns.ts";
import { type RunningProgram, spawnProgram } from "./program.ts";
import { startToxiproxy, type ToxicLink, type Toxiproxy } from "./toxiproxy.ts";

/** Options of {@linkcode startTopology}. */
export interface StartTopologyOptions {
  /** How many leaf nodes (default 3), named `router-1` … `router-n`. */
  readonly leaves?: number;
}

/** One router of a {@linkcode Topology}: its namespace, its leaf node and its links. */
export interface Router {
  /** The router's network namespace: only its links lead out of it. */
  readonly netns: Netns;
  /** Its leaf node, listening in the namespace. */
  readonly leaf: LeafNode;
  /**
   * Its links to the hub, each a toxiproxy link on the namespace's host address to a different
   * hub server's leaf-node port, in the order of the leaf node's URL list.
   */
  readonly links: readonly ToxicLink[];
  /**
   * Starts the project's guardian in the namespace, connected to this leaf node, under its
   * permission set, and waits until it runs.
   *
   * @param unitId its unit ID
   * @param env more variables (e.g. RTT_TARGET)
   * @returns the running guardian
   */
  guardian(unitId: string, env?: Record<string, string>): Promise<RunningProgram>;
}

/** A hub and its routers. Dispose it to stop everything and delete the namespaces. */
export interface Topology extends AsyncDisposable {
  /** The hub: a 3-server cluster. */
  readonly hub: NatsCluster;
  /** The toxiproxy all links go through. */
  readonly toxiproxy: Toxiproxy;
  /** The routers. */
  readonly routers: readonly Router[];
}

/**
 * The leaf topology under test: a hub of three clustered servers ({@linkcode startCluster}) and
 * `leaves` routers, each a network namespace joined to the host by a veth pair
 * ({@linkcode startNetns}) running a leaf node with config/leaf.conf that has two hub URLs, each
 * through its own toxiproxy link to a different hub server (router i: servers i and i+1), so a
 * link can be slowed or cut without touching the other. Everything is started in parallel where
 * it can be and disposed in reverse.
 *
 * @param options how many routers
 * @returns the running topology
 * @example
 * ```ts
 * await using topo = await startTopology();
 * const [r1] = topo.routers;
 * await using g = await r1!.guardian("router-1-g");
 * await r1!.links[0]!.cut(); // the leaf node fails over to its second URL
 * ```
 */
export async function startTopology(options: StartTopologyOptions = {}): Promise<Topology> {
  const n = options.leaves ?? 3;
  const stack = new AsyncDisposableStack();
  try {
    const [hub, toxiproxy] = await Promise.all([startCluster(3), startToxiproxy()]);
    stack.use(hub);
    stack.use(toxiproxy);
    const settled = await Promise.allSettled(Array.from({ length: n }, async (_, i) => {
      const netns = stack.use(await startNetns());
      const links = await Promise.all([0, 1].map((k) => {
        const member = hub.servers[(i + k) % hub.servers.length]!;
        return toxiproxy.link(
          `router-${i + 1}-${member.env.NATS_SERVER_NAME}`,
          `${netns.hostAddress}:0`,
          `127.0.0.1:${member.leafPort}`,
        );
      }));
      const leaf = stack.use(
        await startLeafNode(hub, {
          unitId: `router-${i + 1}`,
          netns,
          remotes: links.map((l) => l.listen),
        }),
      );
      const router: Router = {
        netns,
        leaf,
        links,
        async guardian(unitId, env = {}) {
          const genv = await guardianEnv(hub.servers[0]!, unitId, { NATS_URL: leaf.url, ...env });
          const p = spawnProgram({
            permissionSet: "guardian",
            entry: "mods/guardian/main.ts",
            denoFlags: guardianFlags(genv),
            prefix: ["ip", "netns", "exec", netns.name],
            env: genv,
          });
          try {
            await p.waitFor(/heartbeat every/, 60_000);
          } catch (e) {
            await p.stop();
            throw e;
          }
          return p;
        },
      };
      return router;
    }));
    const failed = settled.find((r) => r.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const routers = settled.map((r) => (r as PromiseFulfilledResult<Router>).value);
    const moved = stack.move();
    return { hub, toxiproxy, routers, [Symbol.asyncDispose]: () => moved.disposeAsync() };
  } catch (e) {
    await stack.disposeAsync();
    throw e;
  }
}
