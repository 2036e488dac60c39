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
import { type Credentials, type NatsServer, startNats } from "../_kit/mod.ts";

const TIMEOUT_MS = 5000;

function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}`)), TIMEOUT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function as(ns: NatsServer, who: Credentials): Promise<NatsConnection & AsyncDisposable> {
  const nc = await connect({ servers: ns.url, ...who, name: `test-${who.user}` });
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

/** Publishes and expects the server's async permission error (nats.js v3: a status event). */
async function assertPublishRefused(nc: NatsConnection, subject: string): Promise<void> {
  const status = nc.status();
  const refused = (async () => {
    for await (const s of status) {
      if (s.type === "error" && s.error instanceof PermissionViolationError) return s.error;
    }
    throw new Error("status ended");
  })();
  nc.publish(subject, "should be refused");
  await nc.flush();
  const err = await within(refused, `a permission error for publishing to ${subject}`);
  assert.equal(err.operation, "publish");
  assert.equal(err.subject, subject);
}

/** Subscribes and expects the server to refuse: the subscription closes with the error. */
async function assertSubscribeRefused(nc: NatsConnection, subject: string): Promise<void> {
  const sub = nc.subscribe(subject);
  await nc.flush();
  const closed = await within(sub.closed, `the refused subscription to ${subject} to close`);
  assert.ok(closed instanceof PermissionViolationError, `subscribing to ${subject} was allowed`);
  assert.equal(closed.operation, "subscription");
}

Deno.test("guardian publishes its telemetry to OPS and is refused everything else", async () => {
  await using ns = await startNats();
  await using ops = await as(ns, ns.users.ops);
  await using guardian = await as(ns, ns.users.guardian);
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

Deno.test("the browser (ui) user publishes only its own telemetry and has no JetStream", async () => {
  await using ns = await startNats();
  await using ops = await as(ns, ns.users.ops);
  await using ui = await as(ns, ns.users.ui);
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
  await using bridge = await as(ns, ns.users.bridge);
  await using engine = await as(ns, ns.users.engine);
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

Deno.test("a tenant's ops.log.> message reaches an OPS subscriber (export/import)", async () => {
  await using ns = await startNats();
  await using ops = await as(ns, ns.users.ops);
  const sub = ops.subscribe("ops.log.>");
  await ops.flush();
  for (const tenant of ["bridge", "engine", "provision"] as const) {
    await using nc = await as(ns, ns.users[tenant]);
    nc.publish(`ops.log.warn.${tenant}-unit`, `from ${tenant}`);
    await nc.flush();
    assert.equal(await next(sub, `${tenant}'s log`), `ops.log.warn.${tenant}-unit from ${tenant}`);
  }
});

Deno.test("only SYS users see $SYS events", async () => {
  await using ns = await startNats();
  await using sys = await as(ns, ns.users.sys);
  await using ops = await as(ns, ns.users.ops);
  const sysSub = sys.subscribe("$SYS.ACCOUNT.*.CONNECT");
  const opsSub = ops.subscribe("$SYS.>");
  await sys.flush();
  await ops.flush();

  const connecting = await as(ns, ns.users.bridge);
  const event = JSON.parse((await next(sysSub, "a CONNECT event")).split(" ").slice(1).join(" "));
  assert.equal(event.client?.user, ns.users.bridge.user);
  await connecting.close();
  // The event has been published; OPS has a subscription on $SYS.> in its own account and saw none.
  await ops.flush();
  assert.equal(opsSub.getReceived(), 0, "a non-system account received a $SYS event");

  await using guardian = await as(ns, ns.users.guardian);
  await assertSubscribeRefused(guardian, "$SYS.>");
});

Deno.test("WebSocket accepts a browser client (wsconnect) whose messages reach OPS", async () => {
  await using ns = await startNats();
  await using ops = await as(ns, ns.users.ops);
  const sub = ops.subscribe("ops.heartbeat.*");
  await ops.flush();
  const ws = await wsconnect({ servers: ns.wsUrl, ...ns.users.ui });
  try {
    ws.publish("ops.heartbeat.ws-browser", "over websocket");
    await ws.flush();
    assert.equal(
      await next(sub, "the WebSocket heartbeat"),
      "ops.heartbeat.ws-browser over websocket",
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
