import assert from "node:assert/strict";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { AlertEngine, type AlertEvent, ALERTS_STREAM, AlertStore } from "../../mods/alerts/mod.ts";
import { connect as connectUnit } from "../../mods/client/mod.ts";
import { loadConfig } from "../../mods/config/mod.ts";
import {
  encodeFrame,
  FRAME_ENCODING_HEADER,
  frameOf,
  historySubject,
} from "../../mods/history/mod.ts";
import { UnitRegistry } from "../../mods/monitor/mod.ts";
import { type NatsServer, spawnProgram, startNats, until } from "../_kit/mod.ts";

const FAST = { attempts: 3, backoff: { initialMs: 20, factor: 2, maxMs: 100, resetAfterMs: 0 } };

function webhookReceiver() {
  const events: AlertEvent[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    events.push(JSON.parse(await req.text()));
    return new Response("ok");
  });
  return {
    events,
    url: `http://127.0.0.1:${server.addr.port}/hook`,
    port: server.addr.port,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

async function evaluator(ns: NatsServer, webhookUrl: string) {
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  const store = await AlertStore.open(nc);
  const units = await UnitRegistry.start(nc, { bucket: null, historyStream: null });
  const channels = loadConfig(["alerts"], (n) => ({ ALERT_WEBHOOK_URL: webhookUrl })[n]).alerts;
  const engine = await AlertEngine.start({
    nc,
    store,
    historyTier: "10s",
    units: () => units.units(),
    intervalMs: 200,
    channels,
    post: FAST,
  });
  return {
    nc,
    store,
    engine,
    async [Symbol.asyncDispose]() {
      await engine.close();
      await units.close();
      await nc.close();
    },
  };
}

Deno.test("alerts: two evaluators, a heartbeat stops and comes back: one firing and one resolved webhook, each once", async () => {
  await using ns = await startNats();
  await using hook = webhookReceiver();
  await using a = await evaluator(ns, hook.url);
  await using b = await evaluator(ns, hook.url);
  await a.store.putRule({
    id: "hb",
    name: "Heartbeat missing",
    type: "unit_heartbeat",
    threshold: 1.5,
    severity: "critical",
    target: "router-*",
    channels: ["webhook"],
  });
  const unit = await connectUnit({
    servers: ns.url,
    ...(await ns.unit("router-9", { role: "guardian" })).client,
  });
  const beat = unit.startHeartbeat({ intervalMs: 300, kind: "guardian" });
  await until(
    async () => (await a.store.states()).length === 0 && a.engine.stats().evaluations > 3,
    "a few quiet evaluations",
  );
  const stoppedAt = Date.now();
  beat.stop();
  await until(() => hook.events.some((e) => e.kind === "firing"), "the firing webhook", 10_000);
  const latencyMs = Date.now() - stoppedAt;
  assert.ok(latencyMs < 10_000, `${latencyMs} ms`);
  unit.startHeartbeat({ intervalMs: 300, kind: "guardian" });
  await until(() => hook.events.some((e) => e.kind === "resolved"), "the resolved webhook", 10_000);
  // Give a duplicate every chance to arrive before counting.
  await until(
    () => a.engine.stats().evaluations + b.engine.stats().evaluations > 40,
    "more evaluations",
  );
  assert.deepEqual(hook.events.map((e) => `${e.kind} ${e.target} #${e.episode}`), [
    "firing router-9 #1",
    "resolved router-9 #1",
  ]);
  const committed = a.engine.stats().committed + b.engine.stats().committed;
  assert.equal(committed, 2, "each transition committed by exactly one evaluator");
  assert.equal(a.engine.stats().delivered + b.engine.stats().delivered, 2);
  const history = await a.store.history();
  const outcomes = history.filter((h) => h.type === "outcome").map((h) =>
    h.data as { ok: boolean }
  );
  assert.deepEqual(outcomes.map((o) => o.ok), [true, true]);
  await unit.close();
});

async function publishLag(nc: NatsConnection, pending: number): Promise<void> {
  const t = Date.now() - (Date.now() % 10_000);
  const frame = frameOf("consumer", t, 10_000, { "OPS/orders/worker": { num_pending: pending } });
  const h = headers();
  h.set(FRAME_ENCODING_HEADER, "br");
  nc.publish(historySubject("10s", "consumer"), encodeFrame(frame)[0]!, { headers: h });
  await nc.flush();
}

Deno.test("alerts: history frames drive rules; acknowledge with a comment; a silence holds notifications back", async () => {
  await using ns = await startNats();
  await using hook = webhookReceiver();
  await using a = await evaluator(ns, hook.url);
  await a.store.putRule({
    id: "lag",
    name: "Orders lag",
    type: "consumer_lag",
    threshold: 100,
    channels: ["webhook"],
  });
  await publishLag(a.nc, 500);
  await until(async () => (await a.store.firingCount()) === 1, "the lag alert firing");
  await until(() => hook.events.length === 1, "its webhook");
  const acked = await a.store.acknowledge(
    "lag",
    "OPS/orders/worker",
    "admin",
    "draining the backlog",
  );
  assert.equal(acked.ack?.comment, "draining the backlog");
  await assert.rejects(
    () => a.store.acknowledge("lag", "OPS/nope", "admin", "x"),
    /No firing alert of rule "lag" on "OPS\/nope"/,
  );
  await a.store.silence({
    id: "maint",
    ruleId: "lag",
    until: new Date(Date.now() + 60_000).toISOString(),
    by: "admin",
    comment: "maintenance",
  });
  // A malformed frame on the history subject is counted and dropped.
  a.nc.publish(historySubject("10s", "consumer"), "{not json");
  await publishLag(a.nc, 0);
  await until(async () => (await a.store.firingCount()) === 0, "the alert resolved");
  await until(
    async () =>
      (await a.store.history()).some((h) =>
        h.type === "outcome" && (h.data as { silenced?: boolean }).silenced === true
      ),
    "a silenced outcome",
  );
  assert.equal(hook.events.length, 1, "the resolve was silenced");
  assert.equal(a.engine.stats().malformed, 1);
  const types = (await a.store.history()).map((h) => h.type);
  for (const t of ["event", "ack", "silence", "outcome"]) {
    assert.ok(types.includes(t), `${t} in ${types}`);
  }
  await assert.rejects(
    () => a.store.putRule({ id: "x", type: "consumer_lag" }),
    /Invalid rule: name/,
  );
});

Deno.test("alerts: mods/alerts/main.ts under -P=alerts reaches its webhook host and nothing else", async () => {
  await using ns = await startNats();
  await using hook = webhookReceiver();
  const env = {
    NATS_URL: ns.url,
    UNIT_ID: "hub",
    NATS_IDENTITY_DIR: ns.identityDir,
    ALERT_WEBHOOK_URL: hook.url,
    ALERT_EVAL_INTERVAL_S: "1",
  };
  await using program = spawnProgram({
    permissionSet: "alerts",
    entry: "mods/alerts/main.ts",
    denoFlags: [
      `--allow-net=127.0.0.1:${ns.port},127.0.0.1:${hook.port}`,
      `--allow-read=${ns.identityDir}/creds/alerts`,
    ],
    env,
  });
  await program.waitFor("channels: webhook", 20_000);
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    const store = await AlertStore.open(nc);
    await store.putRule({
      id: "lag",
      name: "Lag",
      type: "consumer_lag",
      threshold: 1,
      channels: ["webhook"],
    });
    await publishLag(nc, 5);
    await until(() => hook.events.length === 1, "the webhook from the program", 15_000);
    const result = await program.stop();
    assert.equal(result.code, 0, result.stderr);
  } finally {
    await nc.close();
  }
});

