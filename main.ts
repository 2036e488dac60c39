/**
 * The nunect dashboard: Hono on Deno.serve (behind mods/tls's HttpsServer over HTTPS), Preact
 * pages rendered on the server, islands hydrated in the browser (bundled by
 * `deno task build:islands` into static/build/). Reads the
 * monitoring endpoints and the SYS and OPS accounts of the NATS server through mods/dashboard,
 * as the users the controller issued it (NATS_IDENTITY_DIR/creds/dashboard/); browsers get only
 * their own session's user for their own unit. Over HTTPS (HTTP/2) with DASHBOARD_TLS_CERT and
 * DASHBOARD_TLS_KEY, whose renewals it serves without a restart; behind a reverse proxy it believes
 * forwarded headers from DASHBOARD_TRUSTED_PROXIES only. Run with `deno task dashboard`
 * (permission set `dashboard`, plus the TLS files' read grant).
 *
 * @module
 */
import {
  exitOnConfigError,
  exitOnVersionFlag,
  loadConfig,
  projectPath,
} from "./mods/config/mod.ts";
import { readCredsOrExit, systemCredsFiles } from "./mods/controller/mod.ts";
import { DASHBOARD_SECTIONS, DashboardServices, redactUrl } from "./mods/dashboard/mod.ts";
import { CertificateFileError, HttpsServer, readCaFile } from "./mods/tls/mod.ts";
import { createDashboard } from "./routes/app.ts";
import { trustForwarded } from "./routes/forwarded.ts";
import { dashboardHostNames, guardHost } from "./routes/host.ts";
import { httpsRedirect } from "./routes/https_redirect.ts";
import { NUNECT_VERSION } from "./mods/protocol/mod.ts";

exitOnVersionFlag("dashboard");

const config = exitOnConfigError(() => loadConfig(DASHBOARD_SECTIONS));
const { dashboard, unit, natsTls } = config;
const projectDir = new URL(".", import.meta.url).pathname.replace(/\/$/, "");
const files = systemCredsFiles(projectPath(config.identity.dir, projectDir), unit.unitId);

/** A certificate file that cannot be used: say which and how to fix it, exit 2 (no restart). */
function certificateProblem(e: unknown): never {
  if (!(e instanceof CertificateFileError)) throw e;
  console.error(
    `${e.message}${
      /not readable by this program/.test(e.message)
        ? ". `deno task start` and `deno task dashboard` grant the dashboard read access to the " +
          "files .env names; when running main.ts by hand, add them to --allow-read"
        : ""
    }`,
  );
  Deno.exit(2);
}

const monitorCa = natsTls.ca === ""
  ? undefined
  : await readCaFile(natsTls.ca, "NATS_TLS_CA").catch(certificateProblem);
const services = DashboardServices.start({
  config,
  version: NUNECT_VERSION,
  monitorCa,
  credentials: {
    sys: readCredsOrExit(files.dashboardSys, "dashboard"),
    ops: readCredsOrExit(files.dashboardOps, "dashboard"),
    unit: readCredsOrExit(files.dashboardUnit, "dashboard"),
  },
});
services.ready.then(() =>
  console.log(
    `Connected to NATS at ${redactUrl(unit.natsUrl)} (SYS, OPS and unit ${services.unitId})`,
  )
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
// A trusted proxy's forwarded name is vetted like any Host header, so the check comes after.
const handler = trustForwarded(guardHost(app.fetch, { names: hostNames }), {
  trustedProxies: dashboard.trustedProxies,
});
const https = dashboard.tlsCert !== "";
const listening = (hostname: string, port: number) =>
  console.log(
    `nunect dashboard ${services.version} for ${dashboard.domain} on ${
      https ? "https" : "http"
    }://${hostname}:${port} (NATS monitoring ${redactUrl(services.monitor.url)})`,
  );

/** A listener that could not be opened: exit 1 if the port is taken (it may free up), else 2. */
function cannotListen(e: unknown, variable: string, port: number): never {
  if (e instanceof CertificateFileError) certificateProblem(e);
  const inUse = e instanceof Deno.errors.AddrInUse;
  console.error(
    `Cannot listen on DASHBOARD_BIND=${dashboard.bind} ${variable}=${port}: ${
      (e as Error).message
    }. ${
      inUse
        ? `Another process holds the port: stop it or choose another ${variable}`
        : "Set DASHBOARD_BIND to 127.0.0.1, 0.0.0.0 or an address of this host in .env"
    }`,
  );
  Deno.exit(inUse ? 1 : 2);
}

const servers: { shutdown(): Promise<void> }[] = [];
try {
  servers.push(
    https
      ? await HttpsServer.start({
        hostname: dashboard.bind,
        port: dashboard.port,
        certFile: dashboard.tlsCert,
        keyFile: dashboard.tlsKey,
        variables: ["DASHBOARD_TLS_CERT", "DASHBOARD_TLS_KEY"],
        handler,
        onListen: ({ hostname, port }) => listening(hostname, port),
        onCertificate: (info) => services.dashboardCertificate = info,
      })
      : Deno.serve({
        hostname: dashboard.bind,
        port: dashboard.port,
        onListen: ({ hostname, port }) => listening(hostname, port),
      }, handler),
  );
} catch (e) {
  cannotListen(e, "DASHBOARD_PORT", dashboard.port);
}
if (dashboard.redirectPort !== null) {
  try {
    servers.push(Deno.serve({
      hostname: dashboard.bind,
      port: dashboard.redirectPort,
      onListen: ({ hostname, port }) =>
        console.log(`Redirecting http://${hostname}:${port} to HTTPS`),
    }, guardHost(httpsRedirect(dashboard.port), { names: hostNames })));
  } catch (e) {
    cannotListen(e, "DASHBOARD_REDIRECT_PORT", dashboard.redirectPort);
  }
}

const shutdown = async () => {
  await Promise.all(servers.map((s) => s.shutdown()));
  await services.close();
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", shutdown);
Deno.addSignalListener("SIGTERM", shutdown);
