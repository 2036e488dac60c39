import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { startLeafNode, startNats, until } from "../_kit/mod.ts";

Deno.test("a router's bundle links it to the hub: telemetry up, time config down, only as itself", async () => {
  await using hub = await startNats();
  await using leaf = await startLeafNode(hub, { unitId: "router-1" });
  const ops = await connect({ servers: hub.url, ...hub.users.ops.nats });
  const onLeaf = await connect({ servers: leaf.url, ...leaf.identity.nats });
  try {
    const up = ops.subscribe("ops.heartbeat.*", { max: 1 });
    await ops.flush();
    const down = onLeaf.subscribe("ops.time.config", { max: 1 });
    await onLeaf.flush();
    // Interest propagates over the link asynchronously: publish until the first one arrives.
    const upSeen = (async () => {
      for await (const m of up) return m.string();
    })();
    const downSeen = (async () => {
      for await (const m of down) return m.string();
    })();
    let upDone = false;
    let downDone = false;
    upSeen.then(() => upDone = true);
    downSeen.then(() => downDone = true);
    await until(() => {
      if (!upDone) onLeaf.publish("ops.heartbeat.router-1", "from the router");
      if (!downDone) ops.publish("ops.time.config", "from the hub");
      return upDone && downDone;
    }, "messages across the leaf link");
    assert.equal(await upSeen, "from the router");
    assert.equal(await downSeen, "from the hub");

    // The link crosses as the router: even a process on the router that may publish anything
    // locally gets nothing beyond the router's grants to the hub — no app traffic, no time
    // config (the router is not the time master), nothing into JetStream or KV. (The router
    // relays the telemetry of the units behind it: see routerRelayPermissions.)
    const local = await connect({
      servers: leaf.url,
      ...(await hub.signUser("OPS", "router-local-app")).nats,
    });
    // A unit behind the router with its own credentials: the leaf node checks them, so it
    // cannot even publish another unit's heartbeat there.
    const unit = await connect({
      servers: leaf.url,
      ...(await hub.unit("sensor-9")).nats,
    });
    try {
      const appSub = ops.subscribe("app.>");
      const time = ops.subscribe("ops.time.config");
      const js = ops.subscribe("$JS.API.>");
      const forged = ops.subscribe("ops.heartbeat.nunect-hub");
      await ops.flush();
      local.publish("app.secret", "must stay on the router");
      local.publish("ops.time.config", "a forged time master");
      local.publish("$JS.API.STREAM.DELETE.nunect_telemetry", "");
      const refused: Error[] = [];
      unit.publish("ops.heartbeat.nunect-hub", "forged");
      await unit.flush().catch((e: Error) => refused.push(e));
      const marker = ops.subscribe("ops.heartbeat.router-1", { max: 1 });
      await ops.flush();
      await until(() => {
        local.publish("ops.heartbeat.router-1", "marker");
        return marker.getReceived() > 0;
      }, "a marker after the refused messages");
      assert.equal(appSub.getReceived(), 0, "a subject outside the router's grants crossed");
      assert.equal(time.getReceived(), 0, "a time config from the router crossed its link");
      assert.equal(js.getReceived(), 0, "a JetStream request crossed the router's link");
      assert.equal(forged.getReceived(), 0, "a unit's forged heartbeat crossed the leaf node");
    } finally {
      await local.close();
      await unit.close();
    }
  } finally {
    await onLeaf.close();
    await ops.close();
  }
});
