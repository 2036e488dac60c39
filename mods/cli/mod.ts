/**
 * The `nunect` command line (`deno task cli`): status, units, connections (list, kick), streams
 * (ls, info, purge), KV (get, put), alerts (ls, ack), users (ls, add, disable) and tokens (ls,
 * create, revoke), each one call of the dashboard's JSON API with an API token, printed as a
 * table or, with `--json`, as the API's JSON. `--help` on every command.
 *
 * @example
 * ```sh
 * export NUNECT_URL=http://127.0.0.1:4280
 * export NUNECT_TOKEN=$(deno task -q cli tokens create ci --user admin --days 30 | head -1)
 * deno task cli streams ls --json
 * ```
 *
 * @module
 */
export { helpText, runCli } from "./cli.ts";
export type { CliIo } from "./cli.ts";
export { COMMANDS } from "./commands.ts";
export type { Command, CommandArgs, CommandContext } from "./commands.ts";
export { ApiClient } from "./api_client.ts";
export type { ApiClientOptions } from "./api_client.ts";
export { CliError } from "./errors.ts";
export { withSession } from "./session_login.ts";
export type { Credentials } from "./session_login.ts";
