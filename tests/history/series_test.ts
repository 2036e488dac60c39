import assert from "node:assert/strict";
import { loadConfig } from "../../mods/config/mod.ts";
import {
  chooseTier,
  counterRate,
  Downsampler,
  frameOf,
  framesFromSnapshot,
  seriesOf,
  type Snapshot,
  toCsv,
  valueOf,
} from "../../mods/history/mod.ts";

const S = 1000;

const frame = frameOf;

Deno.test("HISTORY_TIERS parses steps and retention, and names every mistake", () => {
  const ok = loadConfig(["history"], (n) => ({ HISTORY_TIERS: "10s:1d,1m:7d,1h:52w" })[n]);
  assert.deepEqual(ok.history.tiers, [
    { name: "10s", stepS: 10, keepS: 86_400 },
    { name: "1m", stepS: 60, keepS: 604_800 },
    { name: "1h", stepS: 3600, keepS: 52 * 604_800 },
  ]);
  for (const bad of ["10s", "10s:1d,15s:7d", "1m:1d,10s:7d", "10x:1d", "10s:5s", "10s:30s,1m:7d"]) {
    assert.throws(
      () => loadConfig(["history"], (n) => ({ HISTORY_TIERS: bad })[n]),
      (e: Error) => e.message.includes(`HISTORY_TIERS: expected tiers`) && e.message.includes(bad),
      bad,
    );
  }
});

Deno.test("Downsampler: counters keep the last value, gauges the mean, boundaries cascade", () => {
  const ds = new Downsampler([
    { name: "10s", stepMs: 10 * S },
    { name: "30s", stepMs: 30 * S },
    { name: "1m", stepMs: 60 * S },
  ]);
  const out = [];
  for (let i = 0; i <= 6; i++) {
    out.push(
      ...ds.add(frame("consumer", i * 10 * S, 10 * S, {
        "OPS/s/c": { num_pending: i * 10, delivered_stream_seq: 100 + i },
      })),
    );
  }
  // 30 s closes at t=30 and t=60; 1 m closes when the second 30 s point (t=30) is followed by t=60.
  assert.deepEqual(out.map((o) => [o.tier, o.frame.t]), [["30s", 0], ["30s", 30 * S], ["1m", 0]]);
  const [first, second, minute] = out.map((o) => o.frame);
  assert.equal(valueOf(first!, "OPS/s/c", "num_pending"), 10); // mean of 0, 10, 20
  assert.equal(valueOf(first!, "OPS/s/c", "delivered_stream_seq"), 102); // last
  assert.equal(valueOf(second!, "OPS/s/c", "num_pending"), 40);
  assert.equal(valueOf(minute!, "OPS/s/c", "num_pending"), 25); // mean of the two 30 s means
  assert.equal(valueOf(minute!, "OPS/s/c", "delivered_stream_seq"), 105);
  assert.equal(minute!.stepMs, 60 * S);
});

Deno.test("Downsampler: gaps do not drag a mean down; late points are ignored; seed resumes a bucket", () => {
  const tiers = [{ name: "10s", stepMs: 10 * S }, { name: "1m", stepMs: 60 * S }];
  const ds = new Downsampler(tiers);
  ds.add(frame("unit", 0, 10 * S, { a: { rtt_native_us: 100 } }));
  ds.add(frame("unit", 10 * S, 10 * S, { b: { rtt_native_us: 5 } })); // a missing here
  ds.add(frame("unit", 20 * S, 10 * S, { a: { rtt_native_us: 300 } }));
  assert.deepEqual(ds.add(frame("unit", 5 * S, 10 * S, { a: { rtt_native_us: 1e9 } })), []);
  const [done] = ds.add(frame("unit", 60 * S, 10 * S, {}));
  assert.equal(valueOf(done!.frame, "a", "rtt_native_us"), 200);
  assert.equal(valueOf(done!.frame, "b", "rtt_native_us"), 5);

  // A collector taking over at 1:45 reads back 1:00…1:40 and finishes the minute as if it had
  // been there all along; stored points of other minutes are ignored.
  const fresh = new Downsampler(tiers);
  fresh.seed(1, [
    frame("unit", 50 * S, 10 * S, { a: { rtt_native_us: 1e9 } }),
    ...[60, 70, 80, 90, 100].map((s) => frame("unit", s * S, 10 * S, { a: { rtt_native_us: s } })),
  ], 105 * S);
  fresh.add(frame("unit", 110 * S, 10 * S, { a: { rtt_native_us: 110 } }));
  const [minute] = fresh.add(frame("unit", 120 * S, 10 * S, {}));
  assert.equal(minute!.frame.t, 60 * S);
  assert.equal(valueOf(minute!.frame, "a", "rtt_native_us"), 85);
  assert.throws(
    () => new Downsampler([{ name: "10s", stepMs: 10 * S }, { name: "15s", stepMs: 15 * S }]),
    /Invalid tier "15s": its step must be a multiple of "10s"'s/,
  );
});

