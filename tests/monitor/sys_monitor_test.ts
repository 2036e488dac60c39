import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { relative } from "node:path";
import {
  firstEvent,
  freePorts,
  type NatsServer,
  PROJECT_DIR,
  startCluster,
  startNats,
  until,
} from "../_kit/mod.ts";
import {
  AccountNames,
  compareVersions,
  type ConnectionEvent,
  MonitorClient,
  PING_KINDS,
  SysMonitor,
} from "../../mods/monitor/mod.ts";

/** Resolves with the first event matching `pred`, rejects after `ms`. */
function waitEvent(
  sys: SysMonitor,
  pred: (e: ConnectionEvent) => boolean,
  ms = 1000,
): Promise<ConnectionEvent> {
  return firstEvent((l) => sys.onEvent(l), pred, "matching event", ms);
}

/** A client that fails authentication, spoken over raw TCP (no client library retries). */
async function failAuth(port: number, user: string, name: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const connect = JSON.stringify({ user, pass: "wrong-password", name, verbose: false });
    await conn.write(new TextEncoder().encode(`CONNECT ${connect}\r\nPING\r\n`));
    let text = "";
    const buf = new Uint8Array(4096);
    while (!text.includes("-ERR")) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
    return text;
  } finally {
    try {
      conn.close();
    } catch { /* the server closed it */ }
  }
}

Deno.test("SysMonitor relays connect, disconnect and auth errors as typed events", async (t) => {
  await using ns = await startNats();
  // Issued first: the controller's own connections are made then, not during the steps.
  const bridgeUnit = await ns.unit("bridge-app", { account: "BRIDGE", extraPub: ["orders.>"] });
  const engineUnit = await ns.unit("engine-app", { account: "ENGINE" });
  const nc = await connect({ servers: ns.url, ...ns.users.sys.nats, name: "dashboard-sys" });
  const accountNames = new AccountNames(nc);
  await accountNames.refresh();
  await using sys = new SysMonitor(nc, { bufferSize: 3, accountNames });
  await sys.ready();
  try {
    await t.step(
      "a client connecting produces a CONNECT event within 1 s, and DISCONNECT with bytes",
      async () => {
        const seen = waitEvent(sys, (e) => e.kind === "connect" && e.name === "bridge-app");
        const app = await connect({ servers: ns.url, ...bridgeUnit.nats, name: "bridge-app" });
        const e = await seen;
        // Named through the account JWTs; the server itself gives the key.
        assert.equal(e.account, "BRIDGE");
        assert.equal(e.accountKey, ns.accounts.BRIDGE);
        assert.equal(e.user, bridgeUnit.publicKey);
        assert.equal(e.userName, "bridge-app");
        assert.equal(e.host, "127.0.0.1");
        assert.equal(e.lang, "nats.js");
        assert.equal(e.server, ns.env.NATS_SERVER_NAME);
        assert.equal(e.reason, null);
        assert.ok(!Number.isNaN(Date.parse(e.time)));

        const gone = waitEvent(sys, (e) => e.kind === "disconnect" && e.name === "bridge-app");
        app.publish("orders.new", new Uint8Array(300));
        await app.flush();
        await app.close();
        const d = await gone;
        assert.equal(d.account, "BRIDGE");
        assert.equal(d.cid, e.cid);
        assert.equal(d.reason, "Client Closed");
        assert.equal(d.inMsgs, 1);
        assert.equal(d.inBytes, 300);
        assert.ok(d.seq > e.seq);
      },
    );

    await t.step("a failed login produces an auth_error event", async () => {
      const seen = waitEvent(sys, (e) => e.kind === "auth_error" && e.name === "intruder");
      assert.match(await failAuth(ns.port, "bridge", "intruder"), /Authorization Violation/);
      const e = await seen;
      assert.equal(e.user, "bridge");
      assert.equal(e.reason, "Authentication Failure");
    });

    await t.step("onEvent() delivers live events until its listener is removed", async () => {
      const got: ConnectionEvent[] = [];
      const off = sys.onEvent((e) => got.push(e));
      const gone = waitEvent(sys, (e) => e.kind === "disconnect" && e.name === "engine-app");
      const c = await connect({ servers: ns.url, ...engineUnit.nats, name: "engine-app" });
      await c.close();
      await gone;
      off();
      assert.deepEqual(got.map((e) => [e.kind, e.name]), [
        ["connect", "engine-app"],
        ["disconnect", "engine-app"],
      ]);
    });

    await t.step("recent() is a bounded buffer of the newest events", () => {
      const recent = sys.recent();
      assert.equal(recent.length, 3);
      assert.deepEqual(recent.map((e) => e.kind), ["auth_error", "connect", "disconnect"]);
      assert.deepEqual(sys.recent(1).map((e) => e.name), ["engine-app"]);
      const s = sys.stats();
      assert.equal(s.connects, 2);
      assert.equal(s.disconnects, 2);
      assert.equal(s.authErrors, 1);
      assert.equal(s.malformed, 0);
    });

    await t.step("the events are JSON-serialisable for SSE", () => {
      const e = sys.recent(1)[0]!;
      assert.deepEqual(JSON.parse(JSON.stringify(e)), e);
    });

    await t.step("a malformed advisory is counted and dropped", async () => {
      // The dashboard's SYS user may not publish advisories; a forger signed into SYS may.
      const connected = waitEvent(sys, (e) => e.kind === "connect" && e.name === "forger");
      const forger = await connect({
        servers: ns.url,
        ...(await ns.signUser("SYS", "forger")).nats,
        name: "forger",
      });
      await connected;
      const before = sys.stats();
      forger.publish("$SYS.ACCOUNT.FAKE.CONNECT", "{not json");
      forger.publish("$SYS.ACCOUNT.FAKE.DISCONNECT", JSON.stringify({ type: "x", client: {} }));
      await forger.flush();
      await until(
        () => sys.stats().malformed === before.malformed + 2,
        "two malformed advisories counted",
      );
      assert.equal(sys.stats().events, before.events);
      // Closed only now: its own (real) disconnect event is an event.
      await forger.close();
    });
  } finally {
    await nc.close();
  }
});

