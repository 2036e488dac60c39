import { credsAuthenticator } from "@nats-io/nats-core";
import type { Authenticator } from "../../mods/client/nats_types.ts";
import { encodeUser, fmtCreds } from "@nats-io/jwt";
import {
  loadConfig,
  natsTlsOptions,
  serverConfigFile,
  serverEnv,
  serverSections,
} from "../../mods/config/mod.ts";
import {
  type ConsoleRole,
  type Controller,
  type ControllerSession,
  IdentityStore,
  initIdentity,
  type IssueUnitRequest,
  newKeyPair,
  openController,
  serveControllerApi,
  systemCredsFiles,
  unitInboxPrefix,
} from "../../mods/controller/mod.ts";
import { terminate } from "../../mods/runtime/mod.ts";
import { PROJECT_DIR } from "./project.ts";
import { testServer } from "./server_bin.ts";
import { tiedCommand } from "./tied.ts";

/** The unit ID of the test server's "host" (its guardian's and dashboard unit's credentials). */
export const TEST_HUB_UNIT = "test-hub";

/**
 * Credentials of one identity on the test server, ready for either client: spread `nats` into
 * nats.js `connect()` options, `client` into @nunect/client `connect()` options.
 */
export interface TestIdentity {
  /** The `.creds` file's contents (JWT and seed). */
  readonly creds: string;
  /** The user's public key (`U…`). */
  readonly publicKey: string;
  /** The account's name. */
  readonly account: string;
  /** For nats.js: the creds authenticator and, for units, the unit's inbox prefix. */
  readonly nats: { authenticator: Authenticator; inboxPrefix?: string };
  /** For @nunect/client: the unit ID (the user's name) and the creds. */
  readonly client: { unitId: string; creds: string };
}

/** nunect's own users on the test server, from the credentials files `initIdentity` wrote. */
export interface Users {
  /** The dashboard's system-account user (`$SYS` requests and events, the controller API). */
  readonly sys: TestIdentity;
  /** The dashboard's OPS user: everything inside OPS (telemetry, JetStream, KV). */
  readonly ops: TestIdentity;
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
   * say otherwise, e.g. `off`).
   */
  readonly clientCa?: string;
  /**
   * With `clientCa`: the client listener expects TLS before anything else
   * (`NATS_TLS_HANDSHAKE_FIRST=true`, nats-server ≥ 2.10.4), for clients that set
   * `tls.handshakeFirst`.
   */
  readonly handshakeFirst?: boolean;
  /**
   * Use this identity directory (created on first use, kept on dispose) instead of a fresh one:
   * servers of one cluster share their operator and accounts.
   */
  readonly identityDir?: string;
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
  /** nunect's own users (the dashboard's SYS and OPS users). */
  readonly users: Users;
  /** NATS_IDENTITY_DIR of this server: the controller's keys and the system's credentials. */
  readonly identityDir: string;
  /**
   * Each account's public key by name (`accounts.OPS`): in operator mode the server names
   * accounts by key in monitoring (connz `acc`, varz `system_account`) and events.
   */
  readonly accounts: Readonly<Record<string, string>>;
  /**
   * The controller, connected to this server as its own users (claims live over `$SYS`, changes
   * in the audit stream); started on first use.
   */
  controller(): Promise<Controller>;
  /**
   * Starts the controller's request API (`nunect.controller.>`, as the controller module serves
   * it) on the kit's controller, once; the dashboard's browser users and actions need it.
   */
  serveController(): Promise<void>;
  /**
   * Issues a unit's credentials through the controller (role `app` and account `OPS` unless
   * given).
   *
   * @param unitId the unit
   * @param request role, account, time master, …
   */
  unit(unitId: string, request?: Omit<IssueUnitRequest, "unitId">): Promise<TestIdentity>;
  /**
   * Issues a JetStream console user of an account through the controller, as the dashboard's
   * console gets it for a dashboard user of `role` (default `admin`: everything inside that
   * account, for tests acting as a tenant's administrator); its `nats` options carry the inbox
   * prefix it was issued with.
   *
   * @param account the account's name, e.g. `BRIDGE`
   * @param role the dashboard role whose permissions it has
   */
  console(account: string, role?: ConsoleRole): Promise<TestIdentity>;
  /**
   * Signs a user directly with an account's signing key, bypassing the controller (not recorded,
   * any permissions): for users of a shape nunect never issues, such as a system-account user
   * that forges advisories. Production code never does this.
   *
   * @param account the account's name, e.g. `SYS`
   * @param name the user's name
   * @param permissions pub/sub allow lists (default: everything)
   */
  signUser(
    account: string,
    name: string,
    permissions?: { pub?: string[]; sub?: string[] },
  ): Promise<TestIdentity>;
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
 * A {@linkcode TestIdentity} from a `.creds` text.
 *
 * @param creds the `.creds` contents
 * @param account the account's name
 * @param unitId the unit ID (for units: also the inbox prefix)
 * @returns the identity
 */
