import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { jetStream } from "../../mods/client/jetstream.ts";
import {
  connect,
  decodeMessage,
  HEADERS,
  logSchema,
  NoRespondersError,
  type StatusEvent,
} from "../../mods/client/mod.ts";
import { startNats, until } from "../_kit/mod.ts";

Deno.test("jetStream: stream publishes carry the standard headers; message IDs deduplicate; no stream is a typed error", async () => {
  await using ns = await startNats();
  await using client = await connect({
    servers: ns.url,
    unitId: "js-unit",
    creds: ns.users.ops.creds,
  });
  const jsm = await jetstreamManager(client.nc);
  await jsm.streams.add({ name: "ORDERS", subjects: ["orders.>"] });
  const js = jetStream(client);

  client.publish("orders.plain", "core"); // seq 1: one sequence across core and stream publishes
  const ack = await js.publish("orders.new", { id: 7 }, {
    msgId: "order-7",
    headers: { "X-Custom": "c" },
  });
  assert.equal(ack.stream, "ORDERS");
  assert.equal(ack.duplicate, false);
  const again = await js.publish("orders.new", { id: 7 }, { msgId: "order-7" });
  assert.equal(again.duplicate, true, "same Nats-Msg-Id: stored once");

  const stored = await jsm.streams.getMessage("ORDERS", { seq: ack.seq });
  assert.ok(stored);
  assert.deepEqual(stored.json(), { id: 7 });
  assert.equal(stored.header.get(HEADERS.unitId), "js-unit");
  assert.equal(stored.header.get(HEADERS.seq), "2");
  assert.match(stored.header.get(HEADERS.txTimestamp), /^\d{19}$/);
  assert.equal(stored.header.get("X-Custom"), "c");

  await assert.rejects(
    js.publish("nowhere.captured", 1, { timeoutMs: 2000 }),
    (e: unknown) =>
      e instanceof NoRespondersError && /No stream captures "nowhere\.captured"/.test(e.message),
  );
  await assert.rejects(js.publish("orders.new", 1, { expectStream: "OTHER" }), /expected stream/i);
});

Deno.test("jetStream: the logger through a stream keeps records until stored, then sends them once, in order", async () => {
  await using ns = await startNats();
  await using client = await connect({
    servers: ns.url,
    unitId: "js-log",
    creds: ns.users.ops.creds,
  });
  const errors: StatusEvent[] = [];
  client.on("error", (e) => void errors.push(e));
  const streamLog = jetStream(client).logThroughStream({ stream: "LOGS", timeoutMs: 2000 });

  // No stream yet: the records wait, and the failure is reported.
  client.logger.info("first");
  client.logger.warn("second", { n: 2 });
  await until(() => errors.length > 0, "the failed attempt to be reported");
  assert.match(String(errors[0]!.error?.message), /No stream captures "ops\.log\.info\.js-log"/);
  assert.equal(streamLog.pending, 2);

  const jsm = await jetstreamManager(client.nc);
  await jsm.streams.add({ name: "LOGS", subjects: ["ops.log.>"] });
  client.logger.info("third");
  await until(() => streamLog.pending === 0, "the queue to empty");
  const info = await jsm.streams.info("LOGS");
  assert.equal(info.state.messages, 3);
  const msgs = [];
  for (let seq = 1; seq <= 3; seq++) {
    const m = await jsm.streams.getMessage("LOGS", { seq });
    assert.ok(m);
    const d = decodeMessage(logSchema, m.data);
    assert.ok(d.ok, "schema-valid log records");
    msgs.push([d.value.msg, m.header.get("Nats-Msg-Id")]);
  }
  assert.deepEqual(msgs.map(([msg]) => msg), ["first", "second", "third"]);
  assert.equal(new Set(msgs.map(([, id]) => id)).size, 3);
  for (const [, id] of msgs) assert.match(String(id), /^js-log\.[0-9a-z]+\.\d+$/);

  streamLog.stop();
  client.logger.info("plain again");
  await client.flush();
  assert.equal(streamLog.pending, 0);
  assert.equal(streamLog.dropped, 0);
});
