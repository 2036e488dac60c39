import { NunectError } from "../protocol/core.ts";

/** What a finished command printed and how it exited. */
export interface CommandResult {
  /** Exit code; -1 when it was killed after the timeout. */
  readonly code: number;
  /** Everything it printed on stdout. */
  readonly stdout: string;
  /** Everything it printed on stderr. */
  readonly stderr: string;
  /** True when it was killed because it ran past the timeout. */
  readonly timedOut: boolean;
}

/**
 * Runs one program with arguments and returns its output. The readers take one so that tests can
 * feed captured output; production uses {@linkcode commandRunner}.
 */
export type CommandRunner = (path: string, args: readonly string[]) => Promise<CommandResult>;

/** Raised by the runner when the program could not be started at all. */
export class CommandStartError extends NunectError {
  /**
   * Creates the error for a program that could not be started.
   *
   * @param path the program
   * @param options the cause (NotFound, NotCapable, ...)
   */
  constructor(path: string, options?: ErrorOptions) {
    const why = options?.cause instanceof Error ? options.cause.message : String(options?.cause);
    super(`Cannot run "${path}": ${why}`, options);
  }
}

/**
 * Builds a {@linkcode CommandRunner} on `Deno.Command` that kills the program after `timeoutMs`.
 * Programs get an empty environment but `LC_ALL=C`, so their output does not depend on a locale.
 *
 * @param timeoutMs how long a program may run (default 3000 ms)
 * @returns the runner
 * @throws {CommandStartError} (from the runner) when the program cannot be started
 */
export function commandRunner(timeoutMs = 3000): CommandRunner {
  return async (path, args) => {
    const signal = AbortSignal.timeout(timeoutMs);
    let out: Deno.CommandOutput;
    try {
      out = await new Deno.Command(path, {
        args: [...args],
        clearEnv: true,
        env: { LC_ALL: "C" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        signal,
      }).output();
    } catch (e) {
      throw new CommandStartError(path, { cause: e });
    }
    const dec = new TextDecoder();
    return {
      code: out.code,
      stdout: dec.decode(out.stdout),
      stderr: dec.decode(out.stderr),
      timedOut: signal.aborted,
    };
  };
}
