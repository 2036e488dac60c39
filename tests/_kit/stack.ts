import { randomSecret, sections, variableNames } from "../../mods/config/mod.ts";
import { connect, credsAuthenticator } from "@nats-io/transport-node";
import type { NatsConnection } from "../../mods/client/nats_types.ts";
import { initIdentity, openController, systemCredsFiles } from "../../mods/controller/mod.ts";
import { buildIslands, bundleIsStale } from "../../scripts/build_islands.ts";
import { freePorts } from "./ports.ts";
import { PROJECT_DIR } from "./project.ts";
import { testServer } from "./server_bin.ts";
import { type ProgramResult, type RunningProgram, spawnProgram } from "./program.ts";

/**
 * A complete, valid environment (every variable of the contract) on free fixed ports (the
 * supervisor and nats-server.sh need real port numbers, not -1), with fresh secrets, the data and
 * identity directories inside `dir` and the identity created there (as `deno task start` does
 * before the supervisor runs), and NATS_SERVER_BIN set to the tests' server (so the supervisor
 * and nats-server.sh run the version the test run is about).
 *
 * @param dir a temporary directory; `<dir>/data` and `<dir>/identity` are created
 * @param overrides variables to replace
 * @returns variable name to value
 */
export async function testEnv(
  dir: string,
  overrides: Record<string, string> = {},
): Promise<Record<string, string>> {
  await Deno.mkdir(`${dir}/data`, { recursive: true });
  const [port, httpPort, wsPort, leafPort, dashboardPort] = freePorts(5);
  const env: Record<string, string> = {
    NATS_SERVER_NAME: "foundation-test",
    NATS_HOST: "127.0.0.1",
    NATS_PORT: String(port),
    NATS_HTTP_PORT: String(httpPort),
    NATS_WS_PORT: String(wsPort),
    NATS_LEAF_PORT: String(leafPort),
    NATS_DATA_DIR: `${dir}/data`,
    NATS_JS_MAX_MEMORY: "64MB",
    NATS_JS_MAX_FILE: "256MB",
    HISTORY_MAX_MB: "32",
    TELEMETRY_HISTORY_MAX_MB: "32",
    NATS_SERVER_BIN: (await testServer()).path,
    NATS_URL: `nats://127.0.0.1:${port}`,
    NATS_IDENTITY_DIR: `${dir}/identity`,
    UNIT_ID: "foundation-hub",
    DASHBOARD_PORT: String(dashboardPort),
    DASHBOARD_SECRET: randomSecret(40),
  };
  const all = variableNames(Object.keys(sections) as (keyof typeof sections)[]);
  for (const name of all.filter((n) => n.endsWith("_PASSWORD"))) env[name] = randomSecret(20);
  const result = { ...env, ...overrides };
  // A data directory a test wants refused (e.g. under /proc) gets no identity: the start that
  // refuses it never reaches the identity.
  const creatable = await Deno.mkdir(result.NATS_DATA_DIR!, { recursive: true }).then(
    () => true,
    () => false,
  );
  if (!creatable) return result;
  await initIdentity({
    identityDir: result.NATS_IDENTITY_DIR!,
    dataDir: result.NATS_DATA_DIR!,
    hubUnitId: result.UNIT_ID!,
    timeMaster: false,
  });
  return result;
}

/**
 * Whether a process with this pid is alive (a zombie counts as gone).
 *
 * @param pid the process
 * @returns true while it runs
 */
export async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Options of {@linkcode startStack}. */
export interface StartStackOptions {
  /** Variables to replace in the generated environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Supervisor arguments, e.g. `["--module", "sleeper=...@config"]` (default: the real modules). */
  readonly args?: readonly string[];
  /** The supervisor's PATH (default this process's). */
  readonly path?: string;
  /** Start in this directory (its `data/` and environment) instead of a new one. */
  readonly reuse?: Stack;
  /** Wait for "Ctrl-C stops everything" (default true); false returns at once. */
  readonly wait?: boolean;
}

