import { connect, type Socket } from "node:net";
import { createServer, type Server, type TLSSocket } from "node:tls";
import { type CertificateInfo, type CertifiedKey, readCertifiedKey } from "./certificate.ts";

/** Options of {@linkcode HttpsServer.start}. */
export interface HttpsServerOptions {
  /** Address to listen on. */
  readonly hostname: string;
  /** Port to listen on (0: any free port, kept across reloads). */
  readonly port: number;
  /** The certificate chain (PEM), re-read when it changes. */
  readonly certFile: string;
  /** Its private key (PEM), re-read when it changes. */
  readonly keyFile: string;
  /** Names to quote in errors, e.g. `["DASHBOARD_TLS_CERT", "DASHBOARD_TLS_KEY"]`. */
  readonly variables?: readonly [string, string];
  /** Serves every request. */
  readonly handler: Deno.ServeHandler<Deno.NetAddr>;
  /** Called once when the server first listens. */
  readonly onListen?: (addr: Deno.NetAddr) => void;
  /** Called with every certificate served: the first, and each one a reload brings. */
  readonly onCertificate?: (info: CertificateInfo) => void;
  /** Where reloads and refused files are reported (default `console.error`). */
  readonly log?: (line: string) => void;
  /**
   * How often the files are compared besides file events (default 60,000 ms; 0: only events).
   * Events can be missed on network file systems, and certbot swaps symlinks.
   */
  readonly pollMs?: number;
}

/** The outcome of {@linkcode HttpsServer.reload}. */
export type ReloadResult = "unchanged" | "reloaded";

const DEBOUNCE_MS = 250;

function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? (i === 0 ? "/" : ".") : path.slice(0, i);
}

/**
 * An HTTPS server (HTTP/2 and HTTP/1.1 by ALPN) whose certificate follows its files: when the
 * certificate or key file changes (a renewal by certbot or by hand), the pair is read again,
 * checked, and served to every new connection, without a restart; connections already open keep
 * theirs, so long-lived responses (Server-Sent Events) are not cut. A pair that does not check out
 * (half written, a key of another certificate) is refused with one log line and the served
 * certificate stays.
 *
 * TLS is `node:tls`'s server; the HTTP behind it is `Deno.serve`, on a loopback port of its own,
 * each TLS connection piped to one connection there (HTTP/2 as prior knowledge, HTTP/1.1 as is).
 * Why not `Deno.serve` with `cert`/`key`: Deno (2.9.6) leaves TCP_NODELAY off on its TLS
 * connections, so an answer written in parts (headers, body) waited for the client's delayed ACK,
 * ~40 ms per request on Linux; here both hops have TCP_NODELAY. Why not `node:http2`: Deno's
 * (2.9.6) aborts the whole process inside nghttp2 when a client closes a session after some 70
 * requests (denoland/deno#36788), which any client could do. The handler sees what `Deno.serve`
 * gives it (`completed` included), with the request URL's scheme `https:` and `remoteAddr` the
 * TLS client's; a connection to the loopback port that is not one of these pipes is answered 421.
 * A client that leaves before the answer aborts the request's signal; one that leaves during a
 * streamed answer cancels the answer's stream (Deno.serve under `no-legacy-abort`, which deno.json
 * sets, then aborts the signal over HTTP/1.1 only: watch the stream, or `completed`, for that).
 *
 * @example
 * ```ts
 * await using server = await HttpsServer.start({
 *   hostname: "127.0.0.1", port: 4280, certFile: "cert.pem", keyFile: "key.pem",
 *   handler: () => new Response("hello"),
 * });
 * ```
 */
export class HttpsServer implements AsyncDisposable {
  readonly #o: HttpsServerOptions;
  readonly #tls: Server;
  readonly #http: Deno.HttpServer<Deno.NetAddr>;
  #addr: Deno.NetAddr;
  #current: CertifiedKey;
  /** Open TLS connections. */
  readonly #connections = new Set<TLSSocket>();
  #drained: (() => void) | undefined;
  #watcher: Deno.FsWatcher | undefined;
  #poll: ReturnType<typeof setInterval> | undefined;
  #debounce: ReturnType<typeof setTimeout> | undefined;
  #reloading: Promise<ReloadResult> | undefined;
  #closed = false;

