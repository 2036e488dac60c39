import type { Config, TlsVerify } from "./schema.ts";

/** Sections that nats-server's configuration files reference. */
export const serverSections = [
  "server",
  "natsTls",
  "sysUser",
  "opsUser",
  "guardianUser",
  "uiUser",
  "bridgeUser",
  "engineUser",
  "provisionUser",
] as const;

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
  return dataDir.startsWith("/") ? dataDir : `${projectDir}/${dataDir.replace(/^\.\//, "")}`;
}

/**
 * The environment that config/nats-server.conf resolves its `$VAR` references from, with every
 * default applied and the data directory made absolute.
 *
 * @param config the parsed server sections
 * @param projectDir the directory relative paths are resolved against
 * @returns variable name to value
 */
export function serverEnv(config: ServerConfig, projectDir: string): Record<string, string> {
  const s = config.server;
  const dataDir = dataDirPath(s.dataDir, projectDir);
  const env: Record<string, string> = {
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
    // Client certificates (config/nats-server.tls.conf): quoted paths, "true"/"false" switches.
    NATS_TLS_CLIENT_CA: JSON.stringify(s.tlsClientCa),
    ...verifyFlags("NATS_TLS", s.tlsVerify),
    ...verifyFlags("NATS_WS_TLS", s.wsTlsVerify),
    ...verifyFlags("NATS_LEAF_TLS", s.leafTlsVerify),
    NATS_TLS_HANDSHAKE_FIRST: config.natsTls.handshakeFirst,
    // Not read by nats-server: for scripts/nats-server.sh's HTTPS /healthz.
    NATS_TLS_CA: config.natsTls.ca,
  };
  for (
    const [prefix, u] of [
      ["NATS_SYS", config.sysUser],
      ["NATS_OPS", config.opsUser],
      ["NATS_GUARDIAN", config.guardianUser],
      ["NATS_UI", config.uiUser],
      ["NATS_BRIDGE", config.bridgeUser],
      ["NATS_ENGINE", config.engineUser],
      ["NATS_PROVISION", config.provisionUser],
    ] as const
  ) {
    env[`${prefix}_USER`] = u.user;
    env[`${prefix}_PASSWORD`] = u.password;
  }
  return env;
}

/** nats-server's `verify` and `verify_and_map` switches of one listener. */
function verifyFlags(prefix: string, mode: TlsVerify): Record<string, string> {
  return {
    [`${prefix}_VERIFY_ON`]: String(mode !== "off"),
    [`${prefix}_MAP_ON`]: String(mode === "verify_and_map"),
  };
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
