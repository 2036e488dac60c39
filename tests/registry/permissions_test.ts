// The subject registry runs only under its permission set: the set names exactly its config
// variables, and everything else (other hosts, processes, files, other secrets) is refused.
import assert from "node:assert/strict";
import { variableNames } from "../../mods/config/mod.ts";
import { REGISTRY_SECTIONS } from "../../mods/registry/main.ts";
import { PROJECT_DIR, runProgram } from "../_kit/mod.ts";

const denoJson = JSON.parse(await Deno.readTextFile(`${PROJECT_DIR}/deno.json`));
const set = denoJson.permissions.registry;

async function probe(...args: string[]): Promise<string> {
  const r = await runProgram({
    permissionSet: "registry",
    entry: "tests/foundation/probes/probe.ts",
    args,
    env: { NATS_URL: "nats://127.0.0.1:4222", NATS_GUARDIAN_PASSWORD: "x", DASHBOARD_SECRET: "y" },
  });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

Deno.test("deno.json's registry env list is exactly the variables of its config sections", () => {
  assert.deepEqual(set.env, variableNames(REGISTRY_SECTIONS));
  assert.deepEqual(Object.keys(set).sort(), ["env", "net"]);
  assert.deepEqual(set.net, ["127.0.0.1:4222", "localhost:4222"]);
});

Deno.test("under -P=registry only the NATS server is reachable; no processes, files or other secrets", async () => {
  assert.equal(await probe("net", "127.0.0.1:4222"), "allowed");
  assert.match(await probe("net", "127.0.0.1:8222"), /^refused: Requires net access/);
  assert.match(await probe("run", "sh", "-c", "true"), /^refused: Requires run access/);
  assert.match(
    await probe("read", `${PROJECT_DIR}/.env.example`),
    /^refused: Requires read access/,
  );
  assert.match(await probe("write", `/tmp/nunect-probe-${crypto.randomUUID()}`), /^refused/);
  assert.equal(await probe("env", "NATS_URL"), "allowed");
  assert.match(await probe("env", "NATS_GUARDIAN_PASSWORD"), /^refused: Requires env access/);
  assert.match(await probe("env", "DASHBOARD_SECRET"), /^refused: Requires env access/);
});
