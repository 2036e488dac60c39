import { LocalCa } from "../../mods/tls/mod.ts";

/** Paths of the files made by {@linkcode testCertificates}. */
export interface TestCertificates {
  /** The CA's certificate (PEM), to pass to clients (and to servers that verify clients). */
  readonly ca: string;
  /** The server's certificate (PEM), signed by the CA, for `localhost` and `127.0.0.1`. */
  readonly cert: string;
  /** The server's private key (PEM). */
  readonly key: string;
  /** A client certificate (PEM, CN `nunect test client`, client authentication), signed by the CA. */
  readonly clientCert: string;
  /** The client certificate's private key (PEM). */
  readonly clientKey: string;
  /** Another CA's certificate (PEM): trusted by nobody in the test setup. */
  readonly otherCa: string;
  /** A client certificate for `clientKey` signed by the other CA (servers refuse it). */
  readonly otherClientCert: string;
  /** A server certificate for `key` that expired yesterday. */
  readonly expiredCert: string;
  /** A server certificate for `key`, signed by the CA, only for `elsewhere.example`. */
  readonly wrongNameCert: string;
  /** The CA itself, to issue more certificates in the same directory. */
  readonly authority: LocalCa;
}

/**
 * Makes throw-away TLS material in `dir` with the code of `deno task certs` ({@linkcode LocalCa},
 * openssl, P-256 keys, valid for one day): a CA and a server certificate for `localhost` and
 * `127.0.0.1` signed by it; a client certificate signed by it (for servers that verify clients);
 * and, for testing refusals, another CA (in `dir/other`), a client certificate signed by that one,
 * an expired server certificate and one for another name. The caller removes `dir`.
 *
 * @param dir an existing directory for the files
 * @returns the paths of the files, and the CA
 * @throws {OpensslError} when openssl fails
 * @example
 * ```ts
 * const { cert, key } = await testCertificates(dir);
 * await using ns = await startNats({ env: { NATS_TLS_CERT: cert, NATS_TLS_KEY: key } });
 * ```
 */
export async function testCertificates(dir: string): Promise<TestCertificates> {
  const otherDir = `${dir}/other`;
  await Deno.mkdir(otherDir, { recursive: true });
  const [ca, other] = await Promise.all([
    LocalCa.create(dir, { commonName: "nunect test CA", days: 1 }),
    LocalCa.create(otherDir, { commonName: "other CA", days: 1 }),
  ]);
  const names = ["localhost", "127.0.0.1"];
  const [server, client] = await Promise.all([
    ca.issue({ file: "server", commonName: "localhost", names, usage: "server", days: 1 }),
    ca.issue({ file: "client", commonName: "nunect test client", usage: "client", days: 1 }),
  ]);
  const [expired, wrongName, otherClient] = await Promise.all([
    ca.issue({
      file: "expired",
      keyOf: "server",
      commonName: "localhost",
      names,
      usage: "server",
      days: -1,
    }),
    ca.issue({
      file: "wrong_name",
      keyOf: "server",
      commonName: "elsewhere.example",
      names: ["elsewhere.example"],
      usage: "server",
      days: 1,
    }),
    // The other CA signs the same client key: a certificate that only the wrong CA vouches for.
    Deno.copyFile(client.key, `${otherDir}/client.key`).then(() =>
      other.issue({
        file: "client",
        keyOf: "client",
        commonName: "nunect test client",
        usage: "client",
        days: 1,
      })
    ),
  ]);
  return {
    ca: ca.certFile,
    cert: server.cert,
    key: server.key,
    clientCert: client.cert,
    clientKey: client.key,
    otherCa: other.certFile,
    otherClientCert: otherClient.cert,
    expiredCert: expired.cert,
    wrongNameCert: wrongName.cert,
    authority: ca,
  };
}
