// The subject registry runs only under its permission set: the set names exactly its config
// variables, and everything else (other hosts, processes, files, other secrets) is refused.
import assert from "node:assert/strict";
import { variableNames } from "../../mods/config/mod.ts";
import { REGISTRY_SECTIONS } from "../../mods/registry/main.ts";
import { assertNatsOnly, PROJECT_DIR } from "../_kit/mod.ts";

const denoJson = JSON.parse(await Deno.readTextFile(`${PROJECT_DIR}/deno.json`));
const set = denoJson.permissions.registry;

Deno.test("deno.json's registry env list is exactly the variables of its config sections", () => {
  assert.deepEqual(set.env, variableNames(REGISTRY_SECTIONS));
  assert.deepEqual(Object.keys(set).sort(), ["env", "net", "read"]);
  assert.deepEqual(set.read, ["./.data/identity/creds/registry"], "its own credentials only");
  assert.deepEqual(set.net, ["127.0.0.1:4222", "localhost:4222"]);
});

Deno.test("under -P=registry only the NATS server is reachable; no processes, files or other secrets", async () => {
  await assertNatsOnly("registry", ["NATS_GUARDIAN_PASSWORD", "DASHBOARD_SECRET"]);
});
