import type { NatsServer } from "./nats.ts";
import { TEST_HUB_UNIT } from "./nats.ts";
import { spawnProcess } from "./program.ts";
import { PROJECT_DIR } from "./project.ts";
import { tiedCommand } from "./tied.ts";

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

/**
 * The `.env` of a project whose programs run against a kit server: the server's own settings, its
 * URL and identity directory, the hub's unit ID, then `env`.
 *
 * @param hub the server
 * @param env more variables, or ones to replace
 * @returns the file's text
 */
export function hubEnvText(
  hub: Pick<NatsServer, "env" | "url" | "identityDir">,
  env: Readonly<Record<string, string>> = {},
): string {
  return Object.entries({
    ...hub.env,
    NATS_URL: hub.url,
    NATS_IDENTITY_DIR: hub.identityDir,
    UNIT_ID: TEST_HUB_UNIT,
    ...env,
  }).map(([k, v]) => `${k}=${v}\n`).join("");
}

/** The controller's service started by {@linkcode startControllerService}. */
export interface ControllerService extends AsyncDisposable {
  /** Its process (the pid: CPU figures). */
  readonly child: Deno.ChildProcess;
  /** What it printed so far. */
  output(): { stdout: string; stderr: string };
  /** Stops it (SIGTERM), removes its `.env`, and returns what it printed. */
  stop(): Promise<{ stdout: string; stderr: string }>;
}

/**
 * `deno task identity serve` (the supervisor's controller module) for a kit server, through
 * `scripts/identity.sh serve` with a `.env` of the server's own settings plus `env`, tied to the
 * test process. Resolves once it says it serves.
 *
 * @param hub the server (its `env`, URL and identity directory)
 * @param env more variables of its `.env` (e.g. `NATS_CLAIMS_RESEND_S`)
 * @returns the running service
 */
export async function startControllerService(
  hub: Pick<NatsServer, "env" | "url" | "identityDir">,
  env: Readonly<Record<string, string>> = {},
): Promise<ControllerService> {
  const dir = await Deno.makeTempDir({ prefix: "nunect-controller-" });
  await Deno.writeTextFile(`${dir}/.env`, hubEnvText(hub, env));
  const service = spawnProcess(
    tiedCommand("bash", {
      args: [`${PROJECT_DIR}/scripts/identity.sh`, "serve"],
      env: {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        HOME: Deno.env.get("HOME") ?? "/tmp",
        NO_COLOR: "1",
        NUNECT_ENV_FILE: `${dir}/.env`,
      },
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }),
  );
  const stop = async () => {
    const out = await service.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    return { stdout: out.stdout, stderr: out.stderr };
  };
  try {
    await service.waitFor("controller: serving", 60_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    child: service.child,
    output: () => service.output(),
    stop,
    [Symbol.asyncDispose]: async () => void await stop(),
  };
}
