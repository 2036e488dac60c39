/**
 * The history collector's entry point, run by the supervisor (and `deno task history`) under the
 * `history` permission set: network = the NATS server only, environment = its config sections.
 * Connects as its own SYS user (cluster-wide `$SYS` requests) and OPS user (units telemetry, the
 * history streams and the lease), from the credentials `deno task identity init` issued it, collects until SIGTERM or SIGINT, then gives the lease up so a
 * standby collector takes over at once. A bad configuration exits with code 2.
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
import { AccountNames, SysMonitor, UnitKeyDirectory, UnitRegistry } from "../monitor/mod.ts";
import { HistoryCollector } from "./collector.ts";
import { sysSampler } from "./sampler.ts";

/** The configuration sections the collector reads; its permission set names their variables. */
export const HISTORY_SECTIONS = [
  "unit",
  "identity",
  "history",
  "natsTls",
] as const satisfies readonly SectionName[];

const PROJECT_DIR = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

if (import.meta.main) {
  exitOnVersionFlag("history");
  const config = exitOnConfigError(() => loadConfig(HISTORY_SECTIONS));
  const files = systemCredsFiles(projectPath(config.identity.dir, PROJECT_DIR), config.unit.unitId);
  const { id: collectorId, print, clients } = await startProgram("history", config.unit, {
    sys: { creds: readCredsOrExit(files.historySys, "history") },
    ops: { creds: readCredsOrExit(files.historyOps, "history"), jetStream: true },
  }, natsTlsOptions(config.natsTls));
  const { sys: sysClient, ops: opsClient } = clients;
  const sys = new SysMonitor(sysClient.nc);
  // Operator mode: accstatz names accounts by key; history keeps them by name (as JSZ does).
  const accountNames = new AccountNames(sysClient.nc);
  await accountNames.refresh();
  // The units the dashboard stores are read, never written (it owns the bucket and the telemetry
  // stream): a unit silent since before this start still has its row, with up = 0.
  // OPS units' telemetry is verified against the controller's unit key directory.
  const unitKeys = await UnitKeyDirectory.open(opsClient.nc);
  const units = await UnitRegistry.start(opsClient.nc, {
    persist: false,
    historyStream: null,
    unitKeys,
  });
  let collector: HistoryCollector;
  try {
    collector = await HistoryCollector.start({
      nc: opsClient.nc,
      sample: sysSampler(sys, () => units.units(), 2000, (key) => accountNames.name(key)),
      tiers: config.history.tiers,
      maxBytes: config.history.maxMb * 1024 * 1024,
      replicas: config.history.replicas,
      collectorId,
      log: print,
    });
  } catch (e) {
    console.error(
      `history ${collectorId}: cannot create the history streams in the OPS account: ` +
        `${(e as Error).message}. Check that JetStream is enabled and that ` +
        `${config.history.tiers.length} × HISTORY_MAX_MB (${config.history.maxMb} MB) fits ` +
        `NATS_JS_MAX_FILE`,
    );
    Deno.exit(1);
  }
  print(
    `collecting ${config.history.tiers.map((t) => `${t.name} for ${t.keepS} s`).join(", ")} ` +
      `from ${config.unit.natsUrl}`,
  );

  stopOnSignals(print, async () => {
    await collector.close();
    await units.close();
    await unitKeys.close();
    await sys.close();
    await Promise.all([sysClient.close(), opsClient.close()]);
  });
}
