import { natsHostPort } from "../../mods/runtime/mod.ts";
import type { NatsServer } from "./nats.ts";
import { type RunningProgram, spawnProgram } from "./program.ts";

/**
 * The guardian's environment for a test server: the guardian user, fast intervals, and clock
 * daemon sockets that do not exist (so the clock reads none/freerun), plus overrides.
 *
 * @param ns the test server
 * @param unitId the guardian's unit ID
 * @param extra variables that replace or add to these
 * @returns the guardian's whole environment
 */
export function guardianEnv(
  ns: NatsServer,
  unitId: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    NATS_URL: ns.url,
    UNIT_ID: unitId,
    NATS_GUARDIAN_USER: ns.users.guardian.user,
    NATS_GUARDIAN_PASSWORD: ns.users.guardian.pass,
    HEARTBEAT_INTERVAL_MS: "200",
    RTT_INTERVAL_MS: "300",
    TIME_INTERVAL_MS: "300",
    CHRONY_SOCKET: "/nonexistent/chronyd.sock",
    PTP_UDS_PATH: "/nonexistent/ptp4l",
    ...extra,
  };
}

/**
 * Starts mods/guardian/main.ts under `-P=guardian --allow-net=<the server's host:port>` (as
 * scripts/guardian.sh and the supervisor do) and waits until it runs.
 *
 * @param ns the test server
 * @param env the guardian's whole environment (see {@linkcode guardianEnv})
 * @param prefix a command deno runs under (see `ProgramOptions.prefix`)
 * @returns the running program (dispose to stop it)
 */
export async function startGuardianProgram(
  ns: NatsServer,
  env: Record<string, string>,
  prefix: readonly string[] = [],
): Promise<RunningProgram> {
  const p = spawnProgram({
    permissionSet: "guardian",
    entry: "mods/guardian/main.ts",
    denoFlags: [`--allow-net=${natsHostPort(ns.url)}`],
    env,
    prefix,
  });
  await p.waitFor(/heartbeat every/, 30_000);
  return p;
}

/**
 * Starts the subject registry (mods/registry/main.ts) under `-P=registry --allow-net=<the
 * server's host:port>` (as the supervisor does), polling every 250 ms, and waits until it runs.
 *
 * @param ns the hub server it connects to (a cluster's first member)
 * @param env variables that replace or add to these
 * @returns the running program (dispose to stop it)
 */
export async function startRegistryProgram(
  ns: NatsServer,
  env: Record<string, string> = {},
): Promise<RunningProgram> {
  const p = spawnProgram({
    permissionSet: "registry",
    entry: "mods/registry/main.ts",
    denoFlags: [`--allow-net=${natsHostPort(ns.url)}`],
    env: {
      NATS_URL: ns.url,
      UNIT_ID: "hub",
      NATS_SYS_USER: ns.users.sys.user,
      NATS_SYS_PASSWORD: ns.users.sys.pass,
      NATS_OPS_USER: ns.users.ops.user,
      NATS_OPS_PASSWORD: ns.users.ops.pass,
      REGISTRY_INTERVAL_MS: "250",
      ...env,
    },
  });
  try {
    await p.waitFor(/watching the hub's leaf nodes/, 30_000);
  } catch (e) {
    await p.stop();
    throw e;
  }
  return p;
}
