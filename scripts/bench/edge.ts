/**
 * The edge: the router artefact's sizes, its start to the first heartbeat (x86_64 natively;
 * aarch64 in a musl root under qemu, with a cold and a warm V8 code cache), the guardian's
 * resident memory after EDGE_RSS_SECONDS (default 600) next to an idle Deno's, and the RTT the
 * guardian reports at 1 Hz next to nats.go sampled the same way in the same run
 * (EDGE_RTT_SECONDS, default 60), with the clock offset four timestamps estimate on one host;
 * through a router's leaf node link (a network namespace, toxiproxy), the guardian's app RTT to
 * the hub direct and with 5 ms added each way (EDGE_LINK_SECONDS per window, default 20) next to
 * what the link itself adds (raw nats.js on the leaf node asking the same responder), and
 * how long the subject registry takes to show a unit that moved to another router (its default
 * interval, EDGE_MOVES moves, default 5). EDGE_XZ=1 adds the size of the artefact as xz (slow);
 * EDGE_PARTS=sizes,rtt,link,start,memory runs only those parts.
 *
 * @module
 */
import { connect, type NunectClient } from "../../mods/client/mod.ts";
import { decodeMessage, rttSchema, subjects } from "../../mods/protocol/mod.ts";
import { RTT_BURST, RTT_WARMUP } from "../../mods/guardian/mod.ts";
import { startNatsGo } from "./_nats_go.ts";
import { connect as natsConnect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import {
  guardianEnv,
  guardianMemoryEnv,
  type NatsServer,
  residentKiB,
  type ResidentMemory,
  routerArtefact,
  type RunningProgram,
  spawnProcess,
  startMuslRoot,
  startNats,
  startRegistryProgram,
  startTopology,
  until,
} from "../../tests/_kit/mod.ts";
import { REGISTRY_BUCKET } from "../../mods/registry/mod.ts";
import { unitEntrySchema } from "../../mods/registry/schemas.ts";

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
      const env = await guardianEnv(ns, unit, { DENO_DIR: dir!, HEARTBEAT_INTERVAL_MS: "1000" });
      const { ms, program } = await toFirstHeartbeat(obs, unit, () => nativeGuardian(x86.dir, env));
      await program.stop();
      row(`x86_64 native, ${label} V8 cache`, ms);
    }
    await using root = await startMuslRoot("aarch64");
    for (const label of ["cold", "warm"]) {
      const unit = `edge-arm-${label}`;
      const env = await guardianEnv(ns, unit, {
        DENO_DIR: "/tmp/deno",
        HEARTBEAT_INTERVAL_MS: "1000",
      });
      const creds = `/etc/nunect/${unit}.creds`;
      const { ms, program } = await toFirstHeartbeat(
        obs,
        unit,
        () =>
          root.spawn(["/usr/lib/nunect-guardian/nunect-guardian"], {
            binds: { [arm.dir]: "/usr/lib/nunect-guardian", [env.NATS_CREDS!]: creds },
            env: { PATH: "/bin", ...env, NATS_CREDS: creds },
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
    // Built with the leaf node (the release's build): its nats-server is shown apart.
    const [dir, run, ipk, deno, leaf] = await Promise.all([
      duBytes(a.dir),
      duBytes(a.runFile),
      duBytes(a.ipk),
      duBytes(`${a.dir}/bin/deno`),
      duBytes(`${a.dir}/bin/nats-server`),
    ]);
    // xz -6 of ~90 MiB takes half a minute of both cores, minutes on a busy machine: opt-in
    const xz = Deno.env.get("EDGE_XZ") === "1" ? await xzBytes(a.dir) : NaN;
    const f = (n: number) => (n / MiB).toFixed(1).padStart(6);
    console.log(
      `  ${arch.padEnd(8)} directory ${f(dir)} (deno ${f(deno)}, leaf nats-server ${
        f(leaf)
      }), .run gzip ${f(run)}, .ipk ${f(ipk)}, xz ${Number.isNaN(xz) ? "(EDGE_XZ=1)" : f(xz)}`,
    );
  }
}

/**
 * Resident memory of the x86_64 artefact's guardian after EDGE_RSS_SECONDS next to an idle Deno
 * (the same binary and loader, an empty program that only waits) started at the same time: as
 * Deno starts by default, and with the launcher's memory settings (V8 flags, malloc). Each split into
 * anonymous pages (heaps, stacks) and pages of mapped files (mostly the deno binary's code).
 */
async function memory(ns: NatsServer): Promise<void> {
  const seconds = Number(Deno.env.get("EDGE_RSS_SECONDS") ?? "600");
  const x86 = await routerArtefact("x86_64");
  const settings = await guardianMemoryEnv(`${x86.dir}/memory.env`);
  const cache = await Deno.makeTempDir({ prefix: "nunect-deno-dir-" });
  const idleDeno = (env: Record<string, string>) =>
    spawnProcess(
      new Deno.Command(`${x86.dir}/lib/ld-linux-x86-64.so.2`, {
        args: [
          "--library-path",
          `${x86.dir}/lib`,
          `${x86.dir}/bin/deno`,
          "eval",
          "--no-config",
          "setInterval(() => {}, 1000)",
        ],
        env: { PATH: "/usr/bin:/bin", DENO_DIR: cache, DENO_NO_UPDATE_CHECK: "1", ...env },
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }),
    );
  try {
    await using g = nativeGuardian(
      x86.dir,
      await guardianEnv(ns, "edge-rss", {
        DENO_DIR: cache,
        HEARTBEAT_INTERVAL_MS: "1000",
        RTT_INTERVAL_MS: "1000",
        TIME_INTERVAL_MS: "10000",
      }),
    );
    await g.waitFor(/heartbeat every/, 30_000);
    await using idle = idleDeno({});
    await using same = idleDeno(settings);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
    const [gm, im, sm] = [g, idle, same].map((p) => residentKiB(p.child.pid)) as [
      ResidentMemory,
      ResidentMemory,
      ResidentMemory,
    ];
    const mib = (k: number) => (k / 1024).toFixed(1).padStart(5);
    const row = (what: string, m: ResidentMemory) =>
      console.log(
        `  ${what.padEnd(48)} ${mib(m.rss)} MiB (anonymous ${mib(m.anonymous)}, files ${
          mib(m.file)
        })  guardian/this ${(gm.rss / m.rss).toFixed(2)}`,
      );
    console.log(
      `resident memory after ${seconds} s (EDGE_RSS_SECONDS), x86_64 artefact, load ${load}:`,
    );
    row("guardian (its launcher)", gm);
    row("idle Deno, as Deno starts (the target's)", im);
    row("idle Deno, the launcher's settings (memory.env)", sm);
    console.log(
      `  target guardian <= 1.3x an idle Deno: ${(gm.rss / im.rss).toFixed(2)} as Deno starts, ${
        (gm.rss / sm.rss).toFixed(2)
      } with the same settings (an idle Deno's own files vary by some MiB from run to run)`,
    );
    console.log(
      `  memory.env: ${Object.entries(settings).map(([k, v]) => `${k}=${v}`).join(" ")}`,
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
  const go = await startNatsGo({ url: ns.url, creds: ns.users.ops.creds });
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
      await guardianEnv(ns, unit, {
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

/**
 * Through a router's leaf node link: the guardian on the router (in a network namespace, its
 * leaf node linked through toxiproxy) measures app RTT to an echo responder on the hub, direct and
 * with 5 ms added each way (the target: 10 ms more, within 5 %); then a unit walks between two
 * routers and the subject registry (its default interval) shows each move after so long.
 */
async function link(): Promise<void> {
  const seconds = Number(Deno.env.get("EDGE_LINK_SECONDS") ?? "20");
  const moves = Number(Deno.env.get("EDGE_MOVES") ?? "5");
  await using topo = await startTopology({ leaves: 2 });
  const [a, b] = topo.routers as [typeof topo.routers[0], typeof topo.routers[0]];
  const port = (url: string) => new URL(url).port;
  const hub = topo.hub.servers[0]!;
  await using responder = await connect({
    servers: hub.url,
    unitId: "edge-hub-echo",
    ...hub.users.ops,
  });
  responder.serveEcho();
  await using obs = await connect({ servers: hub.url, unitId: "edge-link-obs", ...hub.users.ops });
  const reports: { ts: number; app: number }[] = [];
  obs.subscribe(subjects.rtt("edge-link-g"), (m) => {
    const d = decodeMessage(rttSchema, m.data);
    if (d.ok && d.value.appRttUs !== null) reports.push({ ts: Date.now(), app: d.value.appRttUs });
  });
  await using _guardian = await a.guardian("edge-link-g", {
    RTT_TARGET: "edge-hub-echo",
    RTT_INTERVAL_MS: "1000",
    HEARTBEAT_INTERVAL_MS: "1000",
  });
  // The baseline: what the link itself adds, seen by raw nats.js on the router's leaf node asking
  // the same responder, sampled the same way (once a second, median of RTT_BURST after RTT_WARMUP).
  await using raw = await natsConnect({
    servers: `${a.netns.address}:${port(a.leaf.url)}`,
    ...a.leaf.identity.nats,
  });
  const rawSamples: { ts: number; us: number }[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const next = Date.now() + 1000;
      const times: number[] = [];
      for (let i = 0; i < RTT_WARMUP + RTT_BURST; i++) {
        const t0 = performance.now();
        await raw.request(subjects.echo("edge-hub-echo"), "", { timeout: 2000 });
        times.push((performance.now() - t0) * 1000);
      }
      rawSamples.push({ ts: Date.now(), us: median(times.slice(RTT_WARMUP)) });
      await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
    }
  })();
  const window = async () => {
    await new Promise((r) => setTimeout(r, 3000)); // past the change
    const from = Date.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    return {
      guardian: median(reports.filter((r) => r.ts >= from).map((r) => r.app)),
      raw: median(rawSamples.filter((r) => r.ts >= from).map((r) => r.us)),
    };
  };
  const direct = await window();
  await Promise.all(a.links.map((l) => l.delay(5)));
  const slowed = await window();
  await Promise.all(a.links.map((l) => l.restore()));
  sampling = false;
  await sampler;
  const added = slowed.guardian - direct.guardian;
  const linkAdded = slowed.raw - direct.raw;
  const ms = (us: number) => (us / 1000).toFixed(2);
  console.log(
    `guardian app RTT through a leaf node link (toxiproxy, ${seconds} s each, EDGE_LINK_SECONDS):`,
  );
  console.log(
    `  direct ${ms(direct.guardian)} ms, +5 ms each way ${ms(slowed.guardian)} ms: ` +
      `${ms(added)} ms more, ${((added / 10_000 - 1) * 100).toFixed(1)} % off ` +
      `10 ms (target within 5 %)`,
  );
  console.log(
    `  raw nats.js on the leaf node, same responder, sampled the same way: direct ${
      ms(direct.raw)
    } ms, slowed ${ms(slowed.raw)} ms: the link adds ${ms(linkAdded)} ms ` +
      `(${
        ((linkAdded / 10_000 - 1) * 100).toFixed(1)
      } % off 10 ms); guardian's added / the link's ${(added / linkAdded).toFixed(3)}`,
  );

  // a unit walking between the two routers, each through its own link ("radio")
  await using registry = await startRegistryProgram(hub, { REGISTRY_INTERVAL_MS: "1000" });
  const radio = await Promise.all(
    [a, b].map((r, i) =>
      topo.toxiproxy.link(`walker-${i}`, "127.0.0.1:0", `${r.netns.address}:${port(r.leaf.url)}`)
    ),
  );
  await radio[1]!.cut();
  await using unit = await connect({
    servers: radio.map((l) => `nats://${l.listen}`),
    ...(await hub.unit("edge-walker")).client,
    reconnectTimeWaitMs: 50,
    reconnectJitterMs: 0,
    natsOptions: { noRandomize: true },
  });
  unit.serveEcho();
  const kv = await new Kvm(obs.nc).open(REGISTRY_BUCKET);
  const leafOf = async () => {
    const e = await kv.get("unit.edge-walker");
    return e?.operation === "PUT" ? unitEntrySchema.parse(e.json()).leaf : undefined;
  };
  await until(async () => (await leafOf()) === a.leaf.name, "edge-walker on router-1", 60_000);
  const took: number[] = [];
  for (let i = 0; i < moves; i++) {
    const [from, to] = i % 2 === 0 ? [0, 1] : [1, 0];
    const back = new Promise<number>((resolve) => {
      const off = unit.on("reconnected", () => {
        off();
        resolve(performance.now());
      });
    });
    await radio[from]!.cut();
    await radio[to]!.restore();
    const at = await back;
    const name = [a, b][to]!.leaf.name;
    await until(async () => (await leafOf()) === name, `edge-walker on ${name}`, 60_000, 20);
    took.push(performance.now() - at);
  }
  console.log(
    `unit moved between routers ${moves}× (EDGE_MOVES): the registry (REGISTRY_INTERVAL_MS 1000) ` +
      `showed it ${(median(took) / 1000).toFixed(2)} s after the reconnect (median), ` +
      `${(Math.max(...took) / 1000).toFixed(2)} s at most (target <= 2 s)`,
  );
  await registry.stop();
}

const PARTS = ["sizes", "rtt", "link", "start", "memory"] as const;

/** Runs the suite (the parts EDGE_PARTS names, comma-separated; default all) and prints its figures. */
export async function bench(): Promise<void> {
  const parts = new Set((Deno.env.get("EDGE_PARTS") ?? PARTS.join(",")).split(","));
  const unknown = [...parts].filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length > 0) {
    throw new Error(`EDGE_PARTS names ${unknown.join(", ")}: expected some of ${PARTS.join(",")}`);
  }
  if (parts.has("sizes")) await sizes();
  await using ns = await startNats();
  await using obs = await connect({
    servers: ns.url,
    unitId: "edge-observer",
    creds: ns.users.ops.creds,
  });
  if (parts.has("rtt")) await rtt(ns, obs);
  if (parts.has("link")) await link();
  if (parts.has("start")) await startTimes(ns, obs);
  if (parts.has("memory")) await memory(ns);
}
