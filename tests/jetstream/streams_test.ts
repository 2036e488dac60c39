import assert from "node:assert/strict";
import { connect as clientConnect } from "../../mods/client/mod.ts";
import {
  AccountPool,
  AccountUnavailableError,
  browseMessages,
  createStream,
  deleteStream,
  estimatePurge,
  InvalidInputError,
  listStreams,
  NotFoundError,
  purgeStream,
  ServerRefusedError,
  streamInfo,
  streamPreset,
  updateStream,
} from "../../mods/jetstream/mod.ts";
import { foreignCreds, serverHas } from "../_kit/mod.ts";
import { consumerNames, fill, startJs, testPool } from "./_setup.ts";

const requester = { user: "admin", role: "admin" } as const;

Deno.test("streams across accounts: create, list, filter, which hold a subject, info, edit, delete", async (t) => {
  await using js = await startJs();
  await using pool = await testPool(js.ns);
  const ops = await pool.connect("OPS", requester);
  const bridge = await pool.connect("BRIDGE", requester);

  await t.step("create from presets, in two accounts", async () => {
    const si = await createStream(bridge, {
      ...streamPreset("limits", "ORDERS", ["orders.>"]),
      max_age: "1h",
    });
    assert.equal(si.config.max_age, 3600e9);
    assert.equal(si.config.allow_direct, true);
    await createStream(bridge, streamPreset("work-queue", "JOBS", ["jobs.*"]));
    await createStream(bridge, { name: "ORDERS_COPY", mirror: { name: "ORDERS" } });
    await createStream(ops, streamPreset("interest", "EVENTS", ["events.>", "orders.audit"]));
  });

  await t.step("list across accounts, filtered by account, name and subject", async () => {
    const contexts = await Promise.all(pool.accounts().map((a) => pool.connect(a, requester)));
    const all = await listStreams(contexts);
    assert.deepEqual(all.errors, []);
    const names = (l: typeof all) => l.streams.map((s) => `${s.account}/${s.name}`);
    // nunect_audit: the controller's audit trail, there since it issued the console's users;
    // KV_nunect_unit_keys: its unit key directory, written when it connected.
    assert.deepEqual(names(all), [
      "OPS/EVENTS",
      "OPS/KV_nunect_unit_keys",
      "OPS/nunect_audit",
      "BRIDGE/JOBS",
      "BRIDGE/ORDERS",
      "BRIDGE/ORDERS_COPY",
    ]);
    assert.deepEqual(names(await listStreams(contexts, { account: "OPS" })), [
      "OPS/EVENTS",
      "OPS/KV_nunect_unit_keys",
      "OPS/nunect_audit",
    ]);
    assert.deepEqual(names(await listStreams(contexts, { name: "order" })), [
      "BRIDGE/ORDERS",
      "BRIDGE/ORDERS_COPY",
    ]);
    // Which streams hold orders.eu.1: the stream with the subject and its mirror; and in OPS
    // only a stream whose subjects overlap.
    assert.deepEqual(names(await listStreams(contexts, { subject: "orders.eu.1" })), [
      "BRIDGE/ORDERS",
      "BRIDGE/ORDERS_COPY",
    ]);
    assert.deepEqual(names(await listStreams(contexts, { subject: "orders.audit" })), [
      "OPS/EVENTS",
      "BRIDGE/ORDERS",
      "BRIDGE/ORDERS_COPY",
    ]);
    const row = all.streams.find((s) => s.name === "ORDERS")!;
    assert.equal(row.retention, "limits");
    assert.equal(row.limits.maxAge, 3600e9);
    assert.deepEqual(row.usage, { msgs: null, bytes: null });
    assert.equal(all.streams.find((s) => s.name === "ORDERS_COPY")!.mirror, "ORDERS");
    await assert.rejects(listStreams(contexts, { subject: "a..b" }), InvalidInputError);
  });

  await t.step("info and a missing stream", async () => {
    const si = await streamInfo(bridge, "JOBS");
    assert.equal(si.config.retention, "workqueue");
    await assert.rejects(streamInfo(ops, "ORDERS"), (e) => {
      assert.ok(e instanceof NotFoundError);
      assert.equal(e.message, 'Stream "ORDERS" not found in account "OPS"');
      return true;
    });
  });

  await t.step(
    "edit: limits change, fixed fields and server refusals name their field",
    async () => {
      const si = await updateStream(bridge, "ORDERS", { max_msgs: 1000, description: "orders" });
      assert.equal(si.config.max_msgs, 1000);
      assert.equal(si.config.max_age, 3600e9, "fields not given stay as they were");
      await assert.rejects(updateStream(bridge, "ORDERS", { storage: "memory" }), (e) => {
        assert.ok(e instanceof InvalidInputError);
        assert.deepEqual(e.issues.map((i) => i.path), ["storage"]);
        return true;
      });
      await assert.rejects(updateStream(bridge, "ORDERS", { max_age: "later" }), InvalidInputError);
      // Overlapping subjects: the server refuses, and the error names the field.
      await assert.rejects(
        createStream(bridge, { name: "CLASH", subjects: ["orders.eu.>"] }),
        (e) => {
          assert.ok(e instanceof ServerRefusedError, String(e));
          assert.equal(e.field, "subjects");
          assert.match(
            e.message,
            /^nats-server refused to create stream "CLASH": subjects overlap/,
          );
          return true;
        },
      );
    },
  );

  await t.step("delete", async () => {
    await deleteStream(bridge, "ORDERS_COPY");
    await assert.rejects(deleteStream(bridge, "ORDERS_COPY"), NotFoundError);
  });

  await t.step("an unknown account is named; refused credentials make it unavailable", async () => {
    await assert.rejects(pool.connect("NOPE", requester), (e) => {
      assert.ok(e instanceof NotFoundError);
      assert.equal(
        e.message,
        `Account "NOPE" not found among the console's accounts (OPS, BRIDGE, ENGINE)`,
      );
      return true;
    });
    // The dashboard's own client (Deno's sockets) as the dialer: a refused login ends cleanly.
    await using wrong = new AccountPool(
      // A user of BRIDGE signed by another operator: the server does not trust it.
      { BRIDGE: { user: "bridge", creds: await foreignCreds("bridge") } },
      async (_a, c) =>
        (await clientConnect({
          servers: js.ns.url,
          unitId: "console-test",
          creds: c.creds,
          maxReconnectAttempts: 0,
        })).nc,
    );
    await assert.rejects(wrong.connect("BRIDGE", requester), (e) => {
      assert.ok(e instanceof AccountUnavailableError);
      assert.match(e.message, /^Account "BRIDGE" is unavailable: could not connect as "bridge"/);
      assert.doesNotMatch(e.message, /SUA|-----BEGIN/, "no part of the credentials");
      return true;
    });
  });
});

