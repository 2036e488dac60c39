// The guardian runs only under its permission set: the set in deno.json is exactly what the issue
// allows, an action outside it is refused, and the guardian itself refuses an address it was not
// allowed to reach.
import assert from "node:assert/strict";
import { variableNames } from "../../mods/config/mod.ts";
import { GUARDIAN_SECTIONS } from "../../mods/guardian/mod.ts";
import { NUNECT_VERSION } from "../../mods/protocol/mod.ts";
import { guardianEnv, PROJECT_DIR, runProgram, startNats } from "../_kit/mod.ts";
import { natsHostPort } from "../../mods/runtime/mod.ts";

const denoJson = JSON.parse(await Deno.readTextFile(`${PROJECT_DIR}/deno.json`));
const set = denoJson.permissions.guardian;

Deno.test("deno.json's guardian env list is exactly the variables of its config sections", () => {
  assert.deepEqual(set.env, variableNames(GUARDIAN_SECTIONS));
});

Deno.test("deno.json's guardian set: chronyc and pmc by absolute path, NATS only, its credentials only", () => {
  assert.deepEqual(set.run, ["/usr/bin/chronyc", "/usr/sbin/pmc"]);
  assert.deepEqual(set.net, ["127.0.0.1:4222", "localhost:4222"]);
  // Where units' .creds live: this host's (deno task identity) and a router's (its bundle).
  assert.deepEqual(set.read, ["./.data/identity/creds/units", "/etc/nunect"]);
  assert.deepEqual(Object.keys(set).sort(), ["env", "net", "read", "run", "sys"]);
  assert.deepEqual(set.sys, ["hostname"]);
  assert.equal(denoJson.version, NUNECT_VERSION);
});

Deno.test("under -P=guardian everything outside the set is refused", async () => {
  await using ns = await startNats();
  const other = `127.0.0.1:${ns.httpPort}`;
  const r = await runProgram({
    permissionSet: "guardian",
    entry: "tests/guardian/_probe.ts",
    denoFlags: [`--allow-net=${natsHostPort(ns.url)}`],
    args: [natsHostPort(ns.url), other],
    env: { NATS_URL: ns.url },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    "run /usr/bin/chronyc": "allowed",
    "run /usr/sbin/pmc": "allowed",
    "run /bin/sh": "refused",
    "run /usr/bin/env": "refused",
    "env NATS_URL": "allowed",
    "env HOME": "refused",
    "env PATH": "refused",
    "net NATS": "allowed",
    "net other port": "refused",
    "net fetch": "refused",
    "read /etc/hostname": "refused",
    "read project": "refused",
    "write /tmp": "refused",
    "sys hostname": "allowed",
    "sys osUptime": "refused",
    "sys osRelease": "refused",
    "ffi": "refused",
  });
});

Deno.test("the guardian refuses a NATS_URL its permission set does not allow, and says so", async () => {
  await using ns = await startNats();
  // no --allow-net: the set allows 127.0.0.1:4222 only, the server is elsewhere
  const env = await guardianEnv(ns, "gd-refused");
  const r = await runProgram({
    permissionSet: "guardian",
    entry: "mods/guardian/main.ts",
    denoFlags: [`--allow-read=${env.NATS_CREDS}`],
    env,
  });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /the permission set refuses nats:\/\/127\.0\.0\.1:\d+/);
});

Deno.test("a bad configuration stops the guardian before it connects (exit 2)", async () => {
  await using ns = await startNats();
  const r = await runProgram({
    permissionSet: "guardian",
    entry: "mods/guardian/main.ts",
    denoFlags: [`--allow-net=${natsHostPort(ns.url)}`],
    env: await guardianEnv(ns, "bad.unit", { HEARTBEAT_INTERVAL_MS: "5" }),
  });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /UNIT_ID: expected/);
  assert.match(r.stderr, /HEARTBEAT_INTERVAL_MS: expected a whole number 100-600000; got "5"/);
});
