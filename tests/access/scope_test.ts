/**
 * An account-scoped user sees and changes only its accounts' connections, streams, KV, units
 * and alerts: pages, /api, the live stream and search alike. The data is filtered where it is
 * read, so the JSON twin answers exactly what the page draws. And nobody, admin included,
 * reaches nunect's own state in OPS through the JetStream console.
 *
 * @module
 */
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { ruleSchema } from "../../mods/alerts/rules.ts";
import { alertsInScope, type AlertsView } from "../../mods/dashboard/mod.ts";
import { startNats, until } from "../_kit/mod.ts";
import { get, login, openStream, testDashboard } from "../dashboard/_harness.ts";
import { post, userSession } from "./_access.ts";

const json = async (res: Response) => {
  assert.equal(res.status, 200, `${res.url}: ${res.status}`);
  return await res.json();
};

Deno.test("scope: a BRIDGE operator sees and changes only BRIDGE, in pages, /api, SSE and search", async (t) => {
  await using ns = await startNats();
  // The units history would take all of the kit's file storage: the fixtures need some.
  await using d = await testDashboard(ns, { TELEMETRY_HISTORY_MAX_MB: "32" });
  const admin = await login(d.app);
  const bea = await userSession(d.app, admin, "bea", "operator", ["BRIDGE"]);

  // Each account has a stream and a bucket, and a client connected.
  const clients = [];
  for (const account of ["OPS", "BRIDGE"]) {
    const creds = account === "OPS" ? ns.users.ops.nats : (await ns.console(account)).nats;
    const nc = await connect({ servers: ns.url, ...creds, name: `client-of-${account}` });
    clients.push(nc);
    await (await jetstreamManager(nc)).streams.add({
      name: `ORDERS_${account}`,
      subjects: [`orders.${account}.>`],
    });
    await new Kvm(nc).create(`cfg_${account}`);
  }
  try {
    await t.step(
      "lists hold BRIDGE's streams, buckets, connections and accounts only",
      async () => {
        const streams = await json(await get(d.app, bea, "/api/streams"));
        assert.deepEqual(streams.streams.map((s: { name: string }) => s.name).sort(), [
          "KV_cfg_BRIDGE",
          "ORDERS_BRIDGE",
        ]);
        assert.deepEqual(streams.accounts, ["BRIDGE"]);
        const kv = await json(await get(d.app, bea, "/api/kv"));
        assert.deepEqual(kv.buckets.map((b: { bucket: string }) => b.bucket), ["cfg_BRIDGE"]);
        const connz = await json(await get(d.app, bea, "/api/connz"));
        assert.ok(connz.connections.length >= 1);
        // nats-server's own answer, relayed: operator mode names the account by its key.
        assert.ok(
          connz.connections.every((c: { account: string }) => c.account === ns.accounts.BRIDGE),
        );
        const accounts = await json(await get(d.app, bea, "/api/accounts"));
        assert.deepEqual(accounts.accounts.map((a: { name: string }) => a.name), ["BRIDGE"]);
        const page = await (await get(d.app, bea, "/streams")).text();
        assert.ok(page.includes("ORDERS_BRIDGE") && !page.includes("ORDERS_OPS"));
        // The admin sees both.
        const all = await json(await get(d.app, admin, "/api/streams"));
        assert.ok(all.streams.some((s: { name: string }) => s.name === "ORDERS_OPS"));
      },
    );

    await t.step(
      "another account's connection, account, stream and search are refused",
      async () => {
        const opsConn = (await json(await get(d.app, admin, "/api/connz?acc=OPS"))).connections[0];
        assert.equal((await get(d.app, bea, `/api/connz/${opsConn.cid}`)).status, 404);
        assert.equal((await get(d.app, bea, "/api/connz?acc=OPS")).status, 404);
        const kick = await post(d.app, bea, `/api/connections/${opsConn.cid}/kick`);
        assert.equal(kick.status, 404, "an OPS client cannot be kicked");
        assert.equal((await get(d.app, bea, "/api/accounts/OPS")).status, 404);
        for (
          const path of [
            "/api/streams/OPS/ORDERS_OPS",
            "/api/streams/OPS/ORDERS_OPS/search?text=x",
            "/api/kv/OPS/cfg_OPS/keys",
          ]
        ) {
          assert.equal((await get(d.app, bea, path)).status, 403, path);
        }
        const purge = await post(d.app, bea, "/api/streams/OPS/ORDERS_OPS/purge");
        assert.equal(purge.status, 403);
        // Its own account works.
        assert.equal(
          (await get(d.app, bea, "/api/streams/BRIDGE/ORDERS_BRIDGE/search?text=x")).status,
          200,
        );
        const put = await post(d.app, bea, "/api/kv/BRIDGE/cfg_BRIDGE/put?key=a", { value: "1" });
        assert.equal(put.status, 200, await put.text());
      },
    );

    await t.step("units: the OPS units are not a BRIDGE operator's", async () => {
      await until(
        async () => (await json(await get(d.app, admin, "/api/units"))).total > 0,
        "the dashboard's own unit in the table",
      );
      const mine = await json(await get(d.app, bea, "/api/units"));
      assert.equal(mine.total, 0);
      const unit = (await json(await get(d.app, admin, "/api/units"))).units[0].unitId;
      assert.equal((await get(d.app, bea, `/api/units/${unit}`)).status, 404);
      assert.equal((await post(d.app, bea, `/api/units/${unit}/forget`)).status, 404);
    });

    await t.step(
      "the live stream carries BRIDGE's activity and units only, and no server-wide topic",
      async () => {
        assert.equal(
          (await get(d.app, bea, "/api/events?topics=overview")).status,
          403,
          "server-wide topics are refused",
        );
        await using mine = await openStream(d.app, bea, "topics=activity");
        await using all = await openStream(d.app, admin, "topics=activity");
        const ops = await connect({ servers: ns.url, ...ns.users.ops.nats, name: "ops-late" });
        const bridge = await connect({
          servers: ns.url,
          ...(await ns.console("BRIDGE")).nats,
          name: "bridge-late",
        });
        await ops.close();
        await bridge.close();
        await all.next((e) => e.data.includes("ops-late"), "the admin sees the OPS connect");
        // The OPS client came and went first: the BRIDGE operator's first "-late" is BRIDGE's.
        const seen = await mine.next(
          (e) => e.data.includes("-late"),
          "the BRIDGE operator sees the BRIDGE connect",
        );
        assert.match(seen.data, /bridge-late/);
        assert.equal(JSON.parse(seen.data).account, "BRIDGE");
      },
    );

    await t.step(
      "every page follows alerts: the BRIDGE operator's stream carries them, scoped",
      async () => {
        // Each page's islands follow `alerts` (the header's badge): refused, no page would live.
        await using mine = await openStream(d.app, bea, "topics=units,alerts");
        const first = await mine.next((e) => e.event === "alerts", "the alerts snapshot");
        const view = JSON.parse(first.data) as AlertsView;
        assert.deepEqual([view.silences, view.rules], [[], []]);
        const page = await (await get(d.app, bea, "/units")).text();
        assert.match(page, /data-live="units,alerts"/, "the page follows what the stream allows");
      },
    );
  } finally {
    for (const nc of clients) await nc.close();
  }
});