Deno.test("alerts: a unit that fell silent while no evaluator ran alerts once mods/alerts/main.ts starts (units read from the dashboard's bucket)", async () => {
  await using ns = await startNats();
  await using hook = webhookReceiver();
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    // The dashboard heard the unit; the unit died; no evaluator was running.
    const dashboard = await UnitRegistry.start(nc, { historyStream: null });
    const unit = await connectUnit({
      servers: ns.url,
      ...(await ns.unit("router-lost", { role: "guardian" })).client,
    });
    unit.startHeartbeat({ intervalMs: 300, kind: "guardian" });
    await until(() => dashboard.unit("router-lost") !== undefined, "the unit in the dashboard");
    await unit.close();
    await dashboard.close(); // writes its records
    const store = await AlertStore.open(nc);
    await store.putRule({
      id: "hb",
      name: "Heartbeat missing",
      type: "unit_heartbeat",
      threshold: 1,
      target: "router-*",
      channels: ["webhook"],
    });

    await using program = spawnProgram({
      permissionSet: "alerts",
      entry: "mods/alerts/main.ts",
      denoFlags: [
        `--allow-net=127.0.0.1:${ns.port},127.0.0.1:${hook.port}`,
        `--allow-read=${ns.identityDir}/creds/alerts`,
      ],
      env: {
        NATS_URL: ns.url,
        UNIT_ID: "hub",
        NATS_IDENTITY_DIR: ns.identityDir,
        ALERT_WEBHOOK_URL: hook.url,
        ALERT_EVAL_INTERVAL_S: "1",
      },
    });
    await until(
      () => hook.events.some((e) => e.kind === "firing" && e.target === "router-lost"),
      "the firing webhook for the unit that never spoke to this evaluator",
      20_000,
    );
    assert.equal(hook.events.length, 1);
    const result = await program.stop();
    assert.equal(result.code, 0, result.stderr);
  } finally {
    await nc.close();
  }
});

