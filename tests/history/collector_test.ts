import assert from "node:assert/strict";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { type NatsServer, spawnProgram, startNats, until } from "../_kit/mod.ts";
import { AccountNames, SysMonitor, UnitRegistry } from "../../mods/monitor/mod.ts";
import {
  type Frame,
  frameOf,
  HistoryCollector,
  HistoryStore,
  historyStream,
  historySubject,
  Lease,
  sysSampler,
  valueOf,
} from "../../mods/history/mod.ts";

const TIERS = [
  { name: "2s", stepS: 2, keepS: 600 },
  { name: "4s", stepS: 4, keepS: 3600 },
];

interface Rig extends AsyncDisposable {
  ops: NatsConnection;
  start(id: string): Promise<HistoryCollector>;
  store: HistoryStore;
}

async function rig(ns: NatsServer): Promise<Rig> {
  const ops = await connect({ servers: ns.url, ...ns.users.ops.nats });
  const sysNc = await connect({ servers: ns.url, ...ns.users.sys.nats });
  const sys = new SysMonitor(sysNc);
  const names = new AccountNames(sysNc);
  await names.refresh();
  const units = await UnitRegistry.start(ops, { bucket: null, historyStream: null });
  const collectors: HistoryCollector[] = [];
  return {
    ops,
    store: new HistoryStore(ops, { tiers: TIERS, maxBytes: 64 << 20 }),
    async start(collectorId) {
      const c = await HistoryCollector.start({
        nc: ops,
        sample: sysSampler(sys, () => units.units(), 500, (key) => names.name(key)),
        tiers: TIERS,
        maxBytes: 64 << 20,
        collectorId,
      });
      collectors.push(c);
      return c;
    },
    async [Symbol.asyncDispose]() {
      for (const c of collectors) await c.close();
      await units.close();
      await sys.close();
      await sysNc.close();
      await ops.close();
    },
  };
}

async function stored(ops: NatsConnection, tier: string, kind: string): Promise<Frame[]> {
  const store = new HistoryStore(ops, { tiers: TIERS, maxBytes: 64 << 20 });
  return await store.read(tier, kind as Frame["kind"], 0);
}

Deno.test("history: a collector writes servers, accounts, streams, consumers and units each step, and the coarser tier", async () => {
  await using ns = await startNats();
  await using r = await rig(ns);
  // Something to see: a stream with a lagging consumer, and a unit's telemetry.
  const jsm = await jetstreamManager(r.ops);
  await jsm.streams.add({ name: "orders", subjects: ["orders.>"] });
  await jsm.consumers.add("orders", { durable_name: "worker", ack_policy: AckPolicy.Explicit });
  const js = jetstream(r.ops);
  for (let i = 0; i < 7; i++) await js.publish("orders.new", `o${i}`);
  const guardian = await connect({
    servers: ns.url,
    ...(await ns.unit("router-7", { role: "guardian" })).nats,
  });
  guardian.publish(
    "ops.metric.rtt.router-7",
    JSON.stringify({
      unitId: "router-7",
      seq: 1,
      ts: Date.now(),
      target: "router-7",
      nativeRttUs: 700,
      appRttUs: 900,
    }),
  );
  await guardian.flush();

  const collector = await r.start("hub-history");
  await until(async () => {
    const consumers = await stored(r.ops, "2s", "consumer");
    return consumers.some((f) => valueOf(f, "OPS/orders/worker", "num_pending") === 7);
  }, "a 2 s point with the consumer's lag");
  assert.ok(collector.stats().leader);
  const server = (await stored(r.ops, "2s", "server")).at(-1)!;
  const serverName = Object.keys(server.rows)[0]!;
  assert.equal(valueOf(server, serverName, "healthy"), 1);
  assert.ok(valueOf(server, serverName, "in_msgs")! >= 7);
  assert.ok(valueOf(server, serverName, "js_max_storage_bytes")! > 0);
  const stream = (await stored(r.ops, "2s", "stream")).at(-1)!;
  assert.equal(valueOf(stream, "OPS/orders", "messages"), 7);
  assert.equal(valueOf(stream, "OPS/orders", "last_seq"), 7);
  const account = (await stored(r.ops, "2s", "account")).at(-1)!;
  assert.ok(valueOf(account, "OPS", "connections")! >= 2);
  const unit = (await stored(r.ops, "2s", "unit")).at(-1)!;
  assert.equal(valueOf(unit, "router-7", "rtt_native_us"), 700);

  await until(
    async () => (await stored(r.ops, "4s", "stream")).length > 0,
    "a 4 s point built from 2 s points",
  );
  const coarse = (await stored(r.ops, "4s", "stream"))[0]!;
  assert.equal(coarse.stepMs, 4000);
  assert.equal(coarse.t % 4000, 0);
  assert.equal(valueOf(coarse, "OPS/orders", "last_seq"), 7);
  await guardian.close();
});

