/**
 * The nunect dashboard: Hono on Deno.serve, Preact pages rendered on the server, islands
 * hydrated in the browser (bundled by `deno task build:islands` into static/build/). Reads the
 * monitoring endpoints and the SYS and OPS accounts of the NATS server; browsers get only their
 * own narrow NATS user. Run with `deno task dashboard` (permission set `dashboard`).
 *
 * @module
 */
import { exitOnConfigError, loadConfig } from "./mods/config/mod.ts";
import { createDashboard, DASHBOARD_SECTIONS } from "./routes/dashboard.ts";
import { redactUrl, startServices } from "./routes/services.ts";
import denoJson from "./deno.json" with { type: "json" };

const config = exitOnConfigError(() => loadConfig(DASHBOARD_SECTIONS));
const { dashboard, server, unit } = config;
// The browser unit's heartbeat and RTT intervals (HEARTBEAT_INTERVAL_MS belongs to the guardian).
const BROWSER_INTERVAL_MS = 5000;
const version = denoJson.version;
const unitId = `${unit.unitId}-dashboard`.slice(0, 64);
const monitorUrl = dashboard.monitorUrl || `http://127.0.0.1:${server.httpPort}`;

const settings = {
  domain: dashboard.domain,
  corsOrigins: dashboard.corsOrigins,
  adminUser: dashboard.adminUser,
  adminPassword: dashboard.adminPassword,
  secret: dashboard.secret,
  wsUrl: dashboard.wsUrl,
  wsPort: server.wsPort,
  serverName: server.name,
  uiUser: config.uiUser,
  hostUnitId: unit.unitId,
  echoUnit: unitId,
  heartbeatMs: BROWSER_INTERVAL_MS,
  rttMs: BROWSER_INTERVAL_MS,
};

const services = startServices({
  settings,
  version,
  natsUrl: unit.natsUrl,
  monitorUrl,
  sysUser: config.sysUser,
  opsUser: config.opsUser,
  unitId,
  heartbeatMs: BROWSER_INTERVAL_MS,
  registry: {
    historyMaxAgeMs: dashboard.historyMaxAgeH * 3600_000,
    historyMaxBytes: dashboard.historyMaxMb * 1024 * 1024,
  },
});
services.ready.then(() =>
  console.log(`Connected to NATS at ${redactUrl(unit.natsUrl)} (SYS and OPS)`)
);

try {
  Deno.statSync(new URL("./static/build/hydrate.js", import.meta.url));
} catch {
  console.error(
    "The browser bundle static/build/hydrate.js is missing: pages will not update live. " +
      "Run `deno task build:islands` (or start with `deno task dashboard`, which builds it)",
  );
}

const app = createDashboard(services.deps);
const httpServer = Deno.serve({
  hostname: dashboard.bind,
  port: dashboard.port,
  onListen: ({ hostname, port }) =>
    console.log(
      `nunect dashboard ${version} for ${dashboard.domain} on http://${hostname}:${port} ` +
        `(NATS monitoring ${redactUrl(monitorUrl)})`,
    ),
}, app.fetch);

const shutdown = async () => {
  await httpServer.shutdown();
  await services.close();
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", shutdown);
Deno.addSignalListener("SIGTERM", shutdown);
