import assert from "node:assert/strict";
import { PROJECT_DIR, runProgram, runScript, testServer, until } from "../_kit/mod.ts";
import { alive, testEnv, writeEnvFile } from "./_env.ts";

interface Script extends AsyncDisposable {
  readonly env: Record<string, string>;
  readonly dir: string;
  run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** scripts/nats-server.sh against a temporary .env with free ports; stops its server on dispose. */
async function script(overrides: Record<string, string> = {}): Promise<Script> {
  const dir = await Deno.makeTempDir({ prefix: "nunect-script-" });
  const env = await testEnv(dir, overrides);
  await writeEnvFile(`${dir}/.env`, env);
  const run = (...args: string[]) =>
    runScript("nats-server.sh", args, {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? "/tmp",
      NO_COLOR: "1",
      NUNECT_ENV_FILE: `${dir}/.env`,
    });
  return {
    env,
    dir,
    run,
    async [Symbol.asyncDispose]() {
      await run("stop");
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(env.NATS_DATA_DIR!, { recursive: true }).catch(() => {});
    },
  };
}

Deno.test("nats-server.sh start, status, reload and stop its own server", async () => {
  // The default place for the data directory: inside the project, readable by the supervisor.
  await using s = await script({
    NATS_DATA_DIR: `${PROJECT_DIR}/.data/test-${crypto.randomUUID()}`,
  });
  const started = await s.run("start");
  assert.equal(started.code, 0, started.stderr);
  const pid = Number(/nats-server started \(pid (\d+)\)/.exec(started.stdout)?.[1]);
  assert.ok(pid > 0, started.stdout);
  assert.equal(
    (await Deno.readTextFile(`${s.env.NATS_DATA_DIR}/nats-server.pid`)).trim(),
    String(pid),
  );
  assert.match(started.stdout, new RegExp(`clients +nats://127\\.0\\.0\\.1:${s.env.NATS_PORT}`));
  const { version } = await testServer();
  assert.match(started.stderr, new RegExp(`^nats-server ${version} \\(NATS_SERVER_BIN: `, "m"));

  const status = await s.run("status");
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, new RegExp(`running \\(pid ${pid}\\)`));
  assert.match(status.stdout, /healthz +\{"status":"ok"\}/);
  assert.match(
    status.stdout,
    new RegExp(
      `binary +${await Deno.realPath(s.env.NATS_SERVER_BIN!)} \\(nats-server: v${version}\\)`,
    ),
  );

  const again = await s.run("start");
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`already running \\(pid ${pid}\\)`));

  // The supervisor on the same .env refuses, points at this server, and leaves it running.
  const sup = await runProgram({
    permissionSet: "runtime",
    entry: "mods/runtime/main.ts",
    args: ["--module", "sleeper=tests/foundation/probes/sleeper.ts@config"],
    env: s.env,
  });
  assert.equal(sup.code, 1, sup.stderr);
  assert.match(sup.stderr, new RegExp(`port ${s.env.NATS_PORT} \\(NATS_PORT\\) is already in use`));
  assert.match(sup.stderr, new RegExp(`nunect's server may already be running \\(pid ${pid} `));
  assert.ok(await alive(pid));

  const reload = await s.run("reload");
  assert.equal(reload.code, 0, reload.stderr);
  await until(
    async () =>
      (await Deno.readTextFile(`${s.env.NATS_DATA_DIR}/nats-server.log`)).includes(
        "Reloaded server configuration",
      ),
    "the server to log the reload",
  );
  assert.ok(await alive(pid), "the server survives a reload");
  const logs = await s.run("logs");
  assert.match(logs.stdout, /Reloaded server configuration/);

  const stopped = await s.run("stop");
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.match(stopped.stdout, new RegExp(`stopped \\(pid ${pid}\\)`));
  assert.equal(await alive(pid), false);
  const after = await s.run("status");
  assert.equal(after.code, 3);
  assert.match(after.stdout, /not running/);
});

Deno.test("nats-server.sh removes a stale pid file and never signals the process it names", async () => {
  await using s = await script();
  // A live process that is not nats-server: this test runner itself.
  await Deno.writeTextFile(`${s.env.NATS_DATA_DIR}/nats-server.pid`, `${Deno.pid}\n`);
  const status = await s.run("status");
  assert.equal(status.code, 3);
  assert.match(
    status.stderr,
    new RegExp(`Removed stale pid file .*process ${Deno.pid} is not our nats-server`),
  );
  await Deno.writeTextFile(`${s.env.NATS_DATA_DIR}/nats-server.pid`, `${Deno.pid}\n`);
  const stop = await s.run("stop");
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, /not running/);
  await assert.rejects(
    () => Deno.stat(`${s.env.NATS_DATA_DIR}/nats-server.pid`),
    Deno.errors.NotFound,
  );
});

Deno.test("nats-server.sh refuses a port held by a foreign process and leaves it alone", async () => {
  const holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (holder.addr as Deno.NetAddr).port;
    await using s = await script({ NATS_LEAF_PORT: String(port) });
    const r = await s.run("start");
    assert.equal(r.code, 1, r.stdout);
    assert.match(
      r.stderr,
      new RegExp(
        `Port ${port} \\(NATS_LEAF_PORT\\) is already in use by process \\S+ \\(pid ${Deno.pid}\\), which is not nunect's server`,
      ),
    );
    assert.match(r.stderr, /never stops processes it did not start/);
    assert.equal((await s.run("status")).code, 3, "no server was started");
    const accepted = holder.accept();
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    (await accepted).close();
  } finally {
    holder.close();
  }
});

Deno.test("nats-server.sh reports a bad .env with the list of variables and exit 2", async () => {
  await using s = await script({ NATS_PORT: "port", NATS_JS_MAX_FILE: "lots" });
  const r = await s.run("start");
  assert.equal(r.code, 2, r.stdout);
  assert.match(r.stderr, /NATS_PORT: expected a port number/);
  assert.match(r.stderr, /NATS_JS_MAX_FILE: expected a size such as 256MB or 10GB; got "lots"/);
});

Deno.test("nats-server.sh with NATS_DATA_DIR outside the project: created on start; ldm; an uncreatable one is named", async () => {
  const outside = await Deno.makeTempDir({ prefix: "nunect-var-lib-" });
  try {
    await using s = await script({ NATS_DATA_DIR: `${outside}/var/lib/nunect` });
    const started = await s.run("start");
    assert.equal(started.code, 0, started.stderr);
    assert.ok((await Deno.stat(`${outside}/var/lib/nunect/nats-server.pid`)).isFile);
    const ldm = await s.run("ldm");
    assert.equal(ldm.code, 0, ldm.stderr);
    assert.match(ldm.stdout, /^Sent lame-duck mode to nats-server \(pid \d+\)/);
    await until(
      async () =>
        /Entering lame duck mode/i.test(
          await Deno.readTextFile(`${outside}/var/lib/nunect/nats-server.log`),
        ),
      "the server to log lame-duck mode",
    );
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
  await using bad = await script({ NATS_DATA_DIR: "/proc/nunect-data" });
  const refused = await bad.run("start");
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /^nats-server\.sh: NATS_DATA_DIR=\/proc\/nunect-data cannot be created by \S+: create it \(sudo mkdir -p \/proc\/nunect-data && sudo chown \S+ \/proc\/nunect-data\) or choose another directory in /m,
  );
});
