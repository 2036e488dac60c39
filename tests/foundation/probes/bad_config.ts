/**
 * A module with a configuration error: loads the dashboard section from an empty environment,
 * so it prints the list of missing variables and exits with code 2, as every entry point does.
 * The supervisor must not restart it.
 *
 * @module
 */
import { exitOnConfigError, loadConfig } from "../../../mods/config/mod.ts";

console.log(`bad-config probe up (pid ${Deno.pid})`);
exitOnConfigError(() => loadConfig(["dashboard"], () => undefined));
