/**
 * Whether children can be tied to the supervisor's life: `setpriv` (util-linux, on every Debian
 * host) sets the kernel's parent-death signal before it runs the program, so a supervisor killed
 * with SIGKILL still takes its children with it.
 *
 * @returns true when `setpriv` runs
 */
export async function canTieChildren(): Promise<boolean> {
  try {
    const out = await new Deno.Command("setpriv", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

/**
 * A command for a child process; with `tied`, the child receives SIGTERM when the supervisor
 * dies, however it dies (`setpriv --pdeathsig TERM`, which then becomes the program itself, so
 * the pid is the program's).
 *
 * @param program the program, e.g. `nats-server` (found on the child's PATH)
 * @param args its arguments
 * @param options how to run it (environment, pipes, ...)
 * @param tied whether to tie it to this process's life (see {@linkcode canTieChildren})
 * @returns the command, ready to spawn
 */
export function childCommand(
  program: string,
  args: readonly string[],
  options: Omit<Deno.CommandOptions, "args">,
  tied: boolean,
): Deno.Command {
  return tied
    ? new Deno.Command("setpriv", {
      ...options,
      args: ["--pdeathsig", "TERM", "--", program, ...args],
    })
    : new Deno.Command(program, { ...options, args: [...args] });
}