Deno.test("series: counters become per-second rates across resets, gaps become null", () => {
  assert.equal(counterRate(100, 160, 10), 6);
  assert.equal(counterRate(100, 30, 10), 3); // the server restarted: counted from zero
  assert.equal(counterRate(1, 2, 0), null);
  const frames = [0, 10, 20, 50, 60].map((s, i) =>
    frame("server", s * S, 10 * S, { n1: { in_msgs: [0, 100, 300, 10, 70][i]!, connections: i } })
  );
  const rate = seriesOf(frames, "n1", "in_msgs");
  assert.deepEqual(rate.t, [0, 10, 20, 30, 50, 60]);
  assert.deepEqual(rate.v, [null, 10, 20, null, null, 6]);
  assert.deepEqual(seriesOf(frames, "n1", "connections").v, [0, 1, 2, null, 3, 4]);
  assert.deepEqual(seriesOf(frames, "nope", "connections").v, [null, null, null, null, null, null]);
});

Deno.test("chooseTier: the finest tier that covers the range with at most 720 points", () => {
  const tiers = [
    { name: "10s", stepMs: 10 * S, keepMs: 86_400 * S },
    { name: "1m", stepMs: 60 * S, keepMs: 7 * 86_400 * S },
    { name: "1h", stepMs: 3600 * S, keepMs: 365 * 86_400 * S },
  ];
  assert.equal(chooseTier(tiers, 15 * 60 * S).name, "10s");
  assert.equal(chooseTier(tiers, 2 * 3600 * S).name, "10s");
  assert.equal(chooseTier(tiers, 6 * 3600 * S).name, "1m");
  assert.equal(chooseTier(tiers, 7 * 86_400 * S).name, "1h");
  assert.equal(chooseTier(tiers, 30 * 86_400 * S).name, "1h");
  assert.equal(chooseTier(tiers, 3 * 365 * 86_400 * S).name, "1h");
});

Deno.test("toCsv: ISO times, empty cells for gaps, no formula injection through names", () => {
  const csv = toCsv([0, 10], { "OPS/orders": [1.5, null], "=cmd()": [2, 3] });
  assert.equal(
    csv,
    `time,OPS/orders,"'=cmd()"\n1970-01-01T00:00:00.000Z,1.5,2\n1970-01-01T00:00:10.000Z,,3\n`,
  );
});

