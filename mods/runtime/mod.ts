/**
 * The supervisor behind `deno task start`: starts nats-server with the project's configuration,
 * then each module (dashboard, guardian, ...) under its deno.json permission set, restarts what
 * crashes (nats-server too) with exponential backoff, ties its children to its own life and
 * records them in a pid file so that the next start ends what a killed supervisor left behind,
 * and stops everything in order. The decisions (backoff, module
 * table, port checks, the "what runs where" table) are pure functions; {@linkcode Supervisor}
 * holds the process code.
 *
 * @module
 */
export { countCrash, DEFAULT_RESTART, type RestartPolicy } from "./backoff.ts";
export { terminate, type TerminateOptions } from "./terminate.ts";
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
  unbindableAddress,
} from "./preflight.ts";
export { type RuntimeServer, runtimeServer } from "./server_bin.ts";
export { dataDirGrants } from "./grants.ts";
export { canTieChildren, childCommand } from "./child.ts";
export { type ProcessTools, procps, RunFile, type RunRecord } from "./run_file.ts";
export { formatTable, type TableRow } from "./table.ts";
export {
  type ProgramUnit,
  type ProgramUser,
  type StartedProgram,
  startProgram,
  stopOnSignals,
} from "./program.ts";
export {
  JETSTREAM_WAIT,
  JETSTREAM_WAIT_ATTEMPTS,
  type JetStreamWaitOptions,
  waitForJetStream,
} from "./jetstream_wait.ts";
export { type RunState, Supervisor, type SupervisorOptions } from "./supervisor.ts";
