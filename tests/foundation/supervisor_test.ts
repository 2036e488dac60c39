import assert from "node:assert/strict";
import { dataDirGrants, defaultModules } from "../../mods/runtime/mod.ts";
import { allSections, loadConfig, sections } from "../../mods/config/mod.ts";
import { PROJECT_DIR, runProgram, spawnProgram, testServer, until } from "../_kit/mod.ts";
import { DEBIAN_NATS_SERVER, MANAGED_SERVER_LINK } from "../../mods/tools/mod.ts";
import { alive, testEnv } from "./_env.ts";

const SLEEPER = "sleeper=tests/foundation/probes/sleeper.ts@config";
const CRASHER = "crasher=tests/foundation/probes/crash.ts@config";

/** Every "<name> started (pid N)" line so far, as [name, pid] pairs. */
function startedPids(output: string): [string, number][] {
  return [...output.matchAll(/^(\S+) started \(pid (\d+)\)/gm)].map((m) => [m[1]!, Number(m[2])]);
}

async function tempDir(): Promise<string & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "nunect-supervisor-" });
  return Object.assign(dir, {
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  }) as string & AsyncDisposable;
}

/**
 * The grant of the test's data directory (outside ./.data), as `deno task start` computes it
 * (mods/runtime/main.ts --grants).
 */
function grants(env: Record<string, string>): string[] {
  return dataDirGrants(loadConfig(allSections, (n) => env[n]), PROJECT_DIR);
}

/** The supervisor (mods/runtime/main.ts) under its production permission set, in the background. */
function spawnSupervisor(env: Record<string, string>, args: string[] = []) {
  return spawnProgram({
    permissionSet: "runtime",
    entry: "mods/runtime/main.ts",
    denoFlags: grants(env),
    args,
    env,
  });
}

/** The supervisor run to its end, for the cases where it refuses to start. */
function runSupervisor(env: Record<string, string>, args: string[] = [], flags = grants(env)) {
  return runProgram({
    permissionSet: "runtime",
    entry: "mods/runtime/main.ts",
    denoFlags: flags,
    args,
    env,
  });
}

/** Asserts that none of the started processes is still running. */
async function assertAllGone(pids: [string, number][]): Promise<void> {
  for (const [name, pid] of pids) {
    assert.equal(await alive(pid), false, `${name} (pid ${pid}) left behind`);
  }
}

Deno.test("the supervisor starts nats-server and a module, and SIGTERM stops both in order", async () => {
  await using dir = await tempDir();
  const env = await testEnv(`${dir}`);
  await using sup = spawnSupervisor(env, ["--module", SLEEPER]);
  await sup.waitFor("Ctrl-C stops everything", 20_000);
  await sup.waitFor("sleeper probe up");
  const out = sup.output().stdout;
  assert.match(out, new RegExp(`clients +nats://127\\.0\\.0\\.1:${env.NATS_PORT}`));
  assert.match(out, new RegExp(`monitoring +http://127\\.0\\.0\\.1:${env.NATS_HTTP_PORT}`));
  const { version } = await testServer();
  assert.match(
    out,
    new RegExp(`^nats-server ${version} \\(NATS_SERVER_BIN: ${env.NATS_SERVER_BIN}\\)$`, "m"),
  );
  assert.match(out, new RegExp(`version +${version}$`, "m"));
  const pids = startedPids(out);
  assert.deepEqual(pids.map(([name]) => name), ["nats-server", "sleeper"]);
  for (const [name, pid] of pids) assert.ok(await alive(pid), `${name} (pid ${pid}) is running`);
  const health = await fetch(`http://127.0.0.1:${env.NATS_HTTP_PORT}/healthz`);
  assert.equal(health.status, 200);
  await health.body?.cancel();

  const result = await sup.stop("SIGTERM");
  assert.equal(result.code, 0, result.stderr);
  const stopOrder = [...result.stdout.matchAll(/^(\S+) stopped/gm)].map((m) => m[1]);
  assert.deepEqual(stopOrder, ["sleeper", "nats-server"], "modules stop before the server");
  await assertAllGone(pids);
});

Deno.test("the supervisor restarts a crashing module with growing backoff and says so", async () => {
  await using dir = await tempDir();
  const env = await testEnv(`${dir}`);
  await using sup = spawnSupervisor(env, ["--module", CRASHER]);
  await sup.waitFor(
    /crasher \(pid \d+\) exited with code 3; restarting in 1 s \(first crash\)/,
    20_000,
  );
  await sup.waitFor(
    /crasher \(pid \d+\) exited with code 3; restarting in 2 s \(crash 2 in a row\)/,
    20_000,
  );
  const pids = startedPids(sup.output().stdout);
  assert.ok(pids.filter(([n]) => n === "crasher").length >= 2, "crasher was started again");
  const result = await sup.stop("SIGINT");
  assert.equal(result.code, 0, result.stderr);
  await assertAllGone(startedPids(result.stdout));
});

Deno.test("the supervisor starts the project's modules that exist (dashboard, guardian) and stops them", async () => {
  await using dir = await tempDir();
  const env = await testEnv(`${dir}`);
  const expected = defaultModules(
    loadConfig(Object.keys(sections) as (keyof typeof sections)[], (n) => env[n]),
    PROJECT_DIR,
  );
  const present: string[] = [];
  for (const m of expected) {
    if (await Deno.stat(`${PROJECT_DIR}/${m.entry}`).then(() => true, () => false)) {
      present.push(m.name);
    }
  }
  await using sup = spawnSupervisor(env);
  await sup.waitFor("Ctrl-C stops everything", 20_000);
  const out = sup.output().stdout;
  assert.deepEqual(startedPids(out).map(([n]) => n), ["nats-server", ...present]);
  for (const m of expected.filter((m) => !present.includes(m.name))) {
    assert.match(
      out,
      new RegExp(`not started \\(entry file missing\\):.*${m.name} \\(${m.entry}\\)`),
    );
  }
  const result = await sup.stop("SIGTERM");
  assert.equal(result.code, 0, result.stderr);
  await assertAllGone(startedPids(result.stdout));
});

