/**
 * History, alerts and /metrics benchmarks (`deno task bench history`), each against a baseline
 * measured in the same run:
 *
 * 1. The history collector (mods/history/main.ts under -P=history, HISTORY_TIERS
 *    10s:1d,1m:7d,1h:365d) at BENCH_UNITS units (1,000; heartbeat 5 s, RTT and time 10 s),
 *    BENCH_STREAMS streams (200) and BENCH_CONSUMERS consumers (500): CPU in % of one core
 *    (target ≤ 10 %), against a process that only ingests the same units and makes the same
 *    `$SYS` requests (no frames written); and the history's size as JetStream counts it against
 *    HISTORY_MAX_MB: bytes per point of the 10 s and 1 m tiers, what the default tiers need in
 *    full, how long the 10 s tier lasts with the default 1024 MB, and each kind's newest point as
 *    stored against its JSON.
 * 2. The alerts program (mods/alerts/main.ts under -P=alerts) with 6 rules over the same units,
 *    evaluating every 5 s: CPU against the same program with no rules, and the time from a unit's
 *    last heartbeat to the webhook arriving (target ≤ 3 missed intervals + 1 s = 16 s).
 * 3. `/metrics` scrape latency and size with the streams and consumers above, and on a 3-server
 *    cluster (the kit's startCluster) with BENCH_STREAMS R3 streams, against
 *    prometheus-nats-exporter v0.20.1 (the pinned build of mods/tools), one per server, scraped
 *    together with the same endpoints (target ≤ 1.0×).
 *
 * Environment: BENCH_UNITS, BENCH_STREAMS, BENCH_CONSUMERS, BENCH_WINDOW_MS (60000).
 *
 * @module
 */
import { connect } from "@nats-io/transport-node";
import { AckPolicy, type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { brotliDecompressSync } from "node:zlib";
import { AlertStore } from "../../mods/alerts/mod.ts";
import { historyStream, KINDS } from "../../mods/history/mod.ts";
import {
  cpuMs,
  type NatsServer,
  spawnProgram,
  startCluster,
  startExporter,
  startNats,
  until,
} from "../../tests/_kit/mod.ts";
import { testDashboard } from "../../tests/dashboard/_harness.ts";
import { simulateUnits } from "./_units_sim.ts";

const UNITS = Number(Deno.env.get("BENCH_UNITS") ?? 1000);
const STREAMS = Number(Deno.env.get("BENCH_STREAMS") ?? 200);
const CONSUMERS = Number(Deno.env.get("BENCH_CONSUMERS") ?? 500);
const WINDOW_MS = Number(Deno.env.get("BENCH_WINDOW_MS") ?? 60_000);
const TIERS = "10s:1d,1m:7d,1h:365d";

const pct = (cpu: number, wall: number) => (100 * cpu) / wall;
const f1 = (n: number) => n.toFixed(1);

async function populate(ns: NatsServer): Promise<void> {
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  const jsm = await jetstreamManager(nc);
  for (let s = 0; s < STREAMS; s++) {
    await jsm.streams.add({ name: `bench_${s}`, subjects: [`bench.${s}.>`], max_bytes: 1 << 20 });
  }
  for (let c = 0; c < CONSUMERS; c++) {
    await jsm.consumers.add(`bench_${c % STREAMS}`, {
      durable_name: `c${c}`,
      ack_policy: AckPolicy.Explicit,
    });
  }
  for (let s = 0; s < STREAMS; s++) nc.publish(`bench.${s}.x`, "payload");
  await nc.flush();
  await nc.close();
}

/** CPU of a child over the window, after it is ready. */
async function measure(pid: number, windowMs: number): Promise<{ cpuMs: number; wallMs: number }> {
  const c0 = cpuMs(pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, windowMs));
  return { cpuMs: cpuMs(pid) - c0, wallMs: performance.now() - t0 };
}

