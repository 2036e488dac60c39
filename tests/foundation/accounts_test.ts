import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import {
  type Msg,
  type NatsConnection,
  PermissionViolationError,
  type Subscription,
  wsconnect,
} from "@nats-io/nats-core";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { jwtName } from "../../mods/monitor/mod.ts";
import {
  expectPublishRefused as assertPublishRefused,
  expectSubscribeRefused as assertSubscribeRefused,
  type NatsServer,
  startNats,
  type TestIdentity,
} from "../_kit/mod.ts";

const TIMEOUT_MS = 5000;

function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}`)), TIMEOUT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function as(ns: NatsServer, who: TestIdentity): Promise<NatsConnection & AsyncDisposable> {
  const nc = await connect({
    servers: ns.url,
    ...who.nats,
    name: `test-${who.publicKey.slice(0, 8)}`,
  });
  return Object.assign(nc, { [Symbol.asyncDispose]: () => nc.close() });
}

/** The next message of a subscription, as text. */
const iterators = new WeakMap<Subscription, AsyncIterator<Msg>>();
async function next(sub: Subscription, what: string): Promise<string> {
  // A subscription can be iterated once; keep its iterator across calls.
  let it = iterators.get(sub);
  if (it === undefined) iterators.set(sub, it = sub[Symbol.asyncIterator]());
  const r = await within(it.next(), what);
  assert.ok(!r.done, `${what}: the subscription ended`);
  return `${r.value.subject} ${r.value.string()}`;
}

Deno.test("a guardian publishes its own telemetry to OPS and is refused everything else", async () => {
  await using ns = await startNats();
  await using ops = await as(ns, ns.users.ops);
  await using guardian = await as(ns, await ns.unit("unit-1", { role: "guardian" }));
  const sub = ops.subscribe("ops.>");
  await ops.flush();

  guardian.publish("ops.heartbeat.unit-1", "hb");
  assert.equal(await next(sub, "the heartbeat"), "ops.heartbeat.unit-1 hb");
  guardian.publish("ops.metric.rtt.unit-1", "rtt");
  assert.equal(await next(sub, "the RTT metric"), "ops.metric.rtt.unit-1 rtt");

  await assertPublishRefused(guardian, "app.orders");
  await assertPublishRefused(guardian, "$JS.API.INFO");
  await assertSubscribeRefused(guardian, "ops.heartbeat.*");
  // Still connected and still allowed after the refusals.
  guardian.publish("ops.heartbeat.unit-1", "again");
  assert.equal(await next(sub, "the heartbeat after refusals"), "ops.heartbeat.unit-1 again");
});

Deno.test("a browser user publishes only its own telemetry and has no JetStream", async () => {
  await using ns = await startNats();
  await using ops = await as(ns, ns.users.ops);
  await using ui = await as(ns, await ns.unit("browser-1", { role: "browser" }));
  const sub = ops.subscribe("ops.>");
  await ops.flush();

  ui.publish("ops.heartbeat.browser-1", "hb");
  assert.equal(await next(sub, "the browser heartbeat"), "ops.heartbeat.browser-1 hb");
  ui.publish("ops.log.info.browser-1", "log");
  assert.equal(await next(sub, "the browser log"), "ops.log.info.browser-1 log");

  await assertPublishRefused(ui, "ops.metric.time.browser-1");
  await assertPublishRefused(ui, "ops.time.config");
  await assertPublishRefused(ui, "app.anything");
  await assertSubscribeRefused(ui, "ops.>");
  await assertSubscribeRefused(ui, "$SYS.>");
  await assert.rejects(
    () => jetstreamManager(ui, { timeout: 2000 }),
    (e: Error) => e instanceof PermissionViolationError || /permission/i.test(e.message),
  );
});

Deno.test("tenants are isolated: BRIDGE never receives ENGINE's messages", async () => {
  await using ns = await startNats();
  const tenantWide = { extraPub: [">"], extraSub: [">"] };
  await using bridge = await as(
    ns,
    await ns.unit("bridge-app", { account: "BRIDGE", ...tenantWide }),
  );
  await using engine = await as(
    ns,
    await ns.unit("engine-unit", { account: "ENGINE", ...tenantWide }),
  );
  const bridgeSub = bridge.subscribe(">");
  const engineSub = engine.subscribe("app.>");
  await bridge.flush();
  await engine.flush();

  engine.publish("app.orders", "engine-only");
  engine.publish("ops.log.info.engine-unit", "engine telemetry");
  // ENGINE's own subscriber got it, so the server has routed it; then a BRIDGE marker follows.
  assert.equal(await next(engineSub, "ENGINE's own message"), "app.orders engine-only");
  await engine.flush();
  bridge.publish("app.marker", "bridge");
  assert.equal(await next(bridgeSub, "BRIDGE's marker"), "app.marker bridge");
  assert.equal(bridgeSub.getReceived(), 1, "BRIDGE received nothing but its own marker");
});

Deno.test("a tenant's telemetry reaches OPS under the tenant's name (private export, prefixed import)", async () => {
  await using ns = await startNats();
  await using ops = await as(ns, ns.users.ops);
  const sub = ops.subscribe("tenant.*.ops.>");
  await ops.flush();
  for (const tenant of ["BRIDGE", "ENGINE", "PROVISION"] as const) {
    const unit = `${tenant.toLowerCase()}-unit`;
    await using nc = await as(ns, await ns.unit(unit, { account: tenant }));
    nc.publish(`ops.log.warn.${unit}`, `from ${tenant}`);
    await nc.flush();
    assert.equal(
      await next(sub, `${tenant}'s log`),
      `tenant.${tenant}.ops.log.warn.${unit} from ${tenant}`,
    );
  }
});