Deno.test("the supervisor refuses a port held by another process, names it, and leaves the holder alone", async () => {
  await using dir = await tempDir();
  const holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = String((holder.addr as Deno.NetAddr).port);
    const env = await testEnv(`${dir}`, { NATS_WS_PORT: port });
    const accepted = holder.accept();
    const r = await runSupervisor(env, ["--module", SLEEPER]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`port ${port} \\(NATS_WS_PORT\\) is already in use`));
    assert.doesNotMatch(r.stdout, /started/);
    (await accepted).close(); // the supervisor's probe connected; the holder is still serving
    await until(async () => {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port: Number(port) })).close();
        return true;
      } catch {
        return false;
      }
    }, "the holder to still accept connections");
  } finally {
    holder.close();
  }
});

Deno.test("the supervisor explains a listen address its permission set cannot reach", async () => {
  await using dir = await tempDir();
  const env = await testEnv(`${dir}`, { NATS_HOST: "192.0.2.10" });
  const r = await runSupervisor(env);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /NATS_HOST=192\.0\.2\.10, but the runtime permission set reaches only/);
  assert.doesNotMatch(r.stdout, /started/);
});

Deno.test("without NATS_SERVER_BIN the supervisor runs the managed server through .tools/nats-server", async () => {
  await using dir = await tempDir();
  const env = await testEnv(`${dir}`, { NATS_SERVER_BIN: "" });
  const link = `${PROJECT_DIR}/${MANAGED_SERVER_LINK}`;
  const target = await Deno.readLink(link).catch(() => undefined);
  await using sup = spawnSupervisor(env, ["--module", SLEEPER]);
  await sup.waitFor("Ctrl-C stops everything", 20_000);
  const out = sup.output().stdout;
  if (target !== undefined) {
    // Deno checks the link's path against the set; the target outside the project is not in it.
    assert.match(
      out,
      new RegExp(
        `^nats-server [\\d.]+ \\(nunect-managed: ${MANAGED_SERVER_LINK} -> ${target}\\)$`,
        "m",
      ),
    );
  } else {
    assert.match(
      out,
      /^nats-server [\d.]+ \((on PATH|Debian's); no \.tools\/nats-server \(run `bash scripts\/setup\.sh run`/m,
    );
  }
  const [, pid] = startedPids(out).find(([n]) => n === "nats-server")!;
  assert.equal(
    await Deno.realPath(`/proc/${pid}/exe`),
    await Deno.realPath(target ?? DEBIAN_NATS_SERVER),
  );
  assert.equal((await sup.stop()).code, 0);
});

Deno.test("NATS_SERVER_BIN outside the runtime set's run list stops the start with the fix", async () => {
  await using dir = await tempDir();
  const copy = `${dir}/nats-server`;
  await Deno.copyFile(DEBIAN_NATS_SERVER, copy);
  await Deno.chmod(copy, 0o755);
  const r = await runSupervisor(await testEnv(`${dir}`, { NATS_SERVER_BIN: copy }));
  assert.equal(r.code, 1, r.stderr);
  assert.equal(
    r.stderr.trim(),
    `NATS_SERVER_BIN=${copy} may not be run under the runtime permission set: add "${copy}" to "permissions.runtime.run" in deno.json, or leave NATS_SERVER_BIN empty`,
  );
  assert.doesNotMatch(r.stdout, /started/);
  const gone = await runSupervisor(
    await testEnv(`${dir}`, { NATS_SERVER_BIN: "/usr/sbin/no-such-nats-server" }),
  );
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /NATS_SERVER_BIN=\/usr\/sbin\/no-such-nats-server may not be run/);
});

Deno.test("NATS_DATA_DIR outside ./.data: the start names the variable and the grant, or runs with it and creates the directory", async () => {
  await using dir = await tempDir();
  const env = await testEnv(`${dir}`, { NATS_DATA_DIR: `${dir}/var/lib/nunect` });
  const flags = grants(env);
  assert.deepEqual(flags, [
    `--allow-read=${PROJECT_DIR},${dir}/var/lib/nunect`,
    `--allow-write=${PROJECT_DIR}/.data,${dir}/var/lib/nunect`,
  ]);
  const printed = await runSupervisor(env, ["--grants"], []);
  assert.deepEqual(printed.stdout.trim().split("\n"), flags);

  const refused = await runSupervisor(env, ["--module", SLEEPER], []);
  assert.equal(refused.code, 1);
  assert.equal(
    refused.stderr.trim(),
    `Cannot start: NATS_DATA_DIR=${dir}/var/lib/nunect is outside what the runtime permission set may write (./.data). Start with \`deno task start\`, which grants it, or add ${
      flags.join(" ")
    } to the deno run command`,
  );

  await using sup = spawnSupervisor(env, ["--module", SLEEPER]);
  await sup.waitFor("Ctrl-C stops everything", 20_000);
  const pid = (await Deno.readTextFile(`${dir}/var/lib/nunect/nats-server.pid`)).trim();
  assert.match(sup.output().stdout, new RegExp(`nats-server started \\(pid ${pid}\\)`));
  assert.equal((await sup.stop()).code, 0);
  await assert.rejects(Deno.stat(`${dir}/var/lib/nunect/nats-server.pid`), Deno.errors.NotFound);
});
