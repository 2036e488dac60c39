import { terminate } from "../../mods/runtime/mod.ts";
import { PROJECT_DIR } from "./project.ts";
import { tiedCommand } from "./tied.ts";

/** How to run one of the project's programs. */
export interface ProgramOptions {
  /** The deno.json permission set, e.g. `"guardian"`; the program gets exactly that. */
  readonly permissionSet: string;
  /** Entry file relative to the project root, e.g. `"mods/guardian/main.ts"`. */
  readonly entry: string;
  /** Program arguments. */
  readonly args?: readonly string[];
  /** Extra deno flags placed after `-P` (e.g. `--allow-net=127.0.0.1:4223`). */
  readonly denoFlags?: readonly string[];
  /** The program's whole environment (nothing else is inherited but PATH and HOME). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * A command that runs deno (its last argument is followed by deno's command line), e.g. a
   * private mount namespace: `["unshare", "--mount", "--"]`. It must exec deno, so the pid and
   * signals are deno's.
   */
  readonly prefix?: readonly string[];
}

/** A finished program. */
export interface ProgramResult {
  /** Exit code. */
  readonly code: number;
  /** Everything written to stdout. */
  readonly stdout: string;
  /** Everything written to stderr. */
  readonly stderr: string;
}

/** A program still running; dispose to stop it (SIGTERM, then SIGKILL after 5 s). */
export interface RunningProgram extends AsyncDisposable {
  /** The child process (its pid, status). */
  readonly child: Deno.ChildProcess;
  /** Output so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves when `text` appears in stdout or stderr (rejects after `timeoutMs`). */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Sends SIGTERM and waits for the exit. */
  stop(signal?: Deno.Signal): Promise<ProgramResult>;
}

function command(options: ProgramOptions, piped: boolean): Deno.Command {
  const [program, ...before] = [...(options.prefix ?? []), Deno.execPath()];
  return tiedCommand(program!, {
    args: [
      ...before,
      "run",
      "--quiet",
      "--no-prompt",
      `-P=${options.permissionSet}`,
      ...(options.denoFlags ?? []),
      options.entry,
      ...(options.args ?? []),
    ],
    cwd: PROJECT_DIR,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? "/tmp",
      NO_COLOR: "1",
      ...options.env,
    },
    clearEnv: true,
    stdin: "null",
    stdout: piped ? "piped" : "null",
    stderr: piped ? "piped" : "null",
  });
}

/**
 * Runs a program to completion under its permission set.
 *
 * @param options which program, permission set, arguments and environment
 * @returns exit code and output
 */
export async function runProgram(options: ProgramOptions): Promise<ProgramResult> {
  const out = await command(options, true).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/**
 * Starts a long-running program under its permission set, collecting its output.
 *
 * @param options which program, permission set, arguments and environment
 * @returns the running program
 */
export function spawnProgram(options: ProgramOptions): RunningProgram {
  return spawnProcess(command(options, true));
}

/**
 * Starts any command with piped stdout and stderr, collecting its output: the one process
 * handle of the kit (waitFor, stop with SIGTERM then SIGKILL after 5 s, dispose).
 *
 * @param cmd the command, built with `stdout: "piped", stderr: "piped"`
 * @param send sends the stop signal; default `child.kill(signal)` (a wrapper such as unshare
 *   passes it on to the process it runs)
 * @returns the running process
 */
export function spawnProcess(
  cmd: Deno.Command,
  send?: (child: Deno.ChildProcess, signal: Deno.Signal) => void,
): RunningProgram {
  const child = cmd.spawn();
  let stdout = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  const pump = async (stream: ReadableStream<Uint8Array>, into: "out" | "err") => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      const text = decoder.decode(chunk, { stream: true });
      if (into === "out") stdout += text;
      else stderr += text;
      listeners.forEach((l) => l());
    }
  };
  const pumps = Promise.all([pump(child.stdout, "out"), pump(child.stderr, "err")]);
  let result: Promise<ProgramResult> | undefined;

  const stop = (signal: Deno.Signal = "SIGTERM"): Promise<ProgramResult> => {
    result ??= (async () => {
      const status = await terminate(child, { signal, send });
      await pumps;
      return { code: status.code, stdout, stderr };
    })();
    return result;
  };

  return {
    child,
    output: () => ({ stdout, stderr }),
    waitFor(text, timeoutMs = 10_000) {
      const seen = () =>
        typeof text === "string" ? (stdout + stderr).includes(text) : text.test(stdout + stderr);
      return new Promise((resolve, reject) => {
        if (seen()) return resolve();
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(`Timed out after ${timeoutMs} ms waiting for ${text}:\n${stdout}\n${stderr}`),
          );
        }, timeoutMs);
        const check = () => {
          if (!seen()) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        };
        listeners.add(check);
        child.status.then(() => setTimeout(check, 0));
      });
    },
    stop,
    [Symbol.asyncDispose]: async () => {
      await stop();
    },
  };
}
