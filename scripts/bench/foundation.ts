/**
 * Foundation benchmark: how long the launchers take to bring nats-server to a healthy /healthz and
 * to stop everything, against a bare `nats-server -c config/nats-server.conf` measured in the same
 * run (baseline). Run with `deno run -A scripts/bench/foundation.ts` or through scripts/bench/main.ts.
 *
 * @module
 */
import { initIdentity } from "../../mods/controller/mod.ts";
import { dataDirGrants } from "../../mods/runtime/mod.ts";
import {
  allSections,
  loadConfig,
  randomSecret,
  sections,
  serverEnv,
  serverSections,
  variableNames,
} from "../../mods/config/mod.ts";
import { freePorts, PROJECT_DIR, testServer } from "../../tests/_kit/mod.ts";

const ROUNDS = 3;

async function environment(dir: string): Promise<Record<string, string>> {
  await Deno.mkdir(`${dir}/data`, { recursive: true });
  const [port, http, ws, leaf, dash] = freePorts(5);
  const env: Record<string, string> = {
    NATS_HOST: "127.0.0.1",
    NATS_SERVER_BIN: (await testServer()).path,
    NATS_PORT: String(port),
    NATS_HTTP_PORT: String(http),
    NATS_WS_PORT: String(ws),
    NATS_LEAF_PORT: String(leaf),
    NATS_DATA_DIR: `${dir}/data`,
    NATS_URL: `nats://127.0.0.1:${port}`,
    NATS_IDENTITY_DIR: `${dir}/identity`,
    UNIT_ID: "bench-hub",
    DASHBOARD_PORT: String(dash),
    DASHBOARD_SECRET: randomSecret(40),
  };
  const names = variableNames(Object.keys(sections) as (keyof typeof sections)[]);
  for (const n of names.filter((n) => n.endsWith("_PASSWORD"))) env[n] = randomSecret(20);
  // As `deno task start` does before the supervisor runs (not timed: a first start only).
  await initIdentity({
    identityDir: env.NATS_IDENTITY_DIR!,
    dataDir: env.NATS_DATA_DIR!,
    hubUnitId: env.UNIT_ID!,
    timeMaster: false,
  });
  return env;
}

async function healthy(port: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      await res.body?.cancel();
      if (res.ok) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`nats-server on monitoring port ${port} was not healthy within 15 s`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function round(kind: "bare" | "script" | "supervisor"): Promise<[number, number]> {
  const dir = await Deno.makeTempDir({ prefix: "nunect-bench-" });
  const env = await environment(dir);
  const base = { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: Deno.env.get("HOME") ?? "/" };
  try {
    const t0 = performance.now();
    if (kind === "bare") {
      const config = loadConfig(serverSections, (n) => env[n]);
      const child = new Deno.Command(env.NATS_SERVER_BIN!, {
        args: ["-c", `${PROJECT_DIR}/config/nats-server.conf`],
        env: serverEnv(config, PROJECT_DIR),
        clearEnv: true,
        stdout: "null",
        stderr: "null",
      }).spawn();
      await healthy(env.NATS_HTTP_PORT!);
      const up = performance.now() - t0;
      const t1 = performance.now();
      child.kill("SIGTERM");
      await child.status;
      return [up, performance.now() - t1];
    }
    if (kind === "script") {
      await Deno.writeTextFile(
        `${dir}/.env`,
        Object.entries(env).map(([k, v]) => `${k}=${v}`).join("\n") + "\n",
      );
      const script = (cmd: string) =>
        new Deno.Command("bash", {
          args: [`${PROJECT_DIR}/scripts/nats-server.sh`, cmd],
          env: { ...base, NUNECT_ENV_FILE: `${dir}/.env` },
          clearEnv: true,
          stdout: "null",
          stderr: "null",
        }).output();
      await script("start");
      const up = performance.now() - t0;
      const t1 = performance.now();
      await script("stop");
      return [up, performance.now() - t1];
    }
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "-P=runtime",
        // The data directory's grant, as `deno task start` computes it.
        ...dataDirGrants(loadConfig(allSections, (n) => env[n]), PROJECT_DIR),
        "mods/runtime/main.ts",
      ],
      cwd: PROJECT_DIR,
      env: { ...base, ...env },
      clearEnv: true,
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("nunect is running")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`supervisor exited:\n${text}`);
      text += value;
    }
    const up = performance.now() - t0;
    const t1 = performance.now();
    child.kill("SIGTERM");
    const drain = (async () => {
      while (!(await reader.read()).done) { /* drain */ }
    })();
    await child.status;
    await drain;
    return [up, performance.now() - t1];
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Prints start and stop times of the launchers, with ratios against a bare nats-server. */
export async function bench(): Promise<void> {
  const results: Record<string, [number, number]> = {};
  for (const kind of ["bare", "script", "supervisor"] as const) {
    const ups: number[] = [];
    const downs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const [up, down] = await round(kind);
      ups.push(up);
      downs.push(down);
    }
    results[kind] = [median(ups), median(downs)];
  }
  const [baseUp, baseDown] = results.bare!;
  console.log(`foundation: start to healthy / stop, median of ${ROUNDS}`);
  for (const [kind, [up, down]] of Object.entries(results)) {
    console.log(
      `  ${kind.padEnd(10)} start ${up.toFixed(0).padStart(5)} ms (x${(up / baseUp).toFixed(1)})` +
        `  stop ${down.toFixed(0).padStart(5)} ms (x${(down / baseDown).toFixed(1)})`,
    );
  }
  console.log(
    "  (supervisor: until the what-runs-where table, with dashboard and guardian when present)",
  );
}

if (import.meta.main) await bench();