Deno.test("scope: nunect's own users, tokens, sessions and audit trail are out of the console's reach, admin or not", async () => {
  await using ns = await startNats();
  await using d = await testDashboard(ns);
  const admin = await login(d.app);
  const kv = await json(await get(d.app, admin, "/api/kv"));
  const buckets = kv.buckets.map((b: { bucket: string }) => b.bucket);
  for (const own of ["nunect_users", "nunect_tokens", "nunect_sessions", "nunect_unit_keys"]) {
    assert.ok(!buckets.includes(own), own);
  }
  const streams = await json(await get(d.app, admin, "/api/streams"));
  const names = streams.streams.map((s: { name: string }) => s.name);
  for (const own of ["KV_nunect_users", "KV_nunect_tokens", "KV_nunect_sessions", "nunect_audit"]) {
    assert.ok(!names.includes(own), own);
  }
  for (
    const path of [
      "/api/kv/OPS/nunect_users/keys",
      "/api/kv/OPS/nunect_users/entry?key=admin",
      "/api/streams/OPS/KV_nunect_users/messages",
      "/api/streams/OPS/KV_nunect_tokens/messages/1",
      "/api/streams/OPS/nunect_audit",
    ]
  ) {
    const res = await get(d.app, admin, path);
    assert.equal(res.status, 403, path);
    assert.match(await res.text(), /nunect's own/);
  }
  for (
    const [path, body] of [
      ["/api/streams/OPS/nunect_audit/delete", {}],
      ["/api/streams/OPS/nunect_audit/edit", { max_age: "1s" }],
      ["/api/kv/OPS/nunect_users/put?key=admin", { value: "{}" }],
      ["/api/publish/OPS", { subject: "nunect.audit.users.create", payload: "{}" }],
      ["/api/request/OPS", { subject: "nunect.audit.x", payload: "{}" }],
    ] as const
  ) {
    const res = await post(d.app, admin, path, body);
    assert.equal(res.status, 403, path);
  }
  // A tenant account has no such names: BRIDGE's own "nunect.audit.x" is its business.
  const res = await post(d.app, admin, "/api/publish/BRIDGE", {
    subject: "nunect.audit.x",
    payload: "{}",
  });
  assert.equal(res.status, 200, await res.text());
});

Deno.test("scope: an account-scoped user's alerts view holds its accounts' alerts only", () => {
  const rule = (id: string, type: string, scope = "server") =>
    ruleSchema.parse({ id, name: id, type, threshold: 1, scope });
  const state = (ruleId: string, target: string, status: "firing" | "resolved" = "firing") => ({
    ruleId,
    target,
    status,
    episode: 1,
    severity: "warning",
    since: "2026-01-01T00:00:00Z",
    resolvedAt: null,
    value: 2,
    ack: null,
    outbox: [],
  });
  const view: AlertsView = {
    available: true,
    firing: 5,
    states: [
      state("lag", "BRIDGE/ORDERS/c1"),
      state("lag", "OPS/ORDERS/c1"),
      state("hb", "BRIDGE.router-1"),
      state("hb", "router-2"),
      state("health", "n1"),
      state("lag", "BRIDGE/ORDERS/c2", "resolved"),
    ],
    silences: [{
      id: "s",
      ruleId: "*",
      target: "*",
      until: "2027-01-01T00:00:00Z",
      by: "a",
      comment: "",
    }],
    rules: [
      rule("lag", "consumer_lag"),
      rule("hb", "unit_heartbeat"),
      rule("health", "server_health"),
    ],
  };
  assert.equal(alertsInScope(view, null), view, "unscoped: everything, the same object");
  const bridge = alertsInScope(view, ["BRIDGE"]);
  assert.deepEqual(bridge.states.map((a) => a.target), [
    "BRIDGE/ORDERS/c1",
    "BRIDGE.router-1",
    "BRIDGE/ORDERS/c2",
  ]);
  assert.equal(bridge.firing, 2, "the badge counts BRIDGE's firing alerts");
  assert.deepEqual([bridge.silences, bridge.rules], [[], []], "both span accounts");
  // A unit without a tenant prefix reports in OPS; server alerts are nobody's account.
  assert.deepEqual(alertsInScope(view, ["OPS"]).states.map((a) => a.target), [
    "OPS/ORDERS/c1",
    "router-2",
  ]);
});
