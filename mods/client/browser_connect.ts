import { browserRuntime } from "./browser_runtime.ts";
import type { NunectClient } from "./client.ts";
import { connectWith } from "./connect_with.ts";
import type { ConnectOptions } from "./options.ts";

/**
 * Connects one unit to NATS from a browser (the package's `browser` condition): `ws://` and
 * `wss://` over the browser's WebSocket, TLS as the browser does it.
 *
 * @param options as for every entry's `connect()`
 * @returns the connected client
 * @throws {UnsupportedTransportError} for `nats://` and `tls://`, which browsers cannot open
 */
export function connect(options: ConnectOptions): Promise<NunectClient> {
  return connectWith(browserRuntime, options);
}
