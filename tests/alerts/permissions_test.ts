// The alerts program runs only under its permission set: the set names exactly its config
// variables; the supervisor adds the notification hosts of .env; everything else is refused.
import assert from "node:assert/strict";
import { variableNames } from "../../mods/config/mod.ts";
import { ALERTS_SECTIONS } from "../../mods/alerts/main.ts";
import { assertNatsOnly, PROJECT_DIR } from "../_kit/mod.ts";

const denoJson = JSON.parse(await Deno.readTextFile(`${PROJECT_DIR}/deno.json`));
const set = denoJson.permissions.alerts;

Deno.test("deno.json's alerts env list is exactly the variables of its config sections", () => {
  assert.deepEqual(set.env, variableNames(ALERTS_SECTIONS));
  assert.deepEqual(Object.keys(set).sort(), ["env", "net", "read", "sys"]);
  assert.deepEqual(set.read, ["./.data/identity/creds/alerts"], "its own credentials only");
  assert.deepEqual(set.sys, ["hostname"]); // nodemailer names the host in EHLO
  assert.deepEqual(set.net, ["127.0.0.1:4222", "localhost:4222"]);
});

Deno.test("under -P=alerts only the NATS server (and the hosts the supervisor adds) is reachable; no processes, other files or secrets", async () => {
  await assertNatsOnly(
    "alerts",
    ["DASHBOARD_ADMIN_PASSWORD", "DASHBOARD_SECRET"],
    [
      "controller",
      "creds/dashboard",
      "creds/history",
      "creds/units",
    ].map((other) => `${PROJECT_DIR}/.data/identity/${other}`),
  );
});
