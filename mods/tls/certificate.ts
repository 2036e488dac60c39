import { createPrivateKey, X509Certificate } from "node:crypto";
import { CertificateFileError } from "./errors.ts";

/** What nunect shows of an X.509 certificate. */
export interface CertificateInfo {
  /** The subject, e.g. `CN=localhost`. */
  readonly subject: string;
  /** The issuer, e.g. `CN=nunect local CA (host)`. */
  readonly issuer: string;
  /** DNS names and IP addresses of the subject alternative names. */
  readonly names: readonly string[];
  /** Start of validity, milliseconds since the Unix epoch. */
  readonly notBefore: number;
  /** End of validity, milliseconds since the Unix epoch. */
  readonly notAfter: number;
  /** SHA-256 fingerprint, colon-separated hex. */
  readonly fingerprint: string;
  /** Whether it is a certificate authority's certificate. */
  readonly ca: boolean;
}

/** A certificate chain and its private key as PEM text, checked to belong together. */
export interface CertifiedKey {
  /** The certificate chain (PEM), leaf first. */
  readonly cert: string;
  /** The private key (PEM). */
  readonly key: string;
  /** The leaf certificate. */
  readonly info: CertificateInfo;
}

function names(x509: X509Certificate): string[] {
  return (x509.subjectAltName ?? "").split(",").map((s) => s.trim()).flatMap((entry) => {
    const m = /^(DNS|IP Address):(.+)$/.exec(entry);
    return m ? [m[2]!] : [];
  });
}

/**
 * Reads the first certificate of a PEM text.
 *
 * @param pem one certificate or a chain (leaf first)
 * @returns the leaf's subject, names, validity and fingerprint
 * @throws {TypeError} when the text holds no certificate
 */
export function certificateInfo(pem: string): CertificateInfo {
  const x509 = new X509Certificate(pem);
  return {
    subject: x509.subject.replaceAll("\n", ", "),
    issuer: x509.issuer.replaceAll("\n", ", "),
    names: names(x509),
    notBefore: Date.parse(x509.validFrom),
    notAfter: Date.parse(x509.validTo),
    fingerprint: x509.fingerprint256,
    ca: x509.ca,
  };
}

async function readPem(path: string, what: string, variable: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "no such file"
      : e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied
      ? "not readable by this program (its permission set or the file's mode)"
      : (e as Error).message;
    throw new CertificateFileError(path, `Cannot read the ${what} ${variable}="${path}": ${why}`, {
      cause: e,
    });
  }
}

/**
 * Reads a certificate chain and its private key from PEM files and checks that they belong
 * together, as a TLS server needs them.
 *
 * @param certFile the certificate chain (PEM)
 * @param keyFile the private key (PEM)
 * @param variables the names to quote in errors (default `cert` and `key`), e.g.
 *   `["DASHBOARD_TLS_CERT", "DASHBOARD_TLS_KEY"]`
 * @returns the PEM texts and the leaf's details
 * @throws {CertificateFileError} when a file is unreadable, not PEM, or the key is another's
 */
export async function readCertifiedKey(
  certFile: string,
  keyFile: string,
  variables: readonly [string, string] = ["cert", "key"],
): Promise<CertifiedKey> {
  const [cert, key] = await Promise.all([
    readPem(certFile, "certificate", variables[0]),
    readPem(keyFile, "private key", variables[1]),
  ]);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (e) {
    throw new CertificateFileError(
      certFile,
      `Invalid certificate ${variables[0]}="${certFile}": not a PEM certificate`,
      { cause: e },
    );
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch (e) {
    throw new CertificateFileError(
      keyFile,
      `Invalid private key ${variables[1]}="${keyFile}": not a PEM private key`,
      { cause: e },
    );
  }
  if (!matches) {
    throw new CertificateFileError(
      keyFile,
      `Private key ${variables[1]}="${keyFile}" does not belong to the certificate ` +
        `${variables[0]}="${certFile}": give the key the certificate was issued for`,
    );
  }
  return { cert, key, info: certificateInfo(cert) };
}

/**
 * Reads a CA certificate file (PEM, one or more certificates) to trust.
 *
 * @param path the file
 * @param variable the name to quote in errors, e.g. `NATS_TLS_CA`
 * @returns the PEM text
 * @throws {CertificateFileError} when the file is unreadable or holds no certificate
 */
export async function readCaFile(path: string, variable: string): Promise<string> {
  const pem = await readPem(path, "CA certificate", variable);
  try {
    new X509Certificate(pem);
  } catch (e) {
    throw new CertificateFileError(
      path,
      `Invalid CA certificate ${variable}="${path}": not a PEM certificate`,
      { cause: e },
    );
  }
  return pem;
}
