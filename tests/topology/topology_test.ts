// The leaf topology, for real: a hub of three clustered servers, three routers each in its own
// network namespace (veth pairs) running a leaf node with two hub URLs through toxiproxy links, a
// guardian on every router, the subject registry program and a dashboard. Every guardian shows in
// the dashboard under its leaf node; a slowed link raises the RTT the guardian reports; a cut
// link makes the leaf node fail over to its other URL; a router cut off entirely keeps its local
// traffic and its outage is reported once it is back.
import assert from "node:assert/strict";
import { connect } from "../../mods/client/mod.ts";
import type { TopologyView } from "../../mods/dashboard/mod.ts";
import {
  decodeMessage,
  heartbeatSchema,
  logSchema,
  rttSchema,
  subjects,
} from "../../mods/protocol/mod.ts";
import { type RunningProgram, startRegistryProgram, startTopology, until } from "../_kit/mod.ts";
import { get, login, testDashboard } from "../dashboard/_harness.ts";
import { collect, observer } from "../guardian/_guardian.ts";

Deno.test("topology: guardians on three routers behind leaf nodes, links slowed, cut and failed over", async (t) => {
  await using topo = await startTopology();
  const [r1, r2, r3] = topo.routers as [
    typeof topo.routers[0],
    typeof topo.routers[0],
    typeof topo.routers[0],
  ];
  const hub = topo.hub.servers[0]!;
  await using registry = await startRegistryProgram(hub);
  await using dash = await testDashboard(hub, {}, { topologyIntervalMs: 200 });
  await using obs = await observer(hub);
  const view = () => dash.services.topology();
  const leaf = (name: string, v: TopologyView = view()) => v.leaves.find((l) => l.name === name);
  const guardians: RunningProgram[] = [];
  try {
    // each guardian measures app RTT against the dashboard's unit: across its router's link
    guardians.push(
      ...await Promise.all(topo.routers.map((r, i) =>
        r.guardian(`router-${i + 1}-g`, {
          RTT_TARGET: dash.services.unitId,
          RTT_INTERVAL_MS: "400",
          HEARTBEAT_INTERVAL_MS: "300",
        })
      )),
    );

    await t.step("every guardian appears in the dashboard under its leaf node", async () => {
      await until(
        () =>
          topo.routers.every((_, i) =>
            leaf(`router-${i + 1}`)?.units.includes(`router-${i + 1}-g`)
          ),
        "each router's guardian under its leaf node in the dashboard's topology",
      );
      const session = await login(dash.app);
      const res = await get(dash.app, session, "/api/topology");
      assert.equal(res.status, 200);
      const body = await res.json() as { topology: TopologyView };
      for (const [i, r] of topo.routers.entries()) {
        const l = leaf(r.leaf.name, body.topology);
        assert.ok(l?.up, `${r.leaf.name} linked`);
        assert.deepEqual(l.units, [`router-${i + 1}-g`]);
        assert.ok(topo.hub.servers.some((s) => s.env.NATS_SERVER_NAME === l.hub), l.hub);
      }
      const page = await get(dash.app, session, "/topology");
      const html = await page.text();
      for (const r of topo.routers) assert.match(html, new RegExp(`data-leaf="${r.leaf.name}"`));
    });

    await t.step(
      "a link slowed by 5 ms each way: the guardian's app RTT rises by at least 10 ms",
      async () => {
        const rtts = await collect(obs, subjects.rtt("router-1-g"));
        const appRtt = (from: number) =>
          rtts.msgs.slice(from).flatMap((m) => {
            const d = decodeMessage(rttSchema, m.data);
            return d.ok && d.value.appRttUs !== null ? [d.value.appRttUs] : [];
          });
        await until(() => appRtt(0).length >= 5, "5 RTT metrics of router-1-g");
        const before = appRtt(0);
        await Promise.all(r1.links.map((l) => l.delay(5)));
        const from = rtts.msgs.length + 1; // the metric being measured now may straddle the change
        await until(() => appRtt(from).length >= 5, "5 RTT metrics through the slowed link");
        const after = appRtt(from);
        const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
        assert.ok(Math.min(...after) >= 10_000, `every RTT >= 10 ms: ${after}`);
        assert.ok(Math.min(...after) > median(before), `rose: before ${before}, after ${after}`);
        await Promise.all(r1.links.map((l) => l.restore()));
      },
    );

    await t.step(
      "one of two links cut: the leaf node fails over and its guardian is back",
      async () => {
        const name = r2.leaf.name;
        await until(() => leaf(name)?.up === true, `${name} linked`);
        const before = leaf(name)!.hub;
        const used = r2.links.find((l) => l.name.endsWith(`-${before}`))!;
        const other = r2.links.find((l) => l !== used)!;
        const heartbeats = await collect(obs, subjects.heartbeat("router-2-g"));
        await used.cut();
        const cutAt = heartbeats.msgs.length;
        await until(
          () => leaf(name)?.up === true && leaf(name)?.hub !== before,
          `${name} linked through its other URL (${other.name})`,
        );
        await heartbeats.waitFor(cutAt + 2, 30_000);
        const hb = decodeMessage(heartbeatSchema, heartbeats.msgs.at(-1)!.data);
        assert.ok(hb.ok);
        assert.equal(hb.value.unitId, "router-2-g");
        assert.deepEqual(leaf(name)?.units, ["router-2-g"]);
        await used.restore();
      },
    );

    await t.step(
      "a router cut off entirely keeps its local traffic and its outage is reported when back",
      async () => {
        const name = r3.leaf.name;
        await until(() => leaf(name)?.up === true, `${name} linked`);
        const logs = await collect(obs, subjects.log("warn", "hub-registry-ops"));
        // a local app on the router (reached from the host over the router's veth pair), with the
        // router's local user: it may talk to units (echo), not watch their telemetry
        await using local = await connect({
          servers: r3.leaf.hostUrl,
          ...(await topo.hub.servers[0]!.unit("router-3-app")).client,
          reconnectTimeWaitMs: 100,
        });
        await Promise.all(r3.links.map((l) => l.cut()));
        await until(() => leaf(name)?.up === false, `${name} cut off in the dashboard's topology`);
        for (let i = 0; i < 3; i++) {
          const us = await local.echo("router-3-g", { timeoutMs: 5000 });
          assert.ok(us > 0, "a local request answered on the cut-off router");
        }
        assert.deepEqual(leaf(name)?.units, ["router-3-g"], "its units are cut off with it");
        await Promise.all(r3.links.map((l) => l.restore()));
        await until(() => leaf(name)?.up === true, `${name} linked again`);
        const outage = leaf(name)!.lastOutage!;
        assert.ok(outage.durationMs > 0, JSON.stringify(outage));
        const [record] = await logs.waitFor(1, 30_000);
        const log = decodeMessage(logSchema, record!.data);
        assert.ok(log.ok, log.ok ? "" : log.error);
        assert.match(
          log.value.msg,
          /^Leaf node router-3 was cut off from the hub for \d+\.\d s \(units router-3-g\)$/,
        );
        assert.equal(log.value.fields?.durationMs, outage.durationMs);
      },
    );
  } finally {
    await Promise.all(guardians.map((g) => g.stop()));
    await registry.stop();
  }
});
