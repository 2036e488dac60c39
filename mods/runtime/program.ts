import { connect, type ConnectOptions, type NunectClient } from "../client/mod.ts";
import { waitForJetStream } from "./jetstream_wait.ts";

/** A NATS user the program connects as: the `.creds` text the controller issued it. */
export interface ProgramUser {
  /** The user's `.creds` text (JWT and seed). */
  readonly creds: string;
  /** The program keeps state in this user's account's JetStream: wait until it answers. */
  readonly jetStream?: boolean;
}

/** What {@linkcode startProgram} needs of the configuration: the unit's id and NATS URL. */
export interface ProgramUnit {
  /** This unit's id; the program's id is `<unitId>-<program>`. */
  readonly unitId: string;
  /** The NATS server to connect to. */
  readonly natsUrl: string;
}

/** A background program's id, log line printer and connections, from {@linkcode startProgram}. */
export interface StartedProgram<Who extends string> {
  /** `<unitId>-<program>`, at most 64 characters. */
  readonly id: string;
  /** Prints `<program> <id>: <line>` to stdout. */
  readonly print: (line: string) => void;
  /** One connection per user, each with unit id `<id>-<who>` and name `nunect-<program>-<who>`. */
  readonly clients: Readonly<Record<Who, NunectClient>>;
}

/**
 * The start of a background program's entry point (history, registry, alerts): its id and log
 * printer, and one connection per configured user, each waiting for the server at first and
 * reconnecting for ever; then, for the users marked `jetStream`, the wait until their account
 * answers JetStream ({@linkcode waitForJetStream}: nats-server 2.9 turns it on a moment after
 * the account loads), so the program's first JetStream calls need no retry of their own. When a
 * connection cannot be made, or JetStream does not answer within the wait, the program says
 * which server or account and exits with code 1. For entry points (`main.ts`) only.
 *
 * @param program the program's name, e.g. `history`
 * @param unit this unit's id and NATS URL (`config.unit`)
 * @param users the users to connect as, by a short name (`{ sys: { creds } }`; `jetStream: true`
 *   for a user whose account's JetStream the program needs)
 * @param tls TLS towards the server (`natsTlsOptions(config.natsTls)`), when configured
 * @returns the id, the printer and the connections
 */
export async function startProgram<Who extends string>(
  program: string,
  unit: ProgramUnit,
  users: Readonly<Record<Who, ProgramUser>>,
  tls?: ConnectOptions["tls"],
): Promise<StartedProgram<Who>> {
  const id = `${unit.unitId}-${program}`.slice(0, 64);
  const print = (line: string) => console.log(`${program} ${id}: ${line}`);
  const entries = Object.entries(users) as [Who, ProgramUser][];
  try {
    const clients = await Promise.all(entries.map(([who, u]) =>
      connect({
        servers: unit.natsUrl,
        tls,
        unitId: `${id}-${who}`.slice(0, 64),
        name: `nunect-${program}-${who}`,
        creds: u.creds,
        waitOnFirstConnect: true,
        maxReconnectAttempts: -1,
      })
    ));
    await waitForJetStreams(program, id, entries, clients, print);
    return {
      id,
      print,
      clients: Object.fromEntries(entries.map(([who], i) => [who, clients[i]!])) as Record<
        Who,
        NunectClient
      >,
    };
  } catch (e) {
    console.error(`${program} ${id}: cannot connect to ${unit.natsUrl}: ${(e as Error).message}`);
    Deno.exit(1);
  }
}

async function waitForJetStreams(
  program: string,
  id: string,
  entries: readonly [string, ProgramUser][],
  clients: readonly NunectClient[],
  print: (line: string) => void,
): Promise<void> {
  await Promise.all(entries.map(async ([who, u], i) => {
    if (!u.jetStream) return;
    const what = `the ${who} user's account`;
    try {
      await waitForJetStream(clients[i]!, { what, log: print });
    } catch (e) {
      console.error(
        `${program} ${id}: JetStream does not answer in ${what}: ${(e as Error).message}. ` +
          "Check that JetStream is enabled on the server and for the account",
      );
      Deno.exit(1);
    }
  }));
}

/**
 * Stops a background program once on SIGTERM or SIGINT: prints `<signal>: stopping`, runs `stop`
 * (close what the program started, in order) and exits with code 0.
 *
 * @param print the program's printer, from {@linkcode startProgram}
 * @param stop closes the program's parts and connections
 */
export function stopOnSignals(print: (line: string) => void, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    print(`${signal}: stopping`);
    await stop();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", () => shutdown("SIGTERM"));
  Deno.addSignalListener("SIGINT", () => shutdown("SIGINT"));
}
