import { NatsConnectionImpl } from "@nats-io/nats-core/internal";
import { NunectClient } from "./client.ts";
import { ConnectError } from "./errors.ts";
import { type ConnectOptions, resolveOptions } from "./options.ts";
import { installTransport, type Runtime } from "./transport.ts";

/**
 * Connects one unit with the given runtime's transports: the shared body of every entry
 * point's `connect()`.
 *
 * @param runtime how to dial here (Deno, Node or browser)
 * @param options as for `connect()`
 * @returns the connected client
 * @throws {InvalidUnitIdError} {InvalidOptionError} {UnsupportedTransportError} before dialling
 * @throws {CertificateError} naming the certificate and the reason when TLS fails over one
 * @throws {ConnectError} when the server cannot be reached or refuses the credentials
 */
export async function connectWith(
  runtime: Runtime,
  options: ConnectOptions,
): Promise<NunectClient> {
  const resolved = resolveOptions(options, runtime);
  const tls = resolved.nats.tls;
  if (tls) await runtime.certificates?.check(tls);
  if (resolved.kind === "ws") {
    resolved.nats.nunectWebSocket = await runtime.webSocket(tls ?? undefined, resolved.webSocket);
  }
  installTransport(runtime);
  let nc;
  try {
    nc = await NatsConnectionImpl.connect(resolved.nats);
  } catch (err) {
    throw await explain(runtime, resolved.servers, tls, err);
  }
  // Deno and Node: the unit's own telemetry is signed as it goes out (not in the browser build).
  runtime.signTelemetry?.(nc, options);
  return new NunectClient(nc, resolved);
}

async function explain(
  runtime: Runtime,
  servers: readonly string[],
  tls: ConnectOptions["tls"],
  err: unknown,
): Promise<Error> {
  const cert = await runtime.certificates?.explain(err, servers, tls).catch(() => undefined);
  return cert ?? new ConnectError(
    `Cannot connect to "${servers.join(", ")}": ${(err as Error)?.message ?? err}`,
    { cause: err },
  );
}
