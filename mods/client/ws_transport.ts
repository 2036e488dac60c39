import {
  checkOptions,
  type ConnectionOptions,
  DataBuffer,
  type Deferred,
  deferred,
  errors,
  type Server,
  type Transport,
} from "@nats-io/nats-core/internal";
import { _closeQuietly, _readServerInfo } from "./_server_info.ts";
import { SendTimes, type WireClock } from "./wire_clock.ts";
import type { DispatchOptions } from "./transport.ts";

/** What nunect needs of a W3C WebSocket class (browsers, Deno, Node 22+, or npm `ws`). */
export interface WebSocketLike {
  /** Set to `"arraybuffer"` by the transport. */
  binaryType: string;
  /** Bytes queued but not yet sent (waited for before a graceful close). */
  readonly bufferedAmount: number;
  /** Called when the socket opened. */
  onopen: ((ev: unknown) => unknown) | null;
  /** Called with each frame the server sent. */
  onmessage: ((ev: { data: unknown }) => unknown) | null;
  /** Called when the socket closed. */
  onclose: ((ev: { wasClean?: boolean; reason?: string }) => unknown) | null;
  /** Called on an error (with a `message` in Deno and npm `ws`, none in browsers). */
  onerror: ((ev: unknown) => unknown) | null;
  /** Sends one binary frame. */
  send(data: ArrayBufferLike | ArrayBufferView): void;
  /** Closes the socket. */
  close(): void;
}

/** A WebSocket constructor, e.g. the global `WebSocket` or `WebSocket` from the npm `ws` package. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/**
 * Turns a server entry into the WebSocket URL to dial: `ws://` and `wss://` stay, a gossiped
 * `host:port` (no scheme) gets `ws://`, or `wss://` when `encrypted`.
 */