Deno.test("SysMonitor.ping collects every kind from the server", async () => {
  await using ns = await startNats();
  const nc = await connect({ servers: ns.url, ...ns.users.sys.nats });
  await using sys = new SysMonitor(nc);
  try {
    // EXPVARZ needs 2.10, RAFTZ 2.11: an older server does not answer them (no responders).
    const newer: Record<string, string> = { EXPVARZ: "2.10.0", RAFTZ: "2.11.0" };
    for (const kind of PING_KINDS) {
      const requires = newer[kind];
      if (requires !== undefined && compareVersions(ns.version, requires) < 0) {
        assert.deepEqual(await sys.ping(kind, { windowMs: 300 }), [], kind);
        continue;
      }
      // expected: 1 ends the wait at the first reply (a standalone server).
      const replies = await sys.ping(kind, { windowMs: 2000, expected: 1 });
      assert.equal(replies.length, 1, kind);
      const r = replies[0]!;
      assert.ok(r.ok, `${kind}: ${r.ok ? "" : r.error}`);
      assert.equal(r.server.name, ns.env.NATS_SERVER_NAME, kind);
    }
    const [varz] = await sys.ping("VARZ", { expected: 1 });
    assert.ok(varz?.ok);
    assert.equal(varz.data.port, ns.port);
    const [statsz] = await sys.ping("STATSZ", { expected: 1 });
    assert.ok(statsz?.ok);
    assert.equal(statsz.data.active_servers, 1);
    const [connz] = await sys.ping("CONNZ", {
      expected: 1,
      request: { subscriptions: true },
    });
    assert.ok(connz?.ok);
    assert.ok(connz.data.connections.some((c) => c.subscriptions_list !== undefined));
    // Accounts load when first used: a connection in OPS makes the server know it.
    const ops = await connect({ servers: ns.url, ...ns.users.ops.nats });
    await ops.flush();
    const keys = [ns.accounts.OPS!, ns.accounts.SYS!];
    const [acc] = await sys.ping("ACCSTATZ", {
      expected: 1,
      request: { accounts: keys, include_unused: true },
    });
    assert.ok(acc?.ok);
    assert.deepEqual(acc.data.account_statz.map((a) => a.acc).sort(), [...keys].sort());
    assert.equal(acc.data.account_statz.find((a) => a.acc === ns.accounts.SYS)?.conns, 1);
    await ops.close();
    // Without `expected` the whole window is waited for; late servers would still be listed.
    const all = await sys.ping("HEALTHZ", { windowMs: 300 });
    assert.equal(all.length, 1);
    await assert.rejects(() => sys.ping("NOPE" as "VARZ"), /Invalid ping kind "NOPE"/);
  } finally {
    await nc.close();
  }
});