Deno.test("history: with two collectors one leads, each point is stored once, and a crashed leader leaves no gap", async () => {
  await using ns = await startNats();
  await using r = await rig(ns);
  const a = await r.start("collector-a");
  await until(() => a.stats().leader, "collector a to lead");
  const b = await r.start("collector-b");
  await until(() => a.stats().rounds >= 3, "three rounds of a");
  assert.equal(b.stats().leader, false);
  assert.equal(b.stats().rounds, 0, "the standby does not sample");

  // The leader dies without giving the lease up: b must take over within the lease's TTL.
  await a.close(false);
  await until(() => b.stats().leader, "collector b to take over", 10_000);
  await until(() => b.stats().rounds >= 3, "three rounds of b");
  await b.close();

  const points = (await stored(r.ops, "2s", "server")).map((f) => f.t);
  const jsm = await jetstreamManager(r.ops);
  const info = await jsm.streams.info(historyStream("2s"), { subjects_filter: ">" });
  const perSubject = info.state.subjects ?? {};
  // One message per point and kind: as many server messages as distinct points.
  assert.equal(perSubject["nunect.history.2s.server"], points.length);
  for (let i = 1; i < points.length; i++) {
    assert.equal(
      points[i]! - points[i - 1]!,
      2000,
      `gap after ${new Date(points[i - 1]!).toISOString()}: ${points.join(", ")}`,
    );
  }
});

Deno.test("history: points written as plain JSON (before compression) read back with compressed ones; retention says what each tier holds", async () => {
  await using ns = await startNats();
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    const tiers = [{ name: "1s", stepS: 1, keepS: 3600 }];
    const store = new HistoryStore(nc, { tiers, maxBytes: 8 << 20 });
    assert.deepEqual((await store.retention()).map((r) => [r.tier, r.messages, r.holdsS]), [
      ["1s", 0, null],
    ]);
    await store.ensure();
    const t0 = Date.now() - (Date.now() % 1000) - 10_000;
    const old = frameOf("stream", t0, 1000, { "OPS/orders": { messages: 1 } });
    await jetstream(nc).publish(historySubject("1s", "stream"), JSON.stringify(old));
    for (let i = 1; i <= 4; i++) {
      assert.equal(
        await store.write(
          "1s",
          frameOf("stream", t0 + i * 1000, 1000, { "OPS/orders": { messages: 1 + i } }),
        ),
        1,
      );
    }
    const read = await store.read("1s", "stream", t0 - 1);
    assert.deepEqual(read.map((f) => valueOf(f, "OPS/orders", "messages")), [1, 2, 3, 4, 5]);
    const [r] = await store.retention();
    assert.equal(r!.messages, 5);
    assert.equal(r!.maxBytes, 8 << 20);
    assert.ok(r!.bytes > 0 && r!.oldest !== null);
  } finally {
    await nc.close();
  }
});

Deno.test("history: the lease is compare-and-set; a holder that restarts under its name keeps it", async () => {
  await using ns = await startNats();
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    const one = await Lease.open(nc, { name: "t", holder: "one", ttlMs: 60_000 });
    const two = await Lease.open(nc, { name: "t", holder: "two", ttlMs: 60_000 });
    const [a, b] = await Promise.all([one.tryAcquire(), two.tryAcquire()]);
    assert.equal(Number(a) + Number(b), 1, "exactly one holder");
    const winner = a ? "one" : "two";
    const again = await Lease.open(nc, { name: "t", holder: winner, ttlMs: 60_000 });
    assert.equal(await again.tryAcquire(), true, "the same name resumes its lease");
    const loser = a ? two : one;
    assert.equal(await loser.tryAcquire(), false);
    await again.release();
    assert.equal(await again.holder(), null);
    assert.equal(await loser.tryAcquire(), true, "released: the other takes it at once");
  } finally {
    await nc.close();
  }
});