function wsUrl(src: string, encrypted = false): string {
  if (/^wss?:\/\//i.test(src)) return src;
  const hostPort = src.replace(/^[a-z]+:\/\//i, "");
  return `${encrypted ? "wss" : "ws"}://${hostPort}`;
}

/**
 * NATS over a W3C WebSocket: a port of nats-core's WsTransport (which nats-core does not export)
 * whose socket comes from the runtime (the global WebSocket, npm `ws` on Node 20 or with TLS
 * options, Deno's WebSocket with an HttpClient for a custom CA or client certificate), and that
 * can live beside a TCP transport in one process.
 */
export class WsTransport implements Transport, WireClock {
  readonly version: string;
  readonly lang = "nats.ws";
  closeError?: Error;
  private connected = false;
  private done = false;
  private socket?: WebSocketLike;
  private options!: ConnectionOptions;
  private socketClosed = false;
  private encrypted = false;
  private peeked = false;
  private yields: Uint8Array[] = [];
  private signal: Deferred<void> = deferred<void>();
  private closedNotification: Deferred<void | Error> = deferred<void | Error>();
  private readonly sendTimes = new SendTimes();
  // When each of `yields` arrived: a parallel array, cheaper per message than a map.
  private arrivals: number[] = [];
  /** When the message being parsed now arrived from the socket (`performance.now()`). */
  lastReadAt = 0;

  /** @param version the nats-core version reported in CONNECT */
  constructor(version: string) {
    this.version = version;
  }

  /**
   * Opens the socket with the connection's opener and resolves once the server's INFO arrived
   * and was accepted.
   */
  async connect(server: Server, options: DispatchOptions): Promise<void> {
    const ok = deferred<void>();
    this.options = options;
    const url = wsUrl(server.src, options.tls !== undefined && options.tls !== null);
    this.encrypted = url.startsWith("wss://");
    let socket: WebSocketLike;
    try {
      socket = await options.nunectWebSocket!(url);
    } catch (err) {
      throw new errors.ConnectionError(`Cannot open WebSocket "${url}"`, { cause: err });
    }
    if (this.done) {
      _closeQuietly(socket);
      throw new errors.ConnectionError("connection aborted");
    }
    this.socket = socket;
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      if (this.done) this._closed(new Error("aborted"));
    };
    socket.onmessage = (me) => {
      if (this.done) return;
      const chunk = new Uint8Array(me.data as ArrayBuffer);
      this.arrivals.push(performance.now());
      this.yields.push(chunk);
      if (this.peeked) {
        this.signal.resolve();
        return;
      }
      try {
        const info = _readServerInfo(DataBuffer.concat(...this.yields));
        if (info === undefined) return;
        checkOptions(info, this.options);
        this.peeked = true;
        this.connected = true;
        this.signal.resolve();
        ok.resolve();
      } catch (err) {
        ok.reject(err);
      }
    };
    socket.onclose = (evt) => {
      const reason = !evt.wasClean && evt.reason ? new Error(evt.reason) : undefined;
      this._closed(reason);
      this._cleanup();
    };
    socket.onerror = (e) => {
      if (this.done) return;
      // Deno and npm ws put the reason in the message, Node's built-in WebSocket says only
      // "network error", browsers say nothing.
      const message = (e as { message?: unknown } | undefined)?.message;
      const err = new errors.ConnectionError(
        typeof message === "string" && message !== "" ? message : `WebSocket error on "${url}"`,
      );
      if (!this.connected) ok.reject(err);
      else this._closed(err);
      this._cleanup();
    };
    return await ok;
  }

  private _cleanup(): void {
    if (this.socketClosed || this.socket === undefined) return;
    this.socketClosed = true;
    this.socket.onopen = null;
    this.socket.onmessage = null;
    this.socket.onerror = null;
    this.socket.onclose = null;
    // Like transport-node: a transport that never connected never reports closed, or nats-core
    // would treat a failed dial as a second disconnect and start a second dial loop.
    if (this.connected) this.closedNotification.resolve(this.closeError);
  }

  disconnect(): void {
    this._closed(undefined, true);
  }

  private async _closed(err?: Error, _internal = true): Promise<void> {
    if (this.done) {
      _closeQuietly(this.socket);
      return;
    }
    this.closeError = err;
    if (!err) {
      while (!this.socketClosed && (this.socket?.bufferedAmount ?? 0) > 0) {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    this.done = true;
    this.signal.resolve();
    _closeQuietly(this.socket);
    if (this.connected) await this.closedNotification;
  }

  get isClosed(): boolean {
    return this.done;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this.iterate();
  }

  async *iterate(): AsyncIterableIterator<Uint8Array> {
    while (true) {
      if (this.done) return;
      if (this.yields.length === 0) await this.signal;
      const yields = this.yields;
      const arrivals = this.arrivals;
      this.yields = [];
      this.arrivals = [];
      for (let i = 0; i < yields.length; i++) {
        this.lastReadAt = arrivals[i] ?? performance.now();
        yield yields[i]!;
      }
      if (this.done) break;
      if (this.yields.length === 0) {
        yields.length = 0;
        arrivals.length = 0;
        this.yields = yields;
        this.arrivals = arrivals;
        this.signal = deferred<void>();
      }
    }
  }

  isEncrypted(): boolean {
    return this.connected && this.encrypted;
  }

  /** The transport is its own wire clock: round trips are timed at its socket. */
  wireClock(): WireClock {
    return this;
  }

  /** Frames handed to the socket so far. */
  get sends(): number {
    return this.sendTimes.count;
  }

  /** When frame `n` was handed to the socket (see {@linkcode WireClock}). */
  sentAt(n: number): number | undefined {
    return this.sendTimes.at(n);
  }

  send(frame: Uint8Array): void {
    if (this.done) return;
    this.sendTimes.note();
    try {
      // A view may not span its whole buffer; send exactly the frame's bytes.
      this.socket?.send(
        frame.byteOffset === 0 && frame.byteLength === frame.buffer.byteLength
          ? frame.buffer
          : frame.slice().buffer,
      );
    } catch {
      // Write errors surface as a read error or a stale connection.
    }
  }

  close(err?: Error): Promise<void> {
    return this._closed(err, false);
  }

  closed(): Promise<void | Error> {
    return this.closedNotification;
  }

  discard(): void {
    this.done = true;
    _closeQuietly(this.socket);
  }
}
