/**
 * The guardian under its permission set as a real process against one nats-server: resident
 * memory after one minute, CPU per heartbeat, and the app/native RTT it reports next to nats.go's
 * measured in the same run on the same server (scripts/bench/go, request-reply on loopback).
 * GUARDIAN_BENCH_SECONDS shortens the run for a quick check (default 60).
 *
 * @module
 */
import { connect, type Msg } from "../../mods/client/mod.ts";
import { decodeMessage, heartbeatSchema, rttSchema, subjects } from "../../mods/protocol/mod.ts";
import {
  cpuMs,
  guardianEnv,
  rssKiB,
  startGuardianProgram,
  startNats,
} from "../../tests/_kit/mod.ts";
import { RTT_BURST, RTT_WARMUP } from "../../mods/guardian/mod.ts";
import { startNatsGo } from "./_nats_go.ts";

const HEARTBEAT_MS = 1000;
const RTT_MS = 1000;
const WARMUP_S = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? NaN;
}

function p99(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) * 0.99)] ?? NaN;
}

/** utime + stime of a process, ms. */
/** Runs the suite and prints its figures. */
export async function bench(): Promise<void> {
  const seconds = Number(Deno.env.get("GUARDIAN_BENCH_SECONDS") ?? "60");
  await using ns = await startNats();
  const go = await startNatsGo({ url: ns.url, creds: ns.users.ops.creds });
  await using obs = await connect({
    servers: ns.url,
    unitId: "bench-observer",
    creds: ns.users.ops.creds,
  });
  const unit = "bench-guardian";
  const heartbeats: Msg[] = [];
  const rtts: { ts: number; app: number | null; native: number }[] = [];
  obs.subscribe(subjects.heartbeat(unit), (m) => void heartbeats.push(m));
  obs.subscribe(subjects.rtt(unit), (m) => {
    const d = decodeMessage(rttSchema, m.data);
    if (d.ok) rtts.push({ ts: Date.now(), app: d.value.appRttUs, native: d.value.nativeRttUs });
  });
  await obs.flush();

  await using guardian = await startGuardianProgram(
    ns,
    await guardianEnv(ns, unit, {
      HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
      RTT_INTERVAL_MS: String(RTT_MS),
      TIME_INTERVAL_MS: "10000",
    }),
  );
  // a second guardian doing nothing but heartbeats (RTT and time once at start), every 100 ms
  const beatUnit = "bench-heartbeat-only";
  let beatOnly = 0;
  obs.subscribe(subjects.heartbeat(beatUnit), () => void beatOnly++);
  await obs.flush();
  await using beater = await startGuardianProgram(
    ns,
    await guardianEnv(ns, beatUnit, {
      HEARTBEAT_INTERVAL_MS: "100",
      RTT_INTERVAL_MS: "3600000",
      TIME_INTERVAL_MS: "3600000",
    }),
  );
  const pid = guardian.child.pid;
  const startedAt = Date.now();
  await new Promise((r) => setTimeout(r, Math.min(WARMUP_S, seconds / 2) * 1000));
  const cpu0 = cpuMs(pid);
  const hb0 = heartbeats.length;
  const beatCpu0 = cpuMs(beater.child.pid);
  const beat0 = beatOnly;
  const windowStart = Date.now();
  // nats.go sampled the way the guardian samples: once per second, the median of 3 back to back
  // after one discarded
  const goSporadic = { app: [] as number[], native: [] as number[] };
  const burst = async (f: (n: number) => Promise<number[]>) =>
    median((await f(RTT_WARMUP + RTT_BURST)).slice(RTT_WARMUP));
  while (Date.now() < startedAt + seconds * 1000 - RTT_MS) {
    const next = Date.now() + RTT_MS;
    goSporadic.native.push(await burst((n) => go.native(n)));
    goSporadic.app.push(await burst((n) => go.app(n)));
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
  await new Promise((r) => setTimeout(r, Math.max(0, startedAt + seconds * 1000 - Date.now())));
  const cpu1 = cpuMs(pid);
  const windowEnd = Date.now();
  const windowS = (Date.now() - windowStart) / 1000;
  const hb1 = heartbeats.length;
  const beatCpu = cpuMs(beater.child.pid) - beatCpu0;
  const beatN = beatOnly - beat0;
  await beater.stop();
  const rss = rssKiB(pid);
  // baseline: the same Deno with an empty program that only waits
  const idle = new Deno.Command(Deno.execPath(), {
    args: ["eval", "setTimeout(() => {}, 600_000)"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  await new Promise((r) => setTimeout(r, 3000));
  const idleRss = rssKiB(idle.pid);
  idle.kill("SIGTERM");
  await idle.status;
  await guardian.stop();
  const lastSeq = heartbeats.length > 0
    ? decodeMessage(heartbeatSchema, heartbeats.at(-1)!.data)
    : undefined;

  // the guardian's reports from the same window as nats.go's samples (not its first seconds)
  const inWindow = rtts.filter((r) => r.ts >= windowStart && r.ts <= windowEnd);
  const app = inWindow.map((r) => r.app).filter((x): x is number => x !== null);
  const native = inWindow.map((r) => r.native);
  const goApp = await go.app(2000);
  const goNative = await go.native(2000);
  await go.close();

  const beats = hb1 - hb0;
  const cpuPerBeat = (cpu1 - cpu0) / Math.max(1, beats);
  const f1 = (x: number) => x.toFixed(1);
  const line0 = (label: string, xs: number[]) =>
    console.log(
      `  ${label.padEnd(40)} median ${f1(median(xs)).padStart(7)} µs, p99 ${
        f1(p99(xs)).padStart(7)
      } µs, n ${xs.length}`,
    );
  console.log(
    `guardian (deno ${Deno.version.deno}, -P=guardian; heartbeat ${HEARTBEAT_MS} ms, RTT ${RTT_MS} ms, time 10000 ms)`,
  );
  console.log(`  run                         ${seconds} s (GUARDIAN_BENCH_SECONDS)`);
  console.log(`  RSS after ${seconds} s            ${f1(rss / 1024)} MiB`);
  console.log(
    `  RSS of an idle deno         ${f1(idleRss / 1024)} MiB (empty program; guardian/idle ${
      (rss / idleRss).toFixed(2)
    })`,
  );
  console.log(
    `  CPU per heartbeat           ${f1(cpuPerBeat)} ms (${f1(cpu1 - cpu0)} ms CPU over ${
      f1(windowS)
    } s, ${beats} heartbeats, all guardian work; last seq ${
      lastSeq?.ok ? lastSeq.value.seq : "?"
    })`,
  );
  console.log(
    `  CPU per heartbeat alone     ${(beatCpu / Math.max(1, beatN)).toFixed(2)} ms (${
      f1(beatCpu)
    } ms CPU, ${beatN} heartbeats at 100 ms, no RTT or time work)`,
  );
  console.log(
    `  CPU share                   ${f1((cpu1 - cpu0) / (windowS * 10))} % of one core`,
  );
  const line = line0;
  line(`guardian app RTT reported (echo)`, app);
  line("guardian native RTT reported", native);
  line(`nats.go ${go.version} app, 1/s median of ${RTT_BURST} after ${RTT_WARMUP}`, goSporadic.app);
  line(`nats.go native, 1/s median of ${RTT_BURST} after ${RTT_WARMUP}`, goSporadic.native);
  line(`nats.go app, 2000 back to back`, goApp);
  line(`nats.go native, 2000 back to back`, goNative);
  console.log(
    `  ratio guardian / nats.go (1/s, median 3 after 1) app ${
      (median(app) / median(goSporadic.app)).toFixed(2)
    }, native ${(median(native) / median(goSporadic.native)).toFixed(2)}`,
  );
  console.log(
    `  ratio guardian / nats.go (back to back)  app ${(median(app) / median(goApp)).toFixed(2)}, ` +
      `native ${(median(native) / median(goNative)).toFixed(2)}`,
  );
}

if (import.meta.main) await bench();
