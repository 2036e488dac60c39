/**
 * Attacks on the processes and the configuration, replayed against a real stack started by the
 * supervisor as `deno task start` starts it: a supervisor killed with SIGKILL, a nats-server that
 * crashes or freezes, an unbindable DASHBOARD_BIND, a module that keeps crashing, the public
 * placeholder secrets of .env.example, and the monitoring port on every interface.
 *
 * @module
 */
import assert from "node:assert/strict";
import { PLACEHOLDER_PREFIX } from "../../mods/config/mod.ts";
import { alive, PROJECT_DIR, runProgram, startStack, testEnv, until } from "../_kit/mod.ts";

const SLEEPER = "sleeper=tests/foundation/probes/sleeper.ts@config";
const CRASHER = "crasher=tests/foundation/probes/crash.ts@config";
const BAD_CONFIG = "badconf=tests/foundation/probes/bad_config.ts@config";

async function tempDir(): Promise<string & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "nunect-security-" });
  return Object.assign(dir, {
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  }) as string & AsyncDisposable;
}

/** Whether something accepts TCP connections at host:port. */
async function accepts(hostname: string, port: string | number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname, port: Number(port) })).close();
    return true;
  } catch {
    return false;
  }
}

/** A PATH holding deno, nats-server, ps and kill but not setpriv: a host without util-linux. */
async function pathWithoutSetpriv(dir: string): Promise<string> {
  const bin = `${dir}/bin`;
  await Deno.mkdir(bin);
  await Deno.symlink(Deno.execPath(), `${bin}/deno`);
  for (const tool of ["nats-server", "ps", "kill"]) {
    const found = (Deno.env.get("PATH") ?? "").split(":").map((d) => `${d}/${tool}`)
      .find((p) => {
        try {
          return Deno.statSync(p).isFile;
        } catch {
          return false;
        }
      });
    assert.ok(found, `${tool} is on PATH`);
    await Deno.symlink(found, `${bin}/${tool}`);
  }
  return bin;
}

Deno.test("security: a supervisor killed with SIGKILL takes nats-server and every module with it; the next start works", async () => {
  await using stack = await startStack();
  const pids = stack.pids();
  for (const name of ["nats-server", "dashboard", "guardian"]) {
    assert.ok(pids[name], `${name} runs`);
  }
  for (const [name, pid] of Object.entries(pids)) assert.ok(await alive(pid), `${name} runs`);

  // A second start beside the running one refuses instead of fighting over the ports.
  const twice = await runProgram({
    permissionSet: "runtime",
    entry: "mods/runtime/main.ts",
    denoFlags: [`--allow-read=${PROJECT_DIR},${stack.dir}`, `--allow-write=${stack.dir}`],
    env: stack.env,
  });
  assert.equal(twice.code, 1, twice.stderr);
  assert.match(twice.stderr, /nunect is already running .* \(supervisor pid \d+\)/);

  Deno.kill(stack.supervisor.child.pid, "SIGKILL");
  for (const [name, pid] of Object.entries(pids)) {
    await until(async () => !await alive(pid), `${name} (pid ${pid}) to end with its supervisor`);
  }
  await stack.stop();

  await using again = await startStack({ reuse: stack });
  assert.doesNotMatch(again.supervisor.output().stderr, /already in use|already running/);
  assert.ok(await accepts("127.0.0.1", stack.env.NATS_PORT!), "the new stack serves");
});

Deno.test("security: where children outlive a killed supervisor (no setpriv), the next start ends them by pid file", async () => {
  await using dir = await tempDir();
  const path = await pathWithoutSetpriv(dir);
  await using first = await startStack({ args: ["--module", SLEEPER], path });
  assert.match(first.supervisor.output().stderr, /setpriv \(util-linux\) is missing/);
  const pids = first.pids();
  Deno.kill(first.supervisor.child.pid, "SIGKILL");
  await first.stop();
  // The attack: orphans keep the ports, so a plain restart would refuse to start.
  for (const [name, pid] of Object.entries(pids)) assert.ok(await alive(pid), `${name} orphaned`);

  await using second = await startStack({ reuse: first, args: ["--module", SLEEPER] });
  const out = second.supervisor.output().stdout;
  assert.match(out, /Ending what a previous supervisor left running: .*nats-server \(pid \d+\)/);
  for (const [name, pid] of Object.entries(pids)) {
    assert.match(out, new RegExp(`${name} \\(pid ${pid}\\)`));
    assert.equal(await alive(pid), false, `${name} (pid ${pid}) was ended`);
  }
  assert.notEqual(second.pids()["nats-server"], pids["nats-server"]);
});

Deno.test("security: a crashed nats-server is restarted with backoff; modules keep running and reconnect", async () => {
  await using stack = await startStack();
  const before = stack.pids();
  Deno.kill(before["nats-server"]!, "SIGKILL");
  await stack.supervisor.waitFor(
    /nats-server \(pid \d+\) was killed by SIGKILL; restarting in 1 s \(first crash\)/,
  );
  await until(
    () => stack.pids()["nats-server"] !== before["nats-server"],
    "a new nats-server",
  );
  await stack.supervisor.waitFor(/nats-server started \(pid \d+\), healthy/);
  for (const name of ["dashboard", "guardian"]) {
    assert.equal(stack.pids()[name], before[name], `${name} was not restarted`);
    assert.ok(await alive(before[name]!), `${name} still runs`);
  }
  await until(async () => {
    const res = await fetch(`${stack.dashboardUrl}/healthz`).catch(() => undefined);
    const body = await res?.json().catch(() => undefined);
    return body?.nats === "connected";
  }, "the dashboard to be connected to the new nats-server");
  const result = await stack.stop();
  assert.equal(result.code, 0, result.stderr);
});

