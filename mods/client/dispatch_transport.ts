import {
  type Deferred,
  deferred,
  errors,
  type Server,
  type Transport,
} from "@nats-io/nats-core/internal";
import { type DispatchOptions, NATS_CORE_VERSION, transportKind } from "./transport.ts";
import type { WireClock } from "./wire_clock.ts";
import { WsTransport } from "./ws_transport.ts";

/**
 * The transport of runtimes that dial both TCP and WebSocket (Deno, Node). nats-core keeps ONE
 * global transport factory, used on every (re)dial of every connection; a factory per call (as
 * wsconnect and transport-node's connect install) breaks a process that holds WebSocket and TCP
 * connections at once. This one picks per dial, from the server's scheme or, for gossiped servers
 * without one, from the connection's own kind, and dials with the connection's own runtime.
 */
export class DispatchTransport implements Transport {
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
    if (kind === "ws" && opts.nunectWebSocket !== undefined) {
      inner = new WsTransport(NATS_CORE_VERSION);
    } else if (kind === "tcp" && opts.nunectRuntime?.tcp !== undefined) {
      inner = opts.nunectRuntime.tcp();
    } else {
      return Promise.reject(
        new errors.ConnectionError(`No ${kind} transport in this runtime for "${server.src}"`),
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
