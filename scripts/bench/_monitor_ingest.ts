/**
 * Child process of the monitor benchmark: connects as the OPS user and ingests `ops.>` either with
 * the {@linkcode UnitRegistry} (`registry`) or with a bare counting subscriber (`baseline`), then
 * prints its own CPU time and RSS over a measured window as one JSON line.
 *
 * Args: mode url credsFile warmupMs windowMs
 *
 * @module
 */
import process from "node:process";
import { credsAuthenticator } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { UnitRegistry } from "../../mods/monitor/mod.ts";

const [mode, url, credsFile, warmup, window] = Deno.args;
const authenticator = credsAuthenticator(Deno.readFileSync(credsFile!));
const nc = await connect({ servers: url, authenticator, name: `bench-${mode}` });
let received = 0;
let registry: UnitRegistry | undefined;
if (mode === "registry") {
  registry = await UnitRegistry.start(nc, { defaultHeartbeatIntervalMs: 1000 });
} else {
  nc.subscribe("ops.>", {
    callback: () => {
      received++;
    },
  });
}
console.log("ready");
await new Promise((r) => setTimeout(r, Number(warmup)));
const c0 = process.cpuUsage();
const t0 = performance.now();
const r0 = registry?.stats().received ?? received;
let rssPeak = 0;
const sampler = setInterval(() => rssPeak = Math.max(rssPeak, Deno.memoryUsage().rss), 250);
await new Promise((r) => setTimeout(r, Number(window)));
clearInterval(sampler);
const c1 = process.cpuUsage(c0);
const wallMs = performance.now() - t0;
const stats = registry?.stats();
const out = {
  mode,
  wallMs,
  cpuMs: (c1.user + c1.system) / 1000,
  rssMb: Math.max(rssPeak, Deno.memoryUsage().rss) / 1048576,
  messages: (stats?.received ?? received) - r0,
  units: stats?.units ?? 0,
  stale: stats?.staleUnits ?? 0,
  persisted: stats?.persisted ?? 0,
  dropped: stats?.droppedTotal ?? 0,
};
await registry?.close();
await nc.close();
console.log(JSON.stringify(out));
