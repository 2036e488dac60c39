import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { headers as natsHeaders } from "@nats-io/nats-core";
import { startNats, until } from "../_kit/mod.ts";
import { get, heartbeatJson, login, testDashboard } from "./_harness.ts";

Deno.test("units: heartbeats and RTT appear; malformed telemetry is counted and dropped", async () => {
  await using ns = await startNats();
  await using d = await testDashboard(ns);
  const s = await login(d.app);
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  const h = natsHeaders();
  h.set("X-Unit-ID", "unit-a");
  const hb = {
    unitId: "unit-a",
    seq: 0,
    ts: Date.now(),
    uptimeS: 1,
    version: "1.0.0",
    host: "router-a",
    kind: "guardian",
    clock: { source: "ptp", quality: "locked" },
  };
  nc.publish("ops.heartbeat.unit-a", JSON.stringify(hb), { headers: h });
  nc.publish(
    "ops.metric.rtt.unit-a",
    JSON.stringify({
      unitId: "unit-a",
      seq: 0,
      ts: Date.now(),
      target: "x",
      nativeRttUs: 120_000,
      appRttUs: 300_000,
    }),
  );
  // Malformed: not JSON, wrong schema, payload unit differs from the subject's.
  nc.publish("ops.heartbeat.unit-b", "not json");
  nc.publish("ops.heartbeat.unit-c", JSON.stringify({ unitId: "unit-c", seq: -1 }));
  nc.publish("ops.metric.rtt.unit-d", JSON.stringify({ ...hb, unitId: "unit-a" }));
  await nc.flush();

  let view = await (await get(d.app, s, "/api/units")).json();
  await until(async () => {
    view = await (await get(d.app, s, "/api/units")).json();
    return view.stats.droppedTotal >= 3 &&
      view.units.some((u: { unitId: string; rtt: unknown }) => u.unitId === "unit-a" && u.rtt);
  }, "unit-a with its RTT, and three malformed messages dropped");
  const ids = view.units.map((u: { unitId: string }) => u.unitId);
  assert.ok(ids.includes("unit-a"));
  for (const bad of ["unit-b", "unit-c", "unit-d"]) {
    assert.ok(!ids.includes(bad), `${bad} was dropped`);
  }
  assert.ok(view.stats.dropped.json >= 1);
  assert.ok(view.stats.dropped.schema >= 1);

  // The page colours RTT by level: 120 ms yellow, 300 ms red.
  const html = await (await get(d.app, s, "/units")).text();
  assert.match(html, /data-unit="unit-a"[\s\S]*?rtt-cell warn">120\.0 ms/);
  assert.match(html, /rtt-cell bad">300\.0 ms/);
  assert.match(html, /badge good">locked/);
  assert.match(html, /· 3 malformed dropped/);

  // Forget is a CSRF-protected POST.
  const res = await get(d.app, s, "/api/units/unit-a/forget", {
    method: "POST",
    headers: { origin: "http://localhost", "x-csrf-token": s.csrf },
  });
  assert.equal(res.status, 200);
  const after = await (await get(d.app, s, "/api/units")).json();
  assert.ok(!after.units.some((u: { unitId: string }) => u.unitId === "unit-a"));
  // A unit key is a unit ID, or an account name, a dot and a unit ID.
  for (
    const [key, message] of [
      ["a.b", /Invalid unit key "a.b": expected <unit> or <ACCOUNT>.<unit>/],
      ["BRIDGE.a b", /Invalid unit ID "a b"/],
    ] as const
  ) {
    const invalid = await get(d.app, s, `/api/units/${encodeURIComponent(key)}/forget`, {
      method: "POST",
      headers: { origin: "http://localhost", "x-csrf-token": s.csrf },
    });
    assert.equal(invalid.status, 400, key);
    assert.match((await invalid.json()).error.message, message);
  }
  await nc.close();
});

Deno.test("units: a unit that stops sending is marked stale", async () => {
  await using ns = await startNats();
  await using d = await testDashboard(ns);
  const s = await login(d.app);
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  for (let seq = 0; seq < 3; seq++) {
    nc.publish("ops.heartbeat.unit-s", heartbeatJson("unit-s", seq));
    await nc.flush();
    await new Promise((r) => setTimeout(r, 100));
  }
  await nc.close();
  await until(
    async () => (await (await get(d.app, s, "/api/units/unit-s")).json()).stale === true,
    "unit-s marked stale",
  );
  const html = await (await get(d.app, s, "/units")).text();
  assert.match(html, /<tr class="stale" data-unit="unit-s">/);
  assert.ok(html.includes(">Forget<"));
});

Deno.test("units: /api/units and the page are paged, sorted and filtered on the server", async () => {
  await using ns = await startNats();
  await using d = await testDashboard(ns);
  const s = await login(d.app);
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    for (let i = 0; i < 150; i++) {
      const unitId = `page-${String(i).padStart(3, "0")}`;
      nc.publish(
        `ops.heartbeat.${unitId}`,
        JSON.stringify({
          unitId,
          seq: 1,
          ts: Date.now(),
          uptimeS: 1,
          version: "1",
          host: i % 10 === 0 ? "tenth.lan" : "other.lan",
          kind: "guardian",
          clock: { source: "ntp", quality: "locked" },
        }),
      );
    }
    await nc.flush();
    await until(() => d.units.stats().units >= 150, "150 units");
    const first = await (await get(d.app, s, "/api/units")).json();
    assert.equal(first.units.length, 100);
    assert.ok(first.total >= 150);
    assert.deepEqual(first.query, { offset: 0, limit: 100, sort: "unit", dir: "asc", q: "" });
    const page = await (await get(d.app, s, "/api/units?offset=100&limit=20&sort=unit&dir=desc"))
      .json();
    assert.equal(page.units.length, 20);
    assert.ok(page.units[0].unitId > page.units[19].unitId);
    const tenth = await (await get(d.app, s, "/api/units?q=TENTH")).json();
    assert.equal(tenth.total, 15);
    const bad = await get(d.app, s, "/api/units?sort=bogus");
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error.message, /^Invalid sort "bogus": expected one of unit, /);
    const tooMany = await get(d.app, s, "/api/units?limit=5000");
    assert.equal(tooMany.status, 400);
    assert.match((await tooMany.json()).error.message, /^Invalid limit "5000": expected a whole/);
    const html = await (await get(d.app, s, "/units?limit=10&sort=seen&dir=desc")).text();
    assert.match(html, /1–10 of \d+ units/);
    assert.match(html, /href="\/units\?offset=10&amp;limit=10&amp;sort=seen&amp;dir=desc"/);
  } finally {
    await nc.close();
  }
});
