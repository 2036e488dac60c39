import {
  loadConfig,
  randomSecret,
  serverConfigFile,
  serverEnv,
  serverSections,
} from "../../mods/config/mod.ts";
import { terminate } from "../../mods/runtime/mod.ts";
import { PROJECT_DIR } from "./project.ts";
import { testServer } from "./server_bin.ts";
import { tiedCommand } from "./tied.ts";

/** A user's credentials in the test server. */
export interface Credentials {
  /** The user name. */
  readonly user: string;
  /** The password. */
  readonly pass: string;
}

/** Users of the test server, one per user of config/accounts.conf. */
export interface Users {
  /** `sys`, the system account ($SYS requests, server events). */
  readonly sys: Credentials;
  /** `ops`, the dashboard server's user: everything inside OPS (telemetry, JetStream, KV). */
  readonly ops: Credentials;
  /** `guardian`, the units' agents: their own telemetry, echo, time config, services. */
  readonly guardian: Credentials;
  /** `ui`, browsers: their own heartbeat, RTT, logs and echo; no JetStream. */
  readonly ui: Credentials;
  /** The BRIDGE tenant's user. */
  readonly bridge: Credentials;
  /** The ENGINE tenant's user. */
  readonly engine: Credentials;
  /** The PROVISION tenant's user. */
  readonly provision: Credentials;
}

/** Options of {@linkcode startNats}. */
export interface StartNatsOptions {
  /** Extra or overriding environment variables for the server's configuration. */
  readonly env?: Readonly<Record<string, string>>;
  /** Use this config file instead of the project's (absolute path). */
  readonly configFile?: string;
  /**
   * With `NATS_TLS_CERT`/`NATS_TLS_KEY` in `env`: require client certificates signed by this CA
   * (PEM path) on the client and WebSocket listeners (mTLS), as `.env` asks for it:
   * `NATS_TLS_CLIENT_CA` and `NATS_TLS_VERIFY=verify`, `NATS_WS_TLS_VERIFY=verify` (`env` may
   * say otherwise, e.g. `verify_and_map`).
   */
  readonly clientCa?: string;
  /**
   * With `clientCa`: the client listener expects TLS before anything else
   * (`NATS_TLS_HANDSHAKE_FIRST=true`, nats-server ≥ 2.10.4), for clients that set
   * `tls.handshakeFirst`.
   */
  readonly handshakeFirst?: boolean;
}

/** A running nats-server started by the test kit. Dispose it to stop it and remove its files. */
export interface NatsServer extends AsyncDisposable {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  /** `ws://127.0.0.1:<port>` */
  readonly wsUrl: string;
  /**
   * `http://127.0.0.1:<port>` (monitoring), or `https://…` with `NATS_HTTPS_PORT` (then
   * {@linkcode NatsServer.fetchMonitor} trusts `NATS_TLS_CA`)
   */
  readonly monitorUrl: string;
  /** Client port. */
  readonly port: number;
  /** Monitoring port (HTTP, or HTTPS with `NATS_HTTPS_PORT`). */
  readonly httpPort: number;
  /** WebSocket port. */
  readonly wsPort: number;
  /** Leaf node port (for {@linkcode startLeafNode}). */
  readonly leafPort: number;
  /** Users and passwords, per account. */
  readonly users: Users;
  /** The complete environment the server's config resolved (variable name to value). */
  readonly env: Readonly<Record<string, string>>;
  /** Temporary directory holding the data dir, log and ports file. */
  readonly dir: string;
  /** The server's process ID. */
  readonly pid: number;
  /** The nats-server binary (see {@linkcode testServer}). */
  readonly bin: string;
  /** Its version, e.g. `2.15.3` or `2.9.10`. */
  readonly version: string;
  /** The server's log so far. */
  log(): Promise<string>;
  /**
   * GET from the monitoring listener, over HTTPS trusting `NATS_TLS_CA` when it is one.
   *
   * @param path e.g. `/varz`
   */
  fetchMonitor(path: string): Promise<Response>;
  /** Stops the server (SIGTERM, SIGKILL after 5 s); files stay until dispose. */
  stop(): Promise<void>;
  /** Starts the server again on the same ports with the same data. */
  restart(): Promise<void>;
}

