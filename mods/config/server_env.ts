import type { Config } from "./schema.ts";

/** Sections that nats-server's configuration files reference. */
export const serverSections = [
  "server",
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
    NATS_HTTP_LISTEN: JSON.stringify(`${bracketed(s.httpHost)}:${s.httpPort}`),
    NATS_WS_PORT: String(s.wsPort),
    NATS_LEAF_PORT: String(s.leafPort),
    NATS_DATA_DIR: dataDir,
    NATS_JS_MAX_MEMORY: s.jsMaxMemory,
    NATS_JS_MAX_FILE: s.jsMaxFile,
    NATS_JS_DOMAIN: s.jsDomain,
    NATS_TLS_CERT: s.tlsCert,
    NATS_TLS_KEY: s.tlsKey,
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
 * The entry configuration file: TLS when both a certificate and a key are configured.
 *
 * @param config the parsed server section
 * @param projectDir the project root
 * @returns absolute path of config/nats-server.conf or config/nats-server.tls.conf
 */
export function serverConfigFile(config: ServerConfig, projectDir: string): string {
  const tls = config.server.tlsCert !== "" && config.server.tlsKey !== "";
  return `${projectDir}/config/${tls ? "nats-server.tls.conf" : "nats-server.conf"}`;
}
