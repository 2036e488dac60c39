import type { TlsOptions } from "@nats-io/nats-core/internal";
import { TLS_MATERIAL } from "./browser_runtime.ts";
import { certificateDiagnosis } from "./certificates.ts";
import { DispatchTransport } from "./dispatch_transport.ts";
import { denoApi, denoTlsMaterial, DenoTransport } from "./deno_transport.ts";
import { UnsupportedTransportError } from "./errors.ts";
import { nativeAuthenticator } from "./native_auth.ts";
import { signTelemetry } from "./telemetry_signer.ts";
import { NATS_CORE_VERSION, type Runtime, type TransportKind } from "./transport.ts";
import type { WebSocketLike } from "./ws_transport.ts";

// Deno's WebSocket takes a second argument with an HttpClient (custom CA, client certificate).
type DenoWebSocket = new (url: string, options?: { client?: unknown }) => WebSocketLike & {
  addEventListener(type: "close", fn: () => void): void;
};

/**
 * Deno: `nats://`/`tls://` with Deno's own TCP (TCP_NODELAY, `Deno.startTls`), and
 * `ws://`/`wss://` with Deno's WebSocket, given an HttpClient when a CA or client certificate is
 * configured. Only ever used when `globalThis.Deno` exists.
 */
export const denoRuntime: Runtime = {
  transport: () => new DispatchTransport(),
  nativeAuthenticator,
  signTelemetry,
  tcp: () => new DenoTransport(NATS_CORE_VERSION),
  checkTls(tls: TlsOptions, kind: TransportKind): void {
    const clientCert = tls.cert !== undefined || tls.certFile !== undefined;
    if (kind === "tcp" && clientCert && !tls.handshakeFirst) {
      throw new UnsupportedTransportError(
        "Unsupported TLS option tls.certFile for nats:// in Deno: Deno cannot present a client " +
          "certificate when it upgrades a connection to TLS; set tls.handshakeFirst (the server " +
          "needs handshake_first, nats-server >= 2.10.4) or connect with wss://",
      );
    }
  },
  certificates: certificateDiagnosis((path) => denoApi()!.readTextFile(path)),
  webSocket(tls, given) {
    if (given !== undefined) return Promise.resolve((url: string) => new given(url));
    const Ctor = (globalThis as unknown as { WebSocket: DenoWebSocket }).WebSocket;
    if (!tls || !TLS_MATERIAL.some((k) => tls[k] !== undefined)) {
      return Promise.resolve((url: string) => new Ctor(url));
    }
    return Promise.resolve(async (url: string) => {
      const deno = denoApi()!;
      const client = deno.createHttpClient(await denoTlsMaterial(deno, tls));
      let socket;
      try {
        socket = new Ctor(url, { client });
      } catch (err) {
        client.close();
        throw err;
      }
      socket.addEventListener("close", () => client.close());
      return socket;
    });
  },
};
