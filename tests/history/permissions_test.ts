// The history collector runs only under its permission set: the set names exactly its config
// variables, and everything else (other hosts, processes, files, other secrets) is refused.
import assert from "node:assert/strict";
import { variableNames } from "../../mods/config/mod.ts";
import { HISTORY_SECTIONS } from "../../mods/history/main.ts";
import { PROJECT_DIR, runProgram } from "../_kit/mod.ts";

const denoJson = JSON.parse(await Deno.readTextFile(`${PROJECT_DIR}/deno.json`));
const set = denoJson.permissions.history;

async function probe(...args: string[]): Promise<string> {
  const r = await runProgram({
    permissionSet: "history",
    entry: "tests/foundation/probes/probe.ts",
    args,
    env: {
      NATS_URL: "nats://127.0.0.1:4222",
      DASHBOARD_ADMIN_PASSWORD: "x",
      DASHBOARD_SECRET: "y",
    },
  });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

Deno.test("deno.json's history env list is exactly the variables of its config sections", () => {
  assert.deepEqual(set.env, variableNames(HISTORY_SECTIONS));
  assert.deepEqual(Object.keys(set).sort(), ["env", "net", "read"]);
  assert.deepEqual(set.read, ["./.data/identity/creds/history"], "its own credentials only");
  assert.deepEqual(set.net, ["127.0.0.1:4222", "localhost:4222"]);
});

Deno.test("under -P=history only the NATS server is reachable; no processes, files or other secrets", async () => {
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
  assert.match(await probe("env", "DASHBOARD_ADMIN_PASSWORD"), /^refused: Requires env access/);
  assert.match(await probe("env", "DASHBOARD_SECRET"), /^refused: Requires env access/);
  for (const other of ["controller", "creds/dashboard", "creds/alerts", "creds/units"]) {
    assert.match(
      await probe("read", `${PROJECT_DIR}/.data/identity/${other}`),
      /^refused: Requires read access/,
      other,
    );
  }
});
