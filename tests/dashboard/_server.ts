import { buildIslands, bundleIsStale } from "../../scripts/build_islands.ts";
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
 * API served, building the island bundle first when it is stale. Dispose to stop it.
 *
 * @param ns the NATS server
 * @param env extra environment
 * @returns the program and its base URL
 */
export async function startDashboardProgram(ns: NatsServer, env: Record<string, string> = {}) {
  if (await bundleIsStale()) await buildIslands();
  await ns.serveController();
  const [port] = freePorts(1);
  const program = spawnProgram({
    permissionSet: "dashboard",
    entry: "main.ts",
    denoFlags: [`--allow-read=${PROJECT_DIR}/static,${ns.identityDir}/creds/dashboard`],
    env: testEnv(ns, {
      // The hub whose dashboard credentials the kit's identity holds.
      UNIT_ID: TEST_HUB_UNIT,
      DASHBOARD_BIND: "127.0.0.1",
      DASHBOARD_PORT: String(port),
      DASHBOARD_DOMAIN: "ops.e2e.test",
      DASHBOARD_CORS_ORIGINS: "",
      DASHBOARD_SECRET: "e2e-secret-e2e-secret-e2e-secret-000001",
      ...env,
    }),
  });
  await program.waitFor("nunect dashboard", 20_000);
  await program.waitFor("Connected to NATS", 20_000);
  return {
    program,
    url: `http://127.0.0.1:${port}`,
    async [Symbol.asyncDispose]() {
      await program.stop();
    },
  };
}
