import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { startNats, testCertificates } from "../_kit/mod.ts";

Deno.test("with NATS_TLS_CERT and NATS_TLS_KEY set, clients, WebSocket and leaf nodes require TLS", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nunect-tls-" });
  try {
    const { ca: caFile, cert, key } = await testCertificates(dir);
    await using ns = await startNats({ env: { NATS_TLS_CERT: cert, NATS_TLS_KEY: key } });
    const varz = await (await fetch(`${ns.monitorUrl}/varz`)).json();
    assert.equal(varz.tls_required, true, "client connections require TLS");
    assert.equal(varz.leaf?.tls_required, true, "leaf node connections require TLS");

    const ca = await Deno.readTextFile(caFile);
    // 2.9's /varz does not report WebSocket TLS: prove it with a handshake on the WebSocket port.
    const ws = await Deno.connectTls({ hostname: "127.0.0.1", port: ns.wsPort, caCerts: [ca] });
    const handshake = await ws.handshake();
    assert.ok(handshake.alpnProtocol === null || typeof handshake.alpnProtocol === "string");
    ws.close();
    const nc = await connect({ servers: ns.url, ...ns.users.ops.nats, tls: { ca } });
    const sub = nc.subscribe("ops.tls.check", { max: 1 });
    nc.publish("ops.tls.check", "secure");
    for await (const m of sub) assert.equal(m.string(), "secure");
    await nc.close();

    await assert.rejects(
      connect({ servers: ns.url, ...ns.users.ops.nats, reconnect: false, timeout: 2000 }),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