Deno.test("SysMonitor.ping lists every server of a 2-server cluster", async () => {
  await using cluster = await startCluster(2, { name: "pair" });
  const [a, b] = cluster.servers as [NatsServer, NatsServer];
  const nc = await connect({ servers: a.url, ...a.users.sys.nats });
  await using sys = new SysMonitor(nc);
  try {
    const replies = await sys.ping("VARZ", { windowMs: 2000, expected: 2 });
    assert.deepEqual(replies.filter((r) => r.ok).map((r) => r.server!.name), ["pair-1", "pair-2"]);
    const routes = await sys.ping("ROUTEZ", { windowMs: 2000, expected: 2 });
    const ids = new Map(routes.map((r) => [r.server!.name, r.server!.id]));
    for (const r of routes) {
      assert.ok(r.ok);
      // One route on 2.9; a pool of them (3 by default, plus pinned accounts) on 2.10+, every
      // one to the other server.
      assert.ok(r.data.num_routes >= 1);
      const other = r.server!.name === "pair-1" ? "pair-2" : "pair-1";
      assert.deepEqual([...new Set(r.data.routes?.map((x) => x.remote_id))], [ids.get(other)]);
    }
    // Events of every server reach the one SYS connection.
    await sys.ready();
    const seen = waitEvent(sys, (e) => e.kind === "connect" && e.name === "on-b", 2000);
    const client = await connect({
      servers: b.url,
      ...(await b.unit("on-b", { account: "BRIDGE" })).nats,
      name: "on-b",
    });
    assert.equal((await seen).server, "pair-2");
    await client.close();
  } finally {
    await nc.close();
  }
});

Deno.test("MonitorClient reads gatewayz of a 2-server super-cluster", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nunect-gateway-" });
  try {
    const conf = `${dir}/gateway.conf`;
    const project = relative(dir, `${PROJECT_DIR}/config/nats-server.conf`);
    await Deno.writeTextFile(
      conf,
      `include "${project}"\ngateway {\n  name: $NATS_GW_NAME\n  host: 127.0.0.1\n` +
        `  port: $NATS_GW_PORT\n  gateways: [\n    { name: east, url: $NATS_GW_EAST }\n` +
        `    { name: west, url: $NATS_GW_WEST }\n  ]\n}\n` +
        // Clustered JetStream (which gateways imply) needs routes: each a one-server cluster.
        `cluster {\n  name: $NATS_GW_NAME\n  host: 127.0.0.1\n  port: $NATS_CL_PORT\n` +
        `  routes: [$NATS_CL_ROUTE]\n}\n`,
    );
    const [p1, p2, c1, c2] = freePorts(4) as [number, number, number, number];
    const shared = {
      NATS_GW_EAST: `nats://127.0.0.1:${p1}`,
      NATS_GW_WEST: `nats://127.0.0.1:${p2}`,
    };
    // One operator and one set of accounts for both servers.
    const identityDir = `${dir}/identity`;
    const started = await Promise.allSettled(["east", "west"].map((name, i) =>
      startNats({
        configFile: conf,
        identityDir,
        env: {
          ...shared,
          NATS_SERVER_NAME: name,
          NATS_GW_NAME: name,
          NATS_GW_PORT: String([p1, p2][i]),
          NATS_CL_PORT: String([c1, c2][i]),
          NATS_CL_ROUTE: `nats-route://127.0.0.1:${[c1, c2][i]}`,
        },
      })
    ));
    const servers = started.flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
    if (servers.length !== 2) {
      await Promise.all(servers.map((s) => s[Symbol.asyncDispose]()));
      throw (started.find((r) => r.status === "rejected") as PromiseRejectedResult).reason;
    }
    const [east, west] = servers as [NatsServer, NatsServer];
    await using _e = east;
    await using _w = west;
    const mon = new MonitorClient({ url: east.monitorUrl });
    let gw = await mon.gatewayz({ accs: true });
    await until(async () => {
      gw = await mon.gatewayz({ accs: true });
      return Object.keys(gw.inbound_gateways ?? {}).length > 0;
    }, "the inbound gateway from west");
    assert.equal(gw.name, "east");
    assert.ok(gw.outbound_gateways?.west?.connection, "outbound link to west");
    assert.ok(gw.inbound_gateways?.west?.[0]?.connection, "inbound link from west");
    // The whole super-cluster answers one SYS ping.
    const nc = await connect({ servers: east.url, ...east.users.sys.nats });
    await using sys = new SysMonitor(nc);
    try {
      const replies = await sys.ping("GATEWAYZ", { windowMs: 2000, expected: 2 });
      assert.deepEqual(replies.map((r) => r.ok && r.data.name), ["east", "west"]);
    } finally {
      await nc.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
