import type { TlsOptions } from "@nats-io/nats-core/internal";
import { CertificateError, type CertificateReason, InvalidOptionError } from "./errors.ts";
import type { CertificateDiagnosis } from "./transport.ts";

/** Where a TLS connection went: for naming the certificates in errors. */
export interface TlsContext {
  /** The server URL as given (`tls://…`, `wss://…`). */
  readonly server: string;
  /** The TLS options given. */
  readonly tls: TlsOptions | null | undefined;
}

const FILES = ["caFile", "certFile", "keyFile"] as const;

function hostOf(server: string): string {
  try {
    return new URL(server.replace(/^[a-z]+:/i, "http:")).host;
  } catch {
    return server;
  }
}

/** `tls.caFile "/etc/ca.pem"`, or `tls.ca` when given inline. */
function optionName(tls: TlsOptions | null | undefined, file: "caFile" | "certFile" | "keyFile") {
  const inline = file.slice(0, -4) as "ca" | "cert" | "key";
  if (tls?.[file]) return `tls.${file} "${tls[file]}"`;
  return tls?.[inline] !== undefined ? `tls.${inline}` : undefined;
}

/** The messages and codes of an error and its causes, innermost last. */
function texts(err: unknown): string[] {
  const out: string[] = [];
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 6; depth++) {
    if (typeof e !== "object") {
      out.push(String(e));
      break;
    }
    const { message, code } = e as { message?: unknown; code?: unknown };
    if (typeof code === "string") out.push(code);
    if (typeof message === "string" && message !== "") out.push(message);
    e = (e as { cause?: unknown }).cause;
  }
  return out;
}

/** OpenSSL's "…:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:…" → the reason. */
function tidy(text: string): string {
  const openssl = /(?:SSL|x509 certificate) routines:[^:]*:([^:]+)/.exec(text)?.[1];
  return (openssl ?? text).replace(/\s+/g, " ").trim();
}

const PATTERNS: [CertificateReason | "alert", RegExp][] = [
  [
    "key-mismatch",
    /KEY_VALUES_MISMATCH|key values mismatch|KeyMismatch|keys may not be consistent/i,
  ],
  [
    "unreadable",
    /ENOENT|doesn't exist|No such file|NO_START_LINE|no start line|No (certificates|keys?) found/i,
  ],
  ["expired", /Expired|CERT_HAS_EXPIRED|NotValidYet|CERT_NOT_YET_VALID/i],
  [
    "name-mismatch",
    /NotValidForName|not valid for name|ALTNAME_INVALID|does not match certificate/i,
  ],
  [
    "untrusted",
    /UnknownIssuer|unable to verify|self[- ]signed|unable to get (local )?issuer|SELF_SIGNED|UNABLE_TO_/i,
  ],
  [
    "alert",
    /BadCertificate|CertificateRequired|UnknownCA|CertificateUnknown|alert (bad certificate|certificate required|unknown ca|certificate unknown)|ALERT_(BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNKNOWN_CA)|receive h2 alpn|requires a client certificate/i,
  ],
];

/**
 * Recognises a certificate problem in an error from any runtime (Deno's rustls, Node's OpenSSL,
 * npm `ws`) and says which certificate is at fault and why.
 *
 * @param err what the dial failed with (its causes are searched too)
 * @param ctx the server and the TLS options
 * @returns the error to throw, or undefined when `err` is not about a certificate
 */
export function certificateError(err: unknown, ctx: TlsContext): CertificateError | undefined {
  const all = texts(err);
  for (const [kind, pattern] of PATTERNS) {
    const matching = all.filter((t) => pattern.test(t));
    if (matching.length === 0) continue;
    // Prefer the runtime's sentence to its error code.
    return describe(kind, ctx, tidy(matching.find((t) => /\s/.test(t)) ?? matching[0]!), err);
  }
  return undefined;
}

