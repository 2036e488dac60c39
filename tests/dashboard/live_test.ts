import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import type { UnitsDelta, UnitsReset } from "../../mods/dashboard/mod.ts";
import { subjects } from "../../mods/protocol/mod.ts";
import { startNats, until } from "../_kit/mod.ts";
import { get, heartbeatJson, login, openStream, testDashboard } from "./_harness.ts";

Deno.test("live: a CONNECT reaches the activity stream, a DISCONNECT /api/activity", async () => {
  await using ns = await startNats();
  await using d = await testDashboard(ns);
  const s = await login(d.app);
  await using stream = await openStream(d.app, s, "topics=activity");
  const name = `sse-probe-${crypto.randomUUID().slice(0, 8)}`;
  const tenant = await ns.console("BRIDGE");
  const nc = await connect({ servers: ns.url, ...tenant.nats, name });
  const hit = await stream.next(
    (e) => e.event === "activity" && e.data.includes(`"${name}"`) && e.data.includes('"connect"'),
    `the CONNECT of ${name}`,
  );
  const e = JSON.parse(hit.data);
  assert.equal(e.account, "BRIDGE");
  assert.equal(e.user, tenant.publicKey);
  assert.equal(e.userName, "console-test");
  assert.match(hit.id, new RegExp(`^${d.services.live.epoch}-\\d+$`), "ID: <epoch>-<seq>");

  nc.publish("ops.heartbeat.x", "hello");
  await nc.flush();
  await nc.close();
  let found: Record<string, unknown> | undefined;
  await until(async () => {
    const body = await (await get(d.app, s, "/api/activity")).json();
    found = body.events.find((e: { name: string; kind: string }) =>
      e.name === name && e.kind === "disconnect"
    );
    return found !== undefined;
  }, `the DISCONNECT of ${name} in /api/activity`);
  assert.equal(found!.account, "BRIDGE");
  assert.ok(typeof found!.reason === "string" && found!.reason.length > 0);
  assert.ok((found!.inBytes as number) > 0);
});

Deno.test("live: Last-Event-ID resumes with exactly what the browser missed", async () => {
  await using ns = await startNats();
  await using d = await testDashboard(ns);
  const s = await login(d.app);
  let resumeAt: string;
  {
    await using first = await openStream(d.app, s, "topics=activity");
    const c = await connect({
      servers: ns.url,
      ...(await ns.console("ENGINE")).nats,
      name: "before-gap",
    });
    await first.next((e) => e.data.includes('"before-gap"'), "the first CONNECT");
    resumeAt = first.lastId;
    await c.close();
  }
  // While the browser is away: a disconnect and a connect it must not miss.
  const name = `missed-${crypto.randomUUID().slice(0, 8)}`;
  const nc = await connect({ servers: ns.url, ...(await ns.console("BRIDGE")).nats, name });
  await until(
    () => d.sys.recent().some((e) => e.name === name),
    `the CONNECT of ${name} at the dashboard`,
  );
  await using again = await openStream(d.app, s, "topics=activity", { "last-event-id": resumeAt });
  const gone = await again.next((e) => e.data.includes('"before-gap"'), "the missed DISCONNECT");
  assert.equal(JSON.parse(gone.data).kind, "disconnect");
  const missed = await again.next((e) => e.data.includes(name), "the missed CONNECT");
  assert.equal(JSON.parse(missed.data).kind, "connect");
  assert.ok(Number(missed.id.split("-")[1]) > Number(resumeAt.split("-")[1]));
  await nc.close();
});

Deno.test("live: an event ID from before a restart gets a snapshot, then live events", async () => {
  await using ns = await startNats();
  await using d = await testDashboard(ns);
  const s = await login(d.app);
  // The ID a browser kept from the previous run of the dashboard (or from another instance).
  for (const stale of ["500", "k3x9f2-500", `${d.services.live.epoch}-999999`]) {
    await using stream = await openStream(d.app, s, "topics=activity,units", {
      "last-event-id": stale,
    });
    const reset = await stream.next((e) => e.event === "units", `a units snapshot (${stale})`);
    assert.equal((JSON.parse(reset.data) as UnitsReset).reset, true);
    const name = `after-restart-${crypto.randomUUID().slice(0, 6)}`;
    const nc = await connect({ servers: ns.url, ...(await ns.console("BRIDGE")).nats, name });
    await stream.next((e) => e.event === "activity" && e.data.includes(name), `live ${name}`);
    await nc.close();
  }
  assert.equal(d.services.live.stats().snapshots, 3);
});

