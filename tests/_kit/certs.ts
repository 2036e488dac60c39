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
}

/** Runs openssl in `dir` with `command` (split at spaces) followed by `more` arguments. */
async function openssl(dir: string, command: string, ...more: string[]): Promise<void> {
  const args = [...command.split(" "), ...more];
  const out = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
}

const NEW_KEY = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

/** Signs `csr` with the CA `ca` into `out`, with the extensions `ext`, valid for `days`. */
async function sign(dir: string, csr: string, ca: string, out: string, ext: string, days = 1) {
  await Deno.writeTextFile(`${dir}/${out}.cnf`, ext);
  await openssl(
    dir,
    `x509 -req -in ${csr} -CA ${ca}.pem -CAkey ${ca}.key -CAcreateserial -days ${days} ` +
      `-extfile ${out}.cnf -out ${out}.pem`,
  );
}

/**
 * Makes throw-away TLS material with openssl in `dir` (P-256 keys, valid for one day): a CA and
 * a server certificate for `localhost` and `127.0.0.1` signed by it; a client certificate signed
 * by it (for servers that verify clients); and, for testing refusals, another CA, a client
 * certificate signed by that one, an expired server certificate and one for another name. The
 * caller removes `dir`.
 *
 * @param dir an existing directory for the files
 * @returns the paths of the files
 * @throws {Error} when openssl fails
 * @example
 * ```ts
 * const { cert, key } = await testCertificates(dir);
 * await using ns = await startNats({ env: { NATS_TLS_CERT: cert, NATS_TLS_KEY: key } });
 * ```
 */
export async function testCertificates(dir: string): Promise<TestCertificates> {
  const server = "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n";
  const client = "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n";
  await Promise.all([
    openssl(
      dir,
      `req -x509 ${NEW_KEY} -days 1 -keyout ca.key -out ca.pem`,
      "-subj",
      "/CN=nunect test CA",
    ),
    openssl(
      dir,
      `req -x509 ${NEW_KEY} -days 1 -keyout other.key -out other.pem`,
      "-subj",
      "/CN=other CA",
    ),
    openssl(dir, `req ${NEW_KEY} -keyout server.key -out server.csr`, "-subj", "/CN=localhost"),
    openssl(
      dir,
      `req ${NEW_KEY} -keyout client.key -out client.csr`,
      "-subj",
      "/CN=nunect test client",
    ),
  ]);
  // One at a time: openssl rewrites each CA's serial file.
  await sign(dir, "server.csr", "ca", "server", server);
  await sign(dir, "server.csr", "ca", "expired", server, -1);
  await sign(dir, "server.csr", "ca", "wrong_name", "subjectAltName=DNS:elsewhere.example\n");
  await sign(dir, "client.csr", "ca", "client", client);
  await sign(dir, "client.csr", "other", "other_client", client);
  return {
    ca: `${dir}/ca.pem`,
    cert: `${dir}/server.pem`,
    key: `${dir}/server.key`,
    clientCert: `${dir}/client.pem`,
    clientKey: `${dir}/client.key`,
    otherCa: `${dir}/other.pem`,
    otherClientCert: `${dir}/other_client.pem`,
    expiredCert: `${dir}/expired.pem`,
    wrongNameCert: `${dir}/wrong_name.pem`,
  };
}
