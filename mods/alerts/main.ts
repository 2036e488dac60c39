/**
 * The alerts program's entry point, run by the supervisor (and `deno task alerts`) under the
 * `alerts` permission set: network = the NATS server and the notification hosts of .env (the
 * supervisor grants exactly those), environment = its config sections. Connects as its own OPS
 * user (credentials from `deno task identity init`),
 * evaluates the rules and delivers notifications until SIGTERM or SIGINT. Several may run: each
 * transition is recorded and notified once. A bad configuration exits with code 2.
 *
 * @module
 */
import {
  exitOnConfigError,
  exitOnVersionFlag,
  loadConfig,
  natsTlsOptions,
  projectPath,
  type SectionName,
} from "../config/mod.ts";
import { readCredsOrExit, systemCredsFiles } from "../controller/mod.ts";
import { startProgram, stopOnSignals } from "../runtime/mod.ts";
import { UnitKeyDirectory, UnitRegistry } from "../monitor/mod.ts";
import { AlertEngine } from "./engine.ts";
import { configuredChannels } from "./notify/deliver.ts";
import { AlertStore } from "./store.ts";

/** The configuration sections the alerts program reads; its permission set names their variables. */
export const ALERTS_SECTIONS = [
  "unit",
  "identity",
  "history",
  "alerts",
  "natsTls",
] as const satisfies readonly SectionName[];

const PROJECT_DIR = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

if (import.meta.main) {
  exitOnVersionFlag("alerts");
  const config = exitOnConfigError(() => loadConfig(ALERTS_SECTIONS));
  const files = systemCredsFiles(projectPath(config.identity.dir, PROJECT_DIR), config.unit.unitId);
  const { print, clients: { ops: client } } = await startProgram("alerts", config.unit, {
    ops: { creds: readCredsOrExit(files.alertsOps, "alerts"), jetStream: true },
  }, natsTlsOptions(config.natsTls));
  const store = await AlertStore.open(client.nc, {
    historyDays: config.alerts.historyDays,
    replicas: config.history.replicas,
  });
  // The units the dashboard stores are read, never written: a unit that fell silent while no
  // evaluator ran is known here, so its missing heartbeat alerts.
  // OPS units' telemetry is verified against the controller's unit key directory.
  const unitKeys = await UnitKeyDirectory.open(client.nc);
  const units = await UnitRegistry.start(client.nc, {
    persist: false,
    historyStream: null,
    unitKeys,
  });
  const engine = await AlertEngine.start({
    nc: client.nc,
    store,
    historyTier: config.history.tiers[0]!.name,
    units: () => units.units(),
    intervalMs: config.alerts.evalIntervalS * 1000,
    channels: config.alerts,
    log: print,
  });
  const channels = configuredChannels(config.alerts);
  print(
    `evaluating every ${config.alerts.evalIntervalS} s; channels: ${
      channels.length === 0 ? "none configured (see ALERT_* in .env)" : channels.join(", ")
    }`,
  );
  stopOnSignals(print, async () => {
    await engine.close();
    await units.close();
    await unitKeys.close();
    await client.close();
  });
}
