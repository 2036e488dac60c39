import assert from "node:assert/strict";
import { jetstream } from "@nats-io/jetstream";
import {
  consumerInfo,
  createConsumer,
  createStream,
  deleteConsumer,
  InvalidInputError,
  listConsumers,
  NotFoundError,
  pauseConsumer,
  resetConsumer,
  resumeConsumer,
  unpinConsumer,
  updateConsumer,
  validateConsumerConfig,
} from "../../mods/jetstream/mod.ts";
import { FeatureUnavailableError } from "../../mods/monitor/mod.ts";
import { needs, serverHas } from "../_kit/mod.ts";
import { fill, startJs, testPool } from "./_setup.ts";

const requester = { user: "admin", role: "admin" } as const;

Deno.test("validateConsumerConfig: rules across fields and versions", () => {
  const issues = (input: unknown, v = "2.15.2") => {
    try {
      validateConsumerConfig(input, v);
    } catch (e) {
      assert.ok(e instanceof InvalidInputError);
      return e.issues.map((i) => `${i.path}: ${i.message}`);
    }
    return [];
  };
  assert.deepEqual(issues({ durable_name: "C", deliver_policy: "by_start_sequence" }), [
    "opt_start_seq: by_start_sequence needs opt_start_seq",
  ]);
  assert.deepEqual(issues({ durable_name: "C", backoff: ["1s", "5s"], max_deliver: 2 }), [
    "max_deliver: must be greater than the number of backoff values",
  ]);
  assert.deepEqual(issues({ durable_name: "C", idle_heartbeat: "1s" }), [
    "idle_heartbeat: only for push consumers (deliver_subject)",
  ]);
  assert.deepEqual(issues({ durable_name: "C", priority_policy: "pinned_client" }), [
    "priority_groups: a priority policy needs at least one group",
  ]);
  assert.deepEqual(
    issues(
      { durable_name: "C", filter_subjects: ["a", "b"], pause_until: "2030-01-01T00:00:00Z" },
      "2.9.10",
    ),
    [
      "filter_subjects: requires nats-server ≥ 2.10.0 (the server runs 2.9.10)",
      "pause_until: requires nats-server ≥ 2.11.0 (the server runs 2.9.10)",
    ],
  );
  const ok = validateConsumerConfig({ durable_name: "C", ack_wait: "30s" }, "2.9.10");
  assert.equal(ok.ack_wait, 30e9);
  assert.equal(ok.ack_policy, "explicit");
});

Deno.test("consumers: create, lag, edit, delete", async () => {
  await using js = await startJs();
  await using pool = await testPool(js.ns);
  const ctx = await pool.connect("OPS", requester);
  await createStream(ctx, { name: "C", subjects: ["c.>"] });
  await fill(js.nc, 10, (i) => `c.${i}`);
  await createConsumer(ctx, "C", {
    durable_name: "worker",
    filter_subject: "c.>",
    ack_wait: "30s",
  });
  const c = await jetstream(js.nc).consumers.get("C", "worker");
  const batch = await c.fetch({ max_messages: 3 });
  for await (const _ of batch) { /* delivered, not acknowledged */ }

  const [row] = await listConsumers(ctx, "C");
  assert.deepEqual(
    [row!.name, row!.kind, row!.pending, row!.ackPending, row!.delivered, row!.ackFloor],
    ["worker", "pull", 7, 3, 3, 0],
  );
  assert.deepEqual(row!.filters, ["c.>"]);

  const edited = await updateConsumer(ctx, "C", "worker", { max_ack_pending: 5, description: "w" });
  assert.equal(edited.config.max_ack_pending, 5);
  assert.equal(edited.config.ack_wait, 30e9, "fields not given stay");
  await assert.rejects(updateConsumer(ctx, "C", "worker", { ack_policy: "none" }), (e) => {
    assert.ok(e instanceof InvalidInputError);
    assert.deepEqual(e.issues.map((i) => i.path), ["ack_policy"]);
    return true;
  });
  await assert.rejects(
    createConsumer(ctx, "C", { description: "nameless" }),
    /durable_name: a name is required/,
  );
  await deleteConsumer(ctx, "C", "worker");
  await assert.rejects(consumerInfo(ctx, "C", "worker"), (e) => {
    assert.ok(e instanceof NotFoundError);
    assert.equal(e.message, 'Consumer "worker" not found on stream "C"');
    return true;
  });
});

