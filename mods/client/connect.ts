import { browserRuntime } from "./browser_runtime.ts";
import type { NunectClient } from "./client.ts";
import { connectWith } from "./connect_with.ts";
import { denoRuntime } from "./deno_runtime.ts";
import type { ConnectOptions } from "./options.ts";

/**
 * Connects one unit to NATS. In Deno: `nats://`/`tls://` over Deno's own TCP and
 * `ws://`/`wss://` over its WebSocket; elsewhere (the package's `default` condition):
 * `ws://`/`wss://` over the global WebSocket. Node and browsers get their own entry through the
 * package's `node` and `browser` conditions, with the same signature. Reconnects forever with
 * jitter unless told otherwise.
 *
 * @param options servers, unit ID, auth, TLS, reconnect, outbox and logger settings
 * @returns the connected client
 * @throws {InvalidUnitIdError} {InvalidOptionError} {UnsupportedTransportError} before dialling
 * @throws {CertificateError} naming the certificate and the reason when TLS fails over one
 * @throws {ConnectError} when the server cannot be reached or refuses the credentials
 * @example
 * ```ts
 * const client = await connect({ servers: "nats://127.0.0.1:4222", unitId: "press-4", token });
 * client.publish("line.4.count", { n: 17 });
 * client.logger.info("started");
 * ```
 */
export function connect(options: ConnectOptions): Promise<NunectClient> {
  const isDeno = typeof (globalThis as { Deno?: unknown }).Deno === "object";
  return connectWith(isDeno ? denoRuntime : browserRuntime, options);
}
