import { NunectError } from "../protocol/mod.ts";

/**
 * Thrown when a pinned Go program cannot be had: Go is missing, the build failed, or the target
 * is malformed. The message is one line saying why and what to do.
 */
export class ToolUnavailableError extends NunectError {
  /** The tool's name, e.g. `"nats-server"`. */
  readonly tool: string;

  /**
   * Creates the error for a tool that cannot be had.
   *
   * @param tool the tool's name
   * @param message one line: why, and what to do
   * @param options the underlying error as `cause`, where there is one
   */
  constructor(tool: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.tool = tool;
  }
}
