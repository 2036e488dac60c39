import { runScript } from "../_kit/mod.ts";

/**
 * An environment as `.env` text.
 *
 * @param env variable name to value
 * @returns one `NAME=value` line each
 */
export function envText(env: Readonly<Record<string, string>>): string {
  return Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join("");
}

/**
 * Runs `scripts/<name>` (backup.sh, restore.sh) as an operator would, with this Deno.
 *
 * @param name the script's file name
 * @param args its arguments
 * @param env its environment (NUNECT_ENV_FILE, NUNECT_BACKUP_PASSPHRASE, PATH, …)
 * @returns its exit code and its output, stdout then stderr
 */
export async function script(
  name: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; out: string }> {
  // This process's environment too (HOME: the Deno cache), as before the kit's runScript.
  const r = await runScript(name, args, {
    ...Deno.env.toObject(),
    DENO: Deno.execPath(),
    NO_COLOR: "1",
    ...env,
  });
  return { code: r.code, out: r.stdout + r.stderr };
}
