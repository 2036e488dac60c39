/**
 * An installation from before operator mode keeps its data: JetStream stored OPS's streams and KV
 * buckets under the account's config-file name; the first operator-mode start moves them to the
 * account's key, so the units table and history survive the switch.
 */
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { startNats } from "../_kit/mod.ts";

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
