import { NodeTransport } from "@nats-io/transport-node/lib/node_transport.js";
import type { NunectClient } from "./client.ts";
import { connect as connectAny } from "./connect.ts";
import { UnsupportedTransportError } from "./errors.ts";
import type { ConnectOptions } from "./options.ts";
import { registerTcpTransport, transportKind } from "./transport.ts";
import type { WebSocketConstructor } from "./ws_transport.ts";

registerTcpTransport(() => new NodeTransport());

// A variable, so that bundlers and type checkers leave the optional dependency alone.
const WS_PACKAGE = "ws";

/**
 * {@linkcode connectAny | connect} for Node.js: `nats://`/`tls://` through transport-node, and
 * `ws://`/`wss://` through the global WebSocket (Node 22+) or else the npm `ws` package.
 *
 * @param options as for the runtime-neutral `connect`
 * @returns the connected client
 * @throws {UnsupportedTransportError} for `ws://` on a Node without WebSocket and without `ws`
 */
export async function connect(options: ConnectOptions): Promise<NunectClient> {
  const servers = typeof options?.servers === "string" ? [options.servers] : options?.servers;
  const wantsWs = Array.isArray(servers) && servers.some((s) => transportKind(s) === "ws");
  const hasGlobal = typeof (globalThis as { WebSocket?: unknown }).WebSocket === "function";
  if (wantsWs && options.webSocket === undefined && !hasGlobal) {
    let mod: { WebSocket?: WebSocketConstructor; default?: WebSocketConstructor };
    try {
      mod = await import(WS_PACKAGE);
    } catch (err) {
      throw new UnsupportedTransportError(
        `Unsupported server "${servers![0]}": this Node has no WebSocket; ` +
          'install the "ws" package or pass a WebSocket class as the webSocket option',
        { cause: err },
      );
    }
    const webSocket = mod.WebSocket ?? mod.default;
    return connectAny({ ...options, ...(webSocket ? { webSocket } : {}) });
  }
  return connectAny(options);
}
