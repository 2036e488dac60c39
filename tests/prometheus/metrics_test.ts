import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { AlertStore } from "../../mods/alerts/mod.ts";
import { connect as connectUnit } from "../../mods/client/mod.ts";
import {
  type NatsServer,
  PROJECT_DIR,
  startExporter,
  startNats,
  startPrometheus,
  until,
} from "../_kit/mod.ts";
import { testDashboard } from "../dashboard/_harness.ts";

const TOKEN = "scrape-token-0123456789";

function dashboard(ns: NatsServer, metrics: { token: string; open: boolean; prefix?: string }) {
  return testDashboard(ns, {
    METRICS_TOKEN: metrics.token,
    METRICS_OPEN: String(metrics.open),
    METRICS_PREFIX: metrics.prefix ?? "",
  });
}

/** A stream with a lagging consumer and the alerts buckets, so every family has series. */
async function populate(ns: NatsServer): Promise<void> {
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: "orders", subjects: ["orders.>"], max_bytes: 1 << 20 });
  await jsm.consumers.add("orders", { durable_name: "worker", ack_policy: AckPolicy.Explicit });
  for (let i = 0; i < 3; i++) await jetstream(nc).publish("orders.new", "x");
  await AlertStore.open(nc); // the alerts program's buckets, so nunect_alerts_firing is known
  await nc.close();
}

/** A unit's RTT and clock, as its guardian publishes them (signed with its own user's key). */
async function unitTelemetry(ns: NatsServer): Promise<void> {
  await using unit = await connectUnit({
    servers: ns.url,
    ...(await ns.unit("router-7", { role: "guardian" })).client,
  });
  const ts = Date.now();
  unit.publish("ops.metric.rtt.router-7", {
    unitId: "router-7",
    seq: 1,
    ts,
    target: "router-7",
    nativeRttUs: 700,
    appRttUs: 900,
  });
  unit.publish("ops.metric.time.router-7", {
    unitId: "router-7",
    ts,
    source: "ptp",
    quality: "locked",
    offsetNs: 250,
    freqPpm: null,
    ptp: null,
    ntp: null,
  });
  await unit.nc.flush();
}

Deno.test("/metrics: off without a token, 401 without or with a wrong bearer token, open when configured", async () => {
  await using ns = await startNats();
  {
    await using d = await dashboard(ns, { token: "", open: false });
    const res = await d.app.request("/metrics");
    assert.equal(res.status, 404);
    assert.match(await res.text(), /set METRICS_TOKEN \(or METRICS_OPEN=true\) in \.env/);
  }
  {
    await using d = await dashboard(ns, { token: TOKEN, open: false });
    for (
      const auth of [undefined, "Bearer wrong-token-0123456789", `Basic ${btoa(`admin:${TOKEN}`)}`]
    ) {
      const res = await d.app.request("/metrics", { headers: auth ? { authorization: auth } : {} });
      assert.equal(res.status, 401, String(auth));
      assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="nunect metrics"');
      assert.doesNotMatch(await res.text(), /gnatsd_/);
    }
    const ok = await d.app.request("/metrics", { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    assert.match(
      await ok.text(),
      /^gnatsd_varz_connections\{server_id="http:\/\/127\.0\.0\.1:\d+"\} \d+$/m,
    );
  }
  {
    await using d = await dashboard(ns, { token: "", open: true, prefix: "nats" });
    const res = await d.app.request("/metrics");
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /^nats_varz_connections\{/m);
    assert.match(text, /^nats_server_total_streams\{/m, "-prefix replaces jetstream_ too");
    assert.doesNotMatch(text, /^(gnatsd|jetstream)_/m);
  }
});

Deno.test("/metrics scraped by a real Prometheus: exporter series, units, alerts; the Grafana dashboard names only exported series", async () => {
  await using ns = await startNats();
  await populate(ns);
  await using d = await dashboard(ns, { token: TOKEN, open: false });
  await unitTelemetry(ns);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, d.app.fetch);
  try {
    await using prom = await startPrometheus({
      target: `http://127.0.0.1:${server.addr.port}/metrics`,
      token: TOKEN,
    });
    await until(
      async () => (await prom.query('nunect_unit_rtt_seconds{kind="app"}')).length > 0,
      "Prometheus to have the units",
      20_000,
    ).catch(async (e) => {
      throw new Error(`${e.message}; target: ${JSON.stringify(await prom.target())}`);
    });
    assert.equal((await prom.target()).health, "up");
    const [lag] = await prom.query(
      'jetstream_consumer_num_pending{stream_name="orders",consumer_name="worker"}',
    );
    assert.equal(lag?.value, 3);
    assert.equal(lag?.metric.account, "OPS");
    assert.equal(lag?.metric.is_stream_leader, "true");
    const [health] = await prom.query("gnatsd_healthz_status");
    assert.equal(health?.value, 0);
    assert.match(health!.metric.server_id!, /^http:\/\/127\.0\.0\.1:\d+$/);
    const rtt = await prom.query(`nunect_unit_rtt_seconds{unit="router-7"}`);
    assert.deepEqual(
      rtt.map((r) => [r.metric.unit, r.metric.kind, r.value]).sort(),
      [["router-7", "app", 0.0009], ["router-7", "native", 0.0007]],
    );
    assert.equal((await prom.query(`nunect_unit_clock_quality{unit="router-7"}`))[0]?.value, 3);
    assert.equal(
      (await prom.query(`nunect_unit_clock_offset_seconds{unit="router-7"}`))[0]?.value,
      250e-9,
    );
    assert.equal((await prom.query("sum(nunect_alerts_firing)"))[0]?.value, 0);
    assert.ok((await prom.query("gnatsd_accstatz_current_connections")).length > 0);
    assert.ok((await prom.query("process_resident_memory_bytes"))[0]!.value > 0);

    // Every series a Grafana panel or variable queries is one /metrics exports.
    const scrape =
      await (await d.app.request("/metrics", { headers: { authorization: `Bearer ${TOKEN}` } }))
        .text();
    const exported = new Set([...scrape.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!));
    const grafana = JSON.parse(
      await Deno.readTextFile(`${PROJECT_DIR}/config/grafana/nunect.json`),
    );
    const queries: string[] = [
      ...grafana.panels.flatMap((p: { targets: { expr: string }[] }) =>
        p.targets.map((t) => t.expr)
      ),
      ...grafana.templating.list.filter((v: { type: string }) => v.type === "query").map((
        v: { query: string },
      ) => v.query),
    ];
    assert.ok(queries.length >= 20);
    const KEYWORDS = new Set([
      "rate",
      "increase",
      "sum",
      "max",
      "by",
      "count",
      "label_values",
      "server_id",
      "without",
      "on",
    ]);
    for (const q of queries) {
      const names = [
        ...q.replace(/\{[^}]*\}/g, "").replace(/\[[^\]]*\]/g, "").matchAll(
          /[a-zA-Z_:][a-zA-Z0-9_:]*/g,
        ),
      ]
        .map((m) => m[0])
        .filter((n) =>
          !KEYWORDS.has(n) && !/^(account|stream_name|consumer_name|severity|unit)$/.test(n)
        );
      assert.ok(names.length > 0, q);
      for (const n of names) {
        assert.ok(
          exported.has(n),
          `Grafana queries "${n}" (in ${q}), which /metrics does not export`,
        );
      }
    }
  } finally {
    await server.shutdown();
  }
});

