import { type EnvSource, processEnv } from "./load.ts";
import { type SectionName, sections, type Variable } from "./schema.ts";

/** The prefix of every development password in .env.example. */
const PLACEHOLDER = "change-me";

/**
 * Names of the secret variables of the named sections that still hold a placeholder from
 * .env.example (a value starting with `change-me`). Such a configuration is valid, so nothing
 * refuses it, but the supervisor warns: anyone who read .env.example knows these passwords.
 *
 * @param names the sections to look at
 * @param env where variables come from (default: the process environment)
 * @returns variable names, in contract order; empty when every secret was changed
 */
export function placeholderSecrets(
  names: readonly SectionName[],
  env: EnvSource = processEnv,
): string[] {
  const found: string[] = [];
  for (const name of names) {
    for (const v of Object.values(sections[name] as Record<string, Variable<unknown>>)) {
      if (v.secret && (env(v.name) ?? "").startsWith(PLACEHOLDER)) found.push(v.name);
    }
  }
  return found;
}