Deno.test("only SYS users see $SYS events", async () => {
  await using ns = await startNats();
  // Issued first: the controller's own connections are made then, before the subscription.
  const tenantUnit = await ns.unit("bridge-app", { account: "BRIDGE" });
  await using sys = await as(ns, ns.users.sys);
  await using ops = await as(ns, ns.users.ops);
  const sysSub = sys.subscribe("$SYS.ACCOUNT.*.CONNECT");
  const opsSub = ops.subscribe("$SYS.>");
  await sys.flush();
  await ops.flush();

  const connecting = await as(ns, tenantUnit);
  const event = JSON.parse((await next(sysSub, "a CONNECT event")).split(" ").slice(1).join(" "));
  assert.equal(event.client?.user, tenantUnit.publicKey);
  // The user JWT it connected with names it (name_tag is the user's up to 2.10, the account's
  // from 2.11 on).
  assert.equal(jwtName(event.client?.jwt ?? ""), "bridge-app");
  await connecting.close();
  // The event has been published; OPS has a subscription on $SYS.> in its own account and saw none.
  await ops.flush();
  assert.equal(opsSub.getReceived(), 0, "a non-system account received a $SYS event");

  await using guardian = await as(ns, await ns.unit("unit-1", { role: "guardian" }));
  await assertSubscribeRefused(guardian, "$SYS.>");
});

Deno.test("WebSocket accepts a browser client (wsconnect) whose messages reach OPS", async () => {
  await using ns = await startNats();
  await using ops = await as(ns, ns.users.ops);
  const sub = ops.subscribe("ops.heartbeat.*");
  await ops.flush();
  const ws = await wsconnect({
    servers: ns.wsUrl,
    ...(await ns.unit("browser-ws", { role: "browser" })).nats,
  });
  try {
    ws.publish("ops.heartbeat.browser-ws", "over websocket");
    await ws.flush();
    assert.equal(
      await next(sub, "the WebSocket heartbeat"),
      "ops.heartbeat.browser-ws over websocket",
    );
  } finally {
    await ws.close();
  }
});

Deno.test("JetStream works for OPS: stream, publish with ack, read back", async () => {
  await using ns = await startNats();
  await using ops = await as(ns, ns.users.ops);
  const jsm = await jetstreamManager(ops);
  await jsm.streams.add({ name: "FOUNDATION_TEST", subjects: ["ops.test.js.>"] });
  const js = jetstream(ops);
  const ack = await js.publish("ops.test.js.a", "stored");
  assert.equal(ack.stream, "FOUNDATION_TEST");
  assert.equal(ack.seq, 1);
  const msg = await jsm.streams.getMessage("FOUNDATION_TEST", { seq: 1 });
  assert.equal(msg?.string(), "stored");
});
