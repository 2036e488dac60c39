/**
 * Configuration command line, used by `deno task start` and scripts/nats-server.sh.
 *
 *   init          create .env from .env.example with fresh random secrets, if absent
 *   check         validate every variable; exit 2 with the list of problems
 *   server-env    print the validated nats-server environment as shell assignments
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  allSections,
  ensureEnvFile,
  exitOnConfigError,
  loadConfig,
  serverConfigFile,
  serverEnv,
  serverSections,
} from "./mod.ts";
import { versionLine } from "../protocol/mod.ts";

const HELP = `Usage: deno run -P=config [--env-file=.env] mods/config/main.ts <command>

Commands:
  init        create .env from .env.example with fresh random passwords (if .env is absent)
  check       validate the whole configuration; exit 2 listing every bad variable
  server-env  print nats-server's environment and config file as shell assignments

Options: --version, -h/--help`;

const projectDir = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const { positionals, values } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: { help: { type: "boolean", short: "h" }, version: { type: "boolean" } },
});
const command = positionals[0];

if (values.version) {
  console.log(versionLine("config"));
  Deno.exit(0);
}

if (values.help || command === undefined) {
  console.log(HELP);
  Deno.exit(values.help ? 0 : 1);
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

switch (command) {
  case "init":
    if (await ensureEnvFile(projectDir)) {
      console.error(`Created ${projectDir}/.env from .env.example with fresh random passwords`);
    }
    break;
  case "check":
    exitOnConfigError(() => loadConfig(allSections));
    console.error("Configuration is valid");
    break;
  case "server-env": {
    const config = exitOnConfigError(() => loadConfig(serverSections));
    for (const [k, v] of Object.entries(serverEnv(config, projectDir))) {
      console.log(`export ${k}=${shellQuote(v)}`);
    }
    console.log(`NUNECT_SERVER_CONF=${shellQuote(serverConfigFile(config, projectDir))}`);
    break;
  }
  default:
    console.error(`Unknown command "${command}": expected init, check or server-env (see --help)`);
    Deno.exit(1);
}
