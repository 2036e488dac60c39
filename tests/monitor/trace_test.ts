// Message tracing (nats-server 2.11+, Nats-Trace-Dest): one publish followed across servers, leaf
// nodes and accounts. On 2.9.10 tracing is refused before anything is published.
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { compareVersions, FeatureUnavailableError, traceMessage } from "../../mods/monitor/mod.ts";
import { type NatsServer, startCluster, startLeafNode, startNats, until } from "../_kit/mod.ts";

const tracing = (ns: NatsServer) => compareVersions(ns.version, "2.11.0") >= 0;

Deno.test("a traced publish crosses the cluster: origin, route hop, subscriber; trace-only delivers nothing", async () => {
  await using cluster = await startCluster(3, { name: "tr" });
  const [first, , third] = cluster.servers as [NatsServer, NatsServer, NatsServer];
  const sub = await connect({ servers: third.url, ...cluster.users.ops.nats, name: "trace-sink" });
  const pub = await connect({
    servers: first.url,
    ...cluster.users.ops.nats,
    name: "trace-source",
  });
  let delivered = 0;
  sub.subscribe("ops.trace.>", {
    callback: () => {
      delivered++;
    },
  });
  await sub.flush();
  try {
    if (!tracing(first)) {
      await assert.rejects(traceMessage(pub, "ops.trace.a", "x"), FeatureUnavailableError);
      await pub.flush();
      assert.equal(delivered, 0, "nothing was published");
      return;
    }
    // Interest crosses the routes asynchronously: trace until the subscriber shows up.
    let trace = await traceMessage(pub, "ops.trace.a", "x");
    await until(async () => {
      trace = await traceMessage(pub, "ops.trace.a", "x");
      return trace.hops.length === 2;
    }, "the trace to reach the subscriber's server");
    const [origin, hop] = trace.hops;
    assert.deepEqual(trace.missing, []);
    assert.equal(origin!.hop, "");
    assert.equal(origin!.server, "tr-1");
    assert.deepEqual(origin!.ingress, {
      kind: "client",
      name: "trace-source",
      // Operator mode: the server reports the account's key (the dashboard shows its name).
      account: first.accounts.OPS,
      subject: "ops.trace.a",
    });
    const route = origin!.egress.find((e) => e.kind === "route")!;
    assert.equal(route.name, "tr-3");
    assert.equal(hop!.hop, route.hop);
    assert.equal(hop!.server, "tr-3");
    assert.equal(hop!.ingress?.kind, "route");
    assert.deepEqual(
      hop!.egress.map((e) => [e.kind, e.name, e.subscription]),
      [["client", "trace-sink", "ops.trace.>"]],
    );
    await sub.flush();
    assert.equal(delivered, 0, "trace-only: not delivered");

    const real = await traceMessage(pub, "ops.trace.b", "y", { traceOnly: false });
    assert.equal(real.hops.length, 2);
    await until(() => delivered === 1, "the traced message to be delivered");
  } finally {
    await pub.close();
    await sub.close();
  }
});

Deno.test("a traced publish shows the account export and the leaf node hop", async () => {
  await using hub = await startNats();
  await using leaf = await startLeafNode(hub);
  const bridge = await connect({
    servers: hub.url,
    ...(await hub.unit("bridge-app", { account: "BRIDGE" })).nats,
  });
  const ops = await connect({ servers: hub.url, ...hub.users.ops.nats, name: "ops-sink" });
  const onLeaf = await connect({
    servers: leaf.url,
    ...leaf.identity.nats,
    name: "router-guardian",
  });
  ops.subscribe("tenant.BRIDGE.ops.>");
  onLeaf.subscribe("ops.echo.router-1");
  await Promise.all([ops.flush(), onLeaf.flush()]);
  try {
    if (!tracing(hub)) {
      await assert.rejects(
        traceMessage(bridge, "ops.log.info.bridge-app", "x"),
        FeatureUnavailableError,
      );
      return;
    }
    // A tenant's telemetry reaches OPS through its stream export, under the tenant's name; the
    // server reports accounts by key, shown by name.
    const names: Record<string, string> = {
      [hub.accounts.BRIDGE!]: "BRIDGE",
      [hub.accounts.OPS!]: "OPS",
    };
    const crossing = await traceMessage(bridge, "ops.log.info.bridge-app", "x", {
      accountName: (key) => names[key] ?? key,
    });
    assert.equal(crossing.hops.length, 1);
    assert.equal(crossing.hops[0]!.ingress?.account, "BRIDGE");
    assert.ok(
      crossing.hops[0]!.steps.includes(
        "stream export to account OPS as tenant.BRIDGE.ops.log.info.bridge-app",
      ),
      crossing.hops[0]!.steps.join("; "),
    );

    // The echo request to a router goes down the leaf link, which authenticates as the router.
    // The router's own report comes back: nats-server lets a leaf node publish to the reply and
    // trace destination of a message it was sent (its user may publish nothing else there).
    let down = await traceMessage(ops, "ops.echo.router-1", "ping");
    await until(async () => {
      down = await traceMessage(ops, "ops.echo.router-1", "ping");
      return down.hops.some((h) => h.server === leaf.unitId);
    }, "the router's report of its hop");
    const [origin] = down.hops;
    const link = origin!.egress.find((e) => e.kind === "leaf node")!;
    assert.equal(link.name, leaf.unitId);
    const routerHop = down.hops.find((h) => h.server === leaf.unitId)!;
    assert.equal(routerHop.hop, link.hop);
    assert.equal(routerHop.ingress?.kind, "leaf node");
    assert.deepEqual(routerHop.egress.map((e) => e.name), ["router-guardian"]);
    assert.deepEqual(down.missing, []);
  } finally {
    await Promise.all([bridge.close(), ops.close(), onLeaf.close()]);
  }
});
