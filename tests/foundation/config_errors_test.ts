import assert from "node:assert/strict";
import { runProgram } from "../_kit/mod.ts";
import { testEnv } from "./_env.ts";

async function withEnv(
  overrides: Record<string, string>,
  fn: (env: Record<string, string>) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "nunect-config-" });
  try {
    await fn(await testEnv(dir, overrides));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** `mods/config/main.ts check` run to its end, by default under the config permission set. */
function configCheck(env: Record<string, string>, permissionSet = "config") {
  return runProgram({ permissionSet, entry: "mods/config/main.ts", args: ["check"], env });
}

/** The supervisor (mods/runtime/main.ts) run to its end under the runtime permission set. */
function runSupervisor(env: Record<string, string>) {
  return runProgram({ permissionSet: "runtime", entry: "mods/runtime/main.ts", env });
}

/** Whether anything accepts connections on 127.0.0.1:port. */
async function listening(port: string): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port: Number(port) })).close();
    return true;
  } catch {
    return false;
  }
}

Deno.test("mods/config/main.ts check: a bad port and a missing password give one message and exit 2", async () => {
  await withEnv({ NATS_PORT: "99999", DASHBOARD_ADMIN_PASSWORD: "" }, async (env) => {
    const r = await configCheck(env);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /Invalid configuration in \.env or the environment \(2 variables\)/);
    assert.match(r.stderr, /NATS_PORT: expected a port number 1-65535.*; got "99999"/);
    assert.match(r.stderr, /DASHBOARD_ADMIN_PASSWORD: expected a password .*; it is not set/);
    assert.match(r.stderr, /Fix these in \.env/);
  });
});

Deno.test("mods/config/main.ts check passes on a valid environment (exit 0)", async () => {
  await withEnv({}, async (env) => {
    const r = await configCheck(env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Configuration is valid/);
  });
});

Deno.test("the supervisor refuses a bad configuration with exit 2 and starts nothing", async () => {
  await withEnv(
    { NATS_HTTP_PORT: "http", DASHBOARD_SECRET: "", HEARTBEAT_INTERVAL_MS: "5" },
    async (env) => {
      const r = await runSupervisor(env);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /\(3 variables\)/);
      assert.match(r.stderr, /NATS_HTTP_PORT: .*got "http"/);
      assert.match(r.stderr, /DASHBOARD_SECRET: .*it is not set/);
      assert.match(r.stderr, /HEARTBEAT_INTERVAL_MS: expected a whole number 100-600000; got "5"/);
      assert.doesNotMatch(r.stdout, /started/);
      assert.equal(await listening(env.NATS_PORT!), false, "nats-server was started");
    },
  );
});

Deno.test("a TLS certificate without its key (and the reverse) is a configuration error", async () => {
  await withEnv({ NATS_TLS_CERT: "/etc/nunect/cert.pem" }, async (env) => {
    const r = await runSupervisor(env);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /NATS_TLS_KEY: expected a PEM key path when NATS_TLS_CERT is set/);
  });
  await withEnv({ NATS_TLS_KEY: "/etc/nunect/key.pem" }, async (env) => {
    const r = await configCheck(env);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /NATS_TLS_CERT: expected a PEM certificate path when NATS_TLS_KEY/);
  });
});

Deno.test("a variable outside the program's permission set is named, not a stack trace", async () => {
  await withEnv({}, async (env) => {
    // The guardian's set reads only its own variables; the whole-config check needs them all.
    const r = await configCheck(env, "guardian");
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /DASHBOARD_ADMIN_PASSWORD: this program's permission set may not read it; add it to the "env" list/,
    );
    assert.doesNotMatch(r.stderr, /NotCapable|at loadConfig/);
  });
});
