import assert from "node:assert/strict";
import { variableNames } from "../../mods/config/mod.ts";
import { DASHBOARD_SECTIONS } from "../../mods/dashboard/mod.ts";
import { PROJECT_DIR, runProgram } from "../_kit/mod.ts";

const denoJson = JSON.parse(await Deno.readTextFile(`${PROJECT_DIR}/deno.json`));
const set = denoJson.permissions.dashboard;

Deno.test("the dashboard permission set names exactly the variables main.ts reads", () => {
  assert.deepEqual([...set.env].sort(), variableNames(DASHBOARD_SECTIONS).sort());
});

Deno.test("the dashboard permission set refuses what the dashboard does not need", async () => {
  const out = await runProgram({
    permissionSet: "dashboard",
    entry: "tests/dashboard/_probe_permissions.ts",
  });
  assert.equal(out.code, 0, out.stderr);
  assert.deepEqual(JSON.parse(out.stdout.trim()), [
    "readEnvFile",
    "readSigningKeys",
    "readUnitCreds",
    "readControllerCreds",
    "run",
    "write",
    "remoteNet",
  ]);
});
