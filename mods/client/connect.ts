import { NatsConnectionImpl } from "@nats-io/nats-core/internal";
import { NunectClient } from "./client.ts";
import { ConnectError } from "./errors.ts";
import { type ConnectOptions, resolveOptions } from "./options.ts";
import { installTransport } from "./transport.ts";

/**
 * Connects one unit to NATS. `ws://`/`wss://` servers work everywhere (browsers, Deno, Node 22+,
 * Node 20 with the `webSocket` option); `nats://`/`tls://` work in Deno out of the box and in
 * Node through `@nunect/client/node`. Reconnects forever with jitter unless told otherwise.
 *
 * @param options servers, unit ID, auth, reconnect and logger settings
 * @returns the connected client
 * @throws {InvalidUnitIdError} {InvalidOptionError} {UnsupportedTransportError} before dialling
 * @throws {ConnectError} when the server cannot be reached or refuses the credentials
 * @example
 * ```ts
 * const client = await connect({ servers: "ws://127.0.0.1:8443", unitId: "kiosk-3", token });
 * client.publish("app.hello", { hi: true });
 * client.logger.info("started");
 * ```
 */
export async function connect(options: ConnectOptions): Promise<NunectClient> {
  const resolved = resolveOptions(options);
  installTransport();
  let nc;
  try {
    nc = await NatsConnectionImpl.connect(resolved.nats);
  } catch (err) {
    throw new ConnectError(
      `Cannot connect to "${resolved.servers.join(", ")}": ${(err as Error)?.message ?? err}`,
      { cause: err },
    );
  }
  return new NunectClient(nc, resolved);
}
