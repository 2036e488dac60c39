import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { randomSecret } from "../../mods/config/mod.ts";
import { startLeafNode, startNats, until } from "../_kit/mod.ts";

Deno.test("config/leaf.conf links a router to the hub: telemetry up, time config down, guardian permissions", async () => {
  await using hub = await startNats();
  await using leaf = await startLeafNode(hub, {
    credentials: { user: "guardian", pass: randomSecret(16) },
  });
  const ops = await connect({ servers: hub.url, ...hub.users.ops });
  const onLeaf = await connect({ servers: leaf.url, ...leaf.credentials });
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

    // The hub's guardian permissions apply to the link: app traffic does not cross.
    const appSub = ops.subscribe("app.>");
    await ops.flush();
    onLeaf.publish("app.secret", "must stay on the router");
    onLeaf.publish("ops.heartbeat.router-1", "marker");
    const marker = ops.subscribe("ops.heartbeat.router-1", { max: 1 });
    await ops.flush();
    await until(() => {
      onLeaf.publish("ops.heartbeat.router-1", "marker");
      return marker.getReceived() > 0;
    }, "a marker after the app message");
    assert.equal(appSub.getReceived(), 0, "a subject outside the guardian's grants crossed");
  } finally {
    await onLeaf.close();
    await ops.close();
  }
});
