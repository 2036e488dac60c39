import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { startLeafNode, startNats, until } from "../_kit/mod.ts";
import { MonitorClient, SysMonitor, UnitRegistry } from "../../mods/monitor/mod.ts";
import { subjects } from "../../mods/protocol/mod.ts";

Deno.test("a leaf node shows in leafz, and its guardian's telemetry reaches the units table", async () => {
  await using hub = await startNats();
  await using leaf = await startLeafNode(hub, { unitId: "router-leaf-1" });
  const ops = await connect({ servers: hub.url, ...hub.users.ops.nats });
  const sysNc = await connect({ servers: hub.url, ...hub.users.sys.nats });
  try {
    const mon = new MonitorClient({ url: hub.monitorUrl });
    const leafz = await mon.leafz({ subs: true });
    // The router's OPS link and its claims link (system account: claims updates only).
    assert.equal(leafz.leafnodes, 2);
    const link = leafz.leafs?.find((l) => l.account === hub.accounts.OPS);
    assert.equal(link?.ip, "127.0.0.1");
    assert.ok(Array.isArray(link?.subscriptions_list));
    const claims = leafz.leafs?.find((l) => l.account === hub.accounts.SYS);
    assert.deepEqual(
      claims?.subscriptions_list?.filter((s) => !s.startsWith("$LDS.")), // loop detection
      ["$SYS.REQ.CLAIMS.UPDATE"],
    );

    await using sys = new SysMonitor(sysNc);
    const [reply] = await sys.ping("LEAFZ", { expected: 1 });
    assert.ok(reply?.ok);
    assert.deepEqual(
      (reply.data.leafs ?? []).map((l) => l.account).sort(),
      [hub.accounts.OPS, hub.accounts.SYS].sort(),
    );

    await using reg = await UnitRegistry.start(ops, { bucket: null, historyStream: null });
    // Interest of the registry's ops.> must reach the leaf before it forwards anything.
    const onLeaf = await connect({ servers: leaf.url, ...leaf.identity.nats });
    try {
      const hb = {
        unitId: "router-leaf-1",
        seq: 1,
        ts: Date.now(),
        uptimeS: 1,
        version: "0.1.0",
        host: "router",
        kind: "guardian",
        clock: { source: "none", quality: "freerun" },
      };
      // Until the leaf's interest reaches the hub, what the router publishes goes nowhere.
      let seq = 0;
      await until(() => {
        onLeaf.publish(subjects.heartbeat("router-leaf-1"), JSON.stringify({ ...hb, seq: ++seq }));
        return reg.unit("router-leaf-1") !== undefined;
      }, "the router's heartbeat at the hub's registry");
      assert.equal(reg.unit("router-leaf-1")?.heartbeat?.host, "router");
    } finally {
      await onLeaf.close();
    }
  } finally {
    await ops.close();
    await sysNc.close();
  }
});
