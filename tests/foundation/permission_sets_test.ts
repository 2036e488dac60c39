import assert from "node:assert/strict";
import { sections, variableNames } from "../../mods/config/mod.ts";
import { probeAccess, PROJECT_DIR } from "../_kit/mod.ts";
import { cachedBinary } from "../../mods/tools/mod.ts";

/** Runs the probe under a permission set and returns its verdict line. */
function probe(permissionSet: string, ...args: string[]): Promise<string> {
  return probeAccess(permissionSet, args, {
    NATS_PORT: "4222",
    NATS_URL: "nats://127.0.0.1:4222",
    PROBE_SECRET: "x",
  });
}

async function assertRefused(set: string, ...args: string[]): Promise<void> {
  const verdict = await probe(set, ...args);
  assert.match(verdict, /^refused: Requires \w+ access/, `${set} allowed: ${args.join(" ")}`);
}

async function assertAllowed(set: string, ...args: string[]): Promise<void> {
  assert.equal(await probe(set, ...args), "allowed", `${set} refused: ${args.join(" ")}`);
}

const scratch = () => `/tmp/nunect-probe-${crypto.randomUUID()}`;

Deno.test("runtime set: runs nats-server and deno, connects to localhost only, reads only contract variables", async () => {
  await assertAllowed("runtime", "run", "nats-server", "--version");
  await assertAllowed("runtime", "run", "/usr/sbin/nats-server", "--version");
  // The managed server: its stable project-relative link, not the cache path it points at.
  await assertAllowed("runtime", "run", `${PROJECT_DIR}/.tools/nats-server`, "--version");
  await assertRefused("runtime", "run", cachedBinary("nats-server"), "--version");
  await assertRefused("runtime", "run", "sh", "-c", "true");
  await assertRefused("runtime", "run", "apt-get", "--version");
  await assertAllowed("runtime", "net", "127.0.0.1:4222");
  await assertRefused("runtime", "net", "192.0.2.1:4222");
  await assertAllowed("runtime", "env", "NATS_PORT");
  await assertRefused("runtime", "env", "PROBE_SECRET");
  await assertRefused("runtime", "env", "HOME");
  await assertRefused("runtime", "write", scratch());
  await assertRefused("runtime", "write", `${PROJECT_DIR}/probe-${crypto.randomUUID()}`);
});

Deno.test("config set: no processes, no network, writes only .env", async () => {
  await assertRefused("config", "run", "sh", "-c", "true");
  await assertRefused("config", "net", "127.0.0.1:4222");
  await assertAllowed("config", "env", "NATS_PORT");
  await assertRefused("config", "env", "PROBE_SECRET");
  await assertRefused("config", "write", scratch());
  await assertRefused("config", "write", `${PROJECT_DIR}/deno-probe-${crypto.randomUUID()}.json`);
  await assertAllowed("config", "read", `${PROJECT_DIR}/.env.example`);
});

Deno.test("dashboard set (net: true): refuses spawning processes and writing files", async () => {
  await assertRefused("dashboard", "run", "sh", "-c", "true");
  await assertRefused("dashboard", "run", "nats-server", "--version");
  await assertRefused("dashboard", "write", scratch());
  await assertRefused("dashboard", "write", `${PROJECT_DIR}/probe-${crypto.randomUUID()}`);
  await assertRefused("dashboard", "read", "/etc/hostname");
  await assertAllowed("dashboard", "net", "127.0.0.1:4222");
});

Deno.test("guardian set: only its NATS port, only chronyc and pmc, only its variables", async () => {
  await assertAllowed("guardian", "net", "127.0.0.1:4222");
  await assertRefused("guardian", "net", "127.0.0.1:4223");
  await assertRefused("guardian", "run", "sh", "-c", "true");
  await assertAllowed("guardian", "env", "NATS_URL");
  await assertRefused("guardian", "env", "PROBE_SECRET");
  await assertRefused("guardian", "env", "DASHBOARD_ADMIN_PASSWORD");
  await assertRefused("guardian", "read", `${PROJECT_DIR}/.data/identity/controller/operator.nk`);
  await assertRefused("guardian", "read", `${PROJECT_DIR}/.env.example`);
  await assertRefused("guardian", "write", scratch());
});

Deno.test("every variable of the contract is readable under the runtime and config sets", async () => {
  const json = JSON.parse(await Deno.readTextFile(`${PROJECT_DIR}/deno.json`));
  for (const set of ["runtime", "config"]) {
    const patterns: string[] = json.permissions[set].env;
    assert.ok(Array.isArray(patterns), `${set}: env must be a list, not true`);
    const covered = (name: string) =>
      patterns.some((p) => p.endsWith("*") ? name.startsWith(p.slice(0, -1)) : p === name);
    const missing = variableNames(Object.keys(sections) as (keyof typeof sections)[])
      .filter((n) => !covered(n));
    assert.deepEqual(
      missing,
      [],
      `add these to "permissions.${set}.env" in deno.json (the supervisor and mods/config/main.ts read every variable): ${
        missing.join(", ")
      }`,
    );
  }
});
