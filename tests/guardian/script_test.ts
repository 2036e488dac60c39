// scripts/guardian.sh: start, status, stop with an env file, net from its NATS_URL.
import assert from "node:assert/strict";
import { subjects } from "../../mods/protocol/mod.ts";
import { guardianEnv, guardianMemoryEnv, runScript, startNats } from "../_kit/mod.ts";
import { collect, observer } from "./_guardian.ts";

function script(args: string[], env: Record<string, string>) {
  return runScript("guardian.sh", args, {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME")!,
    ...env,
  });
}

Deno.test("guardian.sh allow-net: host:port of every server in NATS_URL", async () => {
  const cases: [string, string][] = [
    ["nats://127.0.0.1:4222", "127.0.0.1:4222"],
    ["nats://user:pass@hub.example:5222", "hub.example:5222"],
    ["nats://a:1,nats://b", "a:1,b:4222"],
    ["tls://[::1]:4333", "[::1]:4333"],
  ];
  for (const [url, net] of cases) {
    assert.equal((await script(["allow-net", url], {})).stdout.trim(), net);
  }
});

Deno.test("guardian.sh start | status | stop runs the guardian from an env file", async () => {
  await using ns = await startNats();
  await using obs = await observer(ns);
  const unit = "gd-script";
  const heartbeats = await collect(obs, subjects.heartbeat(unit));
  const dir = await Deno.makeTempDir({ prefix: "nunect-guardian-sh-" });
  const env = { NUNECT_ENV_FILE: `${dir}/guardian.env`, NUNECT_DATA_DIR: dir };
  try {
    await Deno.writeTextFile(
      env.NUNECT_ENV_FILE,
      Object.entries(await guardianEnv(ns, unit)).map(([k, v]) => `${k}=${v}`).join("\n") + "\n",
    );
    assert.equal((await script(["status"], env)).code, 3);
    const start = await script(["start"], env);
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stdout, /guardian started \(pid \d+/);
    await heartbeats.waitFor(2, 30_000);
    // Deno runs with the guardian's memory settings (config/guardian_memory.env)
    const pid = (await Deno.readTextFile(`${dir}/guardian.pid`)).trim();
    const environ = (await Deno.readTextFile(`/proc/${pid}/environ`)).split("\0");
    const memory = await guardianMemoryEnv();
    assert.ok(memory.DENO_V8_FLAGS, "config/guardian_memory.env sets DENO_V8_FLAGS");
    for (const [k, v] of Object.entries(memory)) assert.ok(environ.includes(`${k}=${v}`), k);
    const status = await script(["status"], env);
    assert.equal(status.code, 0);
    assert.match(status.stdout, new RegExp(`NATS_URL ${ns.url}`));
    assert.equal((await script(["start"], env)).code, 1, "a second start is refused");
    const stop = await script(["stop"], env);
    assert.match(stop.stdout, /guardian stopped/);
    assert.equal((await script(["status"], env)).code, 3);
    assert.match(await Deno.readTextFile(`${dir}/guardian.log`), /SIGTERM: stopping/);
  } finally {
    await script(["stop"], env);
    await Deno.remove(dir, { recursive: true });
  }
});