Deno.test("framesFromSnapshot: servers, summed accounts, streams from their leader, consumers, units", () => {
  const server = (name: string) => ({
    name,
    host: "h",
    id: `N${name}`,
    ver: "2.9.10",
    seq: 1,
    time: "2024-01-01T00:00:00Z",
  });
  const statsz = (name: string, msgs: number) => ({
    ok: true as const,
    server: server(name),
    data: {
      start: "x",
      mem: 1000,
      cores: 2,
      cpu: 3.5,
      connections: 4,
      total_connections: 10,
      active_accounts: 2,
      subscriptions: 7,
      sent: { msgs: 2 * msgs, bytes: 20 * msgs },
      received: { msgs, bytes: 10 * msgs },
      slow_consumers: 1,
      jetstream: {
        stats: { memory: 5, storage: 6, api: { total: 0, errors: 0 } },
        config: { max_memory: 50, max_storage: 60, store_dir: "/tmp" },
      },
    },
  });
  const jszFrom = (name: string, pending: number) => ({
    ok: true as const,
    server: server(name),
    data: {
      server_id: `N${name}`,
      now: "x",
      memory: 0,
      storage: 0,
      accounts: 1,
      ha_assets: 0,
      api: { total: 0, errors: 0 },
      streams: 1,
      consumers: 1,
      messages: 9,
      bytes: 90,
      account_details: [{
        name: "OPS",
        id: "OPS",
        memory: 1,
        storage: 2,
        reserved_storage: 200,
        api: { total: 0, errors: 0 },
        stream_detail: [{
          name: "orders",
          created: "x",
          cluster: { leader: "n2" },
          config: { name: "orders", max_bytes: 1000, max_msgs: -1 },
          state: { messages: 9, bytes: 90, first_seq: 1, last_seq: 9, consumer_count: 1 },
          consumer_detail: [{
            stream_name: "orders",
            name: "worker",
            created: "x",
            num_ack_pending: 2,
            num_redelivered: 0,
            num_waiting: 1,
            num_pending: pending,
            delivered: { consumer_seq: 5, stream_seq: 7 },
            ack_floor: { consumer_seq: 4, stream_seq: 6 },
          }],
        }],
      }],
    },
  });
  const snapshot: Snapshot = {
    at: 100_000,
    statsz: [statsz("n1", 100), statsz("n2", 50), { ok: false, server: null, error: "bad" }],
    healthz: [
      { ok: true, server: server("n1"), data: { status: "ok" } },
      { ok: true, server: server("n2"), data: { status: "unavailable", error: "JetStream" } },
      { ok: true, server: server("n3"), data: { status: "unavailable" } },
    ],
    accstatz: ["n1", "n2"].map((n) => ({
      ok: true as const,
      server: server(n),
      data: {
        server_id: `N${n}`,
        now: "x",
        account_statz: [{
          acc: "OPS",
          conns: 2,
          leafnodes: 0,
          total_conns: 3,
          sent: { msgs: 5, bytes: 50 },
          received: { msgs: 1, bytes: 10 },
          slow_consumers: 0,
        }],
      },
    })),
    jsz: [jszFrom("n1", 999), jszFrom("n2", 3)],
    units: [{
      key: "router-1",
      account: "OPS",
      unitId: "router-1",
      heartbeat: null,
      rtt: {
        unitId: "router-1",
        seq: 1,
        ts: 1,
        target: "router-1",
        nativeRttUs: 800,
        appRttUs: 1200,
      },
      time: {
        unitId: "router-1",
        ts: 1,
        source: "ptp",
        quality: "tracking",
        offsetNs: -2500,
        freqPpm: null,
        ptp: null,
        ntp: null,
      } as never,
      firstSeen: 0,
      lastSeen: 0,
      heartbeatAt: 85_000,
      rttAt: null,
      timeAt: null,
      skewMs: null,
      heartbeatIntervalMs: 5000,
      intervalInferred: true,
      stale: true,
    }],
  };
  const frames = Object.fromEntries(
    framesFromSnapshot(snapshot, 90_000, 10_000).map((f) => [f.kind, f]),
  );
  const server1 = frames.server!;
  assert.equal(server1.t, 90_000);
  assert.equal(valueOf(server1, "n1", "in_msgs"), 100);
  assert.equal(valueOf(server1, "n1", "out_msgs"), 200);
  assert.equal(valueOf(server1, "n1", "disconnects"), 6);
  assert.equal(valueOf(server1, "n1", "healthy"), 1);
  assert.equal(valueOf(server1, "n2", "healthy"), 0);
  assert.equal(valueOf(server1, "n3", "healthy"), 0);
  assert.equal(valueOf(server1, "n3", "in_msgs"), null);
  assert.equal(valueOf(server1, "n1", "js_max_storage_bytes"), 60);
  assert.equal(valueOf(frames.account!, "OPS", "connections"), 4);
  assert.equal(valueOf(frames.account!, "OPS", "in_msgs"), 2);
  assert.equal(valueOf(frames.account!, "OPS", "js_storage_bytes"), 2);
  assert.equal(valueOf(frames.account!, "OPS", "js_max_storage_bytes"), 200);
  assert.equal(valueOf(frames.stream!, "OPS/orders", "max_bytes"), 1000);
  assert.equal(valueOf(frames.consumer!, "OPS/orders/worker", "num_pending"), 3); // n2 leads
  assert.equal(valueOf(frames.consumer!, "OPS/orders/worker", "delivered_stream_seq"), 7);
  assert.equal(valueOf(frames.unit!, "router-1", "up"), 0);
  assert.equal(valueOf(frames.unit!, "router-1", "heartbeat_age_s"), 15);
  assert.equal(valueOf(frames.unit!, "router-1", "clock_quality"), 2);
  assert.equal(valueOf(frames.unit!, "router-1", "clock_offset_ns"), -2500);
  assert.equal(valueOf(frames.unit!, "router-1", "rtt_app_us"), 1200);
});
