/**
 * An installation from before operator mode keeps its data: JetStream stored OPS's streams and KV
 * buckets under the account's config-file name; the first operator-mode start moves them to the
 * account's key, so the units table and history survive the switch. And an upgrade gives nunect's
 * own programs the permissions their new version needs.
 */
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import {
  IdentityStore,
  initIdentity,
  servicePermissions,
  systemCredsFiles,
} from "../../mods/controller/mod.ts";
import { startNats, TEST_HUB_UNIT } from "../_kit/mod.ts";

Deno.test("the first operator-mode start keeps OPS's JetStream data of the config-file accounts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nunect-migration-" });
  try {
    const dataDir = `${dir}/data`;
    const configFile = `${dir}/config-mode.conf`;
    // The shape of config/accounts.conf before operator mode.
    await Deno.writeTextFile(
      configFile,
      `server_name: $NATS_SERVER_NAME
host: 127.0.0.1
port: $NATS_PORT
http_port: $NATS_HTTP_PORT
jetstream { store_dir: $NATS_DATA_DIR }
accounts {
  OPS { jetstream: enabled, users: [ { user: ops, password: old-ops-password-1 } ] }
}
`,
    );
    {
      await using old = await startNats({ configFile, env: { NATS_DATA_DIR: dataDir } });
      const nc = await connect({ servers: old.url, user: "ops", pass: "old-ops-password-1" });
      const kv = await new Kvm(nc).create("nunect_units");
      await kv.put("router-1", JSON.stringify({ unitId: "router-1", kept: true }));
      await nc.close();
    }
    await Deno.stat(`${dataDir}/jetstream/OPS`);

    await using ns = await startNats({
      env: { NATS_DATA_DIR: dataDir },
      identityDir: `${dir}/identity`,
    });
    const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
    try {
      const kv = await new Kvm(nc).open("nunect_units");
      assert.deepEqual((await kv.get("router-1"))?.json(), { unitId: "router-1", kept: true });
    } finally {
      await nc.close();
    }
    await Deno.stat(`${dataDir}/jetstream/${ns.accounts.OPS}`);
    await assert.rejects(Deno.stat(`${dataDir}/jetstream/OPS`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an upgrade issues a program's user again when its permissions changed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nunect-upgrade-" });
  await using _dir = { [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
  const o = {
    identityDir: `${dir}/identity`,
    dataDir: `${dir}/data`,
    hubUnitId: TEST_HUB_UNIT,
    timeMaster: false,
  };
  await initIdentity(o);
  const store = new IdentityStore(o.identityDir);
  const sysKey = (await store.account("SYS"))!.record.publicKey;
  const [before] = await store.users("SYS", "controller-sys");
  assert.ok(before !== undefined);
  assert.deepEqual(before.permissions, servicePermissions("controller-sys", sysKey));
  assert.ok(before.permissions?.sub.allow?.includes(`$SYS.ACCOUNT.${sysKey}.CONNECT`));
  // Nothing changed: nothing issued.
  assert.deepEqual((await initIdentity(o)).issued, []);
  // As issued before the controller listened for claims links (no connect events).
  const old = await store.user("SYS", before.publicKey);
  await store.saveUser({
    ...old!.record,
    permissions: {
      pub: { allow: ["$SYS.REQ.>", "_INBOX.>"] },
      sub: { allow: ["nunect.controller.>", "_INBOX.>"] },
    },
  }, old!.seed);
  const report = await initIdentity(o);
  assert.deepEqual(report.issued, [systemCredsFiles(o.identityDir, TEST_HUB_UNIT).controllerSys]);
  const users = await store.users("SYS", "controller-sys");
  const now = users.find((u) => u.revokedAt === null)!;
  assert.notEqual(now.publicKey, before.publicKey);
  assert.deepEqual(now.permissions, servicePermissions("controller-sys", sysKey));
  assert.ok(users.find((u) => u.publicKey === before.publicKey)!.revokedAt !== null);
});