/** Stored size of the newest point of each kind in a tier: as stored, and as JSON. */
async function pointSizes(
  jsm: JetStreamManager,
  tier: string,
): Promise<{ kind: string; rows: number; stored: number; json: number }[]> {
  const out = [];
  for (const kind of KINDS) {
    const m = await jsm.direct.getMessage(historyStream(tier), {
      last_by_subj: `nunect.history.${tier}.${kind}`,
    });
    if (m === null) continue;
    const json = m.header?.get("Content-Encoding") === "br"
      ? new TextDecoder().decode(brotliDecompressSync(m.data))
      : m.string();
    const rows = Object.keys(JSON.parse(json).rows).length;
    out.push({ kind, rows, stored: m.data.length, json: new TextEncoder().encode(json).length });
  }
  return out;
}

async function collectorBench(ns: NatsServer): Promise<void> {
  const env = {
    NATS_URL: ns.url,
    UNIT_ID: "bench",
    NATS_IDENTITY_DIR: ns.identityDir,
    HISTORY_TIERS: TIERS,
    HISTORY_MAX_MB: "1024",
  };
  await using collector = spawnProgram({
    permissionSet: "history",
    entry: "mods/history/main.ts",
    denoFlags: [`--allow-net=127.0.0.1:${ns.port}`, `--allow-read=${ns.identityDir}/creds/history`],
    env,
  });
  await collector.waitFor("collecting", 30_000);
  await new Promise((r) => setTimeout(r, 12_000)); // units known, a round done
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  const jsm = await jetstreamManager(nc);
  const before = await jsm.streams.info(historyStream("10s"));
  const c = await measure(collector.child.pid, WINDOW_MS);
  const after = await jsm.streams.info(historyStream("10s"));
  // A whole point of the 1 m tier (gauges as means), not the first one (a partial minute).
  await until(
    async () => (await jsm.streams.info(historyStream("1m"))).state.messages >= 2 * KINDS.length,
    "two points of the 1 m tier",
    90_000,
  );
  const sizes = { fine: await pointSizes(jsm, "10s"), coarse: await pointSizes(jsm, "1m") };
  await nc.close();
  const rounds = Math.max(1, Math.round(c.wallMs / 10_000));
  const fine = (after.state.bytes - before.state.bytes) / rounds;
  // A 1 m point as its newest messages compare with the newest 10 s ones (the per-message
  // overhead in proportion).
  const sum = (list: { stored: number }[]) => list.reduce((n, s) => n + s.stored, 0);
  const coarsePoint = fine * sum(sizes.coarse) / sum(sizes.fine);
  await collector.stop();

  const baseline = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      new URL("./_history_baseline.ts", import.meta.url).pathname,
      ns.url,
      `${ns.identityDir}/creds/history/sys.creds`,
      `${ns.identityDir}/creds/history/ops.creds`,
      "10000",
    ],
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  await new Promise((r) => setTimeout(r, 12_000));
  const b = await measure(baseline.pid, WINDOW_MS);
  baseline.kill("SIGTERM");
  await baseline.status;

  const cp = pct(c.cpuMs, c.wallMs);
  const bp = pct(b.cpuMs, b.wallMs);
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(
    `collector (${UNITS} units, ${STREAMS} streams, ${CONSUMERS} consumers, ${TIERS}): ` +
      `${f1(cp)} % of one core (target <= 10 %); baseline (same ingest and $SYS requests, no ` +
      `frames written) ${f1(bp)} %; ratio ${f1(cp / bp)}x`,
  );
  // Bytes as JetStream counts them against max_bytes (HISTORY_MAX_MB), per point of all kinds.
  const points = { fine: 86_400 / 10, coarse: 7 * 86_400 / 60 + 365 * 24 };
  const needed = fine * points.fine + coarsePoint * points.coarse;
  const share = (2 ** 30 * points.fine) / (points.fine + points.coarse);
  console.log(
    `history size (as max_bytes counts it): ${kib(fine)} per 10 s point, ${kib(coarsePoint)} ` +
      `per 1 m point (all kinds) -> ${mib(fine * 8640)}/day in the 10 s tier; ` +
      `${TIERS} in full needs ${mib(needed)}; with HISTORY_MAX_MB=1024 the 10 s tier holds ` +
      `${f1(Math.min(24, (24 * share) / (fine * points.fine)))} h`,
  );
  for (const [tier, list] of [["10s", sizes.fine], ["1m", sizes.coarse]] as const) {
    console.log(
      `  newest ${tier} point: ` +
        list.map((s) =>
          `${s.kind} ${s.rows} rows ${kib(s.stored)} stored (${kib(s.json)} JSON, ` +
          `${f1(s.json / s.stored)}x; ${(s.stored / Math.max(1, s.rows)).toFixed(1)} B/row)`
        ).join(", "),
    );
  }
}

