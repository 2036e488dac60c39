// The history collector runs only under its permission set: the set names exactly its config
// variables, and everything else (other hosts, processes, files, other secrets) is refused.
import assert from "node:assert/strict";
import { variableNames } from "../../mods/config/mod.ts";
import { HISTORY_SECTIONS } from "../../mods/history/main.ts";
import { assertNatsOnly, PROJECT_DIR } from "../_kit/mod.ts";

const denoJson = JSON.parse(await Deno.readTextFile(`${PROJECT_DIR}/deno.json`));
const set = denoJson.permissions.history;

Deno.test("deno.json's history env list is exactly the variables of its config sections", () => {
  assert.deepEqual(set.env, variableNames(HISTORY_SECTIONS));
  assert.deepEqual(Object.keys(set).sort(), ["env", "net", "read"]);
  assert.deepEqual(set.read, ["./.data/identity/creds/history"], "its own credentials only");
  assert.deepEqual(set.net, ["127.0.0.1:4222", "localhost:4222"]);
});

Deno.test("under -P=history only the NATS server is reachable; no processes, files or other secrets", async () => {
  await assertNatsOnly(
    "history",
    ["DASHBOARD_ADMIN_PASSWORD", "DASHBOARD_SECRET"],
    [
      "controller",
      "creds/dashboard",
      "creds/alerts",
      "creds/units",
    ].map((other) => `${PROJECT_DIR}/.data/identity/${other}`),
  );
});
