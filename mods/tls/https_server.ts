import { retry } from "../client/mod.ts";
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

const REBIND_ATTEMPTS = 100;
const DEBOUNCE_MS = 250;

function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? (i === 0 ? "/" : ".") : path.slice(0, i);
}

/**
 * An HTTPS server (`Deno.serve` with TLS: HTTP/2 and HTTP/1.1 by ALPN) whose certificate follows
 * its files: when the certificate or key file changes (a renewal by certbot or by hand), the pair
 * is read again, checked, and served to every new connection, without a restart. Connections
 * already open stay on the server that accepted them until they end, so long-lived responses
 * (Server-Sent Events) are not cut; that server stops accepting at once and is gone when its last
 * connection closes. A pair that does not check out (half written, a key of another certificate)
 * is refused with one log line and the served certificate stays.
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
  #server: Deno.HttpServer<Deno.NetAddr>;
  #current: CertifiedKey;
  readonly #retiring = new Set<Promise<void>>();
  #watcher: Deno.FsWatcher | undefined;
  #poll: ReturnType<typeof setInterval> | undefined;
  #debounce: ReturnType<typeof setTimeout> | undefined;
  #reloading: Promise<ReloadResult> | undefined;
  #closed = false;
  #port: number;

  private constructor(
    options: HttpsServerOptions,
    server: Deno.HttpServer<Deno.NetAddr>,
    current: CertifiedKey,
  ) {
    this.#o = options;
    this.#server = server;
    this.#current = current;
    this.#port = server.addr.port;
  }

  /**
   * Reads and checks the certificate and key, listens, and starts following the files.
   *
   * @param options address, files, handler
   * @returns the running server
   * @throws {CertificateFileError} when a file is unreadable, not PEM, or the key is another's
   * @throws {Deno.errors.AddrInUse} when the port is taken (and what Deno.serve throws otherwise)
   */
  static async start(options: HttpsServerOptions): Promise<HttpsServer> {
    const pair = await readCertifiedKey(options.certFile, options.keyFile, options.variables);
    const server = Deno.serve({
      hostname: options.hostname,
      port: options.port,
      cert: pair.cert,
      key: pair.key,
      onListen: (addr) => options.onListen?.(addr),
    }, options.handler);
    const https = new HttpsServer(options, server, pair);
    options.onCertificate?.(pair.info);
    https.#follow();
    return https;
  }

  /** The address it listens on. */
  get addr(): Deno.NetAddr {
    return { ...this.#server.addr, port: this.#port };
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
   * @throws {Error} when the port cannot be listened on again within about two seconds
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
    // A listening socket cannot change its certificate: the old server stops accepting (its open
    // connections carry on) and a new one takes the port. Between the two, a connection attempt
    // may be refused for a moment; browsers retry.
    const old = this.#server;
    const retiring = old.shutdown().catch(() => {});
    this.#retiring.add(retiring);
    retiring.then(() => this.#retiring.delete(retiring));
    this.#server = await retry(
      () =>
        Promise.resolve(Deno.serve({
          hostname: o.hostname,
          port: this.#port,
          cert: pair.cert,
          key: pair.key,
          onListen: () => {},
        }, o.handler)),
      {
        backoff: { initialMs: 20, factor: 1, maxMs: 20 },
        attempts: REBIND_ATTEMPTS,
        onError: (e) => {
          if (!(e instanceof Deno.errors.AddrInUse)) throw e;
        },
      },
    );
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

  /** Stops following the files and shuts every server down gracefully (waits for open requests). */
  async shutdown(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#poll);
    clearTimeout(this.#debounce);
    try {
      this.#watcher?.close();
    } catch { /* already closed */ }
    await this.#reloading?.catch(() => {});
    await Promise.all([this.#server.shutdown(), ...this.#retiring]);
  }

  /** Same as {@linkcode HttpsServer.shutdown}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}
