import {
  type Authenticator,
  type ConnectionOptions,
  setTransportFactory,
  type TlsOptions,
  type Transport,
} from "@nats-io/nats-core/internal";
import type { NatsConnection } from "./nats_types.ts";
import type { ConnectOptions } from "./options.ts";
import type { WebSocketConstructor, WebSocketLike } from "./ws_transport.ts";

/** nats-core's version, reported to the server in CONNECT. */
export const NATS_CORE_VERSION = "3.4.0";

/** Which kind of socket a connection dials. */
export type TransportKind = "ws" | "tcp";

/** Opens one WebSocket to a `ws://` or `wss://` URL (one per dial). */
export type WebSocketOpener = (url: string) => WebSocketLike | Promise<WebSocketLike>;

/**
 * How a runtime dials: what each entry point (`mod.ts` for Deno, `node.ts`, `browser.ts`) gives
 * the runtime-neutral core. Keeping runtimes as values (not registered globally) lets every
 * connection carry its own, so the package stays free of import side effects.
 */
export interface Runtime {
  /**
   * Makes the transport for one dial: a WebSocket one in browsers; in Deno and Node the
   * {@linkcode DispatchTransport}, which picks TCP or WebSocket per dial.
   */
  readonly transport: () => Transport;
  /** Makes a transport for one `nats://`/`tls://` dial; absent where TCP is not possible. */
  readonly tcp?: () => Transport;
  /** Why `nats://` cannot work here, for the error (only read when `tcp` is absent). */
  readonly noTcp?: string;
  /**
   * An authenticator that signs the server's nonce with the runtime's own Ed25519 (Deno and Node:
   * node:crypto), or undefined (browsers: nats.js signs in JavaScript). Absent in the browser
   * build, so pages do not carry it.
   */
  readonly nativeAuthenticator?: (
    jwt: string | undefined,
    seed: string,
  ) => Authenticator | undefined;
  /**
   * Makes the connection sign the unit's own telemetry with the user's seed, by the runtime's own
   * Ed25519 (Deno and Node: node:crypto; see `signTelemetry`). Absent in the browser build:
   * browsers send unsigned telemetry.
   */
  readonly signTelemetry?: (nc: NatsConnection, options: ConnectOptions) => void;
  /**
   * Checks TLS options this runtime cannot honour, before anything is dialled.
   *
   * @throws {InvalidOptionError} or {UnsupportedTransportError} saying what to do instead
   */
  checkTls?(tls: TlsOptions, kind: TransportKind): void;
  /**
   * The WebSocket opener for one connection: the given class, the global one, or a runtime
   * package; applies the TLS options where the runtime can.
   *
   * @throws {UnsupportedTransportError} when this runtime has no usable WebSocket
   */
  webSocket(
    tls: TlsOptions | undefined,
    given: WebSocketConstructor | undefined,
  ): Promise<WebSocketOpener>;
  /**
   * Says which certificate made a dial fail and why (absent in browsers, whose WebSocket tells
   * nothing): checks the certificate files before the first dial, and explains a failure.
   */
  readonly certificates?: CertificateDiagnosis;
}

/** How a runtime names certificate problems; see `certificates.ts`. */
export interface CertificateDiagnosis {
  /**
   * Checks the TLS options and reads their files once before the first dial.
   *
   * @throws {InvalidOptionError} for a certificate without its key, or a bad file option
   * @throws {CertificateError} naming an unreadable file
   */
  check(tls: TlsOptions): Promise<void>;
  /**
   * Explains why a dial failed, if a certificate was the reason.
   *
   * @param err the error the dial failed with
   * @param servers the server URLs given
   * @param tls the TLS options
   * @returns a {@linkcode CertificateError} naming the certificate and the reason, or undefined
   */
  explain(
    err: unknown,
    servers: readonly string[],
    tls: TlsOptions | null | undefined,
  ): Promise<Error | undefined>;
}

/** The transport kind a server URL asks for, or undefined for a scheme nunect does not know. */
export function transportKind(url: string): TransportKind | undefined {
  const scheme = /^([a-z]+):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === "ws" || scheme === "wss") return "ws";
  if (scheme === "nats" || scheme === "tls") return "tcp";
  return undefined;
}

/** Options as the dispatching transport reads them on every dial. */
export interface DispatchOptions extends ConnectionOptions {
  /** How to dial a gossiped server that has no scheme. */
  nunectTransport?: TransportKind;
  /** The runtime that dials. */
  nunectRuntime?: Runtime;
  /** Opens the WebSocket for `ws://`/`wss://` dials. */
  nunectWebSocket?: WebSocketOpener;
}

/**
 * Normalises a server URL for nats-core: `ws://`/`wss://` get their default port (80/443) so that
 * nats-core does not assume 4222; everything else is left alone.
 */
function parseServerUrl(u: string): string {
  if (transportKind(u) !== "ws") return u;
  const url = new URL(u);
  const port = url.port || (url.protocol === "wss:" ? "443" : "80");
  const path = url.pathname === "/" ? "" : url.pathname;
  return `${url.protocol}//${url.hostname}:${port}${path}${url.search}`;
}

/**
 * Installs the runtime's transport as nats-core's factory, which nats-core keeps for the whole
 * process and calls on every (re)dial of every connection. Installed again before each connect:
 * nats.js's own `wsconnect` and transport-node's `connect` replace it with theirs.
 *
 * @param runtime the runtime whose transport dials
 */
export function installTransport(runtime: Runtime): void {
  setTransportFactory({
    factory: runtime.transport,
    urlParseFn: parseServerUrl,
    defaultPort: 4222,
  });
}
