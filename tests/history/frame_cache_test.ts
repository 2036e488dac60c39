import assert from "node:assert/strict";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { type NatsServer, startNats, until } from "../_kit/mod.ts";
import { AccountNames, SysMonitor, UnitRegistry } from "../../mods/monitor/mod.ts";
import {
  type Frame,
  frameOf,
  HistoryCollector,
  HistoryStore,
  historyStream,
  type Kind,
  sysSampler,
} from "../../mods/history/mod.ts";
import {
  type CachedMessage,
  type CachedStreamState,
  frameBytes,
  FrameCache,
} from "../../mods/history/frame_cache.ts";

/** One tier, a point a second, kept a minute (the test shortens it to watch points age out). */
const TIERS = [{ name: "1s", stepS: 1, keepS: 60 }];
const KINDS: Kind[] = ["server", "account", "stream"];

/** A collector writing every second into `ops`'s account; closed with the result. */
async function collector(ns: NatsServer, ops: NatsConnection): Promise<AsyncDisposable> {
  const sysNc = await connect({ servers: ns.url, ...ns.users.sys.nats });
  const sys = new SysMonitor(sysNc);
  const names = new AccountNames(sysNc);
  await names.refresh();
  const units = await UnitRegistry.start(ops, { bucket: null, historyStream: null });
  const c = await HistoryCollector.start({
    nc: ops,
    sample: sysSampler(sys, () => units.units(), 500, (key) => names.name(key)),
    tiers: TIERS,
    maxBytes: 64 << 20,
    collectorId: "cache-test",
  });
  return {
    async [Symbol.asyncDispose]() {
      await c.close();
      await units.close();
      await sys.close();
      await sysNc.close();
    },
  };
}

/**
 * Reads each kind through both stores up to the newest stored point (so a point arriving
 * between the two reads is in neither) and asserts they are equal.
 *
 * @returns the frames of the first kind
 */
async function same(cached: HistoryStore, plain: HistoryStore, fromMs = 0): Promise<Frame[]> {
  let first: Frame[] = [];
  for (const kind of KINDS) {
    const last = (await plain.read("1s", kind, 0)).at(-1)?.t ?? 0;
    const want = await plain.read("1s", kind, fromMs, last + 1);
    const got = await cached.read("1s", kind, fromMs, last + 1);
    assert.deepEqual(got, want, `the cached read of ${kind} from ${fromMs} equals the stream's`);
    if (kind === KINDS[0]) first = want;
  }
  return first;
}

