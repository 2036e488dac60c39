import {
  checkOptions,
  type ConnectionOptions,
  DataBuffer,
  type Deferred,
  deferred,
  errors,
  type Server,
  type ServerInfo,
  type TlsOptions,
  type Transport,
} from "@nats-io/nats-core/internal";
import { _closeQuietly, _readServerInfo } from "./_server_info.ts";
import { SendTimes, type WireClock } from "./wire_clock.ts";

// The few Deno APIs this transport uses, typed here so that the file compiles (and is inert)
// outside Deno: the npm build has no Deno types, and browsers never reach this code.
interface DenoConn {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  close(): void;
  setNoDelay?(noDelay?: boolean): void;
  handshake?(): Promise<unknown>;
}
/** The TLS material Deno takes: PEM strings. */
export interface DenoTlsMaterial {
  caCerts?: string[];
  cert?: string;
  key?: string;
}
/** The few members of the `Deno` global that nunect uses. */
export interface DenoApi {
  connect(o: { hostname: string; port: number; transport?: "tcp" }): Promise<DenoConn>;
  connectTls(o: { hostname: string; port: number } & DenoTlsMaterial): Promise<DenoConn>;
  startTls(conn: DenoConn, o: { hostname: string; caCerts?: string[] }): Promise<DenoConn>;
  readTextFile(path: string): Promise<string>;
  createHttpClient(o: DenoTlsMaterial): { close(): void };
}

/** The `Deno` global when running on Deno, else undefined. */
export function denoApi(): DenoApi | undefined {
  return (globalThis as unknown as { Deno?: DenoApi }).Deno;
}

/**
 * Reads the TLS options into the PEM strings Deno takes: `caFile`/`ca` into `caCerts`,
 * `certFile`/`cert` and `keyFile`/`key`. Files are read on every dial, so renewed certificates
 * are picked up at the next reconnect.
 *
 * @param deno the Deno global
 * @param tls nats.js TLS options
 * @returns the material, empty when no option is given
 */
