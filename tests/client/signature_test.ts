// The client signs its unit's own telemetry (and nothing else) with its user's seed, and the hub's
// verifier takes it (tests/router/forged_telemetry_test.ts is the attack).
import assert from "node:assert/strict";
import { connect as natsConnect, type Msg } from "@nats-io/transport-node";
import { nkeys } from "@nats-io/nats-core";
import { connect } from "../../mods/client/mod.ts";
import { connect as connectBrowser, signTelemetryWith } from "../../mods/client/browser.ts";
import { TelemetryVerifier } from "../../mods/monitor/mod.ts";
import { SIGNATURE_HEADER, subjects } from "../../mods/protocol/mod.ts";
import { sampleRtt, startNats, until } from "../_kit/mod.ts";

Deno.test("client: the unit's own telemetry is signed with its user's key; application messages are not", async () => {
  await using ns = await startNats();
  const unit = await ns.unit("sig-1", { role: "app", extraPub: ["app.sig-1.>"] });
  const [user] = await (await ns.controller()).users({ account: "OPS", unitId: "sig-1" });
  const key = user!.publicKey;
  const verifier = new TelemetryVerifier({ entry: () => ({ role: "app", keys: [key] }) });
  const ops = await natsConnect({ servers: ns.url, ...ns.users.ops.nats });
  const got: Msg[] = [];
  ops.subscribe("ops.>", { callback: (_, m) => void got.push(m) });
  ops.subscribe("app.>", { callback: (_, m) => void got.push(m) });
  await ops.flush();

  await using client = await connect({ servers: ns.url, ...unit.client });
  const beat = client.startHeartbeat({ intervalMs: 60_000, kind: "client" });
  client.publish(subjects.rtt("sig-1"), sampleRtt("sig-1"));
  client.logger.info("signed");
  client.publish("app.sig-1.x", { n: 1 });
  await until(() => got.length >= 4, "the four messages");
  beat.stop();
  const kinds = got.map((m) => m.subject).sort();
  assert.deepEqual(kinds, [
    "app.sig-1.x",
    "ops.heartbeat.sig-1",
    "ops.log.info.sig-1",
    "ops.metric.rtt.sig-1",
  ]);
  for (const m of got) {
    const sig = m.headers?.get(SIGNATURE_HEADER) ?? "";
    if (m.subject.startsWith("app.")) {
      assert.equal(sig, "", "an application subject is not signed");
      continue;
    }
    assert.ok(sig.startsWith(`${key}.`), `${m.subject} signed by the unit's key`);
    assert.deepEqual(verifier.check(m.subject, "sig-1", m.headers, m.data), { ok: true });
  }
  await ops.close();
});

Deno.test("client: the browser build signs with a JavaScript signer (signTelemetryWith, as the dashboard's page does)", async () => {
  await using ns = await startNats();
  const unit = await ns.unit("browser-sig-2", { role: "browser" });
  const [user] = await (await ns.controller()).users({ account: "OPS", unitId: "browser-sig-2" });
  const key = user!.publicKey;
  const verifier = new TelemetryVerifier({ entry: () => ({ role: "browser", keys: [key] }) });
  const ops = await natsConnect({ servers: ns.url, ...ns.users.ops.nats });
  const got: Msg[] = [];
  ops.subscribe("ops.>", { callback: (_, m) => void got.push(m) });
  await ops.flush();

  await using client = await connectBrowser({ servers: ns.wsUrl, ...unit.client });
  const seed = /-----BEGIN USER NKEY SEED-----\s*(\S+)/.exec(unit.creds)![1]!;
  const kp = nkeys.fromSeed(new TextEncoder().encode(seed));
  signTelemetryWith(
    client.nc,
    { publicKey: kp.getPublicKey(), sign: (d) => kp.sign(d) },
    unit.client.unitId,
  );
  client.publish(subjects.rtt("browser-sig-2"), sampleRtt("browser-sig-2"));
  await until(() => got.length >= 1, "the RTT metric");
  const m = got[0]!;
  assert.ok(m.headers?.get(SIGNATURE_HEADER).startsWith(`${key}.`));
  assert.deepEqual(verifier.check(m.subject, "browser-sig-2", m.headers, m.data), { ok: true });
  await ops.close();
});
