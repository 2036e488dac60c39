import { parseArgs, type ParseArgsConfig } from "node:util";
import { exitOnVersionFlag } from "./exit.ts";

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
