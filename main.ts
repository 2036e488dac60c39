/**
 * The nunect dashboard: Hono on Deno.serve, Preact pages rendered on the server, islands
 * hydrated in the browser (bundled by `deno task build:islands` into static/build/). Reads the
 * monitoring endpoints and the SYS and OPS accounts of the NATS server through mods/dashboard;
 * browsers get only their own narrow NATS user. Run with `deno task dashboard` (permission set
 * `dashboard`).
 *
 * @module
 */
import { exitOnConfigError, loadConfig } from "./mods/config/mod.ts";
import { DASHBOARD_SECTIONS, DashboardServices, redactUrl } from "./mods/dashboard/mod.ts";
import { createDashboard } from "./routes/app.ts";
import { dashboardHostNames, guardHost } from "./routes/host.ts";
import { NUNECT_VERSION, versionLine } from "./mods/protocol/mod.ts";

if (Deno.args.includes("--version")) {
  console.log(versionLine("dashboard"));
  Deno.exit(0);
}

const config = exitOnConfigError(() => loadConfig(DASHBOARD_SECTIONS));
const { dashboard, unit } = config;
const services = DashboardServices.start({ config, version: NUNECT_VERSION });
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

const app = createDashboard({ services });
// The names the dashboard answers to; any other Host header is refused before routing.
const hostNames = dashboardHostNames({
  domain: dashboard.domain,
  bind: dashboard.bind,
  interfaces: Deno.networkInterfaces().map((i) => i.address),
  hostname: Deno.hostname(),
});
let httpServer: Deno.HttpServer;
try {
  httpServer = Deno.serve({
    hostname: dashboard.bind,
    port: dashboard.port,
    onListen: ({ hostname, port }) =>
      console.log(
        `nunect dashboard ${services.version} for ${dashboard.domain} on http://${hostname}:${port} ` +
          `(NATS monitoring ${redactUrl(services.monitor.url)})`,
      ),
  }, guardHost(app.fetch, { names: hostNames }));
} catch (e) {
  // A port in use may free up (exit 1: the supervisor retries); any other failure is the
  // configuration's (exit 2: the supervisor does not restart it).
  const inUse = e instanceof Deno.errors.AddrInUse;
  console.error(
    `Cannot listen on DASHBOARD_BIND=${dashboard.bind} DASHBOARD_PORT=${dashboard.port}: ${
      (e as Error).message
    }. ${
      inUse
        ? "Another process holds the port: stop it or choose another DASHBOARD_PORT"
        : "Set DASHBOARD_BIND to 127.0.0.1, 0.0.0.0 or an address of this host in .env"
    }`,
  );
  Deno.exit(inUse ? 1 : 2);
}

const shutdown = async () => {
  await httpServer.shutdown();
  await services.close();
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", shutdown);
Deno.addSignalListener("SIGTERM", shutdown);
