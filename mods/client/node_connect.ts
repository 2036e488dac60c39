import type { NunectClient } from "./client.ts";
import { connectWith } from "./connect_with.ts";
import { nodeRuntime } from "./node_runtime.ts";
import type { ConnectOptions } from "./options.ts";

/**
 * Connects one unit to NATS from Node.js (the package's `node` condition, and
 * `@nunect/client/node`): `nats://`/`tls://` through @nats-io/transport-node, `ws://`/`wss://`
 * through the global WebSocket (Node 22+) or the npm `ws` package (Node 20, or a custom CA or
 * client certificate over `wss://`).
 *
 * @param options as for every entry's `connect()`
 * @returns the connected client
 * @throws {UnsupportedTransportError} for `ws://` on a Node without WebSocket and without `ws`
 */
export function connect(options: ConnectOptions): Promise<NunectClient> {
  return connectWith(nodeRuntime, options);
}