export function testIdentity(creds: string, account: string, unitId: string): TestIdentity {
  const jwt = /-----BEGIN NATS USER JWT-----\s*(\S+)/.exec(creds)?.[1] ?? "";
  const claims = JSON.parse(atob(jwt.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/")));
  return {
    creds,
    publicKey: claims.sub,
    account,
    nats: {
      authenticator: credsAuthenticator(new TextEncoder().encode(creds)),
      inboxPrefix: unitInboxPrefix(unitId),
    },
    client: { unitId, creds },
  };
}

/**
 * Starts a real nats-server with the project's own config files on free ports in a temporary
 * directory, in operator mode exactly as `deno task start` runs it: `initIdentity` creates the
 * operator, the accounts and the system's credentials first (full resolver in the data dir).
 * Waits until /healthz answers and returns a handle that stops the server and removes its files
 * on dispose, also when the test fails.
 *
 * @param options extra environment for the config, or another config file
 * @returns the running server
 * @example
 * ```ts
 * await using ns = await startNats();
 * const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
 * const g = await ns.unit("router-7", { role: "guardian" });
 * await using guardian = await connectClient({ servers: ns.url, ...g.client });
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

  const identityDir = options.identityDir ?? `${dir}/identity`;
  await initIdentity({
    identityDir,
    dataDir: env.NATS_DATA_DIR!,
    hubUnitId: TEST_HUB_UNIT,
    timeMaster: false,
  });

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
  const url = `nats://127.0.0.1:${ports.port}`;
  const files = systemCredsFiles(identityDir, TEST_HUB_UNIT);
  const users: Users = {
    sys: testIdentity(await Deno.readTextFile(files.dashboardSys), "SYS", "dashboard-sys"),
    ops: testIdentity(await Deno.readTextFile(files.dashboardOps), "OPS", "dashboard-ops"),
  };
  const accounts = Object.fromEntries(
    (await new IdentityStore(identityDir).accounts()).map((a) => [a.name, a.publicKey]),
  );
  let session: Promise<ControllerSession> | undefined;
  const openSession = () =>
    session ??= openController({
      identityDir,
      hubUnitId: TEST_HUB_UNIT,
      natsUrl: url,
      tls: natsTlsOptions(config.natsTls),
    });
  const controller = async (): Promise<Controller> => (await openSession()).controller;
  let api: Promise<void> | undefined;
  const serveController = () =>
    api ??= (async () => {
      const s = await openSession();
      serveControllerApi(s.controller, s.sys.nc, {
        hubLeafUrl: `nats-leaf://127.0.0.1:${leafPort}`,
      });
      await s.sys.flush();
    })();

  async function stop(): Promise<void> {
    if (proc === undefined) return;
    const p = proc;
    proc = undefined;
    await terminate(p.child);
  }

  const server: NatsServer = {
    url,
    wsUrl: `ws://127.0.0.1:${ports.wsPort}`,
    monitorUrl: ports.monitor,
    port: ports.port,
    httpPort: ports.httpPort,
    wsPort: ports.wsPort,
    leafPort,
    users,
    identityDir,
    accounts,
    controller,
    serveController,
    async unit(unitId, request = {}) {
      const account = request.account ?? "OPS";
      const issued = await (await controller()).issueUnit({ ...request, unitId }, "test");
      return testIdentity(issued.creds, account, unitId);
    },
    async console(account, role = "admin") {
      const issued = await (await controller()).issueConsole(account, "test", role);
      const identity = testIdentity(issued.creds, account, issued.user.name);
      return { ...identity, nats: { ...identity.nats, inboxPrefix: issued.inboxPrefix } };
    },
    async signUser(account, name, permissions = {}) {
      const a = await new IdentityStore(identityDir).account(account);
      if (a === undefined) throw new Error(`No account "${account}" in ${identityDir}`);
      const user = newKeyPair("user");
      const jwt = await encodeUser(name, user, a.record.publicKey, {
        ...(permissions.pub ? { pub: { allow: permissions.pub } } : {}),
        ...(permissions.sub ? { sub: { allow: permissions.sub } } : {}),
      }, { signer: a.signing });
      return testIdentity(new TextDecoder().decode(fmtCreds(jwt, user)), account, name);
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
      const s = session;
      session = undefined;
      await (await s?.catch(() => undefined))?.close();
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
      const port = (urls: string[] | undefined) =>
        urls?.[0] === undefined ? -1 : Number(new URL(urls[0]).port);
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
