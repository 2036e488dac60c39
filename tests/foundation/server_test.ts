import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { startNats } from "../_kit/mod.ts";

Deno.test("the project's config starts and every monitoring endpoint answers", async () => {
  await using ns = await startNats();
  for (const path of ["/varz", "/connz", "/jsz", "/healthz", "/accountz", "/subsz", "/leafz"]) {
    const res = await fetch(`${ns.monitorUrl}${path}`);
    assert.equal(res.status, 200, path);
    await res.json();
  }
  const varz = await (await fetch(`${ns.monitorUrl}/varz`)).json();
  assert.equal(varz.server_name, ns.env.NATS_SERVER_NAME);
  assert.ok(varz.jetstream?.config, "JetStream is enabled");
  assert.equal(varz.websocket?.port, ns.wsPort);
  assert.equal(varz.leaf?.port, ns.leafPort);
});

Deno.test("ops user connects over TCP and round-trips a message", async () => {
  await using ns = await startNats();
  const nc = await connect({ servers: ns.url, ...ns.users.ops });
  const sub = nc.subscribe("ops.test.x", { max: 1 });
  nc.publish("ops.test.x", "hi");
  for await (const m of sub) assert.equal(m.string(), "hi");
  await nc.close();
});
