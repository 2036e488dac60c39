import { NunectError } from "../protocol/mod.ts";

/**
 * A command that cannot be carried out: bad arguments, an unreachable dashboard, or the API's
 * refusal (its status and message). The CLI prints the message and exits with
 * {@linkcode CliError.exitCode}.
 */
export class CliError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "CliError";
  /** 2 for bad usage, 1 for everything else. */
  readonly exitCode: number;
  /** The API's HTTP status, when the API refused. */
  readonly status: number | null;

  /**
   * Creates the error.
   *
   * @param message what went wrong and what to do
   * @param options exit code, HTTP status, cause
   */
  constructor(
    message: string,
    options: { exitCode?: number; status?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.exitCode = options.exitCode ?? 1;
    this.status = options.status ?? null;
  }
}
