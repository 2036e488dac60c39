/**
 * The supervisor behind `deno task start`: starts nats-server with the project's configuration,
 * then each module (dashboard, guardian, ...) under its deno.json permission set, restarts crashed
 * modules with exponential backoff, and stops everything in order. The decisions (backoff, module
 * table, port checks, the "what runs where" table) are pure functions; {@linkcode Supervisor}
 * holds the process code.
 *
 * @module
 */
export { backoffDelay, type BackoffOptions, countCrash, DEFAULT_BACKOFF } from "./backoff.ts";
export {
  dashboardNet,
  defaultModules,
  displayHost,
  InvalidModuleSpecError,
  type ModuleSpec,
  natsHostPort,
  parseModuleSpec,
  type RuntimeConfig,
} from "./modules.ts";
export {
  busyPorts,
  busyPortsMessage,
  portNumberProblems,
  portsInUse,
  type PortUse,
  PrerequisiteError,
} from "./preflight.ts";
export { type RuntimeServer, runtimeServer } from "./server_bin.ts";
export { dataDirGrants } from "./grants.ts";
export { formatTable, type TableRow } from "./table.ts";
export { Supervisor, type SupervisorOptions } from "./supervisor.ts";
