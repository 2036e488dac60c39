import { buildIslands, bundleIsStale } from "../../scripts/build_islands.ts";
import { allSections, loadConfig } from "../../mods/config/mod.ts";
import { defaultModules } from "../../mods/runtime/mod.ts";
import {
  freePorts,
  type NatsServer,
  PROJECT_DIR,
  spawnProgram,
  TEST_HUB_UNIT,
} from "../_kit/mod.ts";
import { testEnv } from "./_harness.ts";

/**
 * Runs main.ts under the `dashboard` permission set against `ns` (reading its credentials from
 * the server's identity directory, as the supervisor grants it), with the controller's request
 * API served, building the island bundle first when it is stale. With TLS files in `env`
 * (DASHBOARD_TLS_*, NATS_TLS_*), it also gets the read grant the supervisor would give it for
 * them. Dispose to stop it.
 *
 * @param ns the NATS server
 * @param env extra environment
 * @returns the program and its base URL (`https://` with DASHBOARD_TLS_CERT)
 */
export async function startDashboardProgram(ns: NatsServer, env: Record<string, string> = {}) {
  if (await bundleIsStale()) await buildIslands();
  await ns.serveController();
  const [port] = freePorts(1);
  const vars = testEnv(ns, {
    // The hub whose dashboard credentials the kit's identity holds.
    UNIT_ID: TEST_HUB_UNIT,
    DASHBOARD_BIND: "127.0.0.1",
    DASHBOARD_PORT: String(port),
    DASHBOARD_DOMAIN: "ops.e2e.test",
    DASHBOARD_CORS_ORIGINS: "",
    DASHBOARD_SECRET: "e2e-secret-e2e-secret-e2e-secret-000001",
    ...env,
  });
  // The supervisor's own computation of the dashboard's read grant (network: the set's loopback).
  const config = loadConfig(allSections, (name) => vars[name]);
  const read = defaultModules(config, PROJECT_DIR).find((m) => m.name === "dashboard")!
    .denoFlags.filter((f) => f.startsWith("--allow-read="));
  const program = spawnProgram({
    permissionSet: "dashboard",
    entry: "main.ts",
    denoFlags: read,
    env: vars,
  });
  await program.waitFor("nunect dashboard", 20_000);
  await program.waitFor("Connected to NATS", 20_000);
  return {
    program,
    url: `${vars.DASHBOARD_TLS_CERT ? "https" : "http"}://127.0.0.1:${port}`,
    async [Symbol.asyncDispose]() {
      await program.stop();
    },
  };
}
