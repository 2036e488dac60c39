import assert from "node:assert/strict";
import { PROJECT_DIR } from "./project.ts";
import { runProgram } from "./program.ts";

/**
 * Runs the permission probe (tests/foundation/probes/probe.ts) under a deno.json permission set:
 * it tries one action (`net host:port`, `run command…`, `env NAME`, `read path`, `write path`).
 *
 * @param permissionSet the set, e.g. `"history"`
 * @param args the action
 * @param env the probe's whole environment (what `env NAME` may find)
 * @returns the verdict: `allowed` or `refused: <Deno's message>`
 */
export async function probeAccess(
  permissionSet: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<string> {
  const r = await runProgram({
    permissionSet,
    entry: "tests/foundation/probes/probe.ts",
    args,
    env,
  });
  assert.equal(r.code, 0, `probe ${args.join(" ")} under ${permissionSet} failed:\n${r.stderr}`);
  return r.stdout.trim();
}

/**
 * Asserts that a program's permission set reaches only the NATS server at 127.0.0.1:4222 and
 * reads NATS_URL, while other ports and hosts, processes, the project's files, writing, and the
 * given secrets are refused.
 *
 * @param permissionSet the set, e.g. `"registry"`
 * @param secrets variables the set must not read (each is set in the probe's environment)
 */
export async function assertNatsOnly(
  permissionSet: string,
  secrets: readonly string[],
): Promise<void> {
  const env = {
    NATS_URL: "nats://127.0.0.1:4222",
    ...Object.fromEntries(secrets.map((s) => [s, "x"])),
  };
  const probe = (...args: string[]) => probeAccess(permissionSet, args, env);
  assert.equal(await probe("net", "127.0.0.1:4222"), "allowed");
  assert.match(await probe("net", "127.0.0.1:8222"), /^refused: Requires net access/);
  assert.match(await probe("net", "192.0.2.1:443"), /^refused: Requires net access/);
  assert.match(await probe("run", "sh", "-c", "true"), /^refused: Requires run access/);
  assert.match(
    await probe("read", `${PROJECT_DIR}/.env.example`),
    /^refused: Requires read access/,
  );
  assert.match(await probe("write", `/tmp/nunect-probe-${crypto.randomUUID()}`), /^refused/);
  assert.equal(await probe("env", "NATS_URL"), "allowed");
  for (const secret of secrets) {
    assert.match(await probe("env", secret), /^refused: Requires env access/, secret);
  }
}
