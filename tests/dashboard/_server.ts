import { buildIslands, bundleIsStale } from "../../scripts/build_islands.ts";
import { type NatsServer, spawnProgram } from "../_kit/mod.ts";
import { ADMIN } from "./_harness.ts";

/** A free TCP port on 127.0.0.1. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * Runs main.ts under the `dashboard` permission set against `ns`, building the island bundle
 * first when it is stale. Dispose to stop it.
 *
 * @param ns the NATS server
 * @param env extra environment
 * @returns the program and its base URL
 */
export async function startDashboardProgram(ns: NatsServer, env: Record<string, string> = {}) {
  if (await bundleIsStale()) await buildIslands();
  const port = freePort();
  const program = spawnProgram({
    permissionSet: "dashboard",
    entry: "main.ts",
    env: {
      ...ns.env,
      NATS_URL: ns.url,
      NATS_MONITOR_URL: ns.monitorUrl,
      NATS_WS_URL: ns.wsUrl,
      UNIT_ID: "e2e-hub",
      DASHBOARD_BIND: "127.0.0.1",
      DASHBOARD_PORT: String(port),
      DASHBOARD_DOMAIN: "ops.e2e.test",
      DASHBOARD_ADMIN_USER: ADMIN.user,
      DASHBOARD_ADMIN_PASSWORD: ADMIN.password,
      DASHBOARD_SECRET: "e2e-secret-e2e-secret-e2e-secret-000001",
      ...env,
    },
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
