/**
 * The edge: the router artefact's sizes, its start to the first heartbeat (x86_64 natively;
 * aarch64 in a musl root under qemu, with a cold and a warm V8 code cache), the guardian's
 * resident memory after EDGE_RSS_SECONDS (default 600) next to an idle Deno's, and the RTT the
 * guardian reports at 1 Hz next to nats.go sampled the same way in the same run
 * (EDGE_RTT_SECONDS, default 60), with the clock offset four timestamps estimate on one host.
 * EDGE_XZ=1 adds the size of the artefact as xz (slow).
 *
 * @module
 */
import { connect, type NunectClient } from "../../mods/client/mod.ts";
import { decodeMessage, rttSchema, subjects } from "../../mods/protocol/mod.ts";
import { RTT_BURST, RTT_WARMUP } from "../../mods/guardian/mod.ts";
import { startNatsGo } from "./_nats_go.ts";
import {
  guardianEnv,
  type NatsServer,
  routerArtefact,
  rssKiB,
  type RunningProgram,
  spawnProcess,
  startMuslRoot,
  startNats,
} from "../../tests/_kit/mod.ts";

const MiB = 1024 * 1024;

async function duBytes(path: string): Promise<number> {
  const out = await new Deno.Command("du", { args: ["-sb", path], stdout: "piped" }).output();
  return Number(new TextDecoder().decode(out.stdout).split("\t")[0]);
}

async function xzBytes(dir: string): Promise<number> {
  const parent = dir.slice(0, dir.lastIndexOf("/"));
  const name = dir.slice(dir.lastIndexOf("/") + 1);
  const out = await new Deno.Command("sh", {
    args: ["-c", `tar -C "${parent}" -cf - "${name}" | xz -6 -T0 -c | wc -c`],
    stdout: "piped",
  }).output();
  return Number(new TextDecoder().decode(out.stdout).trim());
}

/** Milliseconds from `start()` to the unit's first heartbeat at the observer. */
async function toFirstHeartbeat(
  obs: NunectClient,
  unit: string,
  start: () => RunningProgram,
): Promise<{ ms: number; program: RunningProgram }> {
  let resolve!: () => void;
  const first = new Promise<void>((r) => resolve = r);
  const sub = obs.subscribe(subjects.heartbeat(unit), () => resolve());
  await obs.flush();
  const t0 = performance.now();
  const program = start();
  const timeout = setTimeout(() => resolve(), 300_000);
  await first;
  clearTimeout(timeout);
  const ms = performance.now() - t0;
  sub.unsubscribe();
  return { ms, program };
}

function nativeGuardian(dir: string, env: Record<string, string>): RunningProgram {
  return spawnProcess(
    new Deno.Command(`${dir}/nunect-guardian`, {
      env: { PATH: "/usr/bin:/bin", ...env },
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }),
  );
}