Deno.test({
  name: needs("consumer_pause", "consumers: pause and resume"),
  ignore: !serverHas("consumer_pause"),
  fn: async () => {
    await using js = await startJs();
    await using pool = await testPool(js.ns);
    const ctx = await pool.connect("OPS", requester);
    await createStream(ctx, { name: "C", subjects: ["c.>"] });
    await createConsumer(ctx, "C", { durable_name: "w" });
    const until = new Date(Date.now() + 3_600_000);
    const r = await pauseConsumer(ctx, "C", "w", until);
    assert.equal(r.paused, true);
    const [row] = await listConsumers(ctx, "C");
    assert.equal(row!.paused, true);
    assert.equal(Date.parse(row!.pausedUntil!), until.getTime());
    assert.deepEqual(await resumeConsumer(ctx, "C", "w"), { paused: false });
    assert.equal((await listConsumers(ctx, "C"))[0]!.paused, false);
    await assert.rejects(
      pauseConsumer(ctx, "C", "w", new Date(0)),
      /until: expected a future time/,
    );
  },
});

Deno.test({
  name: needs("consumer_reset", "consumers: reset to a sequence"),
  ignore: !serverHas("consumer_reset"),
  fn: async () => {
    await using js = await startJs();
    await using pool = await testPool(js.ns);
    const ctx = await pool.connect("OPS", requester);
    await createStream(ctx, { name: "C", subjects: ["c.>"] });
    await fill(js.nc, 10, (i) => `c.${i}`);
    await createConsumer(ctx, "C", { durable_name: "w", ack_policy: "all" });
    const c = await jetstream(js.nc).consumers.get("C", "w");
    const m = await c.next();
    m!.ack();
    await m!.ackAck();
    assert.equal((await consumerInfo(ctx, "C", "w")).num_pending, 9);
    await resetConsumer(ctx, "C", "w", 5);
    const info = await consumerInfo(ctx, "C", "w");
    assert.equal(info.num_pending, 6, "messages 5…10 are delivered again");
  },
});

Deno.test({
  name: needs("consumer_priority_groups", "consumers: unpin a priority group"),
  ignore: !serverHas("consumer_priority_groups"),
  fn: async () => {
    await using js = await startJs();
    await using pool = await testPool(js.ns);
    const ctx = await pool.connect("OPS", requester);
    await createStream(ctx, { name: "C", subjects: ["c.>"] });
    await fill(js.nc, 3, (i) => `c.${i}`);
    await createConsumer(ctx, "C", {
      durable_name: "p",
      priority_groups: ["g"],
      priority_policy: "pinned_client",
      priority_timeout: "1m",
    });
    const c = await jetstream(js.nc).consumers.get("C", "p");
    const m = await c.next({ group: "g" } as Parameters<typeof c.next>[0]);
    assert.ok(m);
    const pinned = (await listConsumers(ctx, "C"))[0]!.priorityGroups;
    assert.equal(pinned[0]?.group, "g");
    assert.ok(pinned[0]?.pinnedId, "a client is pinned");
    await unpinConsumer(ctx, "C", "p", "g");
    assert.equal((await listConsumers(ctx, "C"))[0]!.priorityGroups[0]?.pinnedId, null);
  },
});

Deno.test({
  name: "consumers: features the server lacks say which version they need (nats-server < 2.11)",
  ignore: serverHas("consumer_pause"),
  fn: async () => {
    await using js = await startJs();
    await using pool = await testPool(js.ns);
    const ctx = await pool.connect("OPS", requester);
    await createStream(ctx, { name: "C", subjects: ["c.>"] });
    await createConsumer(ctx, "C", { durable_name: "w" });
    await assert.rejects(pauseConsumer(ctx, "C", "w", new Date(Date.now() + 60_000)), (e) => {
      assert.ok(e instanceof FeatureUnavailableError);
      assert.match(
        e.message,
        /^Pause and resume JetStream consumers requires nats-server ≥ 2\.11\.0 \(the server runs 2\.9/,
      );
      return true;
    });
    await assert.rejects(resetConsumer(ctx, "C", "w"), /requires nats-server ≥ 2\.14\.0/);
    await assert.rejects(unpinConsumer(ctx, "C", "w", "g"), /requires nats-server ≥ 2\.11\.0/);
  },
});
