import { canTieChildren } from "../../mods/runtime/child.ts";
import { findOnPath } from "../../mods/tools/mod.ts";

/** setpriv's absolute path, found once: a test may give its programs a PATH without it. */
const SETPRIV = (await canTieChildren()) ? await findOnPath("setpriv") : undefined;

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
  return SETPRIV === undefined
    ? new Deno.Command(program, { ...rest, args })
    : new Deno.Command(SETPRIV, { ...rest, args: ["--pdeathsig", "TERM", "--", program, ...args] });
}
