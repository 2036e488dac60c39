import { parseArgs } from "node:util";
import { ApiClient } from "./api_client.ts";
import { type Command, type CommandContext, COMMANDS } from "./commands.ts";
import { CliError } from "./errors.ts";

/** What the CLI reads from its environment and terminal; tests give their own. */
export interface CliIo {
  /** NUNECT_URL, NUNECT_TOKEN. */
  readonly env: (name: string) => string | undefined;
  /** Prints a line to standard output. */
  readonly print: (line: string) => void;
  /** Prints a line to standard error. */
  readonly error: (line: string) => void;
  /** Asks a question on the terminal (without echo for a secret). */
  readonly ask: (question: string, secret: boolean) => Promise<string>;
}

const GLOBAL = `Global options:
  --json      print the dashboard's answer as JSON
  -h, --help  this help, or a command's

Environment:
  NUNECT_URL    the dashboard (default http://127.0.0.1:4280)
  NUNECT_TOKEN  an API token (Me page, or \`tokens create\`); every command but \`tokens create\`
                uses it: the same routes, roles, scopes and audit trail as the browser`;

/**
 * The help text: every command, or one command's usage and details.
 *
 * @param command a command, or undefined for the list
 * @returns the text
 */
export function helpText(command?: Command): string {
  if (command !== undefined) {
    return [
      `Usage: nunect ${command.name}${command.usage ? ` ${command.usage}` : ""} [--json]`,
      "",
      `${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.`,
      ...(command.details ? ["", command.details] : []),
      "",
      GLOBAL,
    ].join("\n");
  }
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "Usage: nunect <command> [arguments] [--json]  (deno task cli …)",
    "",
    "The nunect dashboard from a terminal: each command is one call of its JSON API.",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    GLOBAL,
  ].join("\n");
}

function find(words: readonly string[]): { command: Command; consumed: number } | undefined {
  for (const n of [2, 1]) {
    const name = words.slice(0, n).join(" ");
    const command = COMMANDS.find((c) => c.name === name);
    if (command) return { command, consumed: n };
  }
  // `streams` alone lists, as `streams ls` does; so do `alerts`, `users` and `tokens`.
  const list = COMMANDS.find((c) => c.name === `${words[0]} ls`);
  return list ? { command: list, consumed: 1 } : undefined;
}

/**
 * Runs the CLI with arguments.
 *
 * @param args the command line after the program
 * @param io environment, output, terminal
 * @returns the exit code: 0 done, 1 refused or failed, 2 bad usage
 */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  try {
    const words = args.filter((a) => !a.startsWith("-"));
    const wantsHelp = args.includes("--help") || args.includes("-h");
    const found = find(words);
    if (found === undefined) {
      if (words.length === 0 && wantsHelp) {
        io.print(helpText());
        return 0;
      }
      io.error(
        words.length === 0
          ? helpText()
          : `Unknown command "${words.join(" ")}": \`nunect --help\` lists them`,
      );
      return 2;
    }
    const { command, consumed } = found;
    if (wantsHelp) {
      io.print(helpText(command));
      return 0;
    }
    let parsed;
    try {
      parsed = parseArgs({
        args: [...args],
        allowPositionals: true,
        strict: true,
        options: { ...command.options, json: { type: "boolean" }, help: { type: "boolean" } },
      });
    } catch (e) {
      throw new CliError(`${(e as Error).message}: \`nunect ${command.name} --help\``, {
        exitCode: 2,
      });
    }
    const positionals = parsed.positionals.slice(consumed);
    if (positionals.length !== command.arity) {
      throw new CliError(
        `nunect ${command.name} takes ${command.arity} argument${command.arity === 1 ? "" : "s"}` +
          `: nunect ${command.name} ${command.usage}`,
        { exitCode: 2 },
      );
    }
    const ctx: CommandContext = {
      api: new ApiClient({
        url: io.env("NUNECT_URL") || "http://127.0.0.1:4280",
        token: io.env("NUNECT_TOKEN") || undefined,
      }),
      json: parsed.values.json === true,
      print: io.print,
      ask: io.ask,
    };
    const out = await command.run(ctx, {
      positionals,
      values: parsed.values as Record<string, string | boolean | undefined>,
    });
    if (ctx.json) io.print(JSON.stringify(out, null, 2));
    return 0;
  } catch (e) {
    if (e instanceof CliError) {
      io.error(e.message);
      return e.exitCode;
    }
    throw e;
  }
}