Deno.test("live: units arrive as a snapshot, then as deltas of the units that changed", async () => {
  await using ns = await startNats();
  await using d = await testDashboard(ns);
  const s = await login(d.app);
  // One OPS connection sends the telemetry of several units: the registry is under test here.
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  {
    // unit-old's own delta goes out first: a snapshot taken while it is still pending (the feed
    // batches for up to a second) would see it repeated in the next delta, beside unit-new.
    await using early = await openStream(d.app, s, "topics=units");
    await early.next((e) => e.event === "units", "the first snapshot");
    nc.publish(subjects.heartbeat("unit-old"), heartbeatJson("unit-old", 1));
    await early.next(
      (e) =>
        e.event === "units" && !("reset" in JSON.parse(e.data)) && e.data.includes('"unit-old"'),
      "the delta with unit-old",
    );
  }
  await using stream = await openStream(d.app, s, "topics=units");
  const first = JSON.parse((await stream.next((e) => e.event === "units", "a snapshot")).data);
  assert.equal(first.reset, true);
  assert.deepEqual(first.units.map((u: { unitId: string }) => u.unitId).includes("unit-old"), true);
  nc.publish(subjects.heartbeat("unit-new"), heartbeatJson("unit-new", 1));
  const delta = await stream.next(
    (e) => e.event === "units" && e.data.includes('"unit-new"'),
    "a delta with unit-new",
  );
  const body = JSON.parse(delta.data) as UnitsDelta;
  assert.ok(!("reset" in body));
  assert.ok(body.changed.some((u) => u.unitId === "unit-new"));
  assert.ok(!body.changed.some((u) => u.unitId === "unit-old"), "only what changed");
  await d.units.forget("unit-new");
  const removed = await stream.next(
    (e) => e.event === "units" && (JSON.parse(e.data) as UnitsDelta).removed?.includes("unit-new"),
    "a delta removing unit-new",
  );
  assert.ok(removed);
  await nc.close();
});

Deno.test("live: the Overview's figures follow a new connection without polling", async () => {
  await using ns = await startNats();
  // Sampling every minute: only the connect itself can make the figures move within the test.
  await using d = await testDashboard(ns, {}, { sampleMs: 60_000 });
  const s = await login(d.app);
  await using stream = await openStream(d.app, s, "topics=overview,rates");
  const first = await stream.next(
    (e) => e.event === "overview" && JSON.parse(e.data).summary !== null,
    "the first overview",
  );
  const before = JSON.parse(first.data).summary.connections as number;
  const rates = await stream.next((e) => e.event === "rates", "the rate history");
  assert.equal(JSON.parse(rates.data).reset, true);
  const nc = await connect({
    servers: ns.url,
    ...(await ns.console("ENGINE")).nats,
    name: "moves-the-count",
  });
  await stream.next(
    (e) => e.event === "overview" && JSON.parse(e.data).summary?.connections === before + 1,
    `an overview with ${before + 1} connections`,
  );
  await nc.close();
});

Deno.test("live: fifty open tabs cost the monitoring endpoints what one tab costs", async () => {
  await using ns = await startNats();
  // nats-server counts the requests to each monitoring endpoint itself.
  const served = async () => {
    const varz = await (await fetch(`${ns.monitorUrl}/varz`)).json();
    const stats = varz.http_req_stats as Record<string, number>;
    return (stats["/varz"] ?? 0) + (stats["/healthz"] ?? 0) + (stats["/jsz"] ?? 0);
  };
  const cost = async (tabs: number) => {
    // A fresh dashboard each time, sampling once a minute: every request counted is caused by
    // the tabs opening (the periodic cost is one timer, whatever the number of tabs).
    await using d = await testDashboard(ns, {}, { sampleMs: 60_000 });
    const before = await served();
    const s = await login(d.app);
    // Each tab loads the Overview and opens its live stream.
    const pages = await Promise.all(Array.from({ length: tabs }, () => get(d.app, s, "/")));
    assert.ok(pages.every((p) => p.status === 200));
    await Promise.all(pages.map((p) => p.body?.cancel()));
    const streams = await Promise.all(
      Array.from({ length: tabs }, () => openStream(d.app, s, "topics=overview,rates")),
    );
    await Promise.all(
      streams.map((st) => st.next((e) => e.event === "overview", "the overview figures")),
    );
    await Promise.all(streams.map((st) => st[Symbol.asyncDispose]()));
    // Minus the /varz of this count itself.
    return await served() - before - 1;
  };
  const one = await cost(1);
  const fifty = await cost(50);
  assert.ok(one >= 3, `one tab reads varz, healthz and jsz (${one})`);
  assert.ok(fifty <= 1.2 * one, `fifty tabs: ${fifty} requests, one tab: ${one}`);
});
