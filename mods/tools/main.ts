/**
 * Command line of mods/tools for shell scripts (run it through scripts/tools.sh, which grants
 * the cache directory):
 *
 *   install [name...]           build the pinned programs that are not built yet (default: all)
 *   path <name> [--target os/arch] [--no-build]   print a program's path, building it if needed
 *   nats-server [--no-build]    print the nats-server nunect runs (the rule); its description on stderr
 *   status                      the pins, what is built, and the nats-server the rule picks
 *
 * @module
 */
import { parseCommandLine } from "../config/mod.ts";
import {
  cachedBinary,
  describeServer,
  GO_TOOLS,
  type GoTarget,
  isToolName,
  natsServerBin,
  type ToolName,
  toolPath,
  toolsCacheDir,
  ToolUnavailableError,
} from "./mod.ts";
import { ConfigError } from "../config/mod.ts";

const HELP =
  `Usage: bash scripts/tools.sh <command>   (deno run -P=tools mods/tools/main.ts <command>)

Commands:
  install [name...]        build the pinned Go programs not built yet (default: all of them)
  path <name> [--target <goos/goarch>] [--no-build]
                           print the program's path, building it first if needed
  nats-server [--no-build] print the nats-server nunect runs: NATS_SERVER_BIN, else the managed
                           current server, else nats-server on PATH, else Debian's
  status                   the pins, what is built, and which nats-server runs

Options: --version, -h/--help
Programs: ${Object.keys(GO_TOOLS).join(", ")}
Cache: ${toolsCacheDir()} (NUNECT_CACHE_DIR moves it)`;

const args = parseCommandLine("tools", HELP, {
  allowPositionals: true,
  options: {
    help: { type: "boolean", short: "h" },
    target: { type: "string" },
    "no-build": { type: "boolean" },
    version: { type: "boolean" },
  },
}, true);
const [command, ...names] = args.positionals;

function toolNames(given: string[]): ToolName[] {
  const unknown = given.filter((n) => !isToolName(n));
  if (unknown.length > 0) {
    console.error(
      `Unknown program "${unknown[0]}": expected one of ${Object.keys(GO_TOOLS).join(", ")}`,
    );
    Deno.exit(1);
  }
  return given as ToolName[];
}

const build = !args.values["no-build"];
try {
  switch (command) {
    case "install": {
      let failed = 0;
      for (const name of toolNames(names.length > 0 ? names : Object.keys(GO_TOOLS))) {
        try {
          console.log(`${name} ${GO_TOOLS[name].version}: ${await toolPath(name)}`);
        } catch (e) {
          if (!(e instanceof ToolUnavailableError)) throw e;
          console.error(e.message);
          failed++;
        }
      }
      Deno.exit(failed === 0 ? 0 : 1);
      break;
    }
    case "path": {
      const [name] = toolNames(names.slice(0, 1));
      if (name === undefined) {
        console.error("Which program? e.g. `path natscli` (see --help)");
        Deno.exit(1);
      }
      const target = args.values.target;
      if (target !== undefined && !/^[a-z0-9]+\/[a-z0-9]+$/.test(target)) {
        console.error(`Invalid target "${target}": expected <goos>/<goarch>, e.g. linux/arm64`);
        Deno.exit(1);
      }
      console.log(await toolPath(name, { build, target: target as GoTarget | undefined }));
      break;
    }
    case "nats-server": {
      const server = await natsServerBin({ build });
      console.error(describeServer(server));
      console.log(server.path);
      break;
    }
    case "status": {
      for (const [name, tool] of Object.entries(GO_TOOLS)) {
        const path = cachedBinary(name as ToolName);
        const built = await Deno.stat(path).then(() => path, () => "not built");
        console.log(`${name.padEnd(26)} ${tool.version.padEnd(8)} ${built}`);
      }
      const server = await natsServerBin({ build: false, log: () => {} });
      console.log(`runs: ${describeServer(server)}`);
      if (server.fallback) console.log(`  (${server.fallback})`);
      break;
    }
    default:
      console.error(
        `Unknown command "${command}": expected install, path, nats-server or status (see --help)`,
      );
      Deno.exit(1);
  }
} catch (e) {
  if (e instanceof ToolUnavailableError || e instanceof ConfigError) {
    console.error(e.message);
    Deno.exit(1);
  }
  throw e;
}
