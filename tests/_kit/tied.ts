import { canTieChildren, childCommand } from "../../mods/runtime/child.ts";

const TIED = await canTieChildren();

/**
 * A command for a program the kit starts, tied to the test runner's life as the supervisor ties
 * its children (`setpriv --pdeathsig TERM`, see `mods/runtime/child.ts`): a runner that is killed,
 * even with SIGKILL, takes its servers and programs with it instead of leaving them running.
 * Untied where `setpriv` is missing.
 *
 * @param program the program to run
 * @param options as for `Deno.Command`
 * @returns the command, ready to spawn
 */
export function tiedCommand(program: string, options: Deno.CommandOptions = {}): Deno.Command {
  const { args = [], ...rest } = options;
  return childCommand(program, args, rest, TIED);
}
