import { natsHostPort } from "../../mods/runtime/mod.ts";
import type { NatsServer } from "./nats.ts";
import { type RunningProgram, spawnProgram } from "./program.ts";
import { PROJECT_DIR } from "./project.ts";

/**
 * Issues a guardian unit's credentials on the test server, writes them to a file in the server's
 * directory and returns the guardian's environment: NATS_CREDS pointing there, fast intervals,
 * and clock daemon sockets that do not exist (so the clock reads none/freerun), plus overrides.
 * `TIME_MASTER: "true"` in `extra` issues a time master.
 *
 * @param ns the test server
 * @param unitId the guardian's unit ID (an invalid one gets no credentials: the guardian must
 *   refuse it before it reads them)
 * @param extra variables that replace or add to these
 * @returns the guardian's whole environment
 */
export async function guardianEnv(
  ns: NatsServer,
  unitId: string,
  extra: Record<string, string> = {},
): Promise<Record<string, string>> {
  const credsFile = `${ns.dir}/creds/${encodeURIComponent(unitId)}.creds`;
  if (/^[A-Za-z0-9_-]{1,64}$/.test(unitId)) {
    const timeMaster = ["true", "1", "yes"].includes(extra.TIME_MASTER ?? "");
    const id = await ns.unit(unitId, { role: "guardian", timeMaster, replace: true });
    await Deno.mkdir(`${ns.dir}/creds`, { recursive: true });
    await Deno.writeTextFile(credsFile, id.creds, { mode: 0o600 });
  }
  return {
    NATS_URL: ns.url,
    UNIT_ID: unitId,
    NATS_CREDS: credsFile,
    HEARTBEAT_INTERVAL_MS: "200",
    RTT_INTERVAL_MS: "300",
    TIME_INTERVAL_MS: "300",
    CHRONY_SOCKET: "/nonexistent/chronyd.sock",
    PTP_UDS_PATH: "/nonexistent/ptp4l",
    ...extra,
  };
}

/**
 * The deno flags the supervisor and scripts/guardian.sh add to `-P=guardian`: network to the
 * server's host:port only, reading its credentials file only.
 *
 * @param env the guardian's environment (NATS_URL, NATS_CREDS)
 * @returns the flags
 */
export function guardianFlags(env: Record<string, string>): string[] {
  return [
    `--allow-net=${natsHostPort(env.NATS_URL ?? "nats://127.0.0.1:4222")}`,
    ...(env.NATS_CREDS ? [`--allow-read=${env.NATS_CREDS}`] : []),
  ];
}

/**
 * Starts mods/guardian/main.ts under `-P=guardian` with {@linkcode guardianFlags} (as
 * scripts/guardian.sh and the supervisor do) and waits until it runs.
 *
 * @param _ns the test server (its URL is in `env`)
 * @param env the guardian's whole environment (see {@linkcode guardianEnv})
 * @param prefix a command deno runs under (see `ProgramOptions.prefix`)
 * @returns the running program (dispose to stop it)
 */
export async function startGuardianProgram(
  _ns: NatsServer,
  env: Record<string, string>,
  prefix: readonly string[] = [],
): Promise<RunningProgram> {
  const p = spawnProgram({
    permissionSet: "guardian",
    entry: "mods/guardian/main.ts",
    denoFlags: guardianFlags(env),
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
    denoFlags: [
      `--allow-net=${natsHostPort(ns.url)}`,
      `--allow-read=${ns.identityDir}/creds/registry`,
    ],
    env: {
      NATS_URL: ns.url,
      UNIT_ID: "hub",
      NATS_IDENTITY_DIR: ns.identityDir,
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

/**
 * The guardian's memory settings: the variables of config/guardian_memory.env (or of the router
 * artefact's copy, memory.env), which scripts/guardian.sh and the artefact's launcher export.
 *
 * @param file the env file (default: the project's config/guardian_memory.env)
 * @returns name -> value
 */
export async function guardianMemoryEnv(
  file = `${PROJECT_DIR}/config/guardian_memory.env`,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const line of (await Deno.readTextFile(file)).split("\n")) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}
