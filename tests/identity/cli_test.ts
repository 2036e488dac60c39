/**
 * `deno task identity` (scripts/identity.sh → mods/controller/main.ts under the controller
 * permission set) against a running server: issue, list, download, provision (files and tar),
 * create and look up accounts, revoke (the unit is disconnected); and its permission set.
 */
import assert from "node:assert/strict";
import { connect } from "../../mods/client/mod.ts";
import { variableNames } from "../../mods/config/mod.ts";
import { CONTROLLER_SECTIONS } from "../../mods/controller/mod.ts";
import {
  hubEnvText,
  type NatsServer,
  PROJECT_DIR,
  runProgram,
  runScript,
  startNats,
  until,
} from "../_kit/mod.ts";

async function identity(ns: NatsServer, dir: string, ...args: string[]) {
  await Deno.writeTextFile(`${dir}/.env`, hubEnvText(ns));
  return await runScript("identity.sh", [...args, "--actor", "cli-test"], {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? "/tmp",
    NO_COLOR: "1",
    NUNECT_ENV_FILE: `${dir}/.env`,
  });
}

Deno.test("identity CLI: issue, users, creds, provision, accounts, revoke — live", async () => {
  await using ns = await startNats();
  const dir = await Deno.makeTempDir({ prefix: "nunect-identity-cli-" });
  try {
    const issued = await identity(ns, dir, "issue", "router-9", "--role", "guardian");
    assert.equal(issued.code, 0, issued.stderr);
    assert.match(issued.stderr, /Issued OPS\/router-9 \(guardian, U[A-Z2-7]{55}\)/);
    const creds = issued.stdout;
    assert.match(creds, /BEGIN NATS USER JWT[\s\S]*BEGIN USER NKEY SEED/);
    const again = await identity(ns, dir, "issue", "router-9", "--role", "guardian");
    assert.equal(again.code, 1);
    assert.match(again.stderr, /Unit "router-9" in OPS has credentials already/);

    const users = await identity(ns, dir, "users", "--account", "OPS");
    assert.match(users.stdout, /OPS\s+router-9\s+guardian\s+U[A-Z2-7]{55}/);
    const download = await identity(ns, dir, "creds", "router-9");
    assert.equal(download.stdout.trim(), creds.trim());

    const bundleDir = `${ns.identityDir}/bundles/router-8`;
    const p = await identity(
      ns,
      dir,
      "provision",
      "router-8",
      "--hub",
      "nats-leaf://hub.example:7422",
    );
    assert.equal(p.code, 0, p.stderr);
    for (
      const f of [
        "router-8.creds",
        "router-8.link.creds",
        "guardian.env",
        "leaf.conf",
        "README.txt",
      ]
    ) {
      await Deno.stat(`${bundleDir}/${f}`);
    }
    for (const creds of ["router-8.creds", "router-8.link.creds"]) {
      assert.equal((await Deno.stat(`${bundleDir}/${creds}`)).mode! & 0o777, 0o600);
    }
    const leafConf = await Deno.readTextFile(`${bundleDir}/leaf.conf`);
    assert.match(
      leafConf,
      /urls: \["nats-leaf:\/\/hub\.example:7422"\]\s+credentials: "\/etc\/nunect\/router-8\.creds"/,
    );
    // The claims link: the system account, from the link's own creds; a resolver that keeps updates.
    assert.match(leafConf, /credentials: "\/etc\/nunect\/router-8\.link\.creds"/);
    assert.match(leafConf, /resolver \{\s+type: full\s+dir: "\/var\/lib\/nunect\/jwt"/);
    assert.ok(!/\bS[OAU][A-Z2-7]{56}\b/.test(leafConf), "no seed in the leaf config");
    assert.match(
      await Deno.readTextFile(`${bundleDir}/guardian.env`),
      /^NATS_CREDS=\/etc\/nunect\/router-8\.creds$/m,
    );
    const tar = await identity(
      ns,
      dir,
      "provision",
      "router-7",
      "--hub",
      "nats-leaf://h:7422",
      "--tar",
    );
    assert.equal(tar.code, 0, tar.stderr);
    await Deno.writeFile(`${dir}/r7.tar`, tar.bytes);
    const listed = await new Deno.Command("tar", {
      args: ["tvf", `${dir}/r7.tar`],
      stdout: "piped",
    }).output();
    const lines = new TextDecoder().decode(listed.stdout).trim().split("\n");
    assert.deepEqual(lines.map((l) => l.split(/\s+/).pop()), [
      "router-7/router-7.creds",
      "router-7/router-7.link.creds",
      "router-7/guardian.env",
      "router-7/leaf.conf",
      "router-7/README.txt",
    ]);
    assert.match(lines[0]!, /^-rw-------/);
    assert.match(lines[1]!, /^-rw-------/);

    const created = await identity(
      ns,
      dir,
      "account-create",
      "ACME",
      "--conn",
      "3",
      "--js-disk",
      "1000000",
    );
    assert.equal(created.code, 0, created.stderr);
    const shown = await identity(ns, dir, "account", "ACME");
    const acme = JSON.parse(shown.stdout);
    assert.equal(acme.inSync, true);
    assert.equal(acme.resolver.nats.limits.conn, 3);
    assert.equal(acme.resolver.nats.limits.disk_storage, 1000000);
    assert.match((await identity(ns, dir, "accounts")).stdout, /ACME\s+tenant\s+A[A-Z2-7]{55}\s+3/);

    // Revoking from the command line disconnects the unit at once.
    await using unit = await connect({
      servers: ns.url,
      unitId: "router-9",
      creds,
      reconnectTimeWaitMs: 50,
    });
    let lost = false;
    unit.on("disconnected", () => void (lost = true));
    const revoked = await identity(ns, dir, "revoke", "router-9");
    assert.equal(revoked.code, 0, revoked.stderr);
    await until(() => lost, "router-9 to be disconnected", 2000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("identity CLI: with nats-server stopped, changes wait for its next start", async () => {
  await using ns = await startNats();
  const dir = await Deno.makeTempDir({ prefix: "nunect-identity-cli-" });
  try {
    const unit = await ns.unit("router-3");
    await ns.stop();
    const r = await identity(ns, dir, "revoke", "router-3");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /is not running: changes are written for its next start/);
    await ns.restart();
    // The resolver read the revocation from its directory; the journal reaches the audit trail.
    await assert.rejects(connect({ servers: ns.url, ...unit.client }));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the controller set: its variables, its directories, no processes", async () => {
  const denoJson = JSON.parse(await Deno.readTextFile(`${PROJECT_DIR}/deno.json`));
  const set = denoJson.permissions.controller;
  assert.deepEqual([...set.env].sort(), [...variableNames(CONTROLLER_SECTIONS), "USER"].sort());
  assert.deepEqual(set.read, ["./.data"]);
  assert.deepEqual(set.write, ["./.data"]);
  assert.equal(set.run, undefined);
  const r = await runProgram({
    permissionSet: "controller",
    entry: "tests/foundation/probes/probe.ts",
    args: ["run", "sh", "-c", "true"],
  });
  assert.match(r.stdout, /^refused: Requires run access/);
  const w = await runProgram({
    permissionSet: "controller",
    entry: "tests/foundation/probes/probe.ts",
    args: ["read", `${PROJECT_DIR}/.env.example`],
  });
  assert.match(w.stdout, /^refused: Requires read access/);
});
