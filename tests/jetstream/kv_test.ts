import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import {
  createBucket,
  deleteBucket,
  getEntry,
  InvalidInputError,
  keyHistory,
  type KeyUpdate,
  listBuckets,
  listKeys,
  NotFoundError,
  purgeAllKeys,
  putKey,
  removeKey,
  revertKey,
  ServerRefusedError,
  watchKeys,
} from "../../mods/jetstream/mod.ts";
import { FeatureUnavailableError } from "../../mods/monitor/mod.ts";
import { needs, serverHas, until } from "../_kit/mod.ts";
import { consumerNames, startJs, testPool } from "./_setup.ts";

const requester = { user: "admin", role: "admin" } as const;

Deno.test("KV: buckets, paged keys, get, put, history, revert, delete, purge, watch", async (t) => {
  await using js = await startJs();
  await using pool = await testPool(js.ns);
  const ctx = await pool.connect("BRIDGE", requester);

  await t.step("create and list buckets", async () => {
    const row = await createBucket(ctx, { bucket: "config", history: 5, ttl: "1h" });
    assert.deepEqual([row.bucket, row.history, row.ttl, row.keyTtl], ["config", 5, 3600e9, false]);
    await assert.rejects(
      createBucket(ctx, { bucket: "config" }),
      /a bucket "config" exists already/,
    );
    await assert.rejects(createBucket(ctx, { bucket: "bad name" }), InvalidInputError);
    assert.deepEqual((await listBuckets(ctx)).map((b) => b.bucket), ["config"]);
  });

  await t.step(
    "put and page through keys; overwritten keys once, deleted keys hidden",
    async () => {
      for (let i = 0; i < 120; i++) {
        await putKey(ctx, "config", `app.k${String(i).padStart(3, "0")}`, {
          value: JSON.stringify({ i }),
        });
      }
      await putKey(ctx, "config", "app.k000", { value: '{"i":"new"}' });
      await removeKey(ctx, "config", "app.k001", "delete");
      const first = await listKeys(ctx, "config");
      assert.equal(first.keys.length, 50);
      assert.equal(first.keys[0]!.key, "app.k002", "k000 was rewritten later, k001 deleted");
      const all = [...first.keys];
      for (let next = first.next; next !== null;) {
        const page = await listKeys(ctx, "config", { after: next });
        all.push(...page.keys);
        next = page.next;
      }
      assert.equal(all.length, 119);
      assert.equal(new Set(all.map((k) => k.key)).size, 119);
      assert.equal(all.at(-1)!.key, "app.k000");
      assert.equal(all.at(-1)!.revision, 121);
      const withDeleted = await listKeys(ctx, "config", { deleted: true, limit: 1000 });
      assert.deepEqual(withDeleted.keys.filter((k) => k.operation !== "PUT").map((k) => k.key), [
        "app.k001",
      ]);
      const filtered = await listKeys(ctx, "config", { filter: "app.*", contains: "k11" });
      assert.deepEqual(
        filtered.keys.map((k) => k.key),
        Array.from({ length: 10 }, (_, i) => `app.k11${i}`),
      );
      await assert.rejects(listKeys(ctx, "config", { filter: "a..b" }), /Invalid key "a..b"/);
      await assert.rejects(
        listKeys(ctx, "nope"),
        (e) => e instanceof NotFoundError && /Bucket "nope"/.test(e.message),
      );
    },
  );

  await t.step("get, history newest first, revert", async () => {
    const e = await getEntry(ctx, "config", "app.k000");
    assert.deepEqual([e.revision, e.operation, e.kind, e.value.text], [
      121,
      "PUT",
      "json",
      '{"i":"new"}',
    ]);
    const h = await keyHistory(ctx, "config", "app.k000");
    assert.deepEqual(h.map((x) => [x.revision, x.value.text]), [[121, '{"i":"new"}'], [
      1,
      '{"i":0}',
    ]]);
    const r = await revertKey(ctx, "config", "app.k000", 1);
    assert.equal((await getEntry(ctx, "config", "app.k000")).value.text, '{"i":0}');
    assert.equal((await getEntry(ctx, "config", "app.k000")).revision, r.revision);
    await assert.rejects(
      revertKey(ctx, "config", "app.k001", 122),
      /revision 122 of "app.k001" is a DEL marker/,
    );
    await assert.rejects(
      getEntry(ctx, "config", "app.k000", 2),
      /Key "app.k000" not found in bucket "config" at revision 2/,
    );
    // Optimistic concurrency: a stale expected revision is refused by the server.
    await assert.rejects(
      putKey(ctx, "config", "app.k000", { value: "x", expectRevision: 1 }),
      ServerRefusedError,
    );
  });

  await t.step("watch a filter live", async () => {
    const ac = new AbortController();
    const seen: KeyUpdate[] = [];
    const watching = (async () => {
      for await (const u of watchKeys(ctx, "config", "app.live.>", ac.signal)) {
        seen.push(u);
        if (seen.length === 2) ac.abort();
      }
    })();
    await until(async () => {
      await putKey(ctx, "config", "app.live.a", { value: "1" });
      return seen.length > 0;
    }, "the watch to see a put");
    await removeKey(ctx, "config", "app.live.a", "delete");
    await watching;
    assert.equal(seen[0]!.key, "app.live.a");
    assert.equal(seen[0]!.operation, "PUT");
    assert.ok(seen.at(-1)!.operation === "DEL" || seen.at(-1)!.operation === "PUT");
  });

  await t.step("purge a key, purge all, delete the bucket", async () => {
    await removeKey(ctx, "config", "app.k002", "purge");
    assert.deepEqual((await keyHistory(ctx, "config", "app.k002")).map((x) => x.operation), [
      "PURGE",
    ]);
    assert.ok((await purgeAllKeys(ctx, "config")).purged > 0);
    assert.deepEqual((await listKeys(ctx, "config")).keys, []);
    const bridgeJsm = await jetstreamManager(ctx.nc);
    assert.deepEqual(await consumerNames(bridgeJsm, "KV_config"), [], "no consumer was ever made");
    await deleteBucket(ctx, "config");
    assert.deepEqual(await listBuckets(ctx), []);
  });
});

