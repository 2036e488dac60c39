import assert from "node:assert/strict";
import { jetstream } from "@nats-io/jetstream";
import {
  consumerInfo,
  consumerRow,
  createBucket,
  createConsumer,
  createStream,
  getEntry,
  putKey,
  streamInfo,
  streamRow,
} from "../../mods/jetstream/mod.ts";
import { natscli } from "../_kit/mod.ts";
import { fill, startJs, testPool } from "./_setup.ts";

const requester = { user: "admin", role: "admin" } as const;

/**
 * natscli prints its own re-encoding of the server's JSON, which leaves out fields at their zero
 * value (`allow_msg_ttl: false`, `compression: "none"`) and adds some (Go's zero time): every
 * field both print must be equal, and a field only one of them prints must be a zero value.
 */
function assertSameAsCli(
  ours: Record<string, unknown>,
  cli: Record<string, unknown>,
  what: string,
) {
  const zero = (v: unknown) =>
    v === undefined || v === false || v === 0 || v === "" || v === "none" || v === null ||
    v === "0001-01-01T00:00:00Z" || // Go's zero time
    (typeof v === "object" && Object.keys(v as object).length === 0);
  for (const [k, v] of Object.entries(cli)) {
    if (!(k in ours) && zero(v)) continue;
    assert.deepEqual(ours[k], v, `${what}.${k}`);
  }
  for (const [k, v] of Object.entries(ours)) {
    if (!(k in cli)) {
      assert.ok(zero(v), `${what}.${k} = ${JSON.stringify(v)} is not in natscli's output`);
    }
  }
}

Deno.test({
  name: "the console's stream, consumer and key equal what natscli prints",
  fn: async () => {
    await using js = await startJs();
    await using pool = await testPool(js.ns);
    const ctx = await pool.connect("BRIDGE", requester);
    const user = await js.ns.console("BRIDGE");
    const cli = async (...args: string[]) => {
      const r = await natscli(js.ns.url, user, ...args);
      assert.equal(r.code, 0, `nats ${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };
    await createStream(ctx, {
      name: "ORDERS",
      subjects: ["orders.>"],
      max_age: "1h",
      max_msgs_per_subject: 100,
      description: "natscli comparison",
    });
    await fill(ctx.nc, 25, (i) => `orders.${i % 3}`);
    await createConsumer(ctx, "ORDERS", { durable_name: "billing", filter_subject: "orders.1" });
    const c = await jetstream(ctx.nc).consumers.get("ORDERS", "billing");
    const m = await c.next();
    m!.ack();
    await m!.ackAck();

    // nats stream info
    const cliStream = JSON.parse(
      await cli("stream", "info", "ORDERS", "--json"),
    );
    const si = await streamInfo(ctx, "ORDERS");
    assertSameAsCli(si.config as never, cliStream.config, "config");
    assertSameAsCli(si.state as never, cliStream.state, "state");
    const row = streamRow("BRIDGE", si);
    assert.deepEqual(
      [row.messages, row.bytes, row.firstSeq, row.lastSeq, row.consumers, row.limits.maxAge],
      [
        cliStream.state.messages,
        cliStream.state.bytes,
        cliStream.state.first_seq,
        cliStream.state.last_seq,
        cliStream.state.consumer_count,
        cliStream.config.max_age,
      ],
    );

    // nats consumer info
    const cliConsumer = JSON.parse(
      await cli("consumer", "info", "ORDERS", "billing", "--json"),
    );
    const ci = await consumerInfo(ctx, "ORDERS", "billing");
    assertSameAsCli(ci.config as never, cliConsumer.config, "consumer config");
    const r = consumerRow(ci);
    assert.deepEqual(
      [r.pending, r.ackPending, r.redelivered, r.waiting, r.delivered, r.ackFloor],
      [
        cliConsumer.num_pending,
        cliConsumer.num_ack_pending,
        cliConsumer.num_redelivered,
        cliConsumer.num_waiting,
        cliConsumer.delivered.stream_seq,
        cliConsumer.ack_floor.stream_seq,
      ],
    );

    // nats kv get
    await createBucket(ctx, { bucket: "cfg", history: 3 });
    await putKey(ctx, "cfg", "app.mode", { value: "green" });
    const rev = (await putKey(ctx, "cfg", "app.mode", { value: '{"mode":"blue"}' })).revision;
    const entry = await getEntry(ctx, "cfg", "app.mode");
    const raw = await cli("kv", "get", "cfg", "app.mode", "--raw");
    assert.equal(entry.value.text, raw);
    const shown = await cli("kv", "get", "cfg", "app.mode");
    assert.match(shown, new RegExp(`^cfg > app\\.mode revision: ${rev} created @ `));
    assert.equal(entry.revision, rev);
    const old = await cli(
      "kv",
      "get",
      "cfg",
      "app.mode",
      "--revision",
      String(rev - 1),
      "--raw",
    );
    assert.equal((await getEntry(ctx, "cfg", "app.mode", rev - 1)).value.text, old);
  },
});
