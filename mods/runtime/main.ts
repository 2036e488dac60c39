/**
 * The supervisor behind `deno task start`: validates .env, checks prerequisites, starts
 * nats-server and every module that exists, restarts crashed modules with backoff, and on Ctrl-C
 * or SIGTERM stops everything in order.
 *
 * @module
 */
import {
  allSections,
  ConfigError,
  exitOnConfigError,
  loadConfig,
  obsoleteVariables,
  obsoleteVariablesMessage,
  parseCommandLine,
  projectPath,
  serverEnv,
} from "../config/mod.ts";
import { systemCredsFiles } from "../controller/mod.ts";
import { NUNECT_VERSION } from "../protocol/mod.ts";
import {
  CURRENT_LAYOUT,
  DowngradeError,
  hasData,
  LAYOUT_1_VALUES,
  MigrationError,
  MIGRATIONS,
  planUpgrade,
  readMarker,
  writeMarker,
} from "../upgrade/mod.ts";
import {
  busyPorts,
  busyPortsMessage,
  canTieChildren,
  dataDirGrants,
  defaultModules,
  displayHost,
  type ModuleSpec,
  natsHostPort,
  parseModuleSpec,
  portNumberProblems,
  portsInUse,
  PrerequisiteError,
  RunFile,
  runtimeServer,
  Supervisor,
  unbindableAddress,
} from "./mod.ts";

const HELP = `Usage: deno run -P=runtime --env-file=.env mods/runtime/main.ts [options]
       (normally: deno task start)

Validates the whole configuration (exit 2 listing every bad variable), picks nats-server
(NATS_SERVER_BIN, else the managed current server .tools/nats-server, else nats-server on PATH,
else Debian's /usr/sbin/nats-server), checks that the identity exists (\`deno task identity
init\`) and the ports are free (exit 1), starts nats-server in operator mode and waits for /healthz,
then starts each module whose entry file exists under its permission set:
  controller mods/controller/main.ts serve  -P=controller (the only reader of signing keys)
  dashboard  main.ts                        -P=dashboard
  history    mods/history/main.ts           -P=history
  registry   mods/registry/main.ts          -P=registry
  alerts     mods/alerts/main.ts            -P=alerts
  guardian   mods/guardian/main.ts          -P=guardian --allow-net=<host:port of NATS_URL>
A program that exits is restarted after 1 s, 2 s, 4 s, ... (at most 30 s); a module exiting with
code 2 (a configuration error) is not. If nats-server crashes repeatedly, each time within 60 s of
its start, the supervisor gives up, stops the modules and exits 1. Ctrl-C or SIGTERM stops the
modules, then nats-server, and exits. Children end with the supervisor even when it is killed
(setpriv --pdeathsig), and the pids in $NATS_DATA_DIR/supervisor.json let the next start end
whatever a killed supervisor still left behind.

NATS_DATA_DIR outside ./.data needs its own read and write grant: --grants prints the flags
(deno task start passes them on).

Options:
  --module <name>=<entry>@<set>  run this module instead of the default ones (repeatable)
  --grants                       print the Deno flags NATS_DATA_DIR needs (one per line) and exit
  --flags <module>               print the Deno flags a module runs with besides its permission
                                 set (network and TLS files from .env; one per line) and exit
  --give-up-after <n>            consecutive fast crashes of nats-server before giving up (5)
  --version                      print nunect's version and exit
  -h, --help                     show this help`;

const projectDir = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

const args = parseCommandLine("runtime", HELP, {
  options: {
    help: { type: "boolean", short: "h" },
    module: { type: "string", multiple: true },
    grants: { type: "boolean" },
    flags: { type: "string" },
    "give-up-after": { type: "string" },
    version: { type: "boolean" },
  },
});

const config = exitOnConfigError(() => loadConfig(allSections));
const grants = dataDirGrants(config, projectDir);
if (args.values.grants) {
  for (const flag of grants) console.log(flag);
  Deno.exit(0);
}
if (args.values.flags !== undefined) {
  const spec = defaultModules(config, projectDir).find((m) => m.name === args.values.flags);
  if (spec === undefined) {
    console.error(
      `Unknown module "${args.values.flags}": expected one of ${
        defaultModules(config, projectDir).map((m) => m.name).join(", ")
      }`,
    );
    Deno.exit(1);
  }
  for (const flag of spec.denoFlags) console.log(flag);
  Deno.exit(0);
}

const obsolete = obsoleteVariables();
if (obsolete.length > 0) console.warn(obsoleteVariablesMessage(obsolete));
function fail(message: string, code = 1): never {
  console.error(message);
  Deno.exit(code);
}

const giveUpAfter = Number(args.values["give-up-after"] ?? 5);
if (!Number.isInteger(giveUpAfter) || giveUpAfter < 1) {
  fail(`Invalid --give-up-after "${args.values["give-up-after"]}": expected a whole number >= 1`);
}

