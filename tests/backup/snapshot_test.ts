/**
 * JetStream's snapshot and restore API driven by mods/backup: a stream comes back with its
 * messages, sequences, headers and consumers; a stream that exists is refused unless replaced;
 * a memory stream is refused with the reason.
 */
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { headers } from "@nats-io/nats-core";
import { AckPolicy, jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { restoreStream, snapshotStream, type TransferProgress } from "../../mods/backup/mod.ts";
import { startNats } from "../_kit/mod.ts";

async function collect(data: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of data) out.push(c);
  return out;
}

Deno.test("a stream comes back from its snapshot: messages, sequences, headers, consumers", async () => {
  await using ns = await startNats();
  const nc = await connect({ servers: ns.url, ...(await ns.console("BRIDGE")).nats });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "orders", subjects: ["orders.>"] });
    const js = jetstream(nc);
    const h = headers();
    h.set("X-Order", "first");
    await js.publish("orders.new", "one", { headers: h });
    // ~3 MiB of incompressible payloads: many chunks, flow control exercised.
    const blob = new Uint8Array(60_000);
    for (let i = 0; i < 50; i++) {
      crypto.getRandomValues(blob);
      await js.publish(`orders.bulk.${i}`, blob);
    }
    await jsm.streams.deleteMessage("orders", 3);
    await jsm.consumers.add("orders", { durable_name: "billing", ack_policy: AckPolicy.Explicit });
    const before = await jsm.streams.info("orders");

    const seen: TransferProgress[] = [];
    const snap = await snapshotStream(nc, "orders", {
      chunkSize: 64 * 1024,
      onProgress: (p) => seen.push(p),
    });
    assert.equal(snap.meta.config.name, "orders");
    assert.equal(snap.meta.state.messages, 50);
    const chunks = await collect(snap.data);
    assert.ok(chunks.length > 10, `${chunks.length} chunks`);
    assert.equal(seen.at(-1)?.done, true);
    assert.equal(seen.at(-1)?.bytes, chunks.reduce((s, c) => s + c.length, 0));

    await assert.rejects(
      restoreStream(nc, snap.meta, chunks),
      /a stream of that name exists: delete it first, or restore with --replace/,
    );
    const restored = await restoreStream(nc, snap.meta, chunks, { replace: true });
    assert.equal(restored.state.messages, 50);
    const after = await jsm.streams.info("orders");
    assert.deepEqual(
      [after.state.first_seq, after.state.last_seq, after.state.messages, after.state.num_deleted],
      [
        before.state.first_seq,
        before.state.last_seq,
        before.state.messages,
        before.state.num_deleted,
      ],
    );
    const first = await jsm.streams.getMessage("orders", { seq: 1 });
    assert.equal(first?.string(), "one");
    assert.equal(first?.header.get("X-Order"), "first");
    assert.equal((await jsm.consumers.info("orders", "billing")).config.durable_name, "billing");
  } finally {
    await nc.close();
  }
});

Deno.test("a memory stream comes back too, or is refused with the reason (before 2.15)", async () => {
  await using ns = await startNats();
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({
      name: "volatile",
      subjects: ["volatile"],
      storage: StorageType.Memory,
    });
    await jetstream(nc).publish("volatile", "kept");
    let snap;
    try {
      snap = await snapshotStream(nc, "volatile");
    } catch (e) {
      assert.match(
        (e as Error).message,
        /it is kept in memory, and snapshots of memory streams require nats-server >= 2\.15/,
      );
    }
    if (snap) {
      const chunks = await collect(snap.data);
      await restoreStream(nc, snap.meta, chunks, { replace: true });
      assert.equal((await jsm.streams.getMessage("volatile", { seq: 1 }))?.string(), "kept");
    }
    await assert.rejects(
      snapshotStream(nc, "absent"),
      /Cannot back up stream "absent": stream not found/,
    );
  } finally {
    await nc.close();
  }
});