export async function denoTlsMaterial(
  deno: DenoApi,
  tls: TlsOptions | null | undefined,
): Promise<DenoTlsMaterial> {
  if (!tls) return {};
  const read = (file: string | undefined, inline: string | undefined) =>
    file ? deno.readTextFile(file) : Promise.resolve(inline);
  const [ca, cert, key] = await Promise.all([
    read(tls.caFile, typeof tls.ca === "string" ? tls.ca : undefined),
    read(tls.certFile, typeof tls.cert === "string" ? tls.cert : undefined),
    read(tls.keyFile, typeof tls.key === "string" ? tls.key : undefined),
  ]);
  return {
    ...(ca ? { caCerts: [ca] } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
  };
}

const READ_SIZE = 64 * 1024;

/**
 * NATS over TCP with Deno's own sockets (`Deno.connect`, TCP_NODELAY, `Deno.startTls`) instead
 * of the Node-compatibility `node:net` layer that @nats-io/transport-node goes through. A client
 * certificate needs `tls.handshakeFirst` (Deno.startTls cannot present one).
 */
export class DenoTransport implements Transport, WireClock {
  readonly version: string;
  readonly lang = "nats.deno";
  closeError?: Error;
  private conn?: DenoConn;
  private connected = false;
  private done = false;
  private encrypted = false;
  private pending: Uint8Array[] = [];
  private peekedData?: Uint8Array;
  private writing?: Promise<void>;
  private closedNotification: Deferred<void | Error> = deferred<void | Error>();
  private readonly sendTimes = new SendTimes();
  /** When the chunk being parsed now was read off the socket (`performance.now()`). */
  lastReadAt = 0;

  /** @param version the nats-core version reported in CONNECT */
  constructor(version: string) {
    this.version = version;
  }

  async connect(server: Server, options: ConnectionOptions): Promise<void> {
    const deno = denoApi();
    if (deno === undefined) throw new errors.ConnectionError("DenoTransport needs Deno");
    const tls = options.tls ?? undefined;
    const tlsName = server.tlsName || server.hostname;
    try {
      if (tls?.handshakeFirst) {
        this.conn = await deno.connectTls({
          hostname: server.hostname,
          port: server.port,
          ...(await denoTlsMaterial(deno, tls)),
        });
        await this.conn.handshake?.();
        this.encrypted = true;
      } else {
        this.conn = await deno.connect({ hostname: server.hostname, port: server.port });
        this.conn.setNoDelay?.(true);
      }
      if (this.done) {
        this.conn.close();
        throw new errors.ConnectionError("connection aborted");
      }
      const info = await this.peekInfo();
      checkOptions(info, options);
      const tlsRequired = info.tls_required === true;
      const desired = info.tls_available === true && options.tls !== null &&
        options.tls !== undefined;
      if (!this.encrypted && info.tls_verify === true && !tls?.cert && !tls?.certFile) {
        // The handshake would fail, and its alert may be lost to a reset: say why now.
        throw new errors.ConnectionError(
          "The server requires a client certificate (its INFO says tls_verify)",
        );
      }
      if (!this.encrypted && (tlsRequired || desired)) {
        // INFO was read in the clear and stays queued for the parser, as in transport-node.
        const { caCerts } = await denoTlsMaterial(deno, options.tls);
        this.conn = await deno.startTls(this.conn, {
          hostname: tlsName,
          ...(caCerts ? { caCerts } : {}),
        });
        // Deno shakes hands lazily; do it now so that a bad certificate fails the dial.
        await this.conn.handshake?.();
        this.encrypted = true;
      }
      if (tlsRequired && !this.encrypted) {
        throw errors.InvalidArgumentError.format("tls", "is not available on this server");
      }
      this.connected = true;
    } catch (err) {
      _closeQuietly(this.conn);
      this.done = true;
      const code = (err as { name?: string })?.name;
      if (code === "ConnectionRefused") {
        throw new errors.ConnectionError("connection refused", { cause: err });
      }
      throw err;
    }
  }

  private async peekInfo(): Promise<ServerInfo> {
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(READ_SIZE);
    while (true) {
      const n = await this.conn!.read(buf);
      if (n === null) throw new errors.ConnectionError("connection closed before INFO");
      chunks.push(buf.slice(0, n));
      const all = DataBuffer.concat(...chunks);
      const info = _readServerInfo(all);
      if (info === undefined) continue;
      // The protocol parser expects to read INFO itself, so hand everything back to it.
      this.peekedData = all;
      return info;
    }
  }

  get isClosed(): boolean {
    return this.done;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this.iterate();
  }

  /**
   * The bytes read, chunk by chunk, until the connection ends. A hand-written iterator rather
   * than an async generator: each chunk reaches the parser a few microseconds sooner, which
   * shows in round-trip times.
   */
  iterate(): AsyncIterableIterator<Uint8Array> {
    let first = this.peekedData;
    this.peekedData = undefined;
    const buf = new Uint8Array(READ_SIZE);
    const end = async (err?: Error): Promise<IteratorResult<Uint8Array>> => {
      await this._closed(err, false);
      return { done: true, value: undefined };
    };
    const it: AsyncIterableIterator<Uint8Array> = {
      next: (): Promise<IteratorResult<Uint8Array>> => {
        if (first !== undefined) {
          const value = first;
          first = undefined;
          return Promise.resolve({ done: false, value });
        }
        if (this.done || this.conn === undefined) return end();
        return this.conn.read(buf).then(
          // The parser may keep views into what it gets; the read buffer is reused, so copy.
          (n) => {
            if (n === null) return end();
            this.lastReadAt = performance.now();
            return { done: false, value: buf.slice(0, n) };
          },
          (err) => end(this.done ? undefined : err as Error),
        );
      },
      return: (): Promise<IteratorResult<Uint8Array>> =>
        Promise.resolve({ done: true, value: undefined }),
      [Symbol.asyncIterator]: () => it,
    };
    return it;
  }

  isEncrypted(): boolean {
    return this.encrypted;
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
    if (this.done || this.conn === undefined) return;
    this.sendTimes.note();
    this.pending.push(frame);
    this.writing ??= this.writeLoop();
  }

  private async writeLoop(): Promise<void> {
    try {
      while (this.pending.length > 0 && this.conn !== undefined) {
        const frames = this.pending;
        this.pending = [];
        let data = frames.length === 1 ? frames[0]! : DataBuffer.concat(...frames);
        while (data.length > 0) {
          const n = await this.conn.write(data);
          data = data.subarray(n);
        }
      }
    } catch {
      // Write errors surface as a read error or a stale connection.
      this.pending = [];
    } finally {
      this.writing = undefined;
    }
  }

  private async _closed(err?: Error, internal = true): Promise<void> {
    if (!this.connected || this.done && this.conn === undefined) return;
    this.closeError = err;
    if (!err && internal) await this.writing?.catch(() => {});
    this.done = true;
    const conn = this.conn;
    this.conn = undefined;
    _closeQuietly(conn);
    this.closedNotification.resolve(this.closeError);
  }

  disconnect(): void {
    this._closed(undefined, true).catch(() => {});
  }

  close(err?: Error): Promise<void> {
    return this._closed(err, false);
  }

  closed(): Promise<void | Error> {
    return this.closedNotification;
  }

  discard(): void {
    this.done = true;
    const conn = this.conn;
    this.conn = undefined;
    _closeQuietly(conn);
  }
}
