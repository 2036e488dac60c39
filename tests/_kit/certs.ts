/** Paths of the files made by {@linkcode testCertificates}. */
export interface TestCertificates {
  /** The CA's certificate (PEM), to pass to clients. */
  readonly ca: string;
  /** The server's certificate (PEM), signed by the CA, for `localhost` and `127.0.0.1`. */
  readonly cert: string;
  /** The server's private key (PEM). */
  readonly key: string;
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

/**
 * Makes a throw-away CA and a server certificate for `localhost` and `127.0.0.1` signed by it
 * (P-256 keys, valid for one day) with openssl, in `dir`. The caller removes `dir`.
 *
 * @param dir an existing directory for the files
 * @returns the paths of the CA certificate, server certificate and server key
 * @throws {Error} when openssl fails
 * @example
 * ```ts
 * const { cert, key } = await testCertificates(dir);
 * await using ns = await startNats({ env: { NATS_TLS_CERT: cert, NATS_TLS_KEY: key } });
 * ```
 */
export async function testCertificates(dir: string): Promise<TestCertificates> {
  const newKey = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  await openssl(
    dir,
    `req -x509 ${newKey} -days 1 -keyout ca.key -out ca.pem`,
    "-subj",
    "/CN=nunect test CA",
  );
  await openssl(dir, `req ${newKey} -keyout server.key -out server.csr`, "-subj", "/CN=localhost");
  await Deno.writeTextFile(
    `${dir}/ext.cnf`,
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
  );
  await openssl(
    dir,
    "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 " +
      "-extfile ext.cnf -out server.pem",
  );
  return { ca: `${dir}/ca.pem`, cert: `${dir}/server.pem`, key: `${dir}/server.key` };
}