interface PortsFile {
  nats?: string[];
  monitoring?: string[];
  websocket?: string[];
}

/**
 * Starts a real nats-server with the project's own config files on free ports in a temporary
 * directory (JetStream on), waits until /healthz answers, and returns a handle that stops the
 * server and removes its files on dispose, also when the test fails.
 *
 * @param options extra environment for the config, or another config file
 * @returns the running server
 * @example
 * ```ts
 * await using ns = await startNats();
 * const nc = await connect({ servers: ns.url, ...ns.users.ops });
 * ```
 */
export async function startNats(options: StartNatsOptions = {}): Promise<NatsServer> {
  const dir = await Deno.makeTempDir({ prefix: "nunect-nats-" });
  const given: Record<string, string> = {
    NATS_SERVER_NAME: `test-${dir.slice(-6).replace(/[^A-Za-z0-9]/g, "x")}`,
    NATS_HOST: "127.0.0.1",
    NATS_PORT: "-1",
    NATS_HTTP_PORT: "-1",
    NATS_WS_PORT: "-1",
    NATS_LEAF_PORT: "-1",
    NATS_DATA_DIR: `${dir}/data`,
    NATS_JS_MAX_MEMORY: "64MB",
    NATS_JS_MAX_FILE: "256MB",
  };
  for (const u of ["SYS", "OPS", "GUARDIAN", "UI", "BRIDGE", "ENGINE", "PROVISION"]) {
    given[`NATS_${u}_USER`] = u.toLowerCase();
    given[`NATS_${u}_PASSWORD`] = randomSecret(16);
  }
  if (options.clientCa) {
    Object.assign(given, {
      NATS_TLS_CLIENT_CA: options.clientCa,
      NATS_TLS_VERIFY: "verify",
      NATS_WS_TLS_VERIFY: "verify",
      ...(options.handshakeFirst ? { NATS_TLS_HANDSHAKE_FIRST: "true" } : {}),
    });
  }
  Object.assign(given, options.env);
  const config = loadConfig(serverSections, (name) => given[name]);
  const env = { ...given, ...serverEnv(config, PROJECT_DIR) };
  const configFile = options.configFile ?? serverConfigFile(config, PROJECT_DIR);
  const monitorClient = config.natsTls.ca === ""
    ? undefined
    : Deno.createHttpClient({ caCerts: [await Deno.readTextFile(config.natsTls.ca)] });
  const get = (url: string) => fetch(url, { client: monitorClient } as RequestInit);

  const { path: bin, version } = await testServer();
  let proc: Running | undefined = await spawn(bin, configFile, env, dir);
  const ports = await readPorts(dir, proc, get);
  const leafPort = await fetchLeafPort(ports.monitor, get);
  // Fix the discovered ports so that restart() comes back on the same ones.
  Object.assign(given, {
    NATS_PORT: String(ports.port),
    [config.server.httpsPort === null ? "NATS_HTTP_PORT" : "NATS_HTTPS_PORT"]: String(
      ports.httpPort,
    ),
    NATS_WS_PORT: String(ports.wsPort),
    NATS_LEAF_PORT: String(leafPort),
  });
  Object.assign(
    env,
    given,
    serverEnv(loadConfig(serverSections, (name) => given[name]), PROJECT_DIR),
  );
  const user = (u: string): Credentials => ({
    user: env[`NATS_${u}_USER`]!,
    pass: env[`NATS_${u}_PASSWORD`]!,
  });

  async function stop(): Promise<void> {
    if (proc === undefined) return;
    const p = proc;
    proc = undefined;
    await terminate(p.child);
  }

  const server: NatsServer = {
    url: `nats://127.0.0.1:${ports.port}`,
    wsUrl: `ws://127.0.0.1:${ports.wsPort}`,
    monitorUrl: ports.monitor,
    port: ports.port,
    httpPort: ports.httpPort,
    wsPort: ports.wsPort,
    leafPort,
    users: {
      sys: user("SYS"),
      ops: user("OPS"),
      guardian: user("GUARDIAN"),
      ui: user("UI"),
      bridge: user("BRIDGE"),
      engine: user("ENGINE"),
      provision: user("PROVISION"),
    },
    env,
    dir,
    get pid() {
      return proc?.child.pid ?? -1;
    },
    bin,
    version,
    log: () => Deno.readTextFile(`${dir}/nats-server.log`).catch(() => ""),
    fetchMonitor: (path) => get(`${ports.monitor}${path}`),
    stop,
    async restart() {
      await stop();
      proc = await spawn(bin, configFile, env, dir);
      await waitHealthy(ports.monitor, proc, dir, get);
    },
    async [Symbol.asyncDispose]() {
      await stop();
      monitorClient?.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
  return server;
}

interface Running {
  child: Deno.ChildProcess;
  exited: boolean;
}

async function spawn(
  bin: string,
  configFile: string,
  env: Record<string, string>,
  dir: string,
): Promise<Running> {
  for await (const f of Deno.readDir(dir)) {
    if (f.name.endsWith(".ports")) await Deno.remove(`${dir}/${f.name}`);
  }
  const child = tiedCommand(bin, {
    args: ["-c", configFile, "--ports_file_dir", dir, "-l", `${dir}/nats-server.log`],
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const running: Running = { child, exited: false };
  child.status.then(() => running.exited = true);
  return running;
}

type Get = (url: string) => Promise<Response>;

async function readPorts(dir: string, proc: Running, get: Get) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (proc.exited) throw await exitedDuringStart(dir);
    for await (const f of Deno.readDir(dir)) {
      if (!f.name.endsWith(".ports")) continue;
      let ports: PortsFile;
      try {
        ports = JSON.parse(await Deno.readTextFile(`${dir}/${f.name}`)) as PortsFile;
      } catch {
        continue; // nats-server is still writing it
      }
      const port = (urls: string[] | undefined) => Number(new URL(urls?.[0] ?? "x://:0").port);
      const scheme = new URL(ports.monitoring?.[0] ?? "http://x").protocol;
      const monitor = `${scheme}//127.0.0.1:${port(ports.monitoring)}`;
      await waitHealthy(monitor, proc, dir, get);
      return {
        port: port(ports.nats),
        httpPort: port(ports.monitoring),
        wsPort: port(ports.websocket),
        monitor,
      };
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nats-server wrote no ports file within 10 s (see ${dir}/nats-server.log)`);
}

/**
 * How long a server may take to be healthy: a cluster member that restarts answers /healthz only
 * once it has caught up with the JetStream meta group, which takes longer than 10 s on a loaded
 * machine (as the kit's `until` allows 30 s).
 */
const HEALTHY_WITHIN_MS = 30_000;

/** The error of a server that exited while starting, with its log (which says why). */
async function exitedDuringStart(dir: string): Promise<Error> {
  const log = await Deno.readTextFile(`${dir}/nats-server.log`).catch(() => "(no log)");
  return new Error(`nats-server exited during start:\n${log}`);
}

async function waitHealthy(
  monitor: string,
  proc: Running,
  dir: string,
  get: Get,
): Promise<void> {
  const deadline = Date.now() + HEALTHY_WITHIN_MS;
  while (Date.now() < deadline) {
    if (proc.exited) throw await exitedDuringStart(dir);
    try {
      const res = await get(`${monitor}/healthz`);
      await res.body?.cancel();
      if (res.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nats-server at ${monitor} was not healthy within ${HEALTHY_WITHIN_MS / 1000} s`);
}

async function fetchLeafPort(monitor: string, get: Get): Promise<number> {
  const varz = await (await get(`${monitor}/varz`)).json() as { leaf?: { port?: number } };
  return varz.leaf?.port ?? -1;
}
