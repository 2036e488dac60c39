import type { TlsOptions } from "@nats-io/nats-core/internal";
import { InvalidOptionError, UnsupportedTransportError } from "./errors.ts";
import {
  NATS_CORE_VERSION,
  type Runtime,
  type TransportKind,
  type WebSocketOpener,
} from "./transport.ts";
import { type WebSocketConstructor, WsTransport } from "./ws_transport.ts";

/** The TLS options a runtime must read or present itself (a CA, a client certificate). */
export const TLS_MATERIAL = ["ca", "caFile", "cert", "certFile", "key", "keyFile"] as const;

/** The global `WebSocket`, where there is one. */
export function globalWebSocket(): WebSocketConstructor | undefined {
  return (globalThis as unknown as { WebSocket?: WebSocketConstructor }).WebSocket;
}

/**
 * Browsers (and any runtime without Deno or Node specifics): WebSocket only, through the
 * global `WebSocket` or the `webSocket` option; TLS as the browser does it, with its own trust
 * store and certificates.
 */
export const browserRuntime: Runtime = {
  transport: () => new WsTransport(NATS_CORE_VERSION),
  noTcp: "browsers cannot open TCP connections; use ws:// or wss://",
  checkTls(tls: TlsOptions, _kind: TransportKind): void {
    const given = TLS_MATERIAL.filter((k) => tls[k] !== undefined);
    if (given.length > 0) {
      throw new InvalidOptionError(
        `Invalid option tls.${given[0]}: a browser's WebSocket uses the browser's own trust ` +
          "store and client certificates; install the CA or certificate in the browser instead",
      );
    }
  },
  webSocket(_tls, given): Promise<WebSocketOpener> {
    const Ctor = given ?? globalWebSocket();
    if (Ctor === undefined) {
      return Promise.reject(
        new UnsupportedTransportError(
          "Unsupported transport WebSocket: this runtime has no global WebSocket; " +
            "pass a WebSocket class as the webSocket option",
        ),
      );
    }
    return Promise.resolve((url: string) => new Ctor(url));
  },
};
