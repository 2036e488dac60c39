// Round trips timed as NTP does: the pure split of four timestamps, and echoTimes() against a
// real server, with a current responder (t2, t3 in headers) and with an older one (t2 only).
import assert from "node:assert/strict";
import { connect, echoTiming, HEADERS, rttSchema, subjects } from "../../mods/client/mod.ts";
import { headers as natsHeaders } from "@nats-io/nats-core";
import { startNats } from "../_kit/mod.ts";

Deno.test("echoTiming: round trip less the responder's time, and the clock offset", () => {
  // responder's clock 5 ms ahead; 100 µs each way; 30 µs at the responder
  const ahead = 5_000_000n;
  const t1 = 1_000_000_000_000n;
  const t2 = t1 + 100_000n + ahead;
  const t3 = t2 + 30_000n;
  const t4 = t1 + 230_000n;
  assert.deepEqual(echoTiming(t1, t2, t3, t4), {
    rttUs: 200,
    totalUs: 230,
    responderUs: 30,
    offsetUs: 5000,
  });
  // an older responder (no t3): the whole round trip, nothing else
  assert.deepEqual(echoTiming(t1, t2, undefined, t4), {
    rttUs: 230,
    totalUs: 230,
    responderUs: null,
    offsetUs: null,
  });
  // impossible responder times (t3 before t2, or longer than the round trip) are not subtracted
  assert.equal(echoTiming(t1, t3, t2, t4).responderUs, null);
  assert.equal(echoTiming(t1, t2, t2 + 500_000n, t4).rttUs, 230);
});

Deno.test("echoTimes: socket-timed round trip, responder time and an offset within half of it", async () => {
  await using ns = await startNats();
  await using a = await connect({
    servers: ns.url,
    ...(await ns.unit("rtt-a", { role: "guardian" })).client,
  });
  await using b = await connect({
    servers: ns.url,
    ...(await ns.unit("rtt-b", { role: "guardian" })).client,
  });
  b.serveEcho();
  await b.flush();
  for (let i = 0; i < 5; i++) {
    const t = await a.echoTimes("rtt-b");
    assert.ok(t.rttUs > 0 && t.responderUs !== null && t.responderUs >= 0, JSON.stringify(t));
    assert.ok(Math.abs(t.rttUs + t.responderUs - t.totalUs) <= 0.2, JSON.stringify(t));
    // one host, one clock: the offset the four times estimate is within half the round trip
    assert.ok(Math.abs(t.offsetUs!) <= t.rttUs / 2 + 0.1, JSON.stringify(t));
  }
  // what a metric with the new fields looks like validates, and so does an old guardian's
  const metric = { unitId: "rtt-a", seq: 0, ts: Date.now(), target: "rtt-b", nativeRttUs: 80 };
  assert.ok(
    rttSchema.safeParse({ ...metric, appRttUs: 90, responderUs: 20, offsetUs: -3 }).success,
  );
  assert.ok(rttSchema.safeParse({ ...metric, appRttUs: 90 }).success);
});

Deno.test("echoTimes through an older responder (X-RX-Timestamp only): the whole round trip", async () => {
  await using ns = await startNats();
  await using a = await connect({
    servers: ns.url,
    ...(await ns.unit("rtt-new", { role: "guardian" })).client,
  });
  await using old = await connect({
    servers: ns.url,
    ...(await ns.unit("rtt-old", { role: "guardian" })).client,
  });
  old.subscribe(subjects.echo("rtt-old"), (m) => {
    const h = natsHeaders();
    h.set(HEADERS.rxTimestamp, String(BigInt(Date.now()) * 1_000_000n));
    m.respond(m.data, { headers: h });
  });
  await old.flush();
  const t = await a.echoTimes("rtt-old");
  assert.deepEqual([t.responderUs, t.offsetUs], [null, null]);
  assert.equal(t.rttUs, t.totalUs);
  assert.ok(t.rttUs > 0);
});
