/**
 * The Go-built NATS programs nunect uses, pinned in one place ({@linkcode GO_TOOLS}): the current
 * nats-server, natscli, prometheus-nats-exporter and toxiproxy. {@linkcode toolPath} builds one
 * with `go install` into a machine-wide cache the first time (static, so cross-compiled variants
 * are the same call with a target) and reuses it; {@linkcode natsServerBin} applies nunect's rule
 * for which nats-server runs (NATS_SERVER_BIN, else the managed build, else PATH, else Debian's),
 * falling back with one line saying why. scripts/tools.sh is the command line for shell scripts.
 *
 * @example
 * ```ts
 * import { describeServer, natsServerBin, toolPath } from "../tools/mod.ts";
 * const server = await natsServerBin();
 * console.log(describeServer(server));
 * const nats = await toolPath("natscli");
 * ```
 *
 * @module
 */
export { GO_TOOLS, isToolName } from "./pins.ts";
export type { GoTool, ToolName } from "./pins.ts";
export { cachedBinary, hostTarget, toolsCacheDir } from "./cache.ts";
export type { CacheOptions, GoTarget } from "./cache.ts";
export { toolPath } from "./install.ts";
export type { ToolOptions } from "./install.ts";
export {
  DEBIAN_NATS_SERVER,
  describeServer,
  findOnPath,
  MANAGED_SERVER_LINK,
  natsServerBin,
  serverVersion,
} from "./server.ts";
export type { NatsServerBinOptions, ResolvedServer, ServerSource } from "./server.ts";
export { ToolUnavailableError } from "./errors.ts";