let modules: ModuleSpec[];
try {
  modules = args.values.module?.map(parseModuleSpec) ?? defaultModules(config, projectDir);
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}

const present: ModuleSpec[] = [];
const absent: ModuleSpec[] = [];
for (const m of modules) {
  const exists = await Deno.stat(`${projectDir}/${m.entry}`).then(() => true, () => false);
  (exists ? present : absent).push(m);
}

const withDashboard = present.some((m) => m.name === "dashboard");
if (withDashboard) {
  // A dashboard that cannot bind would crash at every restart: refuse it before anything starts.
  const expected = unbindableAddress(
    config.dashboard.bind,
    Deno.networkInterfaces().map((i) => i.address),
  );
  if (expected !== undefined) {
    exitOnConfigError(() => {
      throw new ConfigError([
        { name: "DASHBOARD_BIND", expected, got: config.dashboard.bind, secret: false },
      ]);
    });
  }
}

const dataDir = serverEnv(config, projectDir).NATS_DATA_DIR!;
const writable = await Deno.permissions.query({ name: "write", path: dataDir });
if (writable.state !== "granted") {
  fail(
    `Cannot start: NATS_DATA_DIR=${config.server.dataDir} is outside what the runtime permission set may write (./.data). Start with \`deno task start\`, which grants it, or add ${
      grants.join(" ")
    } to the deno run command`,
  );
}

let server;
try {
  server = await runtimeServer(config.serverBinary.path, projectDir);
} catch (e) {
  if (e instanceof PrerequisiteError) fail(e.message);
  throw e;
}

// Operator mode: nats-server needs the operator JWT that `deno task identity init` writes (the
// supervisor may not read the keys, only check that the public part is there).
// A data directory outside the runtime set's read paths cannot be checked: nats-server then says.
const operatorJwt = serverEnv(config, projectDir).NATS_OPERATOR_JWT!;
const missing = await Deno.stat(operatorJwt).then(
  () => false,
  (e) => e instanceof Deno.errors.NotFound,
);
if (missing) {
  fail(
    `No operator JWT at ${operatorJwt}: run \`deno task identity init\` first (deno task start does it)`,
  );
}

const ports = portsInUse(config, withDashboard);
const numberProblems = portNumberProblems(ports);
if (numberProblems.length > 0) fail(`Cannot start:\n  ${numberProblems.join("\n  ")}`);
for (
  const [variable, host] of [["NATS_HOST", config.server.host], [
    "NATS_HTTP_HOST",
    config.server.httpHost,
  ]]
) {
  const probeHost = displayHost(host!);
  const reach = await Deno.permissions.query({ name: "net", host: `${probeHost}:1` });
  if (reach.state !== "granted") {
    fail(
      `Cannot start: ${variable}=${host}, but the runtime permission set reaches only 127.0.0.1 and localhost (for the port checks and /healthz). Use ${variable}=0.0.0.0 or 127.0.0.1, or add "${probeHost}" to "permissions.runtime.net" in deno.json`,
    );
  }
}

// What a supervisor killed with SIGKILL left running: end it before the port check, which it
// would fail; refuse to start beside a supervisor that is still alive.
const runFile = new RunFile(`${dataDir}/supervisor.json`);
const live = await runFile.live();
const running = live.find((r) => r.name === "supervisor");
if (running !== undefined) {
  fail(
    `nunect is already running from ${runFile.path} (supervisor pid ${running.pid}): stop it with Ctrl-C in its terminal or \`kill ${running.pid}\``,
  );
}
if (live.length > 0) {
  console.log(
    `Ending what a previous supervisor left running: ${
      live.map((r) => `${r.name} (pid ${r.pid})`).join(", ")
    }`,
  );
  const killed = await runFile.end(live);
  if (killed.length > 0) {
    console.log(`  needed SIGKILL: ${killed.map((r) => `${r.name} (pid ${r.pid})`).join(", ")}`);
  }
}
if (!await runFile.record("supervisor", Deno.pid)) {
  console.warn(
    `Warning: cannot write ${runFile.path} (outside the runtime set's write paths): a start after a killed supervisor will not find its leftovers`,
  );
}

const tieChildren = await canTieChildren();
if (!tieChildren) {
  console.warn(
    "Warning: setpriv (util-linux) is missing: children outlive a supervisor killed with SIGKILL until the next start ends them",
  );
}

const busy = await busyPorts(ports);
if (busy.length > 0) {
  // A server started with scripts/nats-server.sh leaves its pid file in the data directory.
  const pidFile = `${serverEnv(config, projectDir).NATS_DATA_DIR}/nats-server.pid`;
  const pid = (await Deno.readTextFile(pidFile).catch(() => "")).trim();
  fail(
    busyPortsMessage(busy) +
      (pid === ""
        ? ""
        : `\nnunect's server may already be running (pid ${pid} in ${pidFile}): \`deno task nats status\` tells, \`deno task nats stop\` stops it`),
  );
}

