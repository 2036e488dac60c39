import assert from "node:assert/strict";
import { headers } from "@nats-io/nats-core";
import { jetstreamManager } from "@nats-io/jetstream";
import { Outbox } from "../../mods/client/outbox.ts";
import { connect, HEADERS, NotConnectedError, OutboxFullError } from "../../mods/client/mod.ts";
import { startNats, until } from "../_kit/mod.ts";

const entry = (n: number, size = 10) => ({
  subject: `s.${n}`,
  data: new Uint8Array(size),
  headers: headers(),
});

Deno.test("outbox: bounded by messages and bytes; drop-oldest, drop-newest and error policies count what they drop", () => {
  const oldest = new Outbox({ maxMessages: 2, maxBytes: 100, overflow: "drop-oldest" });
  for (const n of [1, 2, 3]) assert.equal(oldest.push(entry(n)), true);
  assert.deepEqual(oldest.take().map((e) => e.subject), ["s.2", "s.3"]);
  assert.equal(oldest.dropped, 1);
  assert.equal(oldest.queued, 0);

  const newest = new Outbox({ maxMessages: 2, maxBytes: 100, overflow: "drop-newest" });
  for (const n of [1, 2, 3]) newest.push(entry(n));
  assert.deepEqual(newest.take().map((e) => e.subject), ["s.1", "s.2"]);
  assert.equal(newest.dropped, 1);

  const bytes = new Outbox({ maxMessages: 10, maxBytes: 25, overflow: "drop-oldest" });
  for (const n of [1, 2, 3]) bytes.push(entry(n));
  assert.equal(bytes.bytes, 20, "two of 10 bytes fit in 25");
  assert.equal(bytes.push(entry(4, 30)), false, "larger than the whole outbox: dropped");
  assert.equal(bytes.dropped, 2);

  const strict = new Outbox({ maxMessages: 1, maxBytes: 100, overflow: "error" });
  strict.admit("s.1", 10);
  strict.push(entry(1));
  assert.throws(
    () => strict.admit("s.2", 10),
    (e) =>
      e instanceof OutboxFullError &&
      /^Outbox full for "s\.2": 1 messages of 10 bytes/.test(e.message),
  );
  assert.equal(strict.queued, 1);

  const off = new Outbox(false);
  assert.equal(off.push(entry(1)), false);
  assert.equal(off.dropped, 1);
});

Deno.test("outbox: publishes made while the server is down arrive after the reconnect, in order, with their own headers", async () => {
  await using ns = await startNats();
  const fast = { reconnectTimeWaitMs: 50, reconnectJitterMs: 50, creds: ns.users.ops.creds };
  await using a = await connect({
    servers: ns.url,
    unitId: "outbox-a",
    outbox: { maxMessages: 3 },
    ...fast,
  });
  await using strict = await connect({
    servers: ns.url,
    unitId: "outbox-strict",
    outbox: { maxMessages: 1, overflow: "error" },
    ...fast,
  });
  await using off = await connect({
    servers: ns.url,
    unitId: "outbox-off",
    outbox: false,
    ...fast,
  });
  // A file-backed stream keeps what arrives, whoever is connected when.
  const jsm = await jetstreamManager(a.nc);
  await jsm.streams.add({ name: "OUTBOX", subjects: ["app.out.>"], storage: "file" });

  a.publish("app.out.a", 1);
  await a.flush();
  await ns.stop();
  await until(
    () => [a, strict, off].every((c) => !c.isConnected),
    "the clients to notice the outage",
  );
  const downSince = BigInt(Date.now()) * 1_000_000n;
  for (const n of [2, 3, 4, 5, 6]) a.publish("app.out.a", n);
  assert.equal(a.outbox.queued, 3);
  assert.equal(a.outbox.dropped, 2, "the two oldest made room");
  await assert.rejects(a.request("app.svc", "x"), NotConnectedError);
  strict.publish("app.out.strict", 1);
  assert.throws(() => strict.publish("app.out.strict", 2), OutboxFullError);
  off.publish("app.out.off", 1);
  assert.equal(off.outbox.dropped, 1);
  assert.equal(off.outbox.queued, 0);

  await ns.restart();
  await until(() => [a, strict, off].every((c) => c.isConnected), "the clients to reconnect");
  const upAgain = BigInt(Date.now()) * 1_000_000n;
  a.publish("app.out.a", 7);
  await Promise.all([a.flush(), strict.flush(), off.flush()]);
  assert.equal(a.outbox.queued, 0);

  await until(
    async () => (await jsm.streams.info("OUTBOX")).state.messages === 6,
    "six messages in the stream",
  );
  const stored = [];
  for (let seq = 1; seq <= 6; seq++) {
    const m = await jsm.streams.getMessage("OUTBOX", { seq });
    assert.ok(m, `stream message ${seq}`);
    stored.push(m);
  }
  const byA = stored.filter((m) => m.subject === "app.out.a");
  assert.deepEqual(byA.map((m) => m.json<number>()), [1, 4, 5, 6, 7], "in order, oldest dropped");
  assert.deepEqual(
    byA.map((m) => m.header.get(HEADERS.seq)),
    ["1", "4", "5", "6", "7"],
    "X-Seq as published: the gap shows what was dropped",
  );
  for (const m of byA.slice(1, 4)) {
    const tx = BigInt(m.header.get(HEADERS.txTimestamp));
    // nowNs() follows the monotonic clock between wall-clock ticks: allow it 2 ms.
    assert.ok(tx >= downSince - 2_000_000n && tx < upAgain, "stamped when published, while down");
  }
  assert.deepEqual(
    stored.filter((m) => m.subject !== "app.out.a").map((m) => m.subject),
    ["app.out.strict"],
    "the strict client's one message; nothing from the client without an outbox",
  );
});
