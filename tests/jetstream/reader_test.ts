import assert from "node:assert/strict";
import { RetentionPolicy } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { StreamReader } from "../../mods/jetstream/mod.ts";
import { hasFastWire, parseHeaderBlock } from "../../mods/jetstream/_wire.ts";
import { serverHas } from "../_kit/mod.ts";
import { consumerNames, fill, startJs } from "./_setup.ts";

const BATCHED = serverHas("batch_direct_get");

Deno.test("parseHeaderBlock reads status lines and headers as sent", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  assert.deepEqual(parseHeaderBlock(enc("NATS/1.0 204 EOB\r\nNats-Num-Pending: 3\r\n\r\n")), {
    code: 204,
    description: "EOB",
    entries: [["Nats-Num-Pending", "3"]],
  });
  assert.deepEqual(parseHeaderBlock(enc("NATS/1.0\r\nX-a: 1: 2\r\nX-a:3\r\n\r\n")), {
    code: 0,
    description: "",
    entries: [["X-a", "1: 2"], ["X-a", "3"]],
  });
  assert.equal(parseHeaderBlock(enc("NATS/1.0 404\r\n\r\n")).code, 404);
});

Deno.test("the pinned nats-core lets the reader slice raw header bytes (fast path)", async () => {
  await using t = await startJs();
  const sub = t.nc.subscribe("wire.>", { max: 1 });
  const { headers } = await import("@nats-io/nats-core");
  const h = headers();
  h.set("X-Test", "1");
  t.nc.publish("wire.a", "x", { headers: h });
  for await (const m of sub) assert.ok(hasFastWire(m), "MsgImpl internals changed: see _wire.ts");
});

for (const allowDirect of [true, false]) {
  Deno.test(`StreamReader reads a stream without consumers (allow_direct ${allowDirect})`, async (t) => {
    await using js = await startJs();
    await js.jsm.streams.add({ name: "R", subjects: ["r.>"], allow_direct: allowDirect });
    await fill(js.nc, 300, (i) => `r.${i % 3}`);
    await js.jsm.streams.deleteMessage("R", 10, false);
    const reader = new StreamReader(js.nc, "R", { batchSize: 64 });
    const method = BATCHED && allowDirect ? "batch" : allowDirect ? "direct" : "api";

    await t.step("from a sequence, with a limit", async () => {
      const { messages, summary } = await reader.collect({ seq: 5, limit: 50 });
      assert.equal(messages.length, 50);
      assert.deepEqual(
        messages.map((m) => m.seq),
        [5, 6, 7, 8, 9, ...Array.from({ length: 45 }, (_, i) => 11 + i)],
      );
      assert.equal(summary.more, true);
      assert.equal(summary.method, method);
      const m = messages[0]!;
      assert.equal(m.subject, "r.1");
      assert.deepEqual(JSON.parse(new TextDecoder().decode(m.data)), { i: 4 });
      assert.deepEqual(m.headers, [["X-I", "4"]]);
      assert.match(m.time, /^\d{4}-\d\d-\d\dT/);
    });

    await t.step("with a subject filter, up to a sequence, to the end", async () => {
      const { messages, summary } = await reader.collect({ seq: 1, subject: "r.2", upToSeq: 30 });
      assert.deepEqual(messages.map((m) => m.seq), [3, 6, 9, 12, 15, 18, 21, 24, 27, 30]);
      assert.equal(summary.more, false);
      const all = await reader.collect({ seq: 290 });
      assert.deepEqual(
        all.messages.map((m) => m.seq),
        Array.from({ length: 11 }, (_, i) => 290 + i),
      );
      assert.equal(all.summary.more, false);
    });

    await t.step("get, next, last, lastOfEach", async () => {
      assert.equal(await reader.get(10), null);
      assert.equal((await reader.get(11))?.seq, 11);
      assert.equal((await reader.next(10))?.seq, 11);
      assert.equal((await reader.next(10, "r.0"))?.seq, 13);
      assert.equal((await reader.last("r.1"))?.seq, 299);
      assert.equal(await reader.last("r.none"), null);
      const last = await reader.lastOfEach(["r.0", "r.1", "r.none"]);
      assert.deepEqual([...last.entries()].map(([s, m]) => [s, m.seq]).sort(), [
        ["r.0", 298],
        ["r.1", 299],
      ]);
    });

    await t.step("by time: seqAt and startTime", async () => {
      const m150 = (await reader.get(150))!;
      // Nanosecond times: many messages share a millisecond, not a nanosecond.
      assert.equal(await reader.seqAt(m150.time), 150);
      const ms = new Date(Date.parse(m150.time));
      const seq = (await reader.seqAt(ms))!;
      assert.ok(seq <= 150, `seqAt gave ${seq}`);
      const { messages } = await reader.collect({ startTime: m150.time, limit: 3 });
      assert.deepEqual(messages.map((m) => m.seq), [150, 151, 152]);
      assert.equal(await reader.seqAt(new Date(Date.now() + 60_000)), null);
      assert.equal(await reader.seqAt(new Date(0)), 1);
    });

    await t.step("a read is cancelled by its signal", async () => {
      const ac = new AbortController();
      let seen = 0;
      await assert.rejects(
        reader.read({ signal: ac.signal }, () => {
          if (++seen === 20) ac.abort(new Error("cancelled by test"));
        }),
        /cancelled by test/,
      );
      assert.ok(seen < 300);
    });

    assert.deepEqual(await consumerNames(js.jsm, "R"), []);
  });
}

Deno.test("work-queue and interest streams are read without consuming or adding interest", async () => {
  await using js = await startJs();
  await js.jsm.streams.add({
    name: "WQ",
    subjects: ["wq.>"],
    retention: RetentionPolicy.Workqueue,
    allow_direct: true,
  });
  await js.jsm.consumers.add("WQ", { durable_name: "worker", ack_policy: "explicit" });
  await js.jsm.streams.add({
    name: "INT",
    subjects: ["int.>"],
    retention: RetentionPolicy.Interest,
  });
  await js.jsm.consumers.add("INT", { durable_name: "listener", ack_policy: "explicit" });
  await fill(js.nc, 20, (i) => `wq.${i}`);
  await fill(js.nc, 20, (i) => `int.${i}`);
  for (const stream of ["WQ", "INT"]) {
    const { messages } = await new StreamReader(js.nc, stream).collect({ limit: 50 });
    assert.equal(messages.length, 20, stream);
    assert.equal((await js.jsm.streams.info(stream)).state.messages, 20, stream);
  }
  assert.deepEqual(await consumerNames(js.jsm, "WQ"), ["worker"]);
  assert.deepEqual(await consumerNames(js.jsm, "INT"), ["listener"]);
  const wq = await js.jsm.consumers.info("WQ", "worker");
  assert.equal(wq.num_pending, 20);
});

Deno.test("a missing stream is named", async () => {
  await using js = await startJs();
  const other = await connect({ servers: js.ns.url, ...(await js.ns.console("BRIDGE")).nats });
  try {
    await assert.rejects(
      new StreamReader(other, "NOPE").collect({ limit: 1 }),
      /Stream "NOPE" not found/,
    );
  } finally {
    await other.close();
  }
});
