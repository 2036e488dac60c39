import type { Credentials, NatsServer } from "./nats.ts";
import { freePorts } from "./ports.ts";
import { PROJECT_DIR } from "./project.ts";
import { until } from "./wait.ts";

/** Options of {@linkcode startLeafNode}. */
export interface StartLeafNodeOptions {
  /** The leaf server's name (NATS_SERVER_NAME); default `leaf-router-1`. */
  readonly name?: string;
  /** The local guardian user of the leaf node; default `guardian` with a fixed test password. */
  readonly credentials?: Credentials;
}

/** A nats-server running config/leaf.conf, linked to a hub. Dispose it to stop it. */
export interface LeafNode extends AsyncDisposable {
  /** `nats://127.0.0.1:<port>` of the leaf node's client port. */
  readonly url: string;
  /** The local guardian user, for connections to {@linkcode LeafNode.url}. */
  readonly credentials: Credentials;
  /** The leaf server's name. */
  readonly name: string;
}

/**
 * Starts a nats-server with the project's config/leaf.conf on free ports, linked to `hub` as the
 * hub's guardian user, and waits until the hub's /leafz lists the link.
 *
 * @param hub the hub, from {@linkcode startNats}
 * @param options the leaf server's name and local user
 * @returns the running leaf node
 * @throws {Error} when the link does not show in the hub's /leafz within 10 s
 * @example
 * ```ts
 * await using hub = await startNats();
 * await using leaf = await startLeafNode(hub);
 * const onLeaf = await connect({ servers: leaf.url, ...leaf.credentials });
 * ```
 */
export async function startLeafNode(
  hub: NatsServer,
  options: StartLeafNodeOptions = {},
): Promise<LeafNode> {
  const [port, httpPort] = freePorts(2);
  const name = options.name ?? "leaf-router-1";
  const credentials = options.credentials ?? { user: "guardian", pass: "leaf-local-password-1" };
  const g = hub.users.guardian;
  const child = new Deno.Command(hub.bin, {
    args: ["-c", `${PROJECT_DIR}/config/leaf.conf`],
    env: {
      NATS_SERVER_NAME: name,
      NATS_HOST: "127.0.0.1",
      NATS_PORT: String(port),
      NATS_HTTP_PORT: String(httpPort),
      NATS_GUARDIAN_USER: credentials.user,
      NATS_GUARDIAN_PASSWORD: credentials.pass,
      NATS_LEAF_REMOTE_URL: `nats-leaf://${g.user}:${g.pass}@127.0.0.1:${hub.leafPort}`,
    },
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const leaf: LeafNode = {
    url: `nats://127.0.0.1:${port}`,
    credentials,
    name,
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
    },
  };
  try {
    await until(() => linked(hub.monitorUrl), "the leaf node to connect to the hub");
  } catch (e) {
    await leaf[Symbol.asyncDispose]();
    throw e;
  }
  return leaf;
}

/** Whether the hub's /leafz lists at least one leaf node. */
async function linked(monitorUrl: string): Promise<boolean> {
  try {
    const leafz = await (await fetch(`${monitorUrl}/leafz`)).json() as { leafnodes?: number };
    return (leafz.leafnodes ?? 0) >= 1;
  } catch {
    return false; // not answering yet
  }
}
