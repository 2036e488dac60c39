import { certificateInfo } from "./certificate.ts";
import { LocalCa } from "./local_ca.ts";

/** What {@linkcode localCertificates} made. */
export interface LocalCertificates {
  /** The CA's certificate, to trust (PEM). */
  readonly ca: string;
  /** Whether the CA was made now (false: an existing one was kept, already trusted). */
  readonly newCa: boolean;
  /** The server certificate for the names (PEM), for the dashboard and nats-server. */
  readonly cert: string;
  /** Its key. */
  readonly key: string;
  /** A client certificate for nunect's own programs (when NATS_TLS_VERIFY is on). */
  readonly clientCert: string;
  /** Its key. */
  readonly clientKey: string;
  /** The names the server certificate is valid for. */
  readonly names: readonly string[];
  /** When the server certificate ends, ms since the Unix epoch. */
  readonly notAfter: number;
}

/** Options of {@linkcode localCertificates}. */
export interface LocalCertificatesOptions {
  /** DNS names and IP addresses the server certificate is for. */
  readonly names: readonly string[];
  /** The CA's name when one is made. */
  readonly caName: string;
  /** Days the server and client certificates are valid (default 397, what browsers accept). */
  readonly days?: number;
  /** Days a new CA is valid (default 3650). */
  readonly caDays?: number;
  /** The client certificate's common name (default `nunect`). */
  readonly clientName?: string;
}

/**
 * The development and LAN certificates of `deno task certs` in `dir`: the local CA (kept when
 * it exists, so that browsers and machines that trust it keep trusting it), a server certificate
 * for `names` and a client certificate for nunect's own programs, both issued anew.
 *
 * @param dir the directory (created when missing; mode 0700)
 * @param options the names and validity
 * @returns the paths and what was made
 * @throws {OpensslError} when openssl fails
 */
export async function localCertificates(
  dir: string,
  options: LocalCertificatesOptions,
): Promise<LocalCertificates> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const existing = await LocalCa.open(dir);
  const ca = existing ??
    await LocalCa.create(dir, { commonName: options.caName, days: options.caDays ?? 3650 });
  const days = options.days ?? 397;
  const names = [...new Set(options.names.filter((n) => n !== ""))];
  const [server, client] = await Promise.all([
    ca.issue({ file: "server", commonName: names[0] ?? "localhost", names, usage: "server", days }),
    ca.issue({
      file: "client",
      commonName: options.clientName ?? "nunect",
      usage: "client",
      days,
    }),
  ]);
  return {
    ca: ca.certFile,
    newCa: existing === undefined,
    cert: server.cert,
    key: server.key,
    clientCert: client.cert,
    clientKey: client.key,
    names,
    notAfter: certificateInfo(await Deno.readTextFile(server.cert)).notAfter,
  };
}
