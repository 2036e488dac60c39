/**
 * The access store under a JetStream that does not answer: a missing answer is an error (503),
 * never "no such user", so a slow server cannot end a session by its silence.
 *
 * @module
 */
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { z } from "zod";
import { AccessStoreUnavailableError } from "../../mods/access/mod.ts";
import { KvMap } from "../../mods/access/_kv_map.ts";
import { startNats } from "../_kit/mod.ts";

Deno.test("access store: a read JetStream does not answer throws; an absent key is undefined", async () => {
  await using ns = await startNats();
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    const map = await KvMap.open(nc, "nunect_test_access", z.object({ n: z.number() }), {
      description: "test",
    });
    await map.create("present", { n: 1 });
    assert.equal(await map.get("absent"), undefined, "absent, and JetStream said so");
    assert.deepEqual((await map.get("present"))?.value, { n: 1 });
    // JetStream stops answering: the server is gone (the connection reconnects for ever).
    await ns.stop();
    await assert.rejects(map.get("unknown-to-this-instance"), AccessStoreUnavailableError);
    assert.deepEqual((await map.get("present"))?.value, { n: 1 }, "known records still serve");
    map.close();
  } finally {
    await nc.close();
  }
});
