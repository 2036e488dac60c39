/**
 * The subject registry's entry point, run by the supervisor (and `deno task registry`) under the
 * `registry` permission set: network = the NATS server only, environment = its config sections.
 * Connects as its own SYS user (the hub's leaf node connections, cluster-wide) and OPS user (the
 * registry bucket, the inbox stream, events, and the log record of each leaf node outage), from
 * the credentials `deno task identity init` issued it, polls
 * until SIGTERM or SIGINT. A bad configuration exits with code 2, a hub without JetStream in the
 * OPS account with 1.
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
import { SysMonitor } from "../monitor/mod.ts";
import { Registry } from "./registry.ts";

/** The configuration sections the registry reads; its permission set names their variables. */
export const REGISTRY_SECTIONS = [
  "unit",
  "identity",
  "registry",
  "natsTls",
] as const satisfies readonly SectionName[];

const PROJECT_DIR = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

if (import.meta.main) {
  exitOnVersionFlag("registry");
  const config = exitOnConfigError(() => loadConfig(REGISTRY_SECTIONS));
  const files = systemCredsFiles(projectPath(config.identity.dir, PROJECT_DIR), config.unit.unitId);
  const { id: registryId, print, clients } = await startProgram("registry", config.unit, {
    sys: { creds: readCredsOrExit(files.registrySys, "registry") },
    ops: { creds: readCredsOrExit(files.registryOps, "registry"), jetStream: true },
  }, natsTlsOptions(config.natsTls));
  const { sys: sysClient, ops: opsClient } = clients;
  const sys = new SysMonitor(sysClient.nc);
  const r = config.registry;
  let registry: Registry;
  try {
    registry = await Registry.start({
      sys,
      nc: opsClient.nc,
      intervalMs: r.intervalMs,
      inbox: {
        maxAgeMs: r.inboxMaxAgeH * 3_600_000,
        maxPerUnit: r.inboxMaxPerUnit,
        replicas: r.replicas,
      },
      print,
      onOutage: (event, leaf) => {
        const s = (event.outage!.durationMs / 1000).toFixed(1);
        opsClient.logger.warn(
          `Leaf node ${leaf.name} was cut off from the hub for ${s} s` +
            (leaf.units.length ? ` (units ${leaf.units.join(", ")})` : ""),
          { leaf: leaf.name, hub: leaf.hub, units: [...leaf.units], ...event.outage },
        );
      },
    });
  } catch (e) {
    console.error(
      `registry ${registryId}: cannot create the registry bucket and inbox stream in the OPS ` +
        `account: ${(e as Error).message}. Check that JetStream is enabled`,
    );
    Deno.exit(1);
  }
  print(`watching the hub's leaf nodes every ${r.intervalMs} ms at ${config.unit.natsUrl}`);

  stopOnSignals(print, async () => {
    await registry.stop();
    await sys.close();
    await Promise.all([sysClient.close(), opsClient.close()]);
  });
}
