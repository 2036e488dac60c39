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