Deno.test("history cache: reads from memory equal reads of the stream while the collector writes, across a reconnect, as the stream drops points by bytes and age, and when it is recreated", async () => {
  await using ns = await startNats();
  const ops = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    const jsm = await jetstreamManager(ops);
    await jsm.streams.add({ name: "orders", subjects: ["orders.>"] });
    const plain = new HistoryStore(ops, { tiers: TIERS, maxBytes: 64 << 20 });
    const cached = new HistoryStore(ops, { tiers: TIERS, maxBytes: 64 << 20, cacheBytes: 8 << 20 });
    const decoded = () => cached.stats().cache.decoded;
    let last: Frame[];
    {
      await using _c = await collector(ns, ops);
      await until(async () => (await plain.read("1s", "server", 0)).length >= 3, "three points");
      const before = await same(cached, plain);
      assert.ok(cached.stats().cache.messages >= 3 * KINDS.length, "the reads filled the cache");

      // New points: read from memory plus the new messages only.
      const filled = decoded();
      await until(
        async () => (await plain.read("1s", "server", 0)).length >= before.length + 2,
        "two more points",
      );
      const after = await same(cached, plain);
      const newer = after.filter((f) => f.t > before.at(-1)!.t).length;
      assert.ok(
        decoded() - filled <= KINDS.length * (newer + 2),
        `${decoded() - filled} messages decoded for ${newer} new points of ${KINDS.length} kinds`,
      );
      // A window inside memory decodes at most the points written since.
      const t = after.at(-1)!.t;
      const quiet = decoded();
      const window = await cached.read("1s", "server", t - 2000, t + 1);
      assert.deepEqual(window, await plain.read("1s", "server", t - 2000, t + 1));
      assert.equal(window.length, 3);
      assert.ok(decoded() - quiet <= 3, "a recent window is read from memory");

      // The server restarts: the connections come back, points go on (from a collector started
      // again, as the supervisor would), reads stay equal.
      const beforeRestart = decoded();
      await ns.restart();
      await until(
        () => jsm.streams.info(historyStream("1s")).then(() => true, () => false),
        "JetStream to answer after the restart",
      );
      await using _again = await collector(ns, ops);
      await until(async () => {
        const points = await plain.read("1s", "server", 0).catch(() => []);
        return (points.at(-1)?.t ?? 0) > t + 2000;
      }, "points after the restart");
      await same(cached, plain);
      assert.ok(decoded() > beforeRestart, "the new points were read into the cache");
    }
    // The collector has stopped: what the stream holds stays put while the reads compare.
    last = await same(cached, plain);
    assert.equal(cached.stats().cache.resets, 0, "points written, a restart: nothing reset");

    // The stream's byte limit drops the oldest points at once.
    const info = await jsm.streams.info(historyStream("1s"));
    const perMessage = Math.ceil(info.state.bytes / info.state.messages);
    await jsm.streams.update(historyStream("1s"), { max_bytes: perMessage * 3 * KINDS.length });
    const cut = await same(cached, plain);
    assert.ok(cut.length < last.length, `${cut.length} points after the byte limit`);
    assert.ok(cut.length > 0);

    // The stream is deleted and made again while the cache holds its points, with other values
    // at the old times (and before) and more messages than the cache saw: none of the old
    // stream's points is shown, of any kind.
    assert.ok(cached.stats().cache.messages > 0);
    const synced = (await jsm.streams.info(historyStream("1s"))).state.last_seq;
    await jsm.streams.delete(historyStream("1s"));
    await plain.ensure();
    const t0 = Math.min(last[0]!.t, Date.now() - (Date.now() % 1000) - (synced + 6) * 1000);
    for (let i = 0; i < synced + 5; i++) {
      await plain.write("1s", frameOf("server", t0 + i * 1000, 1000, { fresh: { in_msgs: i } }));
    }
    assert.equal(
      (await cached.read("1s", "server", 0)).length,
      synced + 5,
      "every point of the new stream",
    );
    last = await same(cached, plain);
    assert.ok(last.every((f) => Object.keys(f.rows).join() === "fresh"), "only the new points");

    // Every point ages out: the cache shows none of them.
    assert.ok(cached.stats().cache.messages > 0);
    await jsm.streams.update(historyStream("1s"), { max_age: 1e9, duplicate_window: 1e9 });
    await until(
      async () => (await jsm.streams.info(historyStream("1s"))).state.messages === 0,
      "every point to age out",
    );
    for (const kind of KINDS) assert.deepEqual(await cached.read("1s", kind, 0), [], kind);
    assert.equal(cached.stats().cache.messages, 0);

    // No stream, no points.
    await cached.read("1s", "server", 0);
    await jsm.streams.delete(historyStream("1s"));
    assert.deepEqual(await cached.read("1s", "server", 0), [], "no stream: no points");
  } finally {
    await ops.close();
  }
});

Deno.test("history cache: stays within its byte bound, evicting the oldest points, and still reads what the stream holds", async () => {
  await using ns = await startNats();
  const ops = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    const tiers = [{ name: "10s", stepS: 10, keepS: 86_400 }];
    const plain = new HistoryStore(ops, { tiers, maxBytes: 64 << 20 });
    await plain.ensure();
    const now = Date.now() - (Date.now() % 10_000);
    const frame = (t: number) => {
      const rows: Record<string, Record<string, number>> = {};
      for (let s = 0; s < 50; s++) rows[`OPS/s${s}`] = { last_seq: t / 1000 + s, messages: s };
      return frameOf("stream", t, 10_000, rows);
    };
    for (let p = 30; p > 0; p--) await plain.write("10s", frame(now - p * 10_000));
    const one = (await plain.read("10s", "stream", 0))[0]!;
    // Room for about ten points of the thirty.
    const bound = 10 * Math.ceil(1.05 * new Blob([JSON.stringify(one)]).size);
    const cached = new HistoryStore(ops, { tiers, maxBytes: 64 << 20, cacheBytes: bound });

    const all = await cached.read("10s", "stream", 0);
    assert.deepEqual(all, await plain.read("10s", "stream", 0));
    assert.equal(all.length, 30);
    let stats = cached.stats().cache;
    assert.ok(stats.bytes <= bound, `${stats.bytes} bytes held, bound ${bound}`);
    assert.ok(stats.evicted > 0 && stats.messages < 30, "the oldest points were evicted");
    assert.ok(stats.messages > 0, "the newest points stay");

    // The whole range again: what was evicted is read again, and the answer is the same.
    const decoded = stats.decoded;
    assert.deepEqual(await cached.read("10s", "stream", 0), all);
    stats = cached.stats().cache;
    assert.ok(stats.decoded > decoded, "the evicted points were read again");
    assert.ok(stats.bytes <= bound, `${stats.bytes} bytes held, bound ${bound}`);
  } finally {
    await ops.close();
  }
});

