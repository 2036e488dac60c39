/**
 * The environment contract of nunect: turns `.env` and the process environment into one typed,
 * frozen configuration object, checked by small hand-written parsers (no zod: the router's
 * guardian loads this module, and zod costs it memory; tests/config/text_schema_test.ts proves
 * they accept what the zod schemas did). This is the only module that reads the environment; a
 * program loads just the sections it needs, so its permission set names exactly the variables of
 * those sections.
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
  localMonitorUrl,
  monitorUrl,
  type Section,
  type SectionName,
  sections,
  type SectionValue,
  type TlsVerify,
  type Variable,
} from "./schema.ts";
export {
  dataDirPath,
  displayHost,
  projectPath,
  serverConfigFile,
  serverEnv,
  serverSections,
  unitCredsPath,
} from "./server_env.ts";
export { OBSOLETE_VARIABLES, obsoleteVariables, obsoleteVariablesMessage } from "./obsolete.ts";
export type { ServerConfig } from "./server_env.ts";
export { ensureEnvFile, randomSecret, setEnvValues, withFreshSecrets } from "./env_file.ts";
export { natsTlsOptions } from "./nats_tls.ts";
export { ProxySiteError, proxySiteFor, renderProxySite } from "./proxy_site.ts";
export type { ProxySite } from "./proxy_site.ts";
export type { NatsTlsOptions } from "./nats_tls.ts";
export { exitOnConfigError, exitOnVersionFlag } from "./exit.ts";
export { parseCommandLine } from "./command_line.ts";
