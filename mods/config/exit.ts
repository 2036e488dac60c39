import { parseArgs, type ParseArgsConfig } from "node:util";
import { versionLine } from "../protocol/version.ts";
import { ConfigError } from "./load.ts";

/**
 * Runs `load` and, when it throws a {@linkcode ConfigError}, prints its message to stderr and
 * exits with code 2 before anything starts. For entry points (`main.ts`) only.
 *
 * @param load a function that loads configuration
 * @returns what `load` returns
 */
export function exitOnConfigError<T>(load: () => T): T {
  try {
    return load();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      Deno.exit(2);
    }
    throw e;
  }
}

/**
 * When the program was asked for its version (`--version`), prints `nunect <program> <version>`
 * and exits with code 0 before anything starts. For entry points (`main.ts`) only.
 *
 * @param program the program's name in the line, e.g. `guardian`
 * @param asked whether the version was asked for (by default: `--version` among the arguments;
 *   entry points that parse their arguments pass the parsed flag)
 */
export function exitOnVersionFlag(
  program: string,
  asked: boolean = Deno.args.includes("--version"),
): void {
  if (!asked) return;
  console.log(versionLine(program));
  Deno.exit(0);
}

/**
 * Parses an entry point's command line the one way every nunect command does: an unknown or
 * malformed option prints what is wrong and `(see --help)` and exits with code 1; `--version`
 * prints the version line and `--help` (`-h`) the help text, each exiting with code 0; a command
 * that needs a sub-command prints the help and exits with code 1 without one. The options must
 * include `help` and `version` (booleans). For entry points (`main.ts`) only.
 *
 * @param program the program's name in the version line
 * @param help the help text
 * @param config node:util `parseArgs` options (`args` defaults to `Deno.args`)
 * @param needsCommand whether a first positional argument (a sub-command) is required
 * @returns what `parseArgs` returns
 * @example
 * ```ts
 * const { values, positionals } = parseCommandLine("tools", HELP, {
 *   allowPositionals: true,
 *   options: { help: { type: "boolean", short: "h" }, version: { type: "boolean" } },
 * }, true);
 * ```
 */
export function parseCommandLine<T extends ParseArgsConfig>(
  program: string,
  help: string,
  config: T,
  needsCommand = false,
): ReturnType<typeof parseArgs<T>> {
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs<T>({ args: Deno.args, ...config });
  } catch (e) {
    console.error(`${e instanceof Error ? e.message : e} (see --help)`);
    Deno.exit(1);
  }
  const values = parsed.values as { help?: boolean; version?: boolean };
  exitOnVersionFlag(program, values.version === true);
  const missing = needsCommand && (parsed.positionals ?? []).length === 0;
  if (values.help || missing) {
    console.log(help);
    Deno.exit(values.help ? 0 : 1);
  }
  return parsed;
}
