import { DEBIAN_NATS_SERVER, MANAGED_SERVER_LINK, serverVersion } from "../tools/mod.ts";
import { PrerequisiteError } from "./preflight.ts";

/** The nats-server the supervisor runs. */
export interface RuntimeServer {
  /** What to run: a path the runtime set allows, or `nats-server` (found on PATH). */
  readonly command: string;
  /** Its version, e.g. `2.15.3`. */
  readonly version: string;
  /** How it was picked, with the real path, for the start line. */
  readonly how: string;
}

/** Whether the program's permission set lets it run `command`. */
function mayRun(command: string): boolean {
  return Deno.permissions.querySync({ name: "run", command }).state === "granted";
}

/** The version of `command`, or undefined when there is no such executable. */
async function versionOf(command: string): Promise<string | undefined> {
  try {
    return await serverVersion(command);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/**
 * nunect's rule for the nats-server binary (see `natsServerBin` in mods/tools), under the runtime
 * permission set, which may run only `nats-server` on PATH, Debian's `/usr/sbin/nats-server` and
 * the link {@linkcode MANAGED_SERVER_LINK} to the managed current server (a stable
 * project-relative path: Deno checks the path it runs, not the link's target, and the set cannot
 * write the link; scripts/setup.sh and the test kit keep it pointing at the pinned build):
 * `NATS_SERVER_BIN` when set; else the managed server through the link; else `nats-server` on
 * PATH; else Debian's.
 *
 * @param serverBin NATS_SERVER_BIN's value (empty: not set)
 * @param projectDir the project root
 * @returns what to run, its version, and how it was picked
 * @throws {PrerequisiteError} when NATS_SERVER_BIN names a binary the set may not run, or there
 *   is no nats-server at all; the message says what to do
 */
export async function runtimeServer(serverBin: string, projectDir: string): Promise<RuntimeServer> {
  const link = `${projectDir}/${MANAGED_SERVER_LINK}`;
  const target = await Deno.readLink(link).catch(() => undefined);
  if (serverBin !== "") {
    // The link is allowed; NATS_SERVER_BIN naming its target is the managed server by name.
    const command = target === serverBin ? link : serverBin;
    if (!mayRun(command)) {
      throw new PrerequisiteError(
        `NATS_SERVER_BIN=${serverBin} may not be run under the runtime permission set: add "${serverBin}" to "permissions.runtime.run" in deno.json, or leave NATS_SERVER_BIN empty`,
      );
    }
    const version = await versionOf(command);
    if (version === undefined) {
      throw new PrerequisiteError(
        `NATS_SERVER_BIN=${serverBin} does not exist: fix the path in .env or leave it empty`,
      );
    }
    return { command, version, how: `NATS_SERVER_BIN: ${serverBin}` };
  }
  if (target !== undefined) {
    const version = await versionOf(link);
    if (version !== undefined) {
      return { command: link, version, how: `nunect-managed: ${MANAGED_SERVER_LINK} -> ${target}` };
    }
  }
  const missing = target === undefined
    ? `no ${MANAGED_SERVER_LINK} (run \`bash scripts/setup.sh run\` to build the current server)`
    : `${MANAGED_SERVER_LINK} points at the missing ${target} (run \`bash scripts/setup.sh run\`)`;
  for (const [command, how] of [["nats-server", "on PATH"], [DEBIAN_NATS_SERVER, "Debian's"]]) {
    const version = await versionOf(command!);
    if (version !== undefined) return { command: command!, version, how: `${how}; ${missing}` };
  }
  throw new PrerequisiteError(
    `nats-server is not installed (${missing}). Install it with \`bash scripts/setup.sh run\` (as root it runs apt-get) or \`sudo apt-get update && sudo apt-get install -y nats-server\``,
  );
}
