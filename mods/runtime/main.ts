/**
 * The supervisor behind `deno task start`: validates .env, checks prerequisites, starts
 * nats-server and every module that exists, restarts crashed modules with backoff, and on Ctrl-C
 * or SIGTERM stops everything in order.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  allSections,
  exitOnConfigError,
  loadConfig,
  placeholderSecrets,
  serverEnv,
} from "../config/mod.ts";
import {
  busyPorts,
  busyPortsMessage,
  dataDirGrants,
  defaultModules,
  displayHost,
  type ModuleSpec,
  parseModuleSpec,
  portNumberProblems,
  portsInUse,
  PrerequisiteError,
  runtimeServer,
  Supervisor,
} from "./mod.ts";

const HELP = `Usage: deno run -P=runtime --env-file=.env mods/runtime/main.ts [options]
       (normally: deno task start)

Validates the whole configuration (exit 2 listing every bad variable), picks nats-server
(NATS_SERVER_BIN, else the managed current server .tools/nats-server, else nats-server on PATH,
else Debian's /usr/sbin/nats-server) and checks the ports are free (exit 1), starts nats-server and
waits for /healthz, then starts each module whose entry file exists under its permission set:
  dashboard  main.ts                -P=dashboard
  guardian   mods/guardian/main.ts  -P=guardian --allow-net=<host:port of NATS_URL>
A module that exits is restarted after 1 s, 2 s, 4 s, ... (at most 30 s). Ctrl-C or SIGTERM stops
the modules, then nats-server, and exits.

NATS_DATA_DIR outside ./.data needs its own read and write grant: --grants prints the flags
(deno task start passes them on).

Options:
  --module <name>=<entry>@<set>  run this module instead of the default ones (repeatable)
  --grants                       print the Deno flags NATS_DATA_DIR needs (one per line) and exit
  -h, --help                     show this help`;

const projectDir = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

let args;
try {
  args = parseArgs({
    args: Deno.args,
    options: {
      help: { type: "boolean", short: "h" },
      module: { type: "string", multiple: true },
      grants: { type: "boolean" },
    },
  });
} catch (e) {
  console.error(`${e instanceof Error ? e.message : e} (see --help)`);
  Deno.exit(1);
}
if (args.values.help) {
  console.log(HELP);
  Deno.exit(0);
}

const config = exitOnConfigError(() => loadConfig(allSections));
const grants = dataDirGrants(config, projectDir);
if (args.values.grants) {
  for (const flag of grants) console.log(flag);
  Deno.exit(0);
}

const placeholders = placeholderSecrets(allSections);
if (placeholders.length > 0) {
  const verb = placeholders.length === 1 ? "holds" : "hold";
  console.warn(
    `Warning: ${
      placeholders.join(", ")
    } still ${verb} the development placeholder of .env.example ("change-me-..."), which anyone can read. Put fresh values in .env (or delete .env and run \`deno task start\` to generate random ones)`,
  );
}

function fail(message: string): never {
  console.error(message);
  Deno.exit(1);
}

let modules: ModuleSpec[];
try {
  modules = args.values.module?.map(parseModuleSpec) ?? defaultModules(config);
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}

const present: ModuleSpec[] = [];
const absent: ModuleSpec[] = [];
for (const m of modules) {
  const exists = await Deno.stat(`${projectDir}/${m.entry}`).then(() => true, () => false);
  (exists ? present : absent).push(m);
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

const ports = portsInUse(config, present.some((m) => m.name === "dashboard"));
const numberProblems = portNumberProblems(ports);
if (numberProblems.length > 0) fail(`Cannot start:\n  ${numberProblems.join("\n  ")}`);
const probeHost = displayHost(config.server.host);
const reach = await Deno.permissions.query({
  name: "net",
  host: `${probeHost}:${config.server.httpPort}`,
});
if (reach.state !== "granted") {
  fail(
    `Cannot start: NATS_HOST=${config.server.host}, but the runtime permission set reaches only 127.0.0.1 and localhost (for the port checks and /healthz). Use NATS_HOST=0.0.0.0 or 127.0.0.1, or add "${probeHost}" to "permissions.runtime.net" in deno.json`,
  );
}
const busy = await busyPorts(ports, probeHost);
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

const supervisor = new Supervisor({ config, projectDir, modules: present, server });
// Whatever goes wrong, the children (in their own sessions) are stopped before the exit.
globalThis.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  console.error("Unexpected error in the supervisor:", event.reason);
  supervisor.stop().finally(() => Deno.exit(1));
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
      supervisor.serverExited.then((s) => `exit:${s.signal ?? s.code}`),
    ]);
    if (why.startsWith("exit:")) {
      console.error(`nats-server exited unexpectedly (${why.slice(5)}); stopping the modules`);
      await supervisor.stop();
      Deno.exit(1);
    }
    console.log(`${why}: stopping modules, then nats-server`);
  } else {
    console.log(`${first} during start: stopping`);
  }
  await supervisor.stop();
  console.log("Stopped; no process left behind");
  Deno.exit(0);
} catch (e) {
  await supervisor.stop();
  if (e instanceof PrerequisiteError) fail(e.message);
  throw e;
}
