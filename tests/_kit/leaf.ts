import type { NatsCluster } from "./cluster.ts";
import type { Credentials, NatsServer } from "./nats.ts";
import type { Netns } from "./netns.ts";
import { freePorts } from "./ports.ts";
import { type RunningProgram, spawnProcess } from "./program.ts";
import { PROJECT_DIR } from "./project.ts";
import { until } from "./wait.ts";
import { tiedCommand } from "./tied.ts";

/** Options of {@linkcode startLeafNode}. */
export interface StartLeafNodeOptions {
  /** The leaf server's name (NATS_SERVER_NAME); default `leaf-router-1`. */
  readonly name?: string;
  /** The local guardian user of the leaf node; default `guardian` with a fixed test password. */
  readonly credentials?: Credentials;
  /**
   * `host:port` of each hub leaf-node listener the leaf node links to, as its remote's URL list
   * (several: it fails over between them), e.g. toxiproxy links in front of cluster members.
   * Default: the hub's (the first member's) leaf port on 127.0.0.1.
   */
  readonly remotes?: readonly string[];
  /** Run it in this network namespace, listening on all of the namespace's addresses. */
  readonly netns?: Netns;
}

/** A nats-server running config/leaf.conf, linked to a hub. Dispose it to stop it. */
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
  /** The local guardian user, for connections to {@linkcode LeafNode.url}. */
  readonly credentials: Credentials;
  /** The leaf server's name. */
  readonly name: string;
  /** The server process. */
  readonly process: RunningProgram;
  /** Whether some hub member's /leafz lists this leaf node now. */
  linked(): Promise<boolean>;
}

/**
 * Starts a nats-server with the project's config/leaf.conf on free ports, linked to `hub` as the
 * hub's guardian user, and waits until a hub member's /leafz lists the link by the leaf's name.
 *
 * @param hub the hub: a server from {@linkcode startNats} or a cluster from `startCluster`
 * @param options the leaf server's name, local user, remotes and network namespace
 * @returns the running leaf node
 * @throws {Error} when the link does not show in the hub's /leafz within 30 s
 * @example
 * ```ts
 * await using hub = await startNats();
 * await using leaf = await startLeafNode(hub);
 * const onLeaf = await connect({ servers: leaf.url, ...leaf.credentials });
 * ```
 */
export async function startLeafNode(
  hub: NatsServer | NatsCluster,
  options: StartLeafNodeOptions = {},
): Promise<LeafNode> {
  const members = "servers" in hub ? hub.servers : [hub];
  const [port, httpPort] = freePorts(2);
  const name = options.name ?? "leaf-router-1";
  const credentials = options.credentials ?? { user: "guardian", pass: "leaf-local-password-1" };
  const g = hub.users.guardian;
  const remotes = options.remotes ?? [`127.0.0.1:${members[0]!.leafPort}`];
  const env = {
    NATS_SERVER_NAME: name,
    NATS_HOST: options.netns ? "0.0.0.0" : "127.0.0.1",
    NATS_PORT: String(port),
    NATS_HTTP_PORT: String(httpPort),
    NATS_GUARDIAN_USER: credentials.user,
    NATS_GUARDIAN_PASSWORD: credentials.pass,
    // nats-server parses the variable as configuration: a JSON array is its URL list
    NATS_LEAF_REMOTE_URL: JSON.stringify(
      remotes.map((r) => `nats-leaf://${g.user}:${g.pass}@${r}`),
    ),
  };
  const argv = [members[0]!.bin, "-c", `${PROJECT_DIR}/config/leaf.conf`];
  const process = spawnProcess(
    options.netns ? options.netns.command(argv, { env }) : tiedCommand(argv[0]!, {
      args: argv.slice(1),
      env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }),
  );
  const host = options.netns?.address ?? "127.0.0.1";
  const linked = () => listedBy(members, name);
  const leaf: LeafNode = {
    url: `nats://127.0.0.1:${port}`,
    hostUrl: `nats://${host}:${port}`,
    monitorUrl: `http://${host}:${httpPort}`,
    credentials,
    name,
    process,
    linked,
    async [Symbol.asyncDispose]() {
      await process.stop();
    },
  };
  try {
    await until(linked, `leaf node ${name} to link to the hub`);
  } catch (e) {
    await leaf[Symbol.asyncDispose]();
    throw new Error(`${(e as Error).message}\n${process.output().stderr}`);
  }
  return leaf;
}

/** Whether a running member's /leafz lists a leaf node called `name` (2.9: any leaf node). */
async function listedBy(members: readonly NatsServer[], name: string): Promise<boolean> {
  for (const m of members) {
    if (m.pid < 0) continue;
    try {
      const leafz = await (await fetch(`${m.monitorUrl}/leafz`)).json() as {
        leafs?: { name?: string }[] | null;
      };
      // nats-server 2.9 does not name leaf nodes in /leafz: any leaf node counts there
      if ((leafz.leafs ?? []).some((l) => l.name === name || l.name === undefined)) return true;
    } catch { /* not answering */ }
  }
  return false;
}