async function startTimes(ns: NatsServer, obs: NunectClient): Promise<void> {
  const x86 = await routerArtefact("x86_64");
  const arm = await routerArtefact("aarch64");
  const cache = await Deno.makeTempDir({ prefix: "nunect-deno-dir-" });
  try {
    const row = (what: string, ms: number) =>
      console.log(`  ${what.padEnd(44)} ${ms.toFixed(0)} ms`);
    console.log("start to first heartbeat:");
    for (const [label, dir] of [["cold", `${cache}/x86`], ["warm", `${cache}/x86`]]) {
      const unit = `edge-x86-${label}`;
      const env = guardianEnv(ns, unit, { DENO_DIR: dir!, HEARTBEAT_INTERVAL_MS: "1000" });
      const { ms, program } = await toFirstHeartbeat(obs, unit, () => nativeGuardian(x86.dir, env));
      await program.stop();
      row(`x86_64 native, ${label} V8 cache`, ms);
    }
    await using root = await startMuslRoot("aarch64");
    for (const label of ["cold", "warm"]) {
      const unit = `edge-arm-${label}`;
      const { ms, program } = await toFirstHeartbeat(
        obs,
        unit,
        () =>
          root.spawn(["/usr/lib/nunect-guardian/nunect-guardian"], {
            binds: { [arm.dir]: "/usr/lib/nunect-guardian" },
            env: {
              PATH: "/bin",
              ...guardianEnv(ns, unit, { DENO_DIR: "/tmp/deno", HEARTBEAT_INTERVAL_MS: "1000" }),
            },
          }),
      );
      await program.stop();
      row(`aarch64 musl root under qemu, ${label} V8 cache`, ms);
    }
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
}

async function sizes(): Promise<void> {
  console.log("artefact sizes (MiB):");
  for (const arch of ["x86_64", "aarch64"] as const) {
    const a = await routerArtefact(arch);
    const [dir, run, ipk, deno] = await Promise.all([
      duBytes(a.dir),
      duBytes(a.runFile),
      duBytes(a.ipk),
      duBytes(`${a.dir}/bin/deno`),
    ]);
    // xz -6 of ~90 MiB takes half a minute of both cores, minutes on a busy machine: opt-in
    const xz = Deno.env.get("EDGE_XZ") === "1" ? await xzBytes(a.dir) : NaN;
    const f = (n: number) => (n / MiB).toFixed(1).padStart(6);
    console.log(
      `  ${arch.padEnd(8)} directory ${f(dir)} (deno ${f(deno)}), .run gzip ${f(run)}, .ipk ${
        f(ipk)
      }, xz ${Number.isNaN(xz) ? "(EDGE_XZ=1)" : f(xz)}`,
    );
  }
}

async function memory(ns: NatsServer): Promise<void> {
  const seconds = Number(Deno.env.get("EDGE_RSS_SECONDS") ?? "600");
  const x86 = await routerArtefact("x86_64");
  const cache = await Deno.makeTempDir({ prefix: "nunect-deno-dir-" });
  try {
    await using g = nativeGuardian(
      x86.dir,
      guardianEnv(ns, "edge-rss", {
        DENO_DIR: cache,
        HEARTBEAT_INTERVAL_MS: "1000",
        RTT_INTERVAL_MS: "1000",
        TIME_INTERVAL_MS: "10000",
      }),
    );
    await using idle = spawnProcess(
      new Deno.Command(`${x86.dir}/lib/ld-linux-x86-64.so.2`, {
        args: [
          "--library-path",
          `${x86.dir}/lib`,
          `${x86.dir}/bin/deno`,
          "eval",
          "--no-config",
          "setInterval(() => {}, 1000)",
        ],
        env: { DENO_DIR: cache, DENO_NO_UPDATE_CHECK: "1" },
        stdout: "piped",
        stderr: "piped",
      }),
    );
    await g.waitFor(/heartbeat every/, 30_000);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const gk = rssKiB(g.child.pid);
    const ik = rssKiB(idle.child.pid);
    console.log(
      `resident memory after ${seconds} s (x86_64 artefact): guardian ${
        (gk / 1024).toFixed(1)
      } MiB, ` +
        `idle Deno ${(ik / 1024).toFixed(1)} MiB, ratio ${(gk / ik).toFixed(2)} (target <= 1.3)`,
    );
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? NaN;
}

/**
 * The app RTT the x86_64 artefact's guardian reports at 1 Hz next to nats.go's request-reply
 * sampled the same way (once a second, median of RTT_BURST after RTT_WARMUP) in the same window,
 * and the clock offset this process and the guardian estimate from four timestamps (one host,
 * one clock: it must stay within half the round trip).
 */
async function rtt(ns: NatsServer, obs: NunectClient): Promise<void> {
  const seconds = Number(Deno.env.get("EDGE_RTT_SECONDS") ?? "60");
  const x86 = await routerArtefact("x86_64");
  const go = await startNatsGo({ url: ns.url, user: ns.users.ops.user, pass: ns.users.ops.pass });
  const cache = await Deno.makeTempDir({ prefix: "nunect-deno-dir-" });
  const unit = "edge-rtt";
  const reports: { ts: number; app: number | null; native: number }[] = [];
  const sub = obs.subscribe(subjects.rtt(unit), (m) => {
    const d = decodeMessage(rttSchema, m.data);
    if (d.ok) reports.push({ ts: Date.now(), app: d.value.appRttUs, native: d.value.nativeRttUs });
  });
  try {
    await using g = nativeGuardian(
      x86.dir,
      guardianEnv(ns, unit, {
        DENO_DIR: cache,
        HEARTBEAT_INTERVAL_MS: "1000",
        RTT_INTERVAL_MS: "1000",
        TIME_INTERVAL_MS: "10000",
      }),
    );
    await g.waitFor(/heartbeat every/, 30_000);
    await new Promise((r) => setTimeout(r, 5000)); // past the first, cold seconds
    const start = Date.now();
    const goApp: number[] = [];
    const offsets: { rtt: number; offset: number }[] = [];
    const burst = async (f: (n: number) => Promise<number[]>) =>
      median((await f(RTT_WARMUP + RTT_BURST)).slice(RTT_WARMUP));
    while (Date.now() < start + seconds * 1000) {
      const next = Date.now() + 1000;
      goApp.push(await burst((n) => go.app(n)));
      const t = await obs.echoTimes(unit, { timeoutMs: 2000 }).catch(() => undefined);
      if (t?.offsetUs != null) offsets.push({ rtt: t.rttUs, offset: t.offsetUs });
      await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
    }
    const app = reports.filter((r) => r.ts >= start && r.app !== null).map((r) => r.app!);
    const within = offsets.filter((o) => Math.abs(o.offset) <= o.rtt / 2).length;
    console.log(`RTT at 1 Hz over ${seconds} s (EDGE_RTT_SECONDS), x86_64 artefact, loopback:`);
    console.log(
      `  guardian app RTT ${median(app).toFixed(0)} µs (n ${app.length}), nats.go ${go.version} ` +
        `${median(goApp).toFixed(0)} µs (n ${goApp.length}): ratio ${
          (median(app) / median(goApp)).toFixed(2)
        } (target <= 1.15)`,
    );
    console.log(
      `  clock offset bench process -> guardian: median |offset| ${
        median(offsets.map((o) => Math.abs(o.offset))).toFixed(1)
      } µs; within RTT/2 in ${within} of ${offsets.length} samples`,
    );
  } finally {
    sub.unsubscribe();
    await go.close();
    await Deno.remove(cache, { recursive: true });
  }
}

/** Runs the suite and prints its figures. */
export async function bench(): Promise<void> {
  await sizes();
  await using ns = await startNats();
  await using obs = await connect({ servers: ns.url, unitId: "edge-observer", ...ns.users.ops });
  await rtt(ns, obs);
  await startTimes(ns, obs);
  await memory(ns);
}
