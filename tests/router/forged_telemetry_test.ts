// A stolen router speaks for the units behind it. Its user relays every unit's telemetry subjects
// (`routerRelayPermissions`: units roam between routers, so the link cannot name them), so with
// root on the box and its creds it can publish heartbeats and metrics naming any unit. The hub
// takes a unit's telemetry only when the unit's own user signed it (`Nunect-Sig`, checked against
// the controller's unit key directory): unsigned, signed with the router's own key, or replayed,
// the forgery is counted and dropped, and the real unit's signed telemetry is still taken.
import assert from "node:assert/strict";
import { connect as natsConnect, headers as natsHeaders } from "@nats-io/transport-node";
import { connect } from "../../mods/client/mod.ts";
import { nativeSigner } from "../../mods/client/native_auth.ts";
import { UnitKeyDirectory, UnitRegistry } from "../../mods/monitor/mod.ts";
import {
  base64Url,
  HEADERS,
  nowNs,
  SIGNATURE_HEADER,
  subjects,
  telemetrySigningBytes,
} from "../../mods/protocol/mod.ts";
import { sampleHeartbeat, sampleRtt, startLeafNode, startNats, until } from "../_kit/mod.ts";

const encoder = new TextEncoder();

Deno.test("a stolen router cannot change another unit's records: forged, foreign-signed and replayed telemetry is dropped", async () => {
  await using hub = await startNats();
  await using leaf = await startLeafNode(hub, { unitId: "router-f1" });
  const victim = await hub.unit("press-f1", { role: "guardian" });
  const ops = await natsConnect({ servers: hub.url, ...hub.users.ops.nats });
  await using keys = await UnitKeyDirectory.open(ops);
  await until(() => (keys.entry("press-f1")?.keys.length ?? 0) > 0, "the victim's keys");
  await using registry = await UnitRegistry.start(ops, {
    bucket: null,
    historyStream: null,
    unitKeys: keys,
  });

  // The real unit, behind the router: its client signs its heartbeats and metrics.
  await using unit = await connect({ servers: leaf.url, ...victim.client });
  const beat = unit.startHeartbeat({ intervalMs: 200, kind: "guardian", host: "press-f1.real" });
  unit.publish(subjects.rtt("press-f1"), sampleRtt("press-f1", { nativeRttUs: 111 }));
  await until(
    () => registry.unit("press-f1")?.heartbeat?.host === "press-f1.real",
    "the real unit's signed heartbeat to be taken",
  );
  await until(() => registry.unit("press-f1")?.rtt?.nativeRttUs === 111, "its signed RTT metric");
  // What the router saw pass (it relays it): a real signed heartbeat, to replay later.
  const captured = await new Promise<{ data: Uint8Array; headers: Record<string, string> }>(
    (resolve) => {
      const sub = ops.subscribe(subjects.heartbeat("press-f1"), {
        max: 1,
        callback: (_, m) =>
          resolve({
            data: m.data,
            headers: Object.fromEntries([...m.headers!.keys()].map((k) => [k, m.headers!.get(k)])),
          }),
      });
      void sub;
    },
  );

  // The stolen router: its own creds on its own leaf server, relaying as itself.
  const router = await natsConnect({ servers: leaf.url, ...leaf.identity.nats });
  const forge = (subject: string, value: unknown, sign: "none" | "router") => {
    const data = encoder.encode(JSON.stringify(value));
    const h = natsHeaders();
    const ts = nowNs();
    h.set(HEADERS.txTimestamp, ts);
    h.set(HEADERS.seq, "999999");
    h.set(HEADERS.unitId, "press-f1");
    if (sign === "router") {
      const seed = /-----BEGIN USER NKEY SEED-----\s*(\S+)/.exec(leaf.identity.creds)![1]!;
      const signer = nativeSigner(seed)!;
      const sig = signer.sign(telemetrySigningBytes(subject, ts, "999999", data));
      h.set(SIGNATURE_HEADER, `${signer.publicKey}.${base64Url(sig)}`);
    }
    router.publish(subject, data, { headers: h });
  };
  const forgedSeen: string[] = [];
  const off = registry.onChange(({ unit }) => {
    if (unit.unitId === "press-f1" && unit.heartbeat?.host === "forged") forgedSeen.push(unit.key);
  });
  const forgedBeat = sampleHeartbeat("press-f1", { host: "forged", seq: 10_000 });
  const before = registry.stats();
  forge(subjects.heartbeat("press-f1"), forgedBeat, "none");
  forge(subjects.heartbeat("press-f1"), forgedBeat, "router");
  forge(subjects.rtt("press-f1"), sampleRtt("press-f1", { nativeRttUs: 999_999 }), "none");
  forge(
    subjects.time("press-f1"),
    {
      unitId: "press-f1",
      ts: Date.now(),
      source: "ptp",
      quality: "locked",
      offsetNs: 0,
      freqPpm: 0,
      ptp: null,
      ntp: null,
    },
    "router",
  );
  // A replay of the real unit's own signed heartbeat, newer ones having been taken since.
  const seqAtCapture = JSON.parse(new TextDecoder().decode(captured.data)).seq as number;
  await until(
    () => (registry.unit("press-f1")?.heartbeat?.seq ?? 0) > seqAtCapture,
    "a newer real heartbeat",
  );
  const rh = natsHeaders();
  for (const [k, v] of Object.entries(captured.headers)) rh.set(k, v);
  router.publish(subjects.heartbeat("press-f1"), captured.data, { headers: rh });
  await router.flush();

  await until(
    () => registry.stats().dropped.signature - before.dropped.signature >= 5,
    "the five forgeries to be dropped",
  );
  const s = registry.stats();
  assert.ok(s.signatures !== null);
  assert.ok(s.signatures.refused.unsigned - before.signatures!.refused.unsigned >= 2);
  assert.ok(s.signatures.refused.foreign_key - before.signatures!.refused.foreign_key >= 2);
  assert.ok(s.signatures.refused.replayed - before.signatures!.refused.replayed >= 1);
  assert.ok(s.signatures.verified > 0);
  assert.ok(
    s.recentDrops.some((d) => d.reason === "signature" && /router|signed by U/.test(d.error)),
  );
  // Its records are its own: the forged host, RTT and time metric never reached them.
  await until(async () => {
    await ops.flush();
    return registry.unit("press-f1")?.heartbeat?.host === "press-f1.real";
  }, "the real unit's heartbeats to go on being taken");
  const rec = registry.unit("press-f1")!;
  assert.notEqual(rec.heartbeat?.host, "forged");
  assert.notEqual(rec.rtt?.nativeRttUs, 999_999);
  assert.equal(rec.time, null);
  assert.deepEqual(forgedSeen, []);
  off();
  beat.stop();
  await router.close();
  await ops.close();
});
