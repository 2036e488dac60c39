import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { startNats, until } from "../_kit/mod.ts";
import {
  MonitorClient,
  MonitorResponseError,
  MonitorTimeoutError,
  MonitorUnreachableError,
} from "../../mods/monitor/mod.ts";

Deno.test("MonitorClient reads every endpoint of the real server with its options", async (t) => {
  await using ns = await startNats();
  const mon = new MonitorClient({ url: ns.monitorUrl, timeoutMs: 3000 });
  const ops = await connect({ servers: ns.url, ...ns.users.ops.nats, name: "ops-a" });
  const bridgeUnit = await ns.unit("bridge-b", { account: "BRIDGE", extraSub: ["orders.>"] });
  const bridge = await connect({ servers: ns.url, ...bridgeUnit.nats, name: "bridge-b" });
  const engineUnit = await ns.unit("engine-c", { account: "ENGINE", extraPub: ["x.y"] });
  const engine = await connect({ servers: ns.url, ...engineUnit.nats, name: "engine-c" });
  try {
    ops.subscribe("ops.heartbeat.*");
    ops.subscribe("ops.metric.rtt.*");
    bridge.subscribe("orders.>");
    // Traffic so that sorting by bytes has something to order.
    for (let i = 0; i < 20; i++) engine.publish("x.y", new Uint8Array(1000));
    await Promise.all([ops.flush(), bridge.flush(), engine.flush()]);

    await t.step("varz", async () => {
      const v = await mon.varz();
      assert.equal(v.server_name, ns.env.NATS_SERVER_NAME);
      assert.match(v.version, /^2\.\d+\.\d+/);
      assert.equal(v.port, ns.port);
      assert.ok(v.connections >= 3);
      assert.ok(v.jetstream?.config, "JetStream config");
      assert.equal(v.system_account, ns.accounts.SYS);
      // Unknown fields are kept.
      assert.equal(Reflect.get(v, "max_control_line"), 4096);
    });

    await t.step("connz paging, sort, cid, subs, auth, acc, user, state", async () => {
      // The three test clients and the controller's two connections (SYS, audit).
      const all = await mon.connz({ auth: true });
      assert.equal(all.num_connections, 5);
      const names = all.connections.map((c) => c.name).filter((n) =>
        !n?.startsWith("nunect-controller")
      ).sort();
      assert.deepEqual(names, ["bridge-b", "engine-c", "ops-a"]);

      const p1 = await mon.connz({ sort: "cid", offset: 0, limit: 3 });
      const p2 = await mon.connz({ sort: "cid", offset: 3, limit: 3 });
      assert.equal(p1.connections.length, 3);
      assert.equal(p2.connections.length, 2);
      assert.equal(p1.total, 5);
      assert.equal(p2.offset, 3);
      const cids = [...p1.connections, ...p2.connections].map((c) => c.cid);
      assert.deepEqual(cids, [...cids].sort((a, b) => a - b));
      assert.equal(new Set(cids).size, 5);

      const byBytes = await mon.connz({ sort: "bytes_from" });
      assert.equal(byBytes.connections[0]?.name, "engine-c");
      assert.ok(byBytes.connections[0]!.in_bytes >= 20_000);

      const one = await mon.connz({ cid: byBytes.connections[0]!.cid });
      assert.equal(one.connections.length, 1);
      assert.equal(one.connections[0]?.name, "engine-c");

      const subs = await mon.connz({ acc: ns.accounts.OPS, subs: true, auth: true });
      const opsA = subs.connections.filter((c) => c.name === "ops-a");
      assert.equal(opsA.length, 1);
      assert.equal(opsA[0]?.account, ns.accounts.OPS);
      assert.deepEqual(
        [...(opsA[0]?.subscriptions_list ?? [])].sort(),
        ["ops.heartbeat.*", "ops.metric.rtt.*"],
      );
      const detail = await mon.connz({ acc: ns.accounts.BRIDGE, subs: "detail" });
      assert.ok(
        detail.connections[0]?.subscriptions_list_detail?.some((d) => d.subject === "orders.>"),
      );

      const withAuth = await mon.connz({ auth: true });
      const b = withAuth.connections.find((c) => c.name === "bridge-b");
      assert.equal(b?.authorized_user, bridgeUnit.publicKey);
      // 2.9 does not filter JWT users by their key (it compares the user name, which they lack).
      if (!(await mon.varz()).version.startsWith("2.9.")) {
        const byUser = await mon.connz({ user: bridgeUnit.publicKey, auth: true });
        assert.deepEqual(byUser.connections.map((c) => c.name), ["bridge-b"]);
      }

      await engine.close();
      // The server records the closed connection asynchronously after the client goes.
      await until(
        async () =>
          (await mon.connz({ state: "closed" })).connections
            .some((c) => c.name === "engine-c" && c.reason !== undefined),
        "engine-c among the closed connections with a reason",
      );
      const open = await mon.connz({ state: "open" });
      assert.ok(!open.connections.some((c) => c.name === "engine-c"));
      const any = await mon.connz({ state: "any" });
      assert.ok(any.connections.some((c) => c.name === "engine-c"));
      assert.ok(any.connections.some((c) => c.name === "ops-a"));
    });

    await t.step("connz rejects an invalid sort with a MonitorResponseError", async () => {
      const err = await mon.connz({ sort: "stop" }).catch((e) => e);
      assert.ok(err instanceof MonitorResponseError, String(err));
      assert.equal(err.status, 400);
      assert.match(err.message, /HTTP 400/);
    });

    await t.step("routez, gatewayz, leafz (standalone server: empty)", async () => {
      const r = await mon.routez({ subs: true });
      assert.equal(r.num_routes, 0);
      const g = await mon.gatewayz({ accs: true });
      assert.deepEqual(g.outbound_gateways ?? {}, {});
      const l = await mon.leafz({ subs: true });
      assert.equal(l.leafnodes, 0);
      assert.deepEqual(l.leafs ?? [], []); // 2.9 sends null, 2.10+ an empty list
    });

    await t.step("subsz with subs, test subject, paging, account", async () => {
      const stats = await mon.subsz();
      assert.ok(stats.num_subscriptions > 0);
      assert.equal(stats.subscriptions_list, undefined);

      const hit = await mon.subsz({ subs: true, test: "ops.heartbeat.router-1" });
      const subjectsHit = hit.subscriptions_list?.map((s) => s.subject) ?? [];
      assert.ok(subjectsHit.includes("ops.heartbeat.*"), subjectsHit.join());
      assert.ok(!subjectsHit.includes("ops.metric.rtt.*"));
      assert.equal(subjectsHit.filter((s) => s === "ops.heartbeat.*").length, 1);

      const page = await mon.subsz({ subs: true, offset: 1, limit: 2 });
      assert.equal(page.subscriptions_list?.length, 2);
      assert.equal(page.offset, 1);

      const acc = await mon.subsz({ subs: true, acc: ns.accounts.BRIDGE });
      assert.ok(!acc.subscriptions_list?.some((s) => s.account === ns.accounts.ENGINE));
      assert.ok(acc.num_subscriptions < stats.num_subscriptions);
      assert.ok(acc.subscriptions_list?.some((s) => s.subject === "orders.>"));
    });

    await t.step("accountz list and one account's detail", async () => {
      const list = await mon.accountz();
      for (const a of ["SYS", "OPS"]) {
        assert.ok(list.accounts?.includes(ns.accounts[a]!), a);
      }
      const ops = await mon.accountz({ acc: ns.accounts.OPS });
      assert.equal(ops.account_detail?.account_name, ns.accounts.OPS);
      assert.equal(ops.account_detail?.jetstream_enabled, true);
      assert.ok(
        ops.account_detail?.imports?.some((i) =>
          i.account === ns.accounts.BRIDGE && i.subject === "ops.heartbeat.*"
        ),
      );
    });

    await t.step("accstatz per account, filtered and with unused ones", async () => {
      const s = await mon.accstatz();
      const bridgeStat = s.account_statz.find((a) => a.acc === ns.accounts.BRIDGE);
      assert.equal(bridgeStat?.conns, 1);
      const only = await mon.accstatz({ accounts: [ns.accounts.OPS!] });
      assert.deepEqual(only.account_statz.map((a) => a.acc), [ns.accounts.OPS]);
      const unused = await mon.accstatz({ unused: true });
      assert.ok(
        unused.account_statz.some((a) => a.acc === ns.accounts.PROVISION && a.conns === 0),
      );
    });

    await t.step("jsz with accounts, streams, consumers and config", async () => {
      const jsm = await jetstreamManager(ops);
      await jsm.streams.add({ name: "JSZ_TEST", subjects: ["jsz.test.>"] });
      await jsm.consumers.add("JSZ_TEST", { durable_name: "c1" });
      const js = (await import("@nats-io/jetstream")).jetstream(ops);
      await js.publish("jsz.test.a", "1");
      await js.publish("jsz.test.b", "2");

      const plain = await mon.jsz();
      // JSZ_TEST, the audit trail the controller keeps (it recorded the two units issued) and its
      // unit key directory (the units' signing keys).
      assert.equal(plain.streams, 3);
      assert.equal(plain.consumers, 1);
      assert.ok(plain.messages >= 2);
      assert.equal(plain.account_details, undefined);

      const full = await mon.jsz({
        acc: ns.accounts.OPS,
        streams: true,
        consumers: true,
        config: true,
      });
      // jsz names accounts by their JWT name and gives the key as id.
      const acc = full.account_details?.find((a) => a.name === "OPS");
      const stream = acc?.stream_detail?.find((s) => s.name === "JSZ_TEST");
      assert.equal(stream?.state.messages, 2);
      assert.deepEqual(stream?.config?.subjects, ["jsz.test.>"]);
      assert.equal(stream?.consumer_detail?.[0]?.name, "c1");
      assert.equal(stream?.consumer_detail?.[0]?.num_pending, 2);

      const accountsOnly = await mon.jsz({ accounts: true });
      assert.ok((accountsOnly.account_details?.length ?? 0) >= 4);
      assert.equal(accountsOnly.account_details?.[0]?.stream_detail, undefined);
    });

    await t.step("healthz and ipqueuesz", async () => {
      assert.equal((await mon.healthz()).status, "ok");
      assert.equal((await mon.healthz({ jsEnabledOnly: true })).status, "ok");
      assert.equal((await mon.healthz({ jsServerOnly: true })).status, "ok");
      const q = await mon.ipqueuesz();
      assert.equal(typeof q, "object");
    });

    await t.step("get() validates any path with a given schema", async () => {
      const { z } = await import("zod");
      const err = await mon.get("/varz", z.object({ no_such_field: z.string() })).catch((e) => e);
      assert.ok(err instanceof MonitorResponseError);
      assert.match(err.message, /schema mismatch at no_such_field/);
      const missing = await mon.get("/raftz", z.unknown()).catch((e) => e);
      assert.ok(missing instanceof MonitorResponseError);
      assert.equal(missing.status, 404);
    });
  } finally {
    await Promise.all([ops.close(), bridge.close(), engine.close()]);
  }
});

