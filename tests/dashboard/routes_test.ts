import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";
import { apiIndex, navigation, ROUTES } from "../../routes/table.ts";
import { startNats } from "../_kit/mod.ts";
import { get, login, testDashboard } from "./_harness.ts";

Deno.test("route table: every page has a JSON twin in the table, every change needs an operator (but one's own)", () => {
  const paths = new Set(ROUTES.map((r) => `${r.method} ${r.path}`));
  assert.equal(paths.size, ROUTES.length, "no path is registered twice");
  const pages = ROUTES.filter((r) => r.method === "GET" && !r.path.startsWith("/api"));
  assert.ok(pages.length >= 10);
  for (const p of pages) {
    assert.ok(p.api !== null, `${p.path} has a JSON twin`);
    assert.ok(p.api.startsWith("/api/"), `${p.path}: its twin ${p.api} is under /api/`);
    assert.ok(paths.has(`GET ${p.api}`), `${p.path}: its twin ${p.api} is a route`);
    // Same path parameters, so the twin of /connections/42 is /api/connz/42.
    const params = (path: string) => path.match(/:\w+/g) ?? [];
    assert.deepEqual(params(p.api), params(p.path), p.path);
  }
  for (const r of ROUTES.filter((r) => r.method === "POST" && r.scope !== "self")) {
    assert.notEqual(r.role, "viewer", `${r.path} changes state: not for viewers`);
  }
  assert.deepEqual(navigation().map((n) => n.label), [
    "Overview",
    "Connections",
    "Activity",
    "Subscriptions",
    "Routes",
    "Gateways",
    "Leaf nodes",
    "Trace",
    "Accounts",
    "JetStream",
    "Streams",
    "KV",
    "Objects",
    "Services",
    "Units",
    "Topology",
    "History",
    "Alerts",
    "Users",
    "Sessions",
    "Audit",
    "Certificates",
    "API",
  ]);
  assert.deepEqual(
    apiIndex().map((e) => e.path),
    ROUTES.filter((r) => r.path.startsWith("/api")).map((r) => r.path),
  );
});

Deno.test("every JSON a page shows is also under /api/, from the same code path", async (t) => {
  await using ns = await startNats();
  // The units history would reserve all of the kit's 256 MB of file storage: the console's
  // fixtures below need some.
  await using d = await testDashboard(ns, { TELEMETRY_HISTORY_MAX_MB: "32" });
  const s = await login(d.app);
  const tenant = await connect({
    servers: ns.url,
    ...(await ns.console("BRIDGE")).nats,
    name: "routes-twin",
  });
  tenant.subscribe("orders.>");
  await tenant.flush();
  const { connections } = await (await get(d.app, s, "/api/connz?acc=BRIDGE")).json();
  const cid = connections[0].cid;
  // The JetStream console's pages name a stream, a bucket and an object store of OPS.
  const ops = await connect({ servers: ns.url, ...ns.users.ops.nats, name: "routes-fixtures" });
  await (await jetstreamManager(ops)).streams.add({ name: "S", subjects: ["s.>"] });
  await new Kvm(ops).create("b");
  await new Objm(ops).create("b");
  await ops.close();
  const { servers } = await (await get(d.app, s, "/api/cluster")).json();
  const concrete = (path: string) =>
    path.replace(":cid", String(cid)).replace("/users/:name", "/users/admin").replace(
      ":name",
      "OPS",
    ).replace(":account", "OPS")
      .replace(":stream", "S").replace(":bucket", "b").replace(":id", servers[0].server.id);

  await t.step("each page and its twin answer, the page in HTML, the twin in JSON", async () => {
    for (const r of ROUTES.filter((r) => r.api !== null)) {
      const page = await get(d.app, s, concrete(r.path));
      assert.equal(page.status, 200, r.path);
      assert.match(page.headers.get("content-type") ?? "", /text\/html/, r.path);
      await page.body?.cancel();
      const twin = await get(d.app, s, concrete(r.api!));
      assert.equal(twin.status, 200, r.api!);
      assert.match(twin.headers.get("content-type") ?? "", /application\/json/, r.api!);
      await twin.json();
    }
  });

  await t.step("the nav links every page the table marks, and only those", async () => {
    const html = await (await get(d.app, s, "/")).text();
    const nav = html.match(/<nav class="side">([\s\S]*?)<\/nav>/)?.[1] ?? "";
    const hrefs = [...nav.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(hrefs, navigation().map((n) => n.href));
  });

  await t.step("a subject test lists each subscription once on the page and in JSON", async () => {
    // ops.> is imported from every tenant: the server repeats the dashboard's subscription once
    // per importing account. The page and /api/subsz both show each one once.
    const query = "test=ops.heartbeat.router-9";
    const api = await (await get(d.app, s, `/api/subsz?${query}`)).json();
    const html = await (await get(d.app, s, `/subscriptions?${query}`)).text();
    const table = html.match(/<table id="subscriptions">([\s\S]*?)<\/table>/)?.[1] ?? "";
    const rows = table.match(/<tr>/g)?.length ?? 0;
    const listed = api.subscriptions_list.length;
    assert.ok(listed >= 1, "the registry's ops.> subscription receives it");
    const raw = await (await fetch(`${ns.monitorUrl}/subsz?subs=true&${query}`)).json();
    assert.ok(raw.subscriptions_list.length > listed, "nats-server itself lists repeats");
    assert.equal(rows - 1, listed, "page rows (without the header) = JSON entries");
    const keys = api.subscriptions_list.map((x: { cid: number; sid: string }) =>
      `${x.cid}/${x.sid}`
    );
    assert.equal(new Set(keys).size, keys.length, "no subscription twice");
  });

  await t.step(
    "bad parameters are a 400 naming the parameter, for page and twin alike",
    async () => {
      for (const path of ["/connections?limit=x", "/api/connz?limit=x"]) {
        const res = await get(d.app, s, path, { headers: { accept: "application/json" } });
        assert.equal(res.status, 400, path);
        assert.match(
          (await res.json()).error.message,
          /^Invalid limit "x": expected a whole number/,
        );
      }
      const res = await get(d.app, s, "/api/connz?state=open&sort=stop");
      assert.equal(res.status, 400);
      assert.equal(
        (await res.json()).error.message,
        'Invalid sort "stop": only with state "closed"',
      );
    },
  );
  await tenant.close();
});