async function alertsBench(ns: NatsServer, units: { silence(id: string): number }): Promise<void> {
  const arrivals: { id: string; target: string; at: number }[] = [];
  const hook = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const e = await req.json();
    arrivals.push({ id: e.id, target: e.target, at: Date.now() });
    return new Response("ok");
  });
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  const store = await AlertStore.open(nc);
  const env = {
    NATS_URL: ns.url,
    UNIT_ID: "bench",
    NATS_IDENTITY_DIR: ns.identityDir,
    HISTORY_TIERS: TIERS,
    ALERT_EVAL_INTERVAL_S: "5",
    ALERT_WEBHOOK_URL: `http://127.0.0.1:${hook.addr.port}/hook`,
  };
  const run = async (withRules: boolean) => {
    for (const r of await store.rules()) await store.deleteRule(r.id);
    if (withRules) {
      const rules = [
        { id: "hb", type: "unit_heartbeat", threshold: 15, channels: ["webhook"] },
        { id: "clock", type: "unit_clock", threshold: 1_000_000 },
        { id: "rtt-native", type: "unit_rtt", threshold: 50_000 },
        { id: "rtt-app", type: "unit_rtt", rtt: "app", threshold: 100_000 },
        { id: "lag", type: "consumer_lag", threshold: 1000 },
        { id: "health", type: "server_health", threshold: 0.5 },
      ];
      for (const r of rules) await store.putRule({ name: r.id, ...r });
    }
    await using program = spawnProgram({
      permissionSet: "alerts",
      entry: "mods/alerts/main.ts",
      denoFlags: [
        `--allow-net=127.0.0.1:${ns.port},127.0.0.1:${hook.addr.port}`,
        `--allow-read=${ns.identityDir}/creds/alerts`,
      ],
      env,
    });
    await program.waitFor("evaluating", 30_000);
    await new Promise((r) => setTimeout(r, 6_000));
    const m = await measure(program.child.pid, Math.min(WINDOW_MS, 30_000));
    let latency: number | null = null;
    if (withRules) {
      const target = "sim-0007";
      const lastBeat = units.silence(target);
      await until(() => arrivals.some((a) => a.target === target), "the heartbeat webhook", 60_000);
      latency = arrivals.find((a) => a.target === target)!.at - lastBeat;
    }
    return { ...m, latency };
  };
  const withRules = await run(true);
  const none = await run(false);
  await hook.shutdown();
  await nc.close();
  const wp = pct(withRules.cpuMs, withRules.wallMs);
  const np = pct(none.cpuMs, none.wallMs);
  console.log(
    `alerts (${UNITS} units x 6 rules every 5 s): ${f1(wp)} % of one core; the same program ` +
      `with no rules ${f1(np)} %; ratio ${f1(wp / np)}x`,
  );
  console.log(
    `heartbeat stop -> webhook: ${(withRules.latency! / 1000).toFixed(2)} s after the last ` +
      `heartbeat (rule: missing for 15 s = 3 intervals of 5 s; target <= 16 s)`,
  );
}