/** A whole nunect stack run by the supervisor, as `deno task start` runs it. */
export interface Stack extends AsyncDisposable {
  /** Temporary directory: `data/` is NATS_DATA_DIR. */
  readonly dir: string;
  /** The environment the supervisor was given (.env). */
  readonly env: Readonly<Record<string, string>>;
  /** The supervisor process. */
  readonly supervisor: RunningProgram;
  /** `http://127.0.0.1:<DASHBOARD_PORT>` */
  readonly dashboardUrl: string;
  /** `nats://127.0.0.1:<NATS_PORT>` */
  readonly natsUrl: string;
  /** `http://127.0.0.1:<NATS_HTTP_PORT>` */
  readonly monitorUrl: string;
  /** The latest pid of each program, from the supervisor's "<name> started (pid N)" lines. */
  pids(): Record<string, number>;
  /** Stops the supervisor with `signal` (default SIGTERM) and returns its output. */
  stop(signal?: Deno.Signal): Promise<ProgramResult>;
}

/**
 * Starts the supervisor (mods/runtime/main.ts) under its production permission set, with a fresh
 * environment in a temporary directory (and access to it, so that its pid file works),
 * after building the island bundle when it is stale. Dispose to stop it and remove the directory.
 *
 * @param options environment overrides, supervisor arguments, PATH
 * @returns the running stack
 * @example
 * ```ts
 * await using stack = await startStack();
 * await fetch(`${stack.dashboardUrl}/healthz`);
 * ```
 */
export async function startStack(options: StartStackOptions = {}): Promise<Stack> {
  if (options.args === undefined && await bundleIsStale()) await buildIslands();
  const dir = options.reuse?.dir ??
    await Deno.makeTempDir({ prefix: "nunect-stack-" });
  const env = options.reuse?.env ?? await testEnv(dir, { ...options.env });
  const supervisor = spawnProgram({
    permissionSet: "runtime",
    entry: "mods/runtime/main.ts",
    // The set reads "." and writes ./.data; this stack's data directory is elsewhere.
    denoFlags: [`--allow-read=${PROJECT_DIR},${dir}`, `--allow-write=${dir}`],
    args: options.args,
    env: { ...env, ...(options.path === undefined ? {} : { PATH: options.path }) },
  });
  const stack: Stack = {
    dir,
    env,
    supervisor,
    dashboardUrl: `http://127.0.0.1:${env.DASHBOARD_PORT}`,
    natsUrl: `nats://127.0.0.1:${env.NATS_PORT}`,
    monitorUrl: `http://127.0.0.1:${env.NATS_HTTP_PORT}`,
    pids() {
      const out = supervisor.output().stdout;
      return Object.fromEntries(
        [...out.matchAll(/^(\S+) started \(pid (\d+)\)/gm)].map((m) => [m[1]!, Number(m[2])]),
      );
    },
    stop: (signal) => supervisor.stop(signal),
    async [Symbol.asyncDispose]() {
      await supervisor.stop();
      if (options.reuse === undefined) await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
  if (options.wait !== false) {
    try {
      await supervisor.waitFor("Ctrl-C stops everything", 30_000);
    } catch (e) {
      await stack[Symbol.asyncDispose]();
      throw e;
    }
  }
  return stack;
}

/**
 * Credentials inside `account` of a stack's server, as an operator would hold them: for OPS the
 * dashboard's OPS user (its file in the stack's identity directory), for any other account a
 * console user the controller issues now (recorded in the audit trail as `test`).
 *
 * @param stack the stack (its environment names the identity directory and the server)
 * @param account an account's name, e.g. `OPS` or `BRIDGE`
 * @returns the `.creds` text
 */
export async function stackCreds(
  stack: Pick<Stack, "env" | "natsUrl">,
  account: string,
): Promise<string> {
  const identityDir = stack.env.NATS_IDENTITY_DIR!;
  const hubUnitId = stack.env.UNIT_ID!;
  if (account === "OPS") {
    return await Deno.readTextFile(systemCredsFiles(identityDir, hubUnitId).dashboardOps);
  }
  await using session = await openController({
    identityDir,
    hubUnitId,
    natsUrl: stack.natsUrl,
    name: "nunect-test-controller",
  });
  return (await session.controller.issueConsole(account, "test", "admin")).creds;
}

/**
 * A connection to a stack's server with `.creds` text (from {@linkcode stackCreds}).
 *
 * @param stack the stack
 * @param creds the credentials
 * @returns the connection; close it
 */
export function stackConnect(
  stack: Pick<Stack, "natsUrl">,
  creds: string,
): Promise<NatsConnection> {
  return connect({
    servers: stack.natsUrl,
    authenticator: credsAuthenticator(new TextEncoder().encode(creds)),
  });
}
