import assert from "node:assert/strict";
import {
  ConfigError,
  loadConfig,
  monitorUrl,
  obsoleteVariables,
  obsoleteVariablesMessage,
  sections,
  serverEnv,
  serverSections,
  unitCredsPath,
  variableNames,
  withFreshSecrets,
} from "../../mods/config/mod.ts";
import { PROJECT_DIR } from "../_kit/mod.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("defaults apply and values parse into a frozen typed object", () => {
  const config = loadConfig(
    ["server", "guardian", "timesync"],
    env({ NATS_PORT: "4333", NTP_SERVERS: "a, b,," }),
  );
  assert.equal(config.server.port, 4333);
  assert.equal(config.server.httpPort, 8222);
  assert.equal(config.guardian.heartbeatIntervalMs, 5000);
  assert.equal(config.guardian.timeMaster, false);
  assert.deepEqual(config.timesync.ntpServers, ["a", "b"]);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.server));
});

Deno.test("every bad variable is listed in one error, secrets never echoed", () => {
  try {
    loadConfig(
      ["server", "dashboard"],
      env({ NATS_PORT: "abc", NATS_HTTP_PORT: "70000", DASHBOARD_ADMIN_PASSWORD: "short" }),
    );
    assert.fail("expected a ConfigError");
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.deepEqual(e.problems.map((p) => p.name), [
      "NATS_PORT",
      "NATS_HTTP_PORT",
      "DASHBOARD_ADMIN_PASSWORD",
      "DASHBOARD_SECRET",
    ]);
    assert.match(
      e.message,
      /NATS_PORT: expected a port number 1-65535 \(-1: any free port\); got "abc"/,
    );
    assert.match(e.message, /NATS_HTTP_PORT: .*got "70000"/);
    assert.match(
      e.message,
      /DASHBOARD_ADMIN_PASSWORD: expected a password .*; the value given does not qualify/,
    );
    assert.match(e.message, /DASHBOARD_SECRET: .*it is not set/);
    assert.ok(!e.message.includes("short"), "a secret is never printed");
  }
});

Deno.test("an .env from before operator mode: its role passwords are named, not required", () => {
  const old = env({
    NATS_SYS_USER: "sys",
    NATS_SYS_PASSWORD: "old-sys-password-1",
    NATS_BRIDGE_PASSWORD: "old-bridge-password-1",
  });
  // Nothing reads them: every section loads without them...
  assert.doesNotThrow(() => loadConfig(["server", "unit", "identity", "unitCreds"], old));
  // ...and the supervisor says once that they can go, and what tenant apps need now.
  const names = obsoleteVariables(old);
  assert.deepEqual(names, ["NATS_SYS_USER", "NATS_SYS_PASSWORD", "NATS_BRIDGE_PASSWORD"]);
  const message = obsoleteVariablesMessage(names);
  assert.match(message, /no longer apply: nunect runs nats-server in operator mode/);
  assert.match(message, /deno task identity issue <unit> --account <TENANT>/);
  assert.ok(!message.includes("old-sys-password-1"), "a secret is never printed");
});

Deno.test("a unit's credentials file: NATS_CREDS, else the one issued for UNIT_ID", () => {
  const c = loadConfig(["unit", "unitCreds"], env({ UNIT_ID: "router-7" }));
  assert.equal(
    unitCredsPath(c.unitCreds.credsFile, c.unit.unitId),
    "./.data/identity/creds/units/router-7.creds",
  );
  const given = loadConfig(["unitCreds"], env({ NATS_CREDS: "/etc/nunect/r.creds" }));
  assert.equal(unitCredsPath(given.unitCreds.credsFile, "router-7"), "/etc/nunect/r.creds");
});

Deno.test("a program reads only the variables of the sections it loads", () => {
  const read: string[] = [];
  loadConfig(["unit", "guardian"], (name) => {
    read.push(name);
    return undefined;
  });
  assert.deepEqual(read.sort(), variableNames(["unit", "guardian"]).sort());
});

Deno.test(".env.example documents every variable, and fresh secrets replace every password", async () => {
  const example = await Deno.readTextFile(`${PROJECT_DIR}/.env.example`);
  const documented = new Set([...example.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]));
  for (const name of variableNames(Object.keys(sections) as (keyof typeof sections)[])) {
    assert.ok(documented.has(name), `${name} is missing from .env.example`);
  }
  const fresh = withFreshSecrets(example);
  assert.ok(!/PASSWORD=change-me/.test(fresh) && !/SECRET=change-me/.test(fresh));
  const vars = Object.fromEntries(
    [...fresh.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]),
  );
  const all = loadConfig(Object.keys(sections) as (keyof typeof sections)[], env(vars));
  assert.notEqual(all.dashboard.adminPassword, all.dashboard.secret);
});

Deno.test("the monitoring listener defaults to 127.0.0.1 and has its own variable", () => {
  const secrets = Object.fromEntries(
    variableNames(serverSections).filter((n) => n.endsWith("_PASSWORD")).map((n) => [
      n,
      "a-fresh-secret-0123456789",
    ]),
  );
  const local = loadConfig(serverSections, env({ ...secrets, NATS_HOST: "0.0.0.0" }));
  assert.equal(serverEnv(local, "/p").NATS_HTTP_LISTEN, '"127.0.0.1:8222"');
  assert.equal(
    monitorUrl({ ...local, ...loadConfig(["dashboard"], env(dashboardSecrets)) }),
    "http://127.0.0.1:8222",
  );
  const exposed = loadConfig(
    serverSections,
    env({ ...secrets, NATS_HTTP_HOST: "::", NATS_HTTP_PORT: "9000" }),
  );
  assert.equal(serverEnv(exposed, "/p").NATS_HTTP_LISTEN, '"[::]:9000"');
  assert.throws(
    () => loadConfig(["dashboard"], env({ ...dashboardSecrets, DASHBOARD_BIND: "my host" })),
    /DASHBOARD_BIND: expected an IP address to listen on .*; got "my host"/,
  );
});

const dashboardSecrets = {
  DASHBOARD_ADMIN_PASSWORD: "a-fresh-admin-password",
  DASHBOARD_SECRET: "a-fresh-secret-a-fresh-secret-a-fresh-secret",
};