// The data directory's layout: a directory a newer nunect wrote is refused before anything runs;
// migrations run once nats-server is up, before the modules (mods/upgrade under its own set).
try {
  const plan = planUpgrade(
    await readMarker(dataDir),
    await hasData(dataDir),
    { layout: CURRENT_LAYOUT, version: NUNECT_VERSION },
    MIGRATIONS,
    dataDir,
  );
  if (plan.kind === "upgrade") {
    console.log(
      `Data layout ${plan.from} -> ${CURRENT_LAYOUT}: ${plan.steps.map((s) => s.title).join("; ")}`,
    );
  } else if (plan.kind === "fresh") {
    // Marked now, while it is empty: once nats-server has started it, it would look like data
    // from before the first release.
    await Deno.mkdir(dataDir, { recursive: true });
    await writeMarker(dataDir, {
      layout: CURRENT_LAYOUT,
      version: NUNECT_VERSION,
      values: { ...LAYOUT_1_VALUES },
      history: [],
    });
  }
} catch (e) {
  if (e instanceof DowngradeError) fail(e.message, 2);
  if (e instanceof MigrationError) fail(e.message);
  throw e;
}

async function upgradeDataDir(): Promise<void> {
  // The .env the supervisor was started from (deno task start names it): the upgrade may add
  // new secrets to it.
  const envFile = Deno.env.get("NUNECT_ENV_FILE");
  // Operator mode: its OPS connection is the dashboard's OPS user, from the identity directory.
  const opsCreds =
    systemCredsFiles(projectPath(config.identity.dir, projectDir), config.unit.unitId)
      .dashboardOps;
  // Flags replace a permission set's lists, so the set's own entries (and the data directory's
  // grant) are repeated beside the .env file and the OPS credentials.
  const granted = (flag: string) =>
    grants.find((g) => g.startsWith(`${flag}=`))?.slice(flag.length + 1).split(",");
  const extra = envFile ? [envFile] : [];
  const setGrants = [
    `--allow-read=${[...(granted("--allow-read") ?? [projectDir]), ...extra, opsCreds].join(",")}`,
    `--allow-write=${
      [`${projectDir}/.env`, ...(granted("--allow-write") ?? [`${projectDir}/.data`]), ...extra]
        .join(",")
    }`,
  ];
  const out = await new Deno.Command("deno", {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      `--config=${projectDir}/deno.json`,
      "-P=upgrade",
      `--allow-net=${natsHostPort(config.unit.natsUrl)}`,
      ...setGrants,
      "mods/upgrade/main.ts",
    ],
    cwd: projectDir,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  for (const line of dec.decode(out.stdout).split("\n").filter((l) => l !== "")) {
    console.log(`[upgrade] ${line}`);
  }
  if (!out.success) {
    throw new PrerequisiteError(
      dec.decode(out.stderr).trim() || `mods/upgrade/main.ts exited with ${out.code}`,
    );
  }
}

const supervisor = new Supervisor({
  beforeModules: upgradeDataDir,
  config,
  projectDir,
  modules: present,
  server,
  serverCrashLimit: giveUpAfter,
  tieChildren,
  runFile,
  path: Deno.env.get("PATH") ?? "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
});
// Whatever goes wrong, the children (in their own sessions) are stopped before the exit.
globalThis.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  console.error("Unexpected error in the supervisor:", event.reason);
  supervisor.stop().then(() => runFile.remove()).finally(() => Deno.exit(1));
});

let resolveSignal: (signal: string) => void = () => {};
const signalled = new Promise<string>((r) => resolveSignal = r);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  Deno.addSignalListener(signal, () => resolveSignal(signal));
}

try {
  const started = supervisor.start().then(() => "started" as const);
  const first = await Promise.race([started, signalled]);
  if (first === "started") {
    console.log(`\nnunect is running:\n${supervisor.table()}`);
    if (absent.length > 0) {
      console.log(
        `  not started (entry file missing): ${
          absent.map((m) => `${m.name} (${m.entry})`).join(", ")
        }`,
      );
    }
    console.log("Ctrl-C stops everything.\n");
    const why = await Promise.race([
      signalled,
      supervisor.failed.then((reason) => `failed:${reason}`),
    ]);
    if (why.startsWith("failed:")) {
      console.error(`Giving up: ${why.slice(7)}; stopping the modules`);
      await supervisor.stop();
      await runFile.remove();
      Deno.exit(1);
    }
    console.log(`${why}: stopping modules, then nats-server`);
  } else {
    console.log(`${first} during start: stopping`);
  }
  await supervisor.stop();
  await runFile.remove();
  console.log("Stopped; no process left behind");
  Deno.exit(0);
} catch (e) {
  await supervisor.stop();
  await runFile.remove();
  if (e instanceof PrerequisiteError) fail(e.message);
  throw e;
}