/**
 * /metrics against prometheus-nats-exporter: one exporter per server (as the exporter is meant to
 * run), all scraped at once as one Prometheus round, against one /metrics of the dashboard
 * watching the first server (`$SYS` reaches every member).
 */
async function metricsBench(servers: readonly NatsServer[], what: string): Promise<void> {
  const d = await testDashboard(servers[0]!, { METRICS_OPEN: "true" });
  const app = d.app;
  const exporters = await Promise.all(servers.map((s) => startExporter(s.monitorUrl)));
  const N = 20;
  const time = async (fn: () => Promise<string>) => {
    await fn(); // warm-up
    const ms: number[] = [];
    let body = "";
    for (let i = 0; i < N; i++) {
      const t0 = performance.now();
      body = await fn();
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    return { median: ms[N >> 1]!, p90: ms[Math.floor(N * 0.9)]!, body };
  };
  try {
    const theirs = await time(async () =>
      (await Promise.all(exporters.map(async (e) => await (await fetch(e.url)).text()))).join("")
    );
    const ours = await time(async () => await (await app.request("/metrics")).text());
    const compat = (text: string) =>
      text.split("\n").filter((l) => /^(gnatsd|jetstream)_/.test(l)).join("\n").length;
    const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
    console.log(
      `/metrics (${what}): median ${f1(ours.median)} ms (p90 ${f1(ours.p90)}), ` +
        `${kib(ours.body.length)} (${kib(compat(ours.body))} exporter-compatible); ` +
        `prometheus-nats-exporter v0.20.1 x${servers.length} (-varz -connz -routez -subz -healthz ` +
        `-accstatz -leafz -gatewayz -jsz=all), scraped together: median ${f1(theirs.median)} ms ` +
        `(p90 ${f1(theirs.p90)}), ${kib(theirs.body.length)} (${kib(compat(theirs.body))}); ` +
        `latency ratio ${f1(ours.median / theirs.median)}x (target <= 1.0x)`,
    );
  } finally {
    for (const e of exporters) await e[Symbol.asyncDispose]();
    await d[Symbol.asyncDispose]();
  }
}

/** A 3-server cluster with BENCH_STREAMS R3 streams, for the /metrics comparison. */
async function clusterBench(): Promise<void> {
  await using cluster = await startCluster(3, { env: { NATS_JS_MAX_FILE: "1GB" } });
  const nc = await connect({ servers: [...cluster.urls], ...cluster.users.ops.nats });
  const jsm = await jetstreamManager(nc);
  for (let s = 0; s < STREAMS; s++) {
    await jsm.streams.add({
      name: `bench_${s}`,
      subjects: [`bench.${s}.>`],
      num_replicas: 3,
      max_bytes: 1 << 20,
    });
  }
  await nc.close();
  await metricsBench(cluster.servers, `3-server cluster, ${STREAMS} R3 streams`);
}

/**
 * Runs the benchmarks: collector, alerts and /metrics on one server with the streams, consumers
 * and units above, then /metrics on a 3-server cluster.
 */
export async function bench(): Promise<void> {
  await using ns = await startNats({ env: { NATS_JS_MAX_FILE: "2GB" } });
  const version = (await (await fetch(`${ns.monitorUrl}/varz`)).json()).version;
  console.log(`nats-server ${version}`);
  await populate(ns);
  // One OPS connection feeds every simulated unit (units' own users: the identity suite).
  const units = await simulateUnits(ns.url, ns.users.ops, UNITS);
  try {
    await collectorBench(ns);
    await alertsBench(ns, units);
    await metricsBench(
      [ns],
      `1 server, ${STREAMS} streams, ${CONSUMERS} consumers, ${UNITS} units`,
    );
  } finally {
    await units.stop();
  }
  await clusterBench();
}

if (import.meta.main) await bench();
