/**
 * Helpers for the foundation tests: the kit's complete, valid environment on free fixed ports
 * and its liveness check, and a writer for .env files.
 *
 * @module
 */
export { alive, testEnv } from "../_kit/mod.ts";

/**
 * Writes an environment as a .env file.
 *
 * @param path where
 * @param env variable name to value
 */
export async function writeEnvFile(path: string, env: Record<string, string>): Promise<void> {
  const text = Object.entries(env).map(([k, v]) => `${k}=${v}`).join("\n") + "\n";
  await Deno.writeTextFile(path, text, { mode: 0o600 });
}