  private constructor(
    options: HttpsServerOptions,
    tls: Server,
    http: Deno.HttpServer<Deno.NetAddr>,
    addr: Deno.NetAddr,
    current: CertifiedKey,
  ) {
    this.#o = options;
    this.#tls = tls;
    this.#http = http;
    this.#addr = addr;
    this.#current = current;
  }

  /**
   * Reads and checks the certificate and key, listens, and starts following the files.
   *
   * @param options address, files, handler
   * @returns the running server
   * @throws {CertificateFileError} when a file is unreadable, not PEM, or the key is another's
   * @throws {Deno.errors.AddrInUse} when the port is taken (and the listen error otherwise)
   */
  static async start(options: HttpsServerOptions): Promise<HttpsServer> {
    const pair = await readCertifiedKey(options.certFile, options.keyFile, options.variables);
    // Which TLS client each loopback connection carries, by the loopback connection's own port
    // (from 127.0.0.1: another local address may reuse a port number).
    const peers = new Map<number, Deno.NetAddr>();
    const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req, info) => {
      const remoteAddr = info.remoteAddr.hostname === "127.0.0.1"
        ? peers.get(info.remoteAddr.port)
        : undefined;
      if (remoteAddr === undefined) {
        return new Response("Misdirected request: connect over HTTPS\n", { status: 421 });
      }
      const url = `https:${req.url.slice(req.url.indexOf("//"))}`;
      const init = { method: req.method, headers: req.headers, body: req.body, signal: req.signal };
      // Deno's info has getters, not fields (a spread would lose `completed`); read lazily, as
      // Deno creates the promise only for a handler that asks.
      return options.handler(new Request(url, { ...init, duplex: "half" } as RequestInit), {
        remoteAddr,
        get completed() {
          return info.completed;
        },
      });
    });
    const tls = createServer({
      cert: pair.cert,
      key: pair.key,
      ALPNProtocols: ["h2", "http/1.1"],
    });
    const https = new HttpsServer(
      options,
      tls,
      http,
      { ...http.addr, hostname: options.hostname },
      pair,
    );
    // Answers leave as soon as they are written: no waiting for the client's delayed ACK (Nagle).
    tls.on("connection", (socket: Socket) => socket.setNoDelay(true));
    tls.on("secureConnection", (client: TLSSocket) => {
      const peer: Deno.NetAddr = {
        transport: "tcp",
        hostname: client.remoteAddress ?? "",
        port: client.remotePort ?? 0,
      };
      const inner = connect({ host: "127.0.0.1", port: http.addr.port, noDelay: true });
      let port: number | undefined;
      inner.once("connect", () => {
        port = inner.localPort;
        if (port !== undefined) peers.set(port, peer);
      });
      // Each side's end is passed on (pipe); the client gone or either side failing ends both at
      // once, so Deno.serve sees the client leave (request signal before the answer, the answer's
      // stream cancelled after it).
      const drop = () => {
        if (port !== undefined) peers.delete(port);
        client.destroy();
        inner.destroy();
      };
      client.on("error", drop).on("close", drop);
      inner.on("error", drop).on("close", () => {
        if (port !== undefined) peers.delete(port);
        client.end(() => client.destroy()); // once what is on its way to the client is out
      });
      client.pipe(inner);
      inner.pipe(client);
      https.#track(client);
    });
    // A client that fails its handshake is its own problem, not the server's.
    tls.on("tlsClientError", () => {});
    try {
      https.#addr = await new Promise<Deno.NetAddr>((resolve, reject) => {
        tls.once("error", (e: NodeJS.ErrnoException) =>
          reject(
            e.code === "EADDRINUSE" ? new Deno.errors.AddrInUse(e.message, { cause: e }) : e,
          ));
        tls.listen(options.port, options.hostname, () => {
          const a = tls.address();
          resolve({
            transport: "tcp",
            hostname: options.hostname,
            port: typeof a === "object" && a !== null ? a.port : options.port,
          });
        });
      });
    } catch (e) {
      await http.shutdown();
      throw e;
    }
    tls.on("error", (e: Error) => https.#log(`HTTPS server error: ${e.message}`));
    options.onListen?.(https.addr);
    options.onCertificate?.(pair.info);
    https.#follow();
    return https;
  }

  #track(socket: TLSSocket): void {
    this.#connections.add(socket);
    socket.once("close", () => {
      this.#connections.delete(socket);
      if (this.#connections.size === 0) this.#drained?.();
    });
  }

  /** The address it listens on. */
  get addr(): Deno.NetAddr {
    return { ...this.#addr };
  }

  /** The certificate served to new connections. */
  get certificate(): CertificateInfo {
    return this.#current.info;
  }

  /**
   * Reads the files again and, when they changed and check out, serves the new pair to new
   * connections (concurrent calls share one reload).
   *
   * @returns whether the served certificate changed
   * @throws {CertificateFileError} when the new files do not check out (the old pair stays)
   */
  reload(): Promise<ReloadResult> {
    this.#reloading ??= this.#reload().finally(() => this.#reloading = undefined);
    return this.#reloading;
  }

  async #reload(): Promise<ReloadResult> {
    const o = this.#o;
    const pair = await readCertifiedKey(o.certFile, o.keyFile, o.variables);
    if (this.#closed || (pair.cert === this.#current.cert && pair.key === this.#current.key)) {
      return "unchanged";
    }
    // In place: new handshakes get the new pair, open connections keep theirs.
    this.#tls.setSecureContext({ cert: pair.cert, key: pair.key });
    this.#current = pair;
    o.onCertificate?.(pair.info);
    this.#log(
      `TLS certificate reloaded from ${o.certFile}: ${pair.info.subject}, valid until ${
        new Date(pair.info.notAfter).toISOString()
      }`,
    );
    return "reloaded";
  }

  #log(line: string): void {
    (this.#o.log ?? ((l: string) => console.error(l)))(line);
  }

  #reloadReporting(): void {
    this.reload().catch((e) => this.#log(`TLS certificate not reloaded: ${(e as Error).message}`));
  }

  #follow(): void {
    const o = this.#o;
    const pollMs = o.pollMs ?? 60_000;
    if (pollMs > 0) this.#poll = setInterval(() => this.#reloadReporting(), pollMs);
    // The directories, not the files: renewals often replace a file or swap a symlink.
    const dirs = [...new Set([dirOf(o.certFile), dirOf(o.keyFile)])];
    try {
      this.#watcher = Deno.watchFs(dirs, { recursive: false });
    } catch (e) {
      this.#log(
        `Not watching ${dirs.join(" and ")} for certificate renewals (${(e as Error).message}); ` +
          `checking every ${pollMs / 1000} s instead`,
      );
      return;
    }
    (async () => {
      try {
        for await (const _ of this.#watcher!) {
          clearTimeout(this.#debounce);
          this.#debounce = setTimeout(() => this.#reloadReporting(), DEBOUNCE_MS);
        }
      } catch { /* closed */ }
    })();
  }

  /**
   * Stops following the files and shuts the server down gracefully, as `Deno.serve`'s `shutdown`
   * does (it is the one doing it): no new connections; open requests finish, an open event stream
   * holding it until its client leaves; resolves when the last connection has closed.
   */
  async shutdown(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#poll);
    clearTimeout(this.#debounce);
    try {
      this.#watcher?.close();
    } catch { /* already closed */ }
    await this.#reloading?.catch(() => {});
    const drained = new Promise<void>((resolve) => this.#drained = resolve);
    const closed = new Promise<void>((resolve) => this.#tls.close(() => resolve()));
    await this.#http.shutdown();
    if (this.#connections.size > 0) await drained;
    await closed;
  }

  /** Same as {@linkcode HttpsServer.shutdown}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}
