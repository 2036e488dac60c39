/**
 * The test kit: starts real servers (nats-server with the project's own configuration) and runs
 * the project's programs under their production permission sets. Everything it starts is
 * AsyncDisposable: `await using ns = await startNats()`.
 *
 * @module
 */
export { startNats } from "./nats.ts";
export type { Credentials, NatsServer, StartNatsOptions, Users } from "./nats.ts";
export { PROJECT_DIR } from "./project.ts";
export { runProgram, spawnProgram } from "./program.ts";
export type { ProgramOptions, ProgramResult, RunningProgram } from "./program.ts";
export { startNatsWithAuthorization, startOperatorNats } from "./operator.ts";
export type { JwtUser, JwtUserOptions, OperatorNatsServer } from "./operator.ts";
