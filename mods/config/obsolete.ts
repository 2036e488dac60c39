import { type EnvSource, processEnv } from "./load.ts";

/**
 * Variables of earlier versions that no longer apply: the shared role passwords of the
 * config-file accounts, replaced in operator mode by credentials the controller issues (one per
 * unit, browser session and tenant app).
 */
export const OBSOLETE_VARIABLES: readonly string[] = [
  "SYS",
  "OPS",
  "GUARDIAN",
  "UI",
  "BRIDGE",
  "ENGINE",
  "PROVISION",
]
  .flatMap((u) => [`NATS_${u}_USER`, `NATS_${u}_PASSWORD`]);

/**
 * The obsolete variables that are set (an `.env` from before operator mode). Nothing reads them;
 * the supervisor says once that they can go.
 *
 * @param env where variables come from (default: the process environment)
 * @returns their names, in contract order
 */
export function obsoleteVariables(env: EnvSource = processEnv): string[] {
  return OBSOLETE_VARIABLES.filter((name) => {
    try {
      return (env(name) ?? "") !== "";
    } catch {
      return false; // not readable under this permission set: not this program's concern
    }
  });
}

/**
 * The one message for an `.env` from before operator mode.
 *
 * @param names the obsolete variables that are set
 * @returns what happened and what to run
 */
export function obsoleteVariablesMessage(names: readonly string[]): string {
  return `Note: ${names.join(", ")} in .env no longer apply: nunect runs nats-server in operator ` +
    "mode and issues credentials itself (one per unit, browser session and tenant app). Delete " +
    "those lines. Apps that used a tenant password need credentials: " +
    "`deno task identity issue <unit> --account <TENANT>`";
}