Deno.test("/metrics has prometheus-nats-exporter v0.20.1's names with exactly its labels", async () => {
  await using ns = await startNats();
  await populate(ns);
  await using d = await dashboard(ns, { token: "", open: true });
  const text = await (await d.app.request("/metrics")).text();
  const labelsOf = new Map<string, Set<string>>();
  for (const m of text.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\} /gm)) {
    const keys = [...m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)].map((k) => k[1]!).sort();
    labelsOf.set(m[1]!, new Set([...(labelsOf.get(m[1]!) ?? []), keys.join(" ")]));
  }
  const fixture = await Deno.readTextFile(
    `${PROJECT_DIR}/tests/prometheus/fixtures/exporter_v0.20.1.txt`,
  );
  const lines = fixture.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
  assert.ok(lines.length >= 45, `${lines.length} lines`);
  for (const line of lines) {
    const [name, ...labels] = line.split(" ");
    const got = labelsOf.get(name!);
    assert.ok(got, `/metrics lacks the exporter's ${name}`);
    assert.deepEqual([...got], [labels.sort().join(" ")], `labels of ${name}`);
  }
});

/** Metric name to the label-name sets its samples carry, from a text-format scrape. */
function families(text: string, prefix: RegExp): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const m of text.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? /gm)) {
    if (!prefix.test(m[1]!)) continue;
    const keys = [...(m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)].map((k) => k[1]!).sort();
    out.set(m[1]!, new Set([...(out.get(m[1]!) ?? []), keys.join(" ")]));
  }
  return out;
}

Deno.test("/metrics against the real prometheus-nats-exporter v0.20.1 on the same server: every family it exports, with the same labels and server_id", async () => {
  await using ns = await startNats();
  await populate(ns);
  await using exporter = await startExporter(ns.monitorUrl);
  {
    let theirs = "";
    await until(
      async () => {
        theirs = await (await fetch(exporter.url)).text();
        return theirs.includes("jetstream_consumer_num_pending");
      },
      "the exporter's first scrape with JetStream",
      20_000,
    );
    await using d = await dashboard(ns, { token: "", open: true });
    const ours = await (await d.app.request("/metrics")).text();
    const prefix = /^(gnatsd|jetstream)_/;
    const want = families(theirs, prefix);
    const got = families(ours, prefix);
    assert.ok(want.size > 100, `the exporter exported ${want.size} families`);
    const missing = [...want.keys()].filter((n) => !got.has(n));
    assert.deepEqual(missing, [], "families the exporter has and /metrics lacks");
    for (const [name, labels] of want) {
      assert.deepEqual([...got.get(name)!].sort(), [...labels].sort(), `labels of ${name}`);
    }
    // The same server_id: the monitoring URL the exporter was given.
    const id = /^gnatsd_varz_connections\{server_id="([^"]+)"\}/m;
    assert.equal(id.exec(ours)?.[1], id.exec(theirs)?.[1]);
    assert.equal(id.exec(ours)?.[1], ns.monitorUrl);
  }
});
