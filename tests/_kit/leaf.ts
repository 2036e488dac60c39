import type { NatsCluster } from "./cluster.ts";
import { CLAIMS_UPDATE_SUBJECT, provisionRouter } from "../../mods/controller/mod.ts";
import { type NatsServer, type TestIdentity, testIdentity } from "./nats.ts";
import type { Netns } from "./netns.ts";
import { freePorts } from "./ports.ts";
import { type RunningProgram, spawnProcess } from "./program.ts";
import { until } from "./wait.ts";
import { tiedCommand } from "./tied.ts";

/** Options of {@linkcode startLeafNode}. */
export interface StartLeafNodeOptions {
  /** The router's unit ID: its leaf server's name and its guardian's unit (default `router-1`). */
  readonly unitId?: string;
  /** Issue the router as time master. */
  readonly timeMaster?: boolean;
  /**
   * `host:port` of each hub leaf-node listener the leaf node links to, as its remote's URL list
   * (several: it fails over between them), e.g. toxiproxy links in front of cluster members.
   * Default: the hub's (the first member's) leaf port on 127.0.0.1.
   */
  readonly remotes?: readonly string[];
  /** Run it in this network namespace, listening on all of the namespace's addresses. */
  readonly netns?: Netns;
}

/**
 * A router's nats-server, started from the bundle `provisionRouter` made for it, linked to a hub.
 * Dispose it to stop it.
 */
export interface LeafNode extends AsyncDisposable {
  /**
   * `nats://127.0.0.1:<port>`: the leaf node's client port, for programs beside it (in its
   * network namespace when it runs in one).
   */
  readonly url: string;
  /** The client port from the host: `nats://<namespace address>:<port>` in a namespace, else `url`. */
  readonly hostUrl: string;
  /** Its monitoring API as the host reaches it, `http://…:<port>`. */
  readonly monitorUrl: string;
  /** The router's unit ID (also the leaf server's name). */
  readonly unitId: string;
  /** The leaf server's name (the router's unit ID). */
  readonly name: string;
  /** The router's identity: the same `.creds` serve the local guardian and the hub link. */
  readonly identity: TestIdentity;
  /** The bundle's directory (`<unit>.creds`, `<unit>.link.creds`, `guardian.env`, `leaf.conf`). */
  readonly dir: string;
  /** The server process. */
  readonly process: RunningProgram;
  /** Whether hub members' /leafz list this leaf node now, with its OPS and claims links. */
  linked(): Promise<boolean>;
  /** Stops the leaf server. */
  stop(): Promise<void>;
}

/**
 * Provisions a router on the hub (`provisionRouter`: its guardian user and bundle), starts a
 * nats-server with the bundle's leaf.conf on free ports, and waits until a hub member's /leafz
 * lists the link by the router's name.
 *
 * @param hub the hub: a server from {@linkcode startNats} or a cluster from `startCluster`
 * @param options the router's unit ID and role, remotes and network namespace
 * @returns the running leaf node
 * @throws {Error} when the link does not show in the hub's /leafz within 30 s
 * @example
 * ```ts
 * await using hub = await startNats();
 * await using leaf = await startLeafNode(hub);
 * const onLeaf = await connect({ servers: leaf.url, ...leaf.identity.client });
 * ```
 */
export async function startLeafNode(
  hub: NatsServer | NatsCluster,
  options: StartLeafNodeOptions = {},
): Promise<LeafNode> {
  const members = "servers" in hub ? hub.servers : [hub];
  const [port, httpPort] = freePorts(2);
  const unitId = options.unitId ?? "router-1";
  const remotes = options.remotes ?? [`127.0.0.1:${members[0]!.leafPort}`];
  const dir = await Deno.makeTempDir({ prefix: `nunect-leaf-${unitId}-` });
  const bundle = await provisionRouter(await members[0]!.controller(), {
    unitId,
    hubLeafUrl: remotes.map((r) => `nats-leaf://${r}`).join(","),
    installDir: dir,
    stateDir: `${dir}/state`,
    local: { host: options.netns ? "0.0.0.0" : "127.0.0.1", port, httpPort },
    ...(options.timeMaster ? { timeMaster: true } : {}),
    replace: true,
  }, "test");
  for (const [name, content] of Object.entries(bundle.files)) {
    await Deno.writeTextFile(`${dir}/${name}`, content, { mode: 0o600 });
  }
  const argv = [members[0]!.bin, "-c", `${dir}/leaf.conf`];
  const process = spawnProcess(
    options.netns ? options.netns.command(argv) : tiedCommand(argv[0]!, {
      args: argv.slice(1),
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }),
  );
  const host = options.netns?.address ?? "127.0.0.1";
  const sysKey = (await (await members[0]!.controller()).account("SYS")).publicKey;
  const linked = () => listedBy(members, unitId, sysKey);
  let stopped: Promise<void> | undefined;
  const stop = () => stopped ??= process.stop().then(() => {});
  const leaf: LeafNode = {
    url: `nats://127.0.0.1:${port}`,
    hostUrl: `nats://${host}:${port}`,
    monitorUrl: `http://${host}:${httpPort}`,
    unitId,
    name: unitId,
    identity: testIdentity(bundle.files[`${unitId}.creds`]!, "OPS", unitId),
    dir,
    process,
    linked,
    stop,
    async [Symbol.asyncDispose]() {
      await stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
  try {
    await until(linked, `the leaf node ${unitId} to link to the hub`);
  } catch (e) {
    const stderr = process.output().stderr;
    await leaf[Symbol.asyncDispose]();
    throw new Error(`${(e as Error).message}\n${stderr.slice(-2000)}`);
  }
  return leaf;
}

/**
 * Whether running members' /leafz list a leaf node called `name` (2.9: any leaf node) with both
 * links up: its OPS link, and its claims link (system account) holding the interest in claims
 * updates, so that an update pushed from now on reaches the leaf node.
 */
async function listedBy(
  members: readonly NatsServer[],
  name: string,
  sysKey: string,
): Promise<boolean> {
  let ops = false;
  let claims = false;
  for (const m of members) {
    if (m.pid < 0) continue;
    try {
      const leafz = await (await fetch(`${m.monitorUrl}/leafz?subs=1`)).json() as {
        leafs?: { name?: string; account?: string; subscriptions_list?: string[] }[] | null;
      };
      // nats-server 2.9 does not name leaf nodes in /leafz: any leaf node counts there
      for (const l of leafz.leafs ?? []) {
        if (l.name !== name && l.name !== undefined) continue;
        if (l.account !== sysKey) ops = true;
        else if ((l.subscriptions_list ?? []).includes(CLAIMS_UPDATE_SUBJECT)) claims = true;
      }
    } catch { /* not answering */ }
  }
  return ops && claims;
}