Deno.test("history: the lease's bucket (memory storage) gone with a nats-server restart is made again: the lease is taken and the collector writes on", async () => {
  await using ns = await startNats();
  const nc = await connect({
    servers: ns.url,
    ...ns.users.ops.nats,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 100,
  });
  try {
    const lease = await Lease.open(nc, { name: "r", holder: "one", ttlMs: 60_000 });
    assert.equal(await lease.tryAcquire(), true);
    await ns.restart();
    // The memory-stored bucket is gone; the file-stored history streams are not.
    await until(async () => await lease.tryAcquire(), "the lease taken again after the restart");
    assert.equal(await lease.holder(), "one");

    await using r = await rig(ns);
    await r.start("collector-a");
    const count = async () => (await stored(r.ops, "2s", "server")).length;
    await until(async () => await count() >= 1, "a first point");
    await ns.restart();
    const before = await count().catch(() => 0);
    await until(
      async () => await count().catch(() => 0) > before,
      "a point written after the restart",
    );
  } finally {
    await nc.close();
  }
});

Deno.test("history: mods/history/main.ts runs under the history permission set, collects (units the dashboard stored included), and releases its lease on SIGTERM", async () => {
  await using ns = await startNats();
  // A unit the dashboard stored, silent since before the collector started.
  const dashboardNc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  const dashboard = await UnitRegistry.start(dashboardNc, { historyStream: null });
  const guardian = await connect({ servers: ns.url, ...ns.users.ops.nats });
  guardian.publish(
    "ops.heartbeat.router-quiet",
    JSON.stringify({
      unitId: "router-quiet",
      seq: 1,
      ts: Date.now(),
      uptimeS: 1,
      version: "0.1.0",
      host: "router-quiet.lan",
      kind: "guardian",
      clock: { source: "ntp", quality: "locked" },
    }),
  );
  await until(() => dashboard.unit("router-quiet") !== undefined, "the unit in the dashboard");
  await Promise.all([dashboard.close(), guardian.close()]);
  await dashboardNc.close();
  await using program = spawnProgram({
    permissionSet: "history",
    entry: "mods/history/main.ts",
    denoFlags: [
      `--allow-net=127.0.0.1:${ns.port}`,
      `--allow-read=${ns.identityDir}/creds/history`,
    ],
    env: {
      NATS_URL: ns.url,
      UNIT_ID: "hub",
      NATS_IDENTITY_DIR: ns.identityDir,
      HISTORY_TIERS: "1s:1m,5s:10m",
      HISTORY_MAX_MB: "8",
    },
  });
  await program.waitFor("collecting 1s for 60 s, 5s for 600 s", 20_000);
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    const store = new HistoryStore(nc, {
      tiers: [{ name: "1s", stepS: 1, keepS: 60 }],
      maxBytes: 1 << 20,
    });
    // The server and unit points of a round are separate messages: wait for a unit point.
    await until(async () => {
      const unit = (await store.read("1s", "unit", 0)).at(-1);
      return unit !== undefined && valueOf(unit, "router-quiet", "up") !== null;
    }, "a 1 s unit point with router-quiet, known from the units bucket");
    const result = await program.stop();
    assert.equal(result.code, 0, result.stderr);
    const lease = await Lease.open(nc, { name: "history", holder: "probe", ttlMs: 60_000 });
    assert.equal(await lease.holder(), null, "the lease was released");
  } finally {
    await nc.close();
  }
});

Deno.test("history: a bad HISTORY_TIERS stops the collector with exit code 2 naming the variable", async () => {
  await using program = spawnProgram({
    permissionSet: "history",
    entry: "mods/history/main.ts",
    env: { HISTORY_TIERS: "1m:1d,10s:1h" },
  });
  const result = await program.stop("SIGCONT");
  assert.equal(result.code, 2);
  assert.match(result.stderr, /HISTORY_TIERS: expected tiers <step>:<keep>.*got "1m:1d,10s:1h"/);
});
