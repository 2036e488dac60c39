import type { Config, TlsVerify } from "./schema.ts";

/** Sections that nats-server's configuration files reference. */
export const serverSections = ["server", "natsTls"] as const;

/** The configuration nats-server's files need. */
export type ServerConfig = Config<(typeof serverSections)[number]>;

/**
 * NATS_DATA_DIR as an absolute path (a relative one is taken from the project root).
 *
 * @param dataDir NATS_DATA_DIR as configured
 * @param projectDir the project root
 * @returns the absolute path
 */
export function dataDirPath(dataDir: string, projectDir: string): string {
  return projectPath(dataDir, projectDir);
}

/**
 * A path from .env made absolute: relative paths are relative to the project root.
 *
 * @param path e.g. `./.data/nats` or `/var/lib/nunect`
 * @param projectDir the project root
 * @returns the absolute path
 */
export function projectPath(path: string, projectDir: string): string {
  return path.startsWith("/") ? path : `${projectDir}/${path.replace(/^\.\//, "")}`;
}

/**
 * The environment that config/nats-server.conf resolves its `$VAR` references from, with every
 * default applied and the data directory made absolute. The server runs in operator mode: the
 * operator JWT and the full resolver's directory live in the data directory (written by
 * `deno task identity init`).
 *
 * @param config the parsed server section
 * @param projectDir the directory relative paths are resolved against
 * @returns variable name to value
 */
export function serverEnv(config: ServerConfig, projectDir: string): Record<string, string> {
  const s = config.server;
  const dataDir = projectPath(s.dataDir, projectDir);
  return {
    NATS_SERVER_NAME: s.name,
    NATS_HOST: s.host,
    NATS_PORT: String(s.port),
    NATS_HTTP_PORT: String(s.httpPort),
    NATS_HTTP_HOST: s.httpHost,
    // nats-server's `http: host:port` takes one value; quoted, because an unquoted IPv6 address
    // does not parse as a variable's value.
    // nats-server serves monitoring on http or https, never both ("can't specify both HTTP and
    // HTTPs ports"): with NATS_HTTPS_PORT, plain http is off (port 0).
    NATS_HTTP_LISTEN: JSON.stringify(
      `${bracketed(s.httpHost)}:${s.httpsPort === null ? s.httpPort : 0}`,
    ),
    NATS_HTTPS_LISTEN: JSON.stringify(`${bracketed(s.httpHost)}:${s.httpsPort ?? 0}`),
    NATS_HTTPS_PORT: s.httpsPort === null ? "" : String(s.httpsPort),
    NATS_WS_PORT: String(s.wsPort),
    NATS_LEAF_PORT: String(s.leafPort),
    NATS_DATA_DIR: dataDir,
    NATS_JS_MAX_MEMORY: s.jsMaxMemory,
    NATS_JS_MAX_FILE: s.jsMaxFile,
    NATS_JS_DOMAIN: s.jsDomain,
    NATS_TLS_CERT: s.tlsCert,
    NATS_TLS_KEY: s.tlsKey,
    NATS_OPERATOR_JWT: `${dataDir}/operator.jwt`,
    NATS_RESOLVER_DIR: `${dataDir}/jwt`,
    // Client certificates (config/nats-server.tls.conf): quoted paths, "true"/"false" switches.
    NATS_TLS_CLIENT_CA: JSON.stringify(s.tlsClientCa),
    ...verifyFlags("NATS_TLS", s.tlsVerify),
    ...verifyFlags("NATS_WS_TLS", s.wsTlsVerify),
    ...verifyFlags("NATS_LEAF_TLS", s.leafTlsVerify),
    NATS_TLS_HANDSHAKE_FIRST: config.natsTls.handshakeFirst,
    // Not read by nats-server: for scripts/nats-server.sh's HTTPS /healthz.
    NATS_TLS_CA: config.natsTls.ca,
  };
}

/** nats-server's `verify` switch of one listener. */
function verifyFlags(prefix: string, mode: TlsVerify): Record<string, string> {
  return { [`${prefix}_VERIFY_ON`]: String(mode !== "off") };
}

/** An IPv6 address in brackets, for `host:port`. */
function bracketed(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/**
 * A host to show in a URL or to connect to: a wildcard listen address is reachable as 127.0.0.1.
 *
 * @param host a listen address, e.g. `0.0.0.0`, `::` or `192.0.2.10`
 * @returns `127.0.0.1` for a wildcard, else `host`
 */
export function displayHost(host: string): string {
  return host === "0.0.0.0" || host === "::" || host === "" ? "127.0.0.1" : host;
}

/**
 * The entry configuration file: TLS when both a certificate and a key are configured, and TLS
 * first on the client port when NATS_TLS_HANDSHAKE_FIRST asks for it (a separate file, because
 * nats-server < 2.10.4 refuses the `handshake_first` field).
 *
 * @param config the parsed server sections
 * @param projectDir the project root
 * @returns absolute path of config/nats-server.conf, nats-server.tls.conf or
 *   nats-server.tls_first.conf
 */
export function serverConfigFile(config: ServerConfig, projectDir: string): string {
  const tls = config.server.tlsCert !== "" && config.server.tlsKey !== "";
  const file = !tls
    ? "nats-server.conf"
    : config.natsTls.handshakeFirst === "false"
    ? "nats-server.tls.conf"
    : "nats-server.tls_first.conf";
  return `${projectDir}/config/${file}`;
}

/**
 * The `.creds` file a unit connects with: NATS_CREDS, or the file `deno task identity` writes for
 * UNIT_ID on this host (`<identity dir>/creds/units/<unit>.creds`; the supervisor and
 * scripts/guardian.sh pass NATS_CREDS when NATS_IDENTITY_DIR is elsewhere). Relative paths stay
 * relative to the working directory (the project root under the supervisor and the scripts).
 *
 * @param credsFile NATS_CREDS, or ""
 * @param unitId UNIT_ID
 * @param identityDir NATS_IDENTITY_DIR (default `./.data/identity`)
 * @returns the path
 */
export function unitCredsPath(
  credsFile: string,
  unitId: string,
  identityDir = "./.data/identity",
): string {
  return credsFile || `${identityDir.replace(/\/$/, "")}/creds/units/${unitId}.creds`;
}
