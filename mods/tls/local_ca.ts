import { OpensslError } from "./errors.ts";

/** What a certificate is for. */
export type CertificateUsage = "server" | "client";

/** Options of {@linkcode LocalCa.issue}. */
export interface IssueOptions {
  /** File name stem in the CA's directory: the files are `<file>.pem` and `<file>.key`. */
  readonly file: string;
  /** The subject's common name. */
  readonly commonName: string;
  /**
   * DNS names and IP addresses (subject alternative names). Server certificates need the names
   * clients dial; a client certificate's names say which router or program it is.
   */
  readonly names?: readonly string[];
  /**
   * `server`: serverAuth and clientAuth (a NATS server also dials routes and leaf nodes);
   * `client`: clientAuth only.
   */
  readonly usage: CertificateUsage;
  /** Days of validity from now; negative makes a certificate that has already expired. */
  readonly days: number;
  /** Sign this existing key (`<stem>.key` in the directory) instead of making a new one. */
  readonly keyOf?: string;
}

/** Paths of an issued certificate. */
export interface IssuedCertificate {
  /** The certificate (PEM). */
  readonly cert: string;
  /** Its private key (PEM, mode 0600). */
  readonly key: string;
}

const NEW_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
const IP = /^(\d{1,3}(\.\d{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)$/;

/**
 * Runs openssl with `args` in `dir`.
 *
 * @throws {OpensslError} when openssl is missing or fails
 */
async function openssl(dir: string, args: readonly string[]): Promise<void> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("openssl", {
      args: [...args],
      cwd: dir,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
  } catch (e) {
    throw new OpensslError(
      `Cannot run openssl: ${(e as Error).message}: install Debian's openssl package ` +
        "(apt-get install openssl)",
      { cause: e },
    );
  }
  if (!out.success) {
    const said = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" ");
    throw new OpensslError(`openssl ${args[0]} failed in "${dir}": ${said}`);
  }
}

/** A subjectAltName value for names and addresses. */
function altNames(names: readonly string[]): string {
  return names.map((n) => `${IP.test(n) ? "IP" : "DNS"}:${n.replace(/^\[|\]$/g, "")}`).join(",");
}

function serial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0]! &= 0x7f; // positive
  return `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * A certificate authority of nunect's own, kept as `ca.pem` and `ca.key` in one directory, that
 * issues server and client certificates there with openssl (P-256 keys). `deno task certs` makes
 * one for development and LAN deployments; the test kit makes throw-away ones.
 *
 * @example
 * ```ts
 * const ca = await LocalCa.create(dir, { commonName: "nunect local CA", days: 3650 });
 * const { cert, key } = await ca.issue({
 *   file: "server", commonName: "localhost", names: ["localhost", "127.0.0.1"],
 *   usage: "server", days: 397,
 * });
 * ```
 */
export class LocalCa {
  /** The directory holding the CA and what it issued. */
  readonly dir: string;
  /** The CA's certificate (PEM): what clients and browsers trust. */
  readonly certFile: string;
  /** The CA's private key (PEM, mode 0600). */
  readonly keyFile: string;

  private constructor(dir: string) {
    this.dir = dir;
    this.certFile = `${dir}/ca.pem`;
    this.keyFile = `${dir}/ca.key`;
  }

  /**
   * Makes a new CA in `dir` (an existing directory), replacing one that is there.
   *
   * @param dir where `ca.pem` and `ca.key` go
   * @param options its name and validity
   * @returns the CA
   * @throws {OpensslError} when openssl fails
   */
  static async create(
    dir: string,
    options: { readonly commonName: string; readonly days: number },
  ): Promise<LocalCa> {
    await openssl(dir, [
      "req",
      "-x509",
      ...NEW_KEY,
      "-days",
      String(options.days),
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-subj",
      `/CN=${options.commonName}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE,pathlen:0",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    await Deno.chmod(`${dir}/ca.key`, 0o600);
    return new LocalCa(dir);
  }

  /**
   * The CA in `dir`, if `ca.pem` and `ca.key` are there.
   *
   * @param dir the directory
   * @returns the CA, or undefined when there is none
   */
  static async open(dir: string): Promise<LocalCa | undefined> {
    const ca = new LocalCa(dir);
    for (const f of [ca.certFile, ca.keyFile]) {
      try {
        await Deno.stat(f);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return undefined;
        throw e;
      }
    }
    return ca;
  }

  /**
   * Issues a certificate signed by this CA into `<file>.pem` and `<file>.key`. Certificates are
   * independent of each other (random serial numbers, no shared serial file), so several can be
   * issued at once.
   *
   * @param options its file name, subject, names, usage and validity
   * @returns the paths of the certificate and its key
   * @throws {OpensslError} when openssl fails
   */
  async issue(options: IssueOptions): Promise<IssuedCertificate> {
    const { file } = options;
    const keyFile = `${options.keyOf ?? file}.key`;
    const csr = `${file}.csr`;
    const ext = `${file}.ext`;
    if (options.keyOf === undefined) {
      await openssl(this.dir, [
        "req",
        ...NEW_KEY,
        "-keyout",
        keyFile,
        "-out",
        csr,
        "-subj",
        `/CN=${options.commonName}`,
      ]);
      await Deno.chmod(`${this.dir}/${keyFile}`, 0o600);
    } else {
      await openssl(this.dir, [
        "req",
        "-new",
        "-key",
        keyFile,
        "-out",
        csr,
        "-subj",
        `/CN=${options.commonName}`,
      ]);
    }
    const lines = [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature",
      `extendedKeyUsage=${options.usage === "server" ? "serverAuth,clientAuth" : "clientAuth"}`,
    ];
    if (options.names && options.names.length > 0) {
      lines.push(`subjectAltName=${altNames(options.names)}`);
    }
    await Deno.writeTextFile(`${this.dir}/${ext}`, lines.join("\n") + "\n");
    await openssl(this.dir, [
      "x509",
      "-req",
      "-in",
      csr,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-set_serial",
      serial(),
      "-days",
      String(options.days),
      "-extfile",
      ext,
      "-out",
      `${file}.pem`,
    ]);
    await Promise.all([csr, ext].map((f) => Deno.remove(`${this.dir}/${f}`)));
    return { cert: `${this.dir}/${file}.pem`, key: `${this.dir}/${keyFile}` };
  }
}
