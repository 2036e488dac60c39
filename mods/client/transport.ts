import {
  type ConnectionOptions,
  type Deferred,
  deferred,
  errors,
  type Server,
  setTransportFactory,
  type Transport,
} from "@nats-io/nats-core/internal";
import { denoRuntime, DenoTransport } from "./deno_transport.ts";
import { type WebSocketConstructor, WsTransport } from "./ws_transport.ts";
import type { WireClock } from "./wire_clock.ts";

/** nats-core's version, reported to the server in CONNECT. */
const NATS_CORE_VERSION = "3.4.0";

/** Which kind of socket a connection dials. */
export type TransportKind = "ws" | "tcp";

/** Makes a fresh TCP transport for one dial (e.g. transport-node's NodeTransport on Node). */
export type TcpTransportFactory = () => Transport;

let tcpFactory: TcpTransportFactory | undefined;

/**
 * Registers the TCP transport for `nats://` and `tls://` servers. Deno needs none (nunect dials
 * with `Deno.connect`); the Node entry (`@nunect/client/node`) registers transport-node's.
 *
 * @param factory makes one transport per dial; undefined restores the default
 */
export function registerTcpTransport(factory: TcpTransportFactory | undefined): void {
  tcpFactory = factory;
}

/** Whether this runtime can dial `nats://`/`tls://` servers. */
export function tcpAvailable(): boolean {
  return tcpFactory !== undefined || denoRuntime() !== undefined;
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
  /** WebSocket class for `ws://` servers. */
  webSocket?: WebSocketConstructor;
}

// nats-core keeps ONE global transport factory, used on every (re)dial of every connection; a
// factory per call (as wsconnect and transport-node's connect install) breaks a process that
// holds WebSocket and TCP connections at once. This one picks per dial, from the server's scheme
// or, for gossiped servers without one, from the connection's own kind.
class DispatchTransport implements Transport {
  private inner?: Transport;
  private discarded = false;
  private readonly closedD: Deferred<void | Error> = deferred<void | Error>();

  get lang(): string {
    return this.inner?.lang ?? "nats.js";
  }
  get version(): string {
    return this.inner?.version ?? NATS_CORE_VERSION;
  }
  get isClosed(): boolean {
    return this.inner?.isClosed ?? this.discarded;
  }
  get closeError(): Error | undefined {
    return this.inner?.closeError;
  }

  connect(server: Server, opts: DispatchOptions): Promise<void> {
    const kind = transportKind(server.src) ?? opts.nunectTransport ?? "tcp";
    let inner: Transport;
    if (kind === "ws") {
      inner = new WsTransport(NATS_CORE_VERSION);
    } else if (tcpFactory !== undefined) {
      inner = tcpFactory();
    } else if (denoRuntime() !== undefined) {
      inner = new DenoTransport(NATS_CORE_VERSION);
    } else {
      return Promise.reject(
        new errors.ConnectionError(`No TCP transport in this runtime for "${server.src}"`),
      );
    }
    this.inner = inner;
    inner.closed().then((v) => this.closedD.resolve(v), (e) => this.closedD.reject(e));
    if (this.discarded) inner.discard();
    return inner.connect(server, opts);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this.inner![Symbol.asyncIterator]();
  }
  /** The dialled transport's wire clock, when it has one (see wire_clock.ts). */
  wireClock(): WireClock | undefined {
    const inner = this.inner as { wireClock?: () => WireClock | undefined } | undefined;
    return typeof inner?.wireClock === "function" ? inner.wireClock() : undefined;
  }

  isEncrypted(): boolean {
    return this.inner?.isEncrypted() ?? false;
  }
  send(frame: Uint8Array): void {
    this.inner?.send(frame);
  }
  close(err?: Error): Promise<void> {
    return this.inner?.close(err) ?? Promise.resolve();
  }
  disconnect(): void {
    this.inner?.disconnect();
  }
  closed(): Promise<void | Error> {
    return this.closedD;
  }
  discard(): void {
    this.discarded = true;
    this.inner?.discard();
  }
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

/** Installs the dispatching transport as nats-core's factory (again: others may replace it). */
export function installTransport(): void {
  setTransportFactory({
    factory: () => new DispatchTransport(),
    urlParseFn: parseServerUrl,
    defaultPort: 4222,
  });
}
