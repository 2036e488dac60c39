/**
 * Monitor benchmark: ingest of 1,000 simulated units at 1 Hz (a heartbeat, an RTT metric and a
 * time metric per unit per second: 3,000 messages/s) by the dashboard's {@linkcode UnitRegistry}
 * (validation, units table, staleness, KV persistence; the server also stores the metrics in the
 * history stream), against a bare `ops.>` subscriber that only counts (baseline), each in its own
 * process on the same server in the same run. Prints CPU (% of one core) and peak RSS of each and
 * the ratios. Run with `deno run -A scripts/bench/monitor.ts` or through scripts/bench/main.ts.
 *
 * Environment: BENCH_UNITS (1000), BENCH_WINDOW_MS (10000), BENCH_WARMUP_MS (3000).
 *
 * @module
 */
import { connect } from "@nats-io/transport-node";
import { sampleHeartbeat, startNats, type TestIdentity } from "../../tests/_kit/mod.ts";
import type { Heartbeat, RttMetric, TimeMetric } from "../../mods/protocol/mod.ts";

interface Result {
  mode: string;
  wallMs: number;
  cpuMs: number;
  rssMb: number;
  messages: number;
  units: number;
  stale: number;
  persisted: number;
  dropped: number;
}

const UNITS = Number(Deno.env.get("BENCH_UNITS") ?? 1000);
const WINDOW_MS = Number(Deno.env.get("BENCH_WINDOW_MS") ?? 10_000);
const WARMUP_MS = Number(Deno.env.get("BENCH_WARMUP_MS") ?? 3_000);
const CHILD = new URL("./_monitor_ingest.ts", import.meta.url).pathname;

async function run(mode: "registry" | "baseline"): Promise<Result> {
  await using ns = await startNats();
  const opsCreds = `${ns.dir}/ops.creds`;
  await Deno.writeTextFile(opsCreds, ns.users.ops.creds, { mode: 0o600 });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      CHILD,
      mode,
      ns.url,
      opsCreds,
      String(WARMUP_MS),
      String(WINDOW_MS),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  while (!buffered.includes("ready\n")) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`Benchmark child (${mode}) exited before it was ready`);
    buffered += value;
  }
  // One OPS connection feeds every simulated unit's telemetry (units' own users would need
  // 1,000 connections: the identity suite measures those).
  const stop = simulate(ns.url, ns.users.ops);
  let rest = buffered;
  for (;;) {
    const { value, done } = await lines.read();
    if (done) break;
    rest += value;
  }
  await (await stop)();
  await child.status;
  const json = rest.split("\n").find((l) => l.startsWith("{"));
  if (json === undefined) throw new Error(`Benchmark child (${mode}) printed no result`);
  return JSON.parse(json) as Result;
}

/** Publishes 1 Hz telemetry of UNITS units, spread evenly over each second, until stopped. */
async function simulate(
  url: string,
  feeder: TestIdentity,
): Promise<() => Promise<void>> {
  const nc = await connect({ servers: url, ...feeder.nats, name: "bench-simulator" });
  const seq = new Array<number>(UNITS).fill(0);
  const started = Date.now();
  const slices = 100; // every 10 ms, one hundredth of the units
  let slice = 0;
  let sent = 0;
  const tick = () => {
    // Catch up on slices a late timer missed, so the rate stays at 1 Hz per unit.
    const due = Math.floor((Date.now() - started) / (1000 / slices));
    while (sent < due) {
      publishSlice();
      sent++;
    }
  };
  const publishSlice = () => {
    const from = Math.floor((slice * UNITS) / slices);
    const to = Math.floor(((slice + 1) * UNITS) / slices);
    for (let i = from; i < to; i++) {
      const unitId = `sim-${String(i).padStart(4, "0")}`;
      const ts = Date.now();
      const hb: Heartbeat = sampleHeartbeat(unitId, {
        seq: ++seq[i]!,
        ts,
        uptimeS: (ts - started) / 1000,
      });
      const rtt: RttMetric = {
        unitId,
        seq: seq[i]!,
        ts,
        target: url,
        nativeRttUs: 800 + (i % 50),
        appRttUs: 1200 + (i % 70),
      };
      const time: TimeMetric = {
        unitId,
        ts,
        source: "ntp",
        quality: "tracking",
        offsetNs: 12_000 - i,
        freqPpm: 3.2,
        ptp: null,
        ntp: null,
      };
      nc.publish(`ops.heartbeat.${unitId}`, JSON.stringify(hb));
      nc.publish(`ops.metric.rtt.${unitId}`, JSON.stringify(rtt));
      nc.publish(`ops.metric.time.${unitId}`, JSON.stringify(time));
    }
    slice = (slice + 1) % slices;
  };
  const timer = setInterval(tick, 1000 / slices);
  return async () => {
    clearInterval(timer);
    await nc.close();
  };
}

/** Runs both ingests and prints their figures and ratios. */
export async function bench(): Promise<void> {
  console.log(
    `monitor: ingest of ${UNITS} units at 1 Hz (${UNITS * 3} msg/s), ` +
      `${WINDOW_MS / 1000} s window after ${WARMUP_MS / 1000} s warm-up`,
  );
  const baseline = await run("baseline");
  const registry = await run("registry");
  for (const r of [baseline, registry]) {
    const rate = r.messages / (r.wallMs / 1000);
    console.log(
      `  ${r.mode.padEnd(8)} ${(100 * r.cpuMs / r.wallMs).toFixed(1).padStart(5)} % CPU  ` +
        `${r.rssMb.toFixed(0).padStart(4)} MB RSS  ${rate.toFixed(0)} msg/s` +
        (r.mode === "registry"
          ? `  units ${r.units} (stale ${r.stale}), KV writes ${r.persisted}, dropped ${r.dropped}`
          : ""),
    );
  }
  console.log(
    `  registry / baseline: CPU ${(registry.cpuMs / baseline.cpuMs).toFixed(2)}x, ` +
      `RSS ${(registry.rssMb / baseline.rssMb).toFixed(2)}x`,
  );
}

if (import.meta.main) await bench();