Deno.test({
  name: needs("message_ttl", "KV: keys with their own TTL expire"),
  ignore: !serverHas("message_ttl"),
  fn: async () => {
    await using js = await startJs();
    await using pool = await testPool(js.ns);
    const ctx = await pool.connect("OPS", requester);
    const row = await createBucket(ctx, { bucket: "sessions", keyTtl: "1s" });
    assert.equal(row.keyTtl, true);
    await putKey(ctx, "sessions", "short", { value: "bye", ttl: "1s" });
    await putKey(ctx, "sessions", "long", { value: "stay" });
    assert.equal((await getEntry(ctx, "sessions", "short")).ttl, "1s");
    await until(async () => {
      const keys = (await listKeys(ctx, "sessions")).keys.map((k) => k.key);
      return keys.length === 1 && keys[0] === "long";
    }, "the key with a 1s TTL to expire");
    await createBucket(ctx, { bucket: "plain" });
    await assert.rejects(
      putKey(ctx, "plain", "k", { value: "v", ttl: "5s" }),
      /bucket "plain" was not created with per-key TTL/,
    );
  },
});

Deno.test({
  name: "KV: per-key TTL says which server it needs (nats-server < 2.11)",
  ignore: serverHas("message_ttl"),
  fn: async () => {
    await using js = await startJs();
    await using pool = await testPool(js.ns);
    const ctx = await pool.connect("OPS", requester);
    await assert.rejects(createBucket(ctx, { bucket: "sessions", keyTtl: "1s" }), (e) => {
      assert.ok(e instanceof FeatureUnavailableError);
      assert.match(e.message, /^Per-message TTL in streams requires nats-server ≥ 2\.11\.0/);
      return true;
    });
  },
});