Deno.test("security: after repeated fast crashes of nats-server the supervisor gives up loudly and stops everything", async () => {
  await using stack = await startStack({ args: ["--module", SLEEPER, "--give-up-after", "2"] });
  const pids = stack.pids();
  // A store that broke under the server: every restart now fails at once.
  Deno.kill(pids["nats-server"]!, "SIGKILL");
  await Deno.remove(`${stack.env.NATS_DATA_DIR}/jetstream`, { recursive: true });
  await Deno.writeTextFile(`${stack.env.NATS_DATA_DIR}/jetstream`, "not a directory");
  const result = await Promise.race([
    stack.supervisor.child.status.then(() => stack.stop()),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("the supervisor did not give up")), 20_000)
    ),
  ]);
  assert.equal(result.code, 1);
  assert.match(
    result.stdout,
    /GIVING UP: nats-server crashed 2 times in a row, each within 60 s of its start/,
  );
  assert.match(result.stderr, /Giving up: nats-server crashed 2 times in a row/);
  assert.equal(await alive(pids.sleeper!), false, "the modules were stopped");
});

Deno.test("security: an unbindable DASHBOARD_BIND stops the start with exit 2 naming it; nothing starts", async () => {
  await using dir = await tempDir();
  const env = await testEnv(`${dir}`, { DASHBOARD_BIND: "198.51.100.7" });
  const r = await runProgram({ permissionSet: "runtime", entry: "mods/runtime/main.ts", env });
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    /DASHBOARD_BIND: expected an address of this host: 127\.0\.0\.1 .*; got "198\.51\.100\.7"/,
  );
  assert.doesNotMatch(r.stdout, /started/);
  assert.equal(await accepts("127.0.0.1", env.NATS_PORT!), false);
});

Deno.test("security: a module that keeps crashing is shown as crashing; one with a configuration error is not restarted", async () => {
  await using stack = await startStack({ args: ["--module", CRASHER, "--module", BAD_CONFIG] });
  await stack.supervisor.waitFor(
    /badconf \(pid \d+\) exited with code 2, a configuration error: not restarting it/,
  );
  await stack.supervisor.waitFor(/crasher keeps crashing: 3 crashes in a row/, 20_000);
  await stack.supervisor.waitFor(/^ {2}crasher +pid \d+ +\[crashing \(3 crashes in a row\)\]/m);
  const out = stack.supervisor.output().stdout;
  assert.match(out, /^ {2}badconf +\[failed\]/m);
  assert.equal(out.match(/badconf started/g)?.length, 1, "badconf was started once");
});

Deno.test("security: the public placeholder secrets of .env.example are refused (exit 2) with how to generate .env", async () => {
  const example = await Deno.readTextFile(`${PROJECT_DIR}/.env.example`);
  const placeholders = Object.fromEntries(
    [...example.matchAll(/^([A-Z0-9_]+)=(change-me.*)$/gm)].map((m) => [m[1]!, m[2]!]),
  );
  // In operator mode NATS has no passwords: the dashboard's two secrets are .env's only ones.
  assert.deepEqual(
    Object.keys(placeholders).sort(),
    ["DASHBOARD_ADMIN_PASSWORD", "DASHBOARD_SECRET"],
    "every secret has a placeholder",
  );
  await using dir = await tempDir();
  const env = { ...await testEnv(`${dir}`), ...placeholders };
  const r = await runProgram({ permissionSet: "runtime", entry: "mods/runtime/main.ts", env });
  assert.equal(r.code, 2, r.stderr);
  for (const name of Object.keys(placeholders)) {
    assert.match(
      r.stderr,
      new RegExp(`${name}: still the public "${PLACEHOLDER_PREFIX}-\\.\\.\\."`),
    );
  }
  assert.match(r.stderr, /move the current \.env aside and run `deno task start`/);
  for (const value of Object.values(placeholders)) assert.ok(!r.stderr.includes(value));
  assert.equal(await accepts("127.0.0.1", env.NATS_PORT!), false, "nothing started");

  // The dashboard alone (deno task dashboard) refuses the placeholder cookie secret too: a
  // cookie signed with it would otherwise get in without a login.
  const dash = await runProgram({
    permissionSet: "dashboard",
    entry: "main.ts",
    env: { ...env, DASHBOARD_SECRET: placeholders.DASHBOARD_SECRET! },
  });
  assert.equal(dash.code, 2, dash.stderr);
  assert.match(dash.stderr, /DASHBOARD_SECRET: still the public/);
  assert.equal(await accepts("127.0.0.1", env.DASHBOARD_PORT!), false);
});

Deno.test("security: with NATS_HOST=0.0.0.0 the unauthenticated monitoring port stays on 127.0.0.1 unless NATS_HTTP_HOST exposes it", async () => {
  // 127.0.0.2 reaches a listener on 0.0.0.0 but not one on 127.0.0.1.
  await using stack = await startStack({
    args: ["--module", SLEEPER],
    env: { NATS_HOST: "0.0.0.0" },
  });
  assert.ok(await accepts("127.0.0.2", stack.env.NATS_PORT!), "clients listen everywhere");
  assert.equal(await accepts("127.0.0.2", stack.env.NATS_HTTP_PORT!), false, "monitoring is local");
  const varz = await (await fetch(`${stack.monitorUrl}/varz`)).json();
  assert.equal(varz.http_host, "127.0.0.1");
  await stack.stop();

  await using exposed = await startStack({
    args: ["--module", SLEEPER],
    env: { NATS_HOST: "0.0.0.0", NATS_HTTP_HOST: "0.0.0.0" },
  });
  assert.ok(await accepts("127.0.0.2", exposed.env.NATS_HTTP_PORT!), "exposed on purpose");
});
