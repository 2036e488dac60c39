import { PROJECT_DIR } from "../_kit/mod.ts";

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
  const out = await new Deno.Command("bash", {
    args: [`${PROJECT_DIR}/scripts/${name}`, ...args],
    env: { DENO: Deno.execPath(), NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, out: dec.decode(out.stdout) + dec.decode(out.stderr) };
}
