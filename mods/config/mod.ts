/**
 * The environment contract of nunect: turns `.env` and the process environment into one typed,
 * frozen configuration object, validated with zod. This is the only module that reads the
 * environment; a program loads just the sections it needs, so its permission set names exactly
 * the variables of those sections.
 *
 * @example
 * ```ts
 * import { loadConfig } from "../config/mod.ts";
 * const { unit, guardian } = loadConfig(["unit", "guardian"]);
 * ```
 *
 * @module
 */
export {
  allSections,
  ConfigError,
  loadConfig,
  PLACEHOLDER_PREFIX,
  processEnv,
  variableNames,
} from "./load.ts";
export type { ConfigProblem, EnvSource } from "./load.ts";
export {
  type Config,
  type HistoryTier,
  monitorUrl,
  type Section,
  type SectionName,
  sections,
  type SectionValue,
  type Variable,
} from "./schema.ts";
export {
  dataDirPath,
  displayHost,
  serverConfigFile,
  serverEnv,
  serverSections,
} from "./server_env.ts";
export type { ServerConfig } from "./server_env.ts";
export { ensureEnvFile, randomSecret, withFreshSecrets } from "./env_file.ts";
export { exitOnConfigError } from "./exit.ts";