function describe(
  kind: CertificateReason | "alert",
  ctx: TlsContext,
  said: string,
  cause: unknown,
): CertificateError {
  const host = hostOf(ctx.server);
  const ca = optionName(ctx.tls, "caFile");
  const cert = optionName(ctx.tls, "certFile");
  const key = optionName(ctx.tls, "keyFile");
  const make = (message: string, whose: "server" | "client" | "ca", reason: CertificateReason) =>
    new CertificateError(`${message} (${said})`, whose, reason, { cause });
  switch (kind) {
    case "key-mismatch":
      return make(
        `Client certificate ${cert ?? "tls.cert"} does not match ${key ?? "tls.key"}: ` +
          "the key belongs to another certificate",
        "client",
        "key-mismatch",
      );
    case "unreadable": {
      const file = FILES.find((f) => ctx.tls?.[f] && said.includes(ctx.tls[f]!)) ??
        (said.toLowerCase().includes("key") ? "keyFile" : "certFile");
      return make(
        `Unreadable ${optionName(ctx.tls, file) ?? `tls.${file}`}: not a readable PEM file`,
        file === "caFile" ? "ca" : "client",
        "unreadable",
      );
    }
    case "expired":
      return make(
        `Expired server certificate of "${host}": it is outside its validity period; ` +
          "renew it on the server",
        "server",
        "expired",
      );
    case "name-mismatch":
      return make(
        `Server certificate of "${host}" is not valid for that name: ` +
          "connect with a host name the certificate lists",
        "server",
        "name-mismatch",
      );
    case "untrusted":
      return make(
        `Untrusted server certificate of "${host}": ` +
          (ca
            ? `it is not signed by the CA in ${ca}`
            : "it is not signed by a CA this runtime trusts; pass its CA as tls.ca or tls.caFile"),
        "server",
        "untrusted",
      );
    default:
      return cert
        ? make(
          `Client certificate ${cert} rejected by "${host}": not signed by a CA the server ` +
            "trusts, expired, or not made for client authentication",
          "client",
          "rejected",
        )
        : make(
          `Client certificate required by "${host}": the server asks for one and none was ` +
            "given; pass tls.certFile and tls.keyFile (or tls.cert and tls.key)",
          "client",
          "required",
        );
  }
}

/**
 * Checks the TLS options of a runtime that reads certificate files, and reads each file once
 * before the first dial, so that a missing or malformed file is reported by name rather than as
 * a failed handshake.
 *
 * @param tls the TLS options
 * @param readTextFile the runtime's file reader
 * @throws {InvalidOptionError} for a file option that is not a path, or a certificate without key
 * @throws {CertificateError} with reason `unreadable`, naming the option and the file
 */
export async function checkTlsOptions(
  tls: TlsOptions,
  readTextFile: (path: string) => Promise<string>,
): Promise<void> {
  const hasCert = tls.cert !== undefined || tls.certFile !== undefined;
  if (hasCert !== (tls.key !== undefined || tls.keyFile !== undefined)) {
    throw new InvalidOptionError(
      "Invalid option tls: a client certificate needs its key " +
        "(certFile with keyFile, or cert with key)",
    );
  }
  for (const file of FILES) {
    const path = tls[file] as unknown;
    if (path === undefined) continue;
    if (typeof path !== "string" || path === "") {
      throw new InvalidOptionError(
        `Invalid option tls.${file} ${String(path)}: expected a file path`,
      );
    }
    let text: string;
    try {
      text = await readTextFile(path);
    } catch (err) {
      throw new CertificateError(
        `Unreadable tls.${file} "${path}": ${(err as Error)?.message ?? err}`,
        file === "caFile" ? "ca" : "client",
        "unreadable",
        { cause: err },
      );
    }
    if (!text.includes("-----BEGIN ")) {
      throw new CertificateError(
        `Unreadable tls.${file} "${path}": not a PEM file (no "-----BEGIN" line)`,
        file === "caFile" ? "ca" : "client",
        "unreadable",
      );
    }
  }
}

/**
 * The certificate diagnosis of a runtime that can read files (Deno, Node): files checked before
 * the first dial, failures explained from the runtime's errors, and, where the runtime gave no
 * reason (Node), from a TLS handshake tried with the same options.
 *
 * @param readTextFile reads a file as text
 * @param probeTls tries a TLS handshake with the server; resolves to its error, if any
 * @returns the diagnosis for the runtime
 */
export function certificateDiagnosis(
  readTextFile: (path: string) => Promise<string>,
  probeTls?: (url: string, tls: TlsOptions | undefined) => Promise<unknown>,
): CertificateDiagnosis {
  return {
    check: (tls) => checkTlsOptions(tls, readTextFile),
    async explain(err, servers, tls) {
      const ctx = { server: servers[0]!, tls };
      let found = certificateError(err, ctx);
      const tlsDial = /^(wss|tls):/i.test(ctx.server) || (tls !== undefined && tls !== null);
      if (found === undefined && probeTls !== undefined && tlsDial) {
        const probed = await probeTls(ctx.server, tls ?? undefined).catch(() => undefined);
        if (probed !== undefined) found = certificateError(probed, ctx);
      }
      return found && new CertificateError(
        `Cannot connect to "${servers.join(", ")}": ${found.message}`,
        found.certificate,
        found.reason,
        { cause: err },
      );
    },
  };
}
