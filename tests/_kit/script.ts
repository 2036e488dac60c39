import { PROJECT_DIR } from "./project.ts";

/** What {@linkcode runScript} returns. */
export interface ScriptResult {
  /** The exit code. */
  readonly code: number;
  /** Standard output, decoded. */
  readonly stdout: string;
  /** Standard error, decoded. */
  readonly stderr: string;
  /** Standard output as bytes (an archive the script wrote there). */
  readonly bytes: Uint8Array;
}

/**
 * Runs `scripts/<name>` with bash as an operator would, with exactly the environment given
 * (nothing inherited: a test names what the script may rely on) and no input.
 *
 * @param name the script's file name, e.g. `nats-server.sh`
 * @param args its arguments
 * @param env its whole environment (pass `PATH`, `HOME` where it needs them)
 * @returns its exit code and output
 * @example
 * ```ts
 * const r = await runScript("guardian.sh", ["allow-net", "nats://a:1"], { PATH: "/usr/bin:/bin" });
 * ```
 */
export async function runScript(
  name: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<ScriptResult> {
  const out = await new Deno.Command("bash", {
    args: [`${PROJECT_DIR}/scripts/${name}`, ...args],
    env: { ...env },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    bytes: out.stdout,
  };
}