Deno.test("alerts: an evaluator killed between the state's compare-and-set and the event's publish loses no notification; two that take over send it once", async () => {
  await using ns = await startNats();
  await using hook = webhookReceiver();
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    await using program = spawnProgram({
      permissionSet: "alerts",
      entry: "mods/alerts/main.ts",
      denoFlags: [
        `--allow-net=127.0.0.1:${ns.port},127.0.0.1:${hook.port}`,
        `--allow-read=${ns.identityDir}/creds/alerts`,
      ],
      env: {
        NATS_URL: ns.url,
        UNIT_ID: "hub",
        NATS_IDENTITY_DIR: ns.identityDir,
        ALERT_WEBHOOK_URL: hook.url,
        ALERT_EVAL_INTERVAL_S: "1",
      },
    });
    await program.waitFor("channels: webhook", 20_000);
    const store = await AlertStore.open(nc);
    await store.putRule({
      id: "lag",
      name: "Lag",
      type: "consumer_lag",
      threshold: 1,
      channels: ["webhook"],
    });
    // The crash point: the alerts stream stops taking events, so the program's compare-and-set
    // succeeds and its publish cannot; then the program is killed (SIGKILL, nothing runs after).
    const jsm = await jetstreamManager(nc);
    const config = (await jsm.streams.info(ALERTS_STREAM)).config;
    await jsm.streams.update(ALERTS_STREAM, { ...config, subjects: ["nunect.alerts.paused"] });
    await publishLag(nc, 5);
    await until(async () => (await store.firingCount()) === 1, "the state committed", 15_000);
    await program.stop("SIGKILL");
    const events = async () =>
      (await store.history(0)).filter((h) => h.type === "event").map((h) => h.data as AlertEvent);
    await jsm.streams.update(ALERTS_STREAM, config);
    assert.deepEqual(await events(), [], "no event was published before the crash");
    const [left] = await store.states();
    assert.deepEqual(left!.outbox.map((e) => e.id), [`${left!.outbox[0]?.id}`]);
    assert.match(left!.outbox[0]!.id, /^lag\..+\.1\.firing$/, "the event waits in the outbox");

    // Two evaluators take over (neither saw the transition happen): the notification is sent,
    // once, and the outbox entry is cleared.
    await using b = await evaluator(ns, hook.url);
    await using c = await evaluator(ns, hook.url);
    await until(() => hook.events.length === 1, "the notification lost in the crash");
    await until(
      async () => (await store.states()).every((s) => s.outbox.length === 0),
      "the outbox emptied",
    );
    await until(
      () => b.engine.stats().evaluations + c.engine.stats().evaluations > 20,
      "more evaluations",
    );
    assert.deepEqual(hook.events.map((e) => `${e.kind} ${e.target} #${e.episode}`), [
      "firing OPS/orders/worker #1",
    ]);
    assert.equal((await events()).length, 1, "one event in the stream");
    assert.equal(b.engine.stats().committed + c.engine.stats().committed, 0);
    assert.ok(b.engine.stats().resent + c.engine.stats().resent >= 1, "sent from an outbox");
  } finally {
    await nc.close();
  }
});
