import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { compareVersions } from "../../mods/monitor/mod.ts";
import { startLeafNode, startNats, until } from "../_kit/mod.ts";
import { get, login, testDashboard } from "./_harness.ts";

Deno.test("pages and their /api twins show the server", async (t) => {
  await using ns = await startNats();
  await using d = await testDashboard(ns);
  const s = await login(d.app);
  const name = ns.env.NATS_SERVER_NAME!;
  /** The "requires nats-server ≥ v" note shows exactly when the server is older than v. */
  const assertRequires = (html: string, v: string) =>
    assert.equal(
      html.includes(`requires nats-server ≥ ${v}`),
      compareVersions(ns.version, v) < 0,
      `"requires nats-server ≥ ${v}" on nats-server ${ns.version}`,
    );
  const tenants = await Promise.all(
    ["alpha", "beta", "gamma"].map((n, i) =>
      ns.unit(`pages-${n}`, { account: i < 2 ? "BRIDGE" : "ENGINE", extraSub: ["orders.>"] })
    ),
  );
  const clients = await Promise.all(
    tenants.map((t, i) =>
      connect({ servers: ns.url, ...t.nats, name: `pages-${["alpha", "beta", "gamma"][i]}` })
    ),
  );
  clients[0]!.subscribe("orders.>");
  clients[0]!.subscribe("orders.new", { queue: "workers" });
  await Promise.all(clients.map((c) => c.flush()));

  await t.step("Overview: identity, health, domain, cluster servers, features", async () => {
    const html = await (await get(d.app, s, "/")).text();
    assert.ok(html.includes(name));
    assert.ok(html.includes("ops.example.test"));
    assert.ok(html.includes(ns.version));
    assert.match(html, /id="cluster-servers"[\s\S]*?<strong>test-/);
    // Every feature nunect knows needs ≥ 2.10 or ≥ 2.11: named on 2.9, on none newer.
    assertRequires(html, "2.10.0");
    const api = await (await get(d.app, s, "/api/overview")).json();
    assert.equal(api.varz.server_name, name);
    assert.equal(api.healthz.status, "ok");
    const features = await (await get(d.app, s, "/api/features")).json();
    assert.equal(features.version, ns.version);
    assert.ok(
      features.features.some((f: { feature: string; available: boolean }) =>
        f.feature === "kick" && f.available === compareVersions(ns.version, "2.10.0") >= 0
      ),
    );
    const cluster = await (await get(d.app, s, "/api/cluster")).json();
    assert.equal(cluster.servers.length, 1);
    assert.equal(cluster.servers[0].server.name, name);
  });

  await t.step("Connections: filter by account and user, sort, page, detail", async () => {
    const byAcc = await (await get(d.app, s, "/api/connz?acc=BRIDGE")).json();
    assert.deepEqual(byAcc.connections.map((c: { name: string }) => c.name).sort(), [
      "pages-alpha",
      "pages-beta",
    ]);
    // 2.9 does not filter JWT users by key (it compares user names, which they lack).
    if (compareVersions(ns.version, "2.10.0") >= 0) {
      const byUser = await (await get(d.app, s, `/api/connz?user=${tenants[2]!.publicKey}`))
        .json();
      assert.deepEqual(byUser.connections.map((c: { name: string }) => c.name), ["pages-gamma"]);
    }
    const paged = await (await get(d.app, s, "/api/connz?limit=1&offset=1&sort=cid")).json();
    assert.equal(paged.connections.length, 1);
    assert.ok(paged.total >= 3);
    const html = await (await get(d.app, s, "/connections?acc=BRIDGE&sort=subs")).text();
    assert.ok(
      html.includes("pages-alpha") && html.includes("pages-beta") && !html.includes("pages-gamma"),
    );
    assert.match(html, /class="sorted">Subs/);
    const alpha = byAcc.connections.find((c: { name: string }) => c.name === "pages-alpha");
    const detail = await (await get(d.app, s, `/connections/${alpha.cid}`)).text();
    assert.ok(detail.includes("orders.&gt;") || detail.includes("orders.>"));
    assert.ok(detail.includes("workers"));
    assertRequires(detail, "2.10.0");
    const missing = await get(d.app, s, "/connections/999999");
    assert.equal(missing.status, 404);
    assert.ok((await missing.text()).includes("Unknown connection"));
    const bad = await get(d.app, s, "/api/connz?sort=bogus");
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error.message, /Invalid sort "bogus"/);
  });

  await t.step("Subscriptions: subject test and account filter", async () => {
    const api = await (await get(d.app, s, "/api/subsz?test=orders.new&acc=BRIDGE")).json();
    const subjects = api.subscriptions_list.map((x: { subject: string }) => x.subject).sort();
    assert.deepEqual(subjects, ["orders.>", "orders.new"]);
    const html = await (await get(d.app, s, "/subscriptions?test=orders.new&acc=BRIDGE")).text();
    assert.ok(html.includes("workers"));
  });

  await t.step("/api lists every JSON endpoint, and each one answers", async () => {
    const { endpoints } = await (await get(d.app, s, "/api")).json();
    for (const { method, path } of endpoints as { method: string; path: string }[]) {
      if (path.includes(":") || method !== "GET" || path === "/api/events") continue;
      const res = await get(d.app, s, path);
      assert.equal(res.status, 200, path);
      // Exports answer NDJSON by default: every line is JSON.
      if (res.headers.get("content-type")?.startsWith("application/x-ndjson")) {
        for (const line of (await res.text()).split("\n").filter((l) => l !== "")) {
          JSON.parse(line);
        }
      } else await res.json();
    }
  });

  await t.step("Routes, Gateways, Leaf nodes render and say when there are none", async () => {
    for (
      const [path, text] of [
        ["/routes", "No cluster routes"],
        ["/gateways", "No gateways"],
        ["/leafnodes", "No leaf nodes connected"],
      ] as const
    ) {
      const res = await get(d.app, s, path);
      assert.equal(res.status, 200, path);
      assert.ok((await res.text()).includes(text), path);
    }
    for (const path of ["/api/routez", "/api/gatewayz", "/api/leafz", "/api/ipqueuesz"]) {
      assert.equal((await get(d.app, s, path)).status, 200, path);
    }
  });

  await t.step(
    "Leaf nodes: a router's data link and its claims link, accounts by name",
    async () => {
      await using _leaf = await startLeafNode(ns, { unitId: "pages-router" });
      const { leafz } = await (await get(d.app, s, "/api/leafnodes")).json();
      // (nats-server 2.9 names no leaf node in /leafz)
      const links = (leafz.leafs as { name?: string; accountName: string; claimsLink: boolean }[])
        .map((l) => [l.name ?? "pages-router", l.accountName, l.claimsLink]).sort();
      assert.deepEqual(links, [["pages-router", "OPS", false], ["pages-router", "SYS", true]]);
      const html = await (await get(d.app, s, "/leafnodes")).text();
      const count = html.match(/Leaf node connections.{0,80}/s)?.[0];
      assert.ok(/2 \(1 of them routers(&#39;|&#x27;|') claims links\)/.test(html), count);
      assert.ok(html.includes("SYS (claims link)"), "the claims link named");
    },
  );

  await t.step("Accounts: accountz + accstatz, and one account's imports", async () => {
    const api = await (await get(d.app, s, "/api/accounts")).json();
    const bridge = api.accounts.find((a: { name: string }) => a.name === "BRIDGE");
    // The test's two tenant clients, and the JetStream console's connection in BRIDGE (opened
    // when /api/streams, /api/kv, … listed every account above).
    assert.equal(bridge.stats.conns, 3);
    // Both tenants carry the same internal subscriptions; BRIDGE has orders.> and orders.new.
    const engine = api.accounts.find((a: { name: string }) => a.name === "ENGINE");
    assert.equal(bridge.subscriptions - engine.subscriptions, 2);
    assert.equal(bridge.jetstream, true);
    assert.equal(api.systemAccount, "SYS");
    const html = await (await get(d.app, s, "/accounts/OPS")).text();
    // OPS imports each tenant's telemetry under the tenant's name.
    assert.ok(html.includes("tenant.BRIDGE.ops.heartbeat.*"));
    assert.ok(html.includes("BRIDGE"));
    const unknown = await get(d.app, s, "/accounts/NOPE");
    assert.equal(unknown.status, 404);
    assert.ok((await unknown.text()).includes("Unknown account &quot;NOPE&quot;"));
  });

  await t.step("JetStream: streams of the units registry", async () => {
    const html = await (await get(d.app, s, "/jetstream")).text();
    assert.ok(html.includes("KV_nunect_units"));
    assertRequires(html, "2.11.0");
    const api = await (await get(d.app, s, "/api/jsz?accounts=true&streams=true")).json();
    assert.ok(api.account_details.some((a: { name: string }) => a.name === "OPS"));
  });

  await Promise.all(clients.map((c) => c.close()));
});

Deno.test("NATS unreachable: a clear 503 page and JSON, never a stack trace", async () => {
  await using ns = await startNats();
  await using d = await testDashboard(ns);
  const s = await login(d.app);
  await ns.stop();
  // The Overview may show a sample read just before (at most one sampling interval old).
  let page: Response | undefined;
  await until(async () => {
    await page?.body?.cancel();
    page = await get(d.app, s, "/");
    return page.status === 503;
  }, "the Overview answering 503");
  const html = await page!.text();
  assert.ok(html.includes("NATS unreachable"));
  assert.ok(html.includes(ns.monitorUrl), "names the URL it tried");
  assert.ok(!/at .*\.ts:\d+/.test(html), "no stack trace");
  const api = await get(d.app, s, "/api/connz");
  assert.equal(api.status, 503);
  const body = await api.json();
  assert.equal(body.error.status, 503);
  assert.match(body.error.message, /unreachable/);
  assert.ok(!("stack" in body.error));
  // Pages that do not need the monitoring port still work.
  assert.equal((await get(d.app, s, "/units")).status, 200);
  // And when the server is back, so is everything else, events included.
  await ns.restart();
  assert.equal((await get(d.app, s, "/")).status, 200);
  // Once the dashboard's SYS connection is back (it reconnects with backoff)...
  await until(
    async () => {
      const conns = await (await get(d.app, s, "/api/connz")).json();
      return conns.connections.some((c: { name: string }) => c.name === "nunect-dashboard-sys");
    },
    "the dashboard's SYS connection back",
    20_000,
  );
  // ...connect events flow again.
  const name = `back-${crypto.randomUUID().slice(0, 6)}`;
  const nc = await connect({
    servers: ns.url,
    ...(await ns.unit("back", { account: "BRIDGE" })).nats,
    name,
  });
  await until(async () => {
    const body = await (await get(d.app, s, "/api/activity")).json();
    return body.events.some((e: { name: string }) => e.name === name);
  }, `the CONNECT of ${name} after the server restarted`);
  await nc.close();
});
