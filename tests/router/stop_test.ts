// A SIGTERM at any point of the guardian's start ends it cleanly, run by the router artefact's
// launcher as procd runs it (the launcher execs Deno) and as PID 1 of a PID namespace (a
// container without an init; the launcher stays as the init). Once stopped at every point of
// the start: at once, after a few delays, while it retries to connect, at its first heartbeat
// (its micro service still registering) and once it has started.
// Regression: as PID 1, Deno's default SIGTERM action (re-raise, ignored by PID 1, then abort())
// ended in SIGSEGV (exit 139) when the signal came before the guardian listened for it.
import assert from "node:assert/strict";
import { subjects } from "../../mods/protocol/mod.ts";
import {
  freePorts,
  guardianEnv,
  type NatsServer,
  routerArtefact,
  type RunningProgram,
  spawnProcess,
  startMuslRoot,
  startNats,
} from "../_kit/mod.ts";
import { collect, observer } from "../guardian/_guardian.ts";

/** When the test sends SIGTERM, from the moment the launcher was started. */
interface StopPoint {
  readonly name: string;
  /** Whether a server is there to connect to. */
  readonly server: boolean;
  readonly reached: (p: RunningProgram, firstHeartbeat: Promise<unknown>) => Promise<unknown>;
}

const delay = (ms: number) => () => new Promise((r) => setTimeout(r, ms));
const POINTS: readonly StopPoint[] = [
  { name: "at once", server: true, reached: delay(0) },
  { name: "after 40 ms", server: true, reached: delay(40) },
  { name: "after 120 ms", server: true, reached: delay(120) },
  { name: "after 300 ms", server: true, reached: delay(300) },
  { name: "while it retries to connect", server: false, reached: (p) => p.waitFor(/retrying/) },
  { name: "at its first heartbeat", server: true, reached: (_, hb) => hb },
  { name: "once started", server: true, reached: (p) => p.waitFor(/heartbeat every/, 60_000) },
];

/**
 * Starts the guardian at every point, stops it there with SIGTERM, and checks the end: exit 0
 * having said "SIGTERM: stopping", or, when the signal came before the guardian's code ran,
 * `beforeCode` (the exit code then) with no output at all.
 */
async function stopAtEveryPoint(
  ns: NatsServer,
  beforeCode: number,
  start: (env: Record<string, string>) => RunningProgram,
) {
  await using obs = await observer(ns);
  const [closed] = freePorts(1);
  for (const [i, point] of POINTS.entries()) {
    const unit = `stop-${i}`;
    const heartbeats = await collect(obs, subjects.heartbeat(unit));
    const env = await guardianEnv(
      ns,
      unit,
      point.server ? {} : { NATS_URL: `nats://127.0.0.1:${closed}` },
    );
    const p = start(env);
    await point.reached(p, heartbeats.waitFor(1, 60_000));
    const r = await p.stop();
    const seen = `${point.name}: exit ${r.code}\n${r.stdout}\n${r.stderr}`;
    if (r.stdout === "" && r.stderr === "") assert.equal(r.code, beforeCode, seen);
    else {
      assert.equal(r.code, 0, seen);
      assert.match(r.stdout, /SIGTERM: stopping/, seen);
    }
  }
}

Deno.test("router artefact: a SIGTERM at any point of the start ends it cleanly (launcher execs Deno)", async () => {
  const a = await routerArtefact("x86_64");
  await using ns = await startNats();
  // killed by the signal (143) when it came before the guardian's code ran, as any program
  await stopAtEveryPoint(ns, 143, (env) =>
    spawnProcess(
      new Deno.Command(`${a.dir}/nunect-guardian`, {
        env: { PATH: "/usr/bin:/bin", TMPDIR: "/tmp", ...env },
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }),
    ));
});

Deno.test("router artefact: a SIGTERM at any point of the start ends it cleanly (as PID 1, musl root)", async () => {
  const a = await routerArtefact("x86_64");
  await using ns = await startNats();
  await using root = await startMuslRoot("x86_64");
  // the launcher, the namespace's init, exits 0 when Deno ended by the SIGTERM it passed on
  await stopAtEveryPoint(ns, 0, (env) =>
    root.spawn(["/usr/lib/nunect-guardian/nunect-guardian"], {
      // the unit's .creds where NATS_CREDS names them
      binds: { [a.dir]: "/usr/lib/nunect-guardian", [`${ns.dir}/creds`]: `${ns.dir}/creds` },
      env: { PATH: "/bin:/sbin", TMPDIR: "/tmp", ...env },
    }));
});
