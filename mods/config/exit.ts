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
