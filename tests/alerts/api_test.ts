import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { AlertStore } from "../../mods/alerts/mod.ts";
import { HistoryCollector, HistoryStore, sysSampler } from "../../mods/history/mod.ts";
import { SysMonitor } from "../../mods/monitor/mod.ts";
import { startNats, until } from "../_kit/mod.ts";
import { get, login, testDashboard } from "../dashboard/_harness.ts";

const TIERS = [
  { name: "2s", stepS: 2, keepS: 3600 },
  { name: "1m", stepS: 60, keepS: 7 * 86_400 },
];

Deno.test("dashboard API: charts from history (JSON and CSV), rules with preview, acknowledge, silence, all behind login", async () => {
  await using ns = await startNats();
  const ops = await connect({ servers: ns.url, ...ns.users.ops.nats });
  const sysNc = await connect({ servers: ns.url, ...ns.users.sys.nats });
  const jsm = await jetstreamManager(ops);
  await jsm.streams.add({ name: "orders", subjects: ["orders.>"] });
  await jsm.consumers.add("orders", { durable_name: "worker", ack_policy: AckPolicy.Explicit });
  for (let i = 0; i < 5; i++) await jetstream(ops).publish("orders.new", "x");
  const collector = await HistoryCollector.start({
    nc: ops,
    sample: sysSampler(new SysMonitor(sysNc), () => [], 500),
    tiers: TIERS,
    maxBytes: 32 << 20,
    collectorId: "api-test",
  });
  await AlertStore.open(ops); // as the alerts program would
  const d = await testDashboard(ns, { HISTORY_TIERS: "2s:1h,1m:7d" });
  try {
    const app = d.app;
    assert.equal(
      (await app.request("/api/history/stream?id=OPS/orders&field=messages", {
        headers: { accept: "application/json" },
      })).status,
      401,
    );
    const s = await login(app);
    const json = (path: string, init?: RequestInit) =>
      get(app, s, path, {
        ...init,
        headers: {
          "x-csrf-token": s.csrf,
          "content-type": "application/json",
          origin: "http://localhost",
        },
      });

    await until(async () => {
      const r =
        await (await json("/api/history/consumer?id=OPS/orders/worker&field=num_pending&range=15m"))
          .json();
      return r.v?.some((v: number | null) => v === 5);
    }, "the consumer's lag in the chart data");
    const chart = await (await json("/api/history/stream?id=OPS/orders&field=last_seq&range=15m"))
      .json();
    assert.equal(chart.tier, "2s");
    assert.equal(chart.rate, true, "a counter is charted as a rate");
    assert.equal(chart.t.length, chart.v.length);
    const month = await (await json("/api/history/stream?id=OPS/orders&field=messages&range=30d"))
      .json();
    // 30 days read the 1 m tier, or while it is still empty (a young installation) the finer one.
    assert.ok(["1m", "2s"].includes(month.tier), month.tier);
    const csv = await json(
      "/api/history/consumer?id=OPS/orders/worker&field=num_pending&range=15m&format=csv",
    );
    assert.equal(csv.headers.get("content-type"), "text/csv; charset=utf-8");
    assert.match(
      csv.headers.get("content-disposition")!,
      /attachment; filename="consumer-OPS_orders_worker-num_pending-15m\.csv"/,
    );
    assert.match(await csv.text(), /^time,OPS\/orders\/worker num_pending\n\d{4}-.*Z,/);
    // The page says what each tier holds (and warns when HISTORY_MAX_MB is short of a tier).
    const pageData = await (await json("/api/history?kind=stream&range=15m")).json();
    assert.deepEqual(
      pageData.retention.map((r: { tier: string; keepS: number }) => [r.tier, r.keepS]),
      [["2s", 3600], ["1m", 7 * 86_400]],
    );
    assert.ok(pageData.retention[0].bytes > 0 && pageData.retention[0].maxBytes > 0);
    const ids = await (await json("/api/history/consumer/ids?range=15m")).json();
    assert.ok(ids.ids.includes("OPS/orders/worker"), ids.ids.join(", "));
    // A stream's own page draws its charts in its Metrics tab; its JSON twin carries them.
    const streamPage = await (await get(app, s, "/streams/OPS/orders")).text();
    assert.match(streamPage, /<section id="metrics">/);
    assert.ok(streamPage.includes("Throughput (messages stored)"), "the stream's charts");
    const twin = await (await json("/api/streams/OPS/orders")).json();
    assert.deepEqual(twin.metrics.map((m: { field: string }) => m.field), [
      "last_seq",
      "messages",
      "bytes",
      "max_bytes",
    ]);
    assert.ok(twin.metrics[1].initial.v.includes(5), "the stream's 5 messages in its chart");
    // Those reads left the stream points in the dashboard's cache; its live subscription on
    // the history subjects reads each new point into it without waiting for a chart to ask,
    // and what the charts get is what reading the stream gets.
    const metrics = d.services.history()!;
    const decoded = metrics.stats().cache.decoded;
    assert.ok(metrics.stats().cache.maxBytes > 0 && metrics.stats().cache.messages > 0);
    await until(
      () => metrics.stats().cache.decoded > decoded,
      "the live subscription to read a new stream point into the dashboard's cache",
    );
    const uncached = new HistoryStore(ops, { tiers: TIERS, maxBytes: 0 });
    const last = (await uncached.read("2s", "stream", 0)).at(-1)!.t;
    assert.deepEqual(
      await metrics.read("2s", "stream", 0, last + 1),
      await uncached.read("2s", "stream", 0, last + 1),
    );
    const bad = await json("/api/history/consumer?id=x&field=bogus");
    assert.equal(bad.status, 400);
    assert.match(
      (await bad.json()).error.message,
      /Invalid field "bogus" for consumer: expected one of delivered_stream_seq/,
    );
    assert.equal((await json("/api/history/planets?id=x&field=y")).status, 404);
    assert.equal((await json("/api/history/stream?id=x&field=bytes&range=2y")).status, 400);

    // Rules: the preview replays the last day of history; saving needs the CSRF token.
    const rule = { name: "Orders lag", type: "consumer_lag", threshold: 3, channels: ["webhook"] };
    const pv =
      await (await json("/api/alerts/preview", { method: "POST", body: JSON.stringify(rule) }))
        .json();
    assert.ok(pv.points > 0);
    assert.equal(pv.firings, 1);
    assert.equal(pv.transitions[0].target, "OPS/orders/worker");
    const noCsrf = await get(app, s, "/api/alerts/rules", {
      method: "POST",
      body: JSON.stringify({ id: "lag", ...rule }),
      headers: { "content-type": "application/json", origin: "http://localhost" },
    });
    assert.equal(noCsrf.status, 403);
    const saved = await json("/api/alerts/rules", {
      method: "POST",
      body: JSON.stringify({ id: "lag", ...rule }),
    });
    assert.equal(saved.status, 200);
    assert.equal((await saved.json()).severity, "warning");
    const invalid = await json("/api/alerts/rules", {
      method: "POST",
      body: JSON.stringify({ id: "lag", ...rule, threshold: "many" }),
    });
    assert.equal(invalid.status, 400);
    assert.match((await invalid.json()).error.message, /Invalid rule: threshold/);
    assert.equal((await (await json("/api/alerts/rules")).json()).rules.length, 1);

    // Acknowledge needs a firing alert: commit one as an evaluator would.
    const store = await AlertStore.open(ops);
    const [r] = await store.rules();
    await store.commit(r!, {
      ruleId: "lag",
      target: "OPS/orders/worker",
      to: "firing",
      at: Date.now(),
      value: 5,
      threshold: 3,
      severity: "warning",
    });
    const alerts = await (await json("/api/alerts")).json();
    assert.equal(alerts.firing, 1);
    const acked = await json("/api/alerts/ack", {
      method: "POST",
      body: JSON.stringify({ ruleId: "lag", target: "OPS/orders/worker", comment: "on it" }),
    });
    assert.equal((await acked.json()).ack.by, "admin");
    const silence = await (await json("/api/alerts/silences", {
      method: "POST",
      body: JSON.stringify({ ruleId: "lag", until: new Date(Date.now() + 3600_000).toISOString() }),
    })).json();
    assert.equal(silence.by, "admin");
    assert.equal((await (await json("/api/alerts")).json()).silences.length, 1);
    const history = await (await json("/api/alerts/history")).json();
    assert.deepEqual(history.items.map((i: { type: string }) => i.type), [
      "event",
      "ack",
      "silence",
    ]);
  } finally {
    await d[Symbol.asyncDispose]();
    await collector.close();
    await sysNc.close();
    await ops.close();
  }
});