Deno.test("FrameCache: drops what the stream no longer holds, resets a recreated or shrunk stream, evicts the oldest across kinds", () => {
  const cache = new FrameCache(1 << 20);
  const msg = (seq: number, ms: number, kind: Kind = "server"): CachedMessage => {
    const frame = frameOf(kind, ms, 1000, { a: { in_msgs: seq } });
    return { seq, tsNs: BigInt(ms) * 1_000_000n, frame, bytes: frameBytes(frame) };
  };
  const state = (over: Partial<CachedStreamState> = {}): CachedStreamState => ({
    created: "c1",
    firstSeq: 1,
    lastSeq: 10,
    firstMs: 1000,
    messages: 10,
    deleted: 0,
    ...over,
  });
  const seqs = (key: string) => cache.messages(key, 0n).map((m) => m.seq);

  cache.reconcile("1s", state());
  assert.deepEqual(cache.front("1s.server", 0n), { beforeSeq: Infinity }, "no slot: read it all");
  cache.prepend("1s.server", "1s", [1, 3, 5, 7, 9].map((s) => msg(s, s * 1000)), null, 10);
  cache.prepend("1s.stream", "1s", [2, 4].map((s) => msg(s, s * 1000, "stream")), 2000n, 10);
  assert.equal(cache.front("1s.server", 0n), undefined, "whole stream in memory");
  assert.deepEqual(cache.front("1s.stream", 0n), { beforeSeq: 2 }, "before its first message");
  assert.equal(cache.front("1s.stream", 2000n), undefined);
  assert.deepEqual(seqs("1s.server"), [1, 3, 5, 7, 9]);
  assert.deepEqual(cache.messages("1s.server", 5_000_000_000n).map((m) => m.seq), [5, 7, 9]);

  // Aged out below sequence 4; new messages after 10.
  cache.reconcile("1s", state({ firstSeq: 4, lastSeq: 12 }));
  assert.deepEqual(seqs("1s.server"), [5, 7, 9]);
  assert.deepEqual(seqs("1s.stream"), [4]);
  assert.equal(cache.syncedTo("1s.server"), 10);
  cache.append("1s.server", [msg(11, 11_000)], 12);
  assert.equal(cache.syncedTo("1s.server"), 12);

  // The oldest go first, whatever their kind; coverage starts after the last evicted.
  const small = new FrameCache(3 * msg(1, 1000).bytes);
  small.reconcile("1s", state());
  small.prepend("1s.server", "1s", [msg(1, 1000), msg(3, 3000)], null, 10);
  small.prepend("1s.stream", "1s", [msg(2, 2000, "stream"), msg(4, 4000, "stream")], null, 10);
  small.trim();
  assert.equal(small.stats().messages, 3);
  assert.equal(small.stats().evicted, 1);
  assert.deepEqual(small.messages("1s.server", 0n).map((m) => m.seq), [3]);
  assert.deepEqual(small.front("1s.server", 0n), { beforeSeq: 3 }, "evicted: read again");
  assert.equal(small.front("1s.server", 1_000_000_001n), undefined);

  // A recreated stream, messages deleted inside, a stream behind the cache: all reset.
  cache.reconcile("1s", state({ created: "c2", firstSeq: 1, lastSeq: 30 }));
  assert.equal(cache.has("1s.server"), false);
  cache.prepend("1s.server", "1s", [msg(29, 29_000)], null, 30);
  cache.reconcile("1s", state({ created: "c2", lastSeq: 31, deleted: 1 }));
  assert.equal(cache.has("1s.server"), false, "a message deleted inside the stream");
  cache.prepend("1s.server", "1s", [msg(29, 29_000)], null, 31);
  cache.reconcile("1s", state({ created: "c2", lastSeq: 20, deleted: 1 }));
  assert.equal(cache.has("1s.server"), false, "the stream went back behind the cache");
  cache.prepend("1s.server", "1s", [msg(29, 29_000)], null, 31);
  cache.reconcile("1s", null);
  assert.equal(cache.has("1s.server"), false, "no stream");
  assert.equal(cache.stats().bytes, 0);
  assert.equal(cache.stats().resets, 4);
});
