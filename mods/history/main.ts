/**
 * The history collector's entry point, run by the supervisor (and `deno task history`) under the
 * `history` permission set: network = the NATS server only, environment = its config sections.
 * Connects as the SYS user (cluster-wide `$SYS` requests) and the OPS user (units telemetry, the
 * history streams and the lease), collects until SIGTERM or SIGINT, then gives the lease up so a
 * standby collector takes over at once. A bad configuration exits with code 2.
 *
 * @module
 */
import { exitOnConfigError, loadConfig, natsTlsOptions, type SectionName } from "../config/mod.ts";
import { startProgram, stopOnSignals } from "../runtime/mod.ts";
import { SysMonitor, UnitRegistry } from "../monitor/mod.ts";
import { versionLine } from "../protocol/mod.ts";
import { HistoryCollector } from "./collector.ts";
import { sysSampler } from "./sampler.ts";

/** The configuration sections the collector reads; its permission set names their variables. */
export const HISTORY_SECTIONS = [
  "unit",
  "sysUser",
  "opsUser",
  "history",
  "natsTls",
] as const satisfies readonly SectionName[];

if (import.meta.main && Deno.args.includes("--version")) {
  console.log(versionLine("history"));
  Deno.exit(0);
}

if (import.meta.main) {
  const config = exitOnConfigError(() => loadConfig(HISTORY_SECTIONS));
  const { id: collectorId, print, clients } = await startProgram("history", config.unit, {
    sys: config.sysUser,
    ops: config.opsUser,
  }, natsTlsOptions(config.natsTls));
  const { sys: sysClient, ops: opsClient } = clients;
  const sys = new SysMonitor(sysClient.nc);
  // The units the dashboard stores are read, never written (it owns the bucket and the telemetry
  // stream): a unit silent since before this start still has its row, with up = 0.
  const units = await UnitRegistry.start(opsClient.nc, { persist: false, historyStream: null });
  let collector: HistoryCollector;
  try {
    collector = await HistoryCollector.start({
      nc: opsClient.nc,
      sample: sysSampler(sys, () => units.units()),
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
    await sys.close();
    await Promise.all([sysClient.close(), opsClient.close()]);
  });
}