Deno.test("an unreachable server gives MonitorUnreachableError naming the URL", async () => {
  // A port that was free a moment ago: nothing listens there.
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const mon = new MonitorClient({ url: `http://127.0.0.1:${port}/`, timeoutMs: 2000 });
  const err = await mon.varz().catch((e) => e);
  assert.ok(err instanceof MonitorUnreachableError, String(err));
  assert.equal(err.url, `http://127.0.0.1:${port}/varz`);
  assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}/varz`));
  assert.match(err.message, /NATS_HTTP_PORT/);
});

Deno.test("a server that never answers gives MonitorTimeoutError after timeoutMs", async () => {
  // Accepts TCP connections and never answers.
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const c of l) held.push(c);
  })();
  try {
    const port = (l.addr as Deno.NetAddr).port;
    const mon = new MonitorClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 200 });
    const err = await mon.healthz().catch((e) => e);
    assert.ok(err instanceof MonitorTimeoutError, String(err));
    assert.ok(err instanceof MonitorUnreachableError);
    assert.equal(err.timeoutMs, 200);
    assert.match(err.message, /no answer within 200 ms/);
  } finally {
    l.close();
    await accepting.catch(() => {});
    for (const c of held) c.close();
  }
});

Deno.test("MonitorClient rejects a URL that is not http(s)", () => {
  assert.throws(
    () => new MonitorClient({ url: "nats://127.0.0.1:4222" }),
    /Invalid monitoring URL/,
  );
});