Deno.test("purge: estimate names what goes, then all, by subject, keep N, up to a sequence", async () => {
  await using js = await startJs();
  await using pool = await testPool(js.ns);
  const ctx = await pool.connect("OPS", requester);
  await createStream(ctx, { name: "P", subjects: ["p.>"] });
  await fill(js.nc, 100, (i) => (i % 2 ? "p.odd" : "p.even"));

  let est = await estimatePurge(ctx, "P", { subject: "p.odd", keep: 10 });
  assert.deepEqual(est, {
    messages: 40,
    exact: true,
    description: 'Purge 40 messages on p.odd from "P", keeping the newest 10',
  });
  assert.equal((await purgeStream(ctx, "P", { subject: "p.odd", keep: 10 })).purged, 40);

  est = await estimatePurge(ctx, "P", { seq: 21 });
  if (serverHas("batch_direct_get")) {
    // p.even at sequences 1, 3, …, 19 are all that is left below 21.
    assert.equal(est.description, 'Purge 10 messages before sequence 21 from "P"');
  } else {
    // Older servers cannot count a range with gaps: the estimate is a bound, and says so.
    assert.equal(est.description, 'Purge up to 20 messages before sequence 21 from "P"');
    assert.equal(est.exact, false);
  }
  assert.equal((await purgeStream(ctx, "P", { seq: 21 })).purged, 10);

  est = await estimatePurge(ctx, "P", { subject: "p.even" });
  assert.equal(est.messages, 40);
  assert.equal(est.description, 'Purge the 40 messages on p.even from "P"');
  assert.equal((await purgeStream(ctx, "P", { subject: "p.even" })).purged, 40);

  est = await estimatePurge(ctx, "P");
  assert.deepEqual(est, {
    messages: 10,
    exact: true,
    description: 'Purge all 10 messages from "P"',
  });
  assert.equal((await purgeStream(ctx, "P")).purged, 10);
  await assert.rejects(purgeStream(ctx, "P", { keep: 1, seq: 5 }), /give keep or seq, not both/);
  assert.deepEqual(await consumerNames(js.jsm, "P"), []);
});

