// The dashboard over a 3-server cluster: the Overview's cluster table (live: a member stopped
// goes missing, then comes back, pushed without a reload), the Routes page with routes and Raft
// groups, the JetStream page with an R3 stream's leader and replicas.
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { compareVersions } from "../../mods/monitor/mod.ts";
import { type NatsServer, startCluster, until } from "../_kit/mod.ts";
import { get, login, openStream, testDashboard } from "./_harness.ts";

Deno.test("dashboard over a 3-server cluster: Overview table live, Routes with Raft groups, JetStream with the R3 stream", async () => {
  await using cluster = await startCluster(3, { name: "dc" });
  const [first, , third] = cluster.servers as [NatsServer, NatsServer, NatsServer];
  // Small history limits: 2.9 reserves a stream's max bytes on every replica up front.
  await using d = await testDashboard(first, {
    TELEMETRY_HISTORY_MAX_MB: "8",
    HISTORY_MAX_MB: "8",
  });
  const s = await login(d.app);
  const names = ["dc-1", "dc-2", "dc-3"];
  const nc = await connect({ servers: [...cluster.urls], ...cluster.users.ops.nats });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "ORDERS", subjects: ["orders.>"], num_replicas: 3 });
    // Every member hosts the R3 stream, so the dashboard's server lists it with its leader.
    let jszLeader = "";
    await until(async () => {
      const jsz = await d.services.monitor.jsz({ streams: true, acc: first.accounts.OPS });
      jszLeader = jsz.account_details?.flatMap((a) => a.stream_detail ?? [])
        .find((x) => x.name === "ORDERS")?.cluster?.leader ?? "";
      return jszLeader !== "";
    }, "the R3 stream to have a leader");

    const overview = await (await get(d.app, s, "/")).text();
    const table = overview.slice(overview.indexOf('id="cluster-servers"'));
    for (const n of names) assert.ok(table.includes(`data-server="${n}"`), `${n} in the table`);

    const routes = await (await get(d.app, s, "/routes")).text();
    assert.ok(routes.includes("dc-2") && routes.includes("dc-3"), "routes to both peers");
    const api = await (await get(d.app, s, "/api/routes")).json();
    if (compareVersions(first.version, "2.11.0") >= 0) {
      const groups = api.raft as { group: string; server: string; state: string }[];
      assert.deepEqual(
        [...new Set(groups.filter((g) => g.group === "_meta_").map((g) => g.server))].sort(),
        names,
      );
      const stream = groups.filter((g) => g.group.startsWith("S-R3"));
      assert.equal(stream.length, 3, JSON.stringify(groups));
      assert.equal(stream.filter((g) => g.state === "LEADER").length, 1);
      assert.ok(routes.includes('id="raft-groups"') && routes.includes("_meta_"));
    } else {
      assert.deepEqual(api.raft, []);
      assert.ok(routes.includes("requires nats-server ≥ 2.11.0"));
    }

    const js = await (await get(d.app, s, "/jetstream")).text();
    const row = js.slice(js.indexOf("<strong>ORDERS</strong>"));
    assert.ok(row.includes(`<strong>${jszLeader}</strong>`), `leader ${jszLeader} shown`);
    // The group's name is in /jsz from 2.10 on.
    if (compareVersions(first.version, "2.10.0") >= 0) assert.match(row, /S-R3[A-Za-z0-9-]+/);
    for (const n of names) assert.ok(row.slice(0, 2000).includes(n), `${n} among the replicas`);

    // Live: the cluster table's event follows a member going away and coming back.
    await using stream = await openStream(d.app, s, "topics=cluster");
    const servers = (e: { data: string }) =>
      (JSON.parse(e.data).servers as { server: { name: string } }[]).map((x) => x.server.name)
        .sort();
    await stream.next((e) => e.event === "cluster" && servers(e).length === 3, "three servers");
    await third.stop();
    const without = await stream.next(
      (e) => e.event === "cluster" && servers(e).length === 2,
      "the stopped member to be missing",
      20_000,
    );
    assert.deepEqual(servers(without), ["dc-1", "dc-2"]);
    await third.restart();
    await stream.next(
      (e) => e.event === "cluster" && servers(e).length === 3,
      "the member to be back",
      30_000,
    );
  } finally {
    await nc.close();
  }
});