Deno.test("browse pages forward and backward, by sequence, time and subject, without consumers", async () => {
  await using js = await startJs();
  await using pool = await testPool(js.ns);
  const ctx = await pool.connect("OPS", requester);
  await createStream(ctx, { name: "B", subjects: ["b.>"] });
  await fill(js.nc, 230, (i) => `b.${i % 2 ? "odd" : "even"}`);
  await js.jsm.streams.deleteMessage("B", 3);
  const seqs = (p: { messages: readonly { seq: number }[] }) => p.messages.map((m) => m.seq);

  const first = await browseMessages(js.nc, "B");
  assert.equal(first.messages.length, 50);
  assert.deepEqual(seqs(first).slice(0, 4), [1, 2, 4, 5]);
  assert.equal(first.next, 52);
  assert.equal(first.previous, null);
  const m = first.messages[0]!;
  assert.equal(m.kind, "json");
  assert.equal(m.preview, '{"i":0}');
  assert.equal(m.headers, 1);

  const second = await browseMessages(js.nc, "B", { at: { seq: first.next! } });
  assert.deepEqual(seqs(second), Array.from({ length: 50 }, (_, i) => 52 + i));
  const back = await browseMessages(js.nc, "B", {
    at: { seq: second.previous! },
    direction: "backward",
  });
  assert.deepEqual(seqs(back), seqs(first));
  assert.equal(back.previous, null);

  const last = await browseMessages(js.nc, "B", { direction: "backward" });
  assert.deepEqual(seqs(last), Array.from({ length: 50 }, (_, i) => 181 + i));
  assert.equal(last.next, 231);
  const end = await browseMessages(js.nc, "B", { at: { seq: 231 } });
  assert.deepEqual(end.messages, []);
  assert.equal(end.next, null);

  const odd = await browseMessages(js.nc, "B", {
    subject: "b.odd",
    direction: "backward",
    limit: 5,
  });
  assert.deepEqual(seqs(odd), [222, 224, 226, 228, 230]);
  const oddBefore = await browseMessages(js.nc, "B", {
    subject: "b.odd",
    direction: "backward",
    at: { seq: odd.previous! },
    limit: 5,
  });
  assert.deepEqual(seqs(oddBefore), [212, 214, 216, 218, 220]);

  const t100 = (await browseMessages(js.nc, "B", { at: { seq: 100 }, limit: 1 })).messages[0]!.time;
  const byTime = await browseMessages(js.nc, "B", { at: { time: t100 }, limit: 3 });
  assert.deepEqual(seqs(byTime), [100, 101, 102]);
  const beforeTime = await browseMessages(js.nc, "B", {
    at: { time: t100 },
    direction: "backward",
    limit: 2,
  });
  assert.deepEqual(seqs(beforeTime), [98, 99]);

  await assert.rejects(browseMessages(js.nc, "B", { limit: 0 }), /limit: expected 1 to 1000/);
  assert.deepEqual(await consumerNames(js.jsm, "B"), []);
});
