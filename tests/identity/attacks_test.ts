/**
 * The attacks of the identity issue, replayed against a real server in operator mode: each is
 * refused by the server (a permission error) or finds nothing to reach. Against the config-file
 * accounts of before (shared passwords, allow_responses, tenants exporting ops.>), all but the
 * $SRV one succeeded.
 */
import assert from "node:assert/strict";
import { connect as natsConnect } from "@nats-io/transport-node";
import type { Msg, NatsConnection } from "@nats-io/nats-core";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect } from "../../mods/client/mod.ts";
import { systemCredsFiles } from "../../mods/controller/mod.ts";
import {
  expectPublishRefused,
  expectSubscribeAllowed,
  expectSubscribeRefused,
  type NatsServer,
  startNats,
  TEST_HUB_UNIT,
  type TestIdentity,
  testIdentity,
  until,
} from "../_kit/mod.ts";

async function as(ns: NatsServer, who: TestIdentity): Promise<NatsConnection & AsyncDisposable> {
  const nc = await natsConnect({ servers: ns.url, ...who.nats, name: `attacker-${who.publicKey}` });
  return Object.assign(nc, { [Symbol.asyncDispose]: () => nc.close() });
}

/** OPS's JetStream with a victim stream and the units KV bucket, as the dashboard has them. */
async function victims(ns: NatsServer) {
  const ops = await as(ns, ns.users.ops);
  const jsm = await jetstreamManager(ops);
  await jsm.streams.add({ name: "victim", subjects: ["victim.>"] });
  const kv = await new Kvm(ops).create("nunect_units");
  return {
    ops,
    async intact() {
      const names: string[] = [];
      for await (const s of jsm.streams.names()) names.push(s);
      assert.ok(names.includes("victim"), "the victim stream was deleted");
      assert.equal(await kv.get("evil"), null, "a KV entry was written");
    },
  };
}

const DEPUTY_REPLIES = ["$JS.API.STREAM.DELETE.victim", "$KV.nunect_units.evil"];

/** The permission errors a connection receives, as text. */
function permissionErrors(nc: NatsConnection): string[] {
  const errors: string[] = [];
  (async () => {
    for await (const s of nc.status()) if (s.type === "error") errors.push(String(s.error));
  })();
  return errors;
}

/**
 * How many deputy replies nats-server refused at the requester's publish: newer servers refuse
 * any client's request with a `$JS.` reply ("Publish with Reply of"); 2.9 passes both on.
 */
const refusedAtSender = (errors: readonly string[]) =>
  errors.filter((e) => /Permissions Violation for Publish with Reply of/.test(e)).length;

Deno.test("echo: a browser pointing a guardian's echo at $JS/$KV gets nothing done", async () => {
  await using ns = await startNats();
  const v = await victims(ns);
  await using _ops = v.ops;
  await using guardian = await connect({
    servers: ns.url,
    ...(await ns.unit("g1", { role: "guardian" })).client,
  });
  guardian.serveEcho();
  await guardian.flush();
  await using attacker = await as(ns, await ns.unit("browser-evil", { role: "browser" }));
  const refused = permissionErrors(attacker);
  for (const reply of DEPUTY_REPLIES) attacker.publish("ops.echo.g1", "{}", { reply });
  await attacker.flush();
  // Each request was refused by the server at the browser's publish, or reached the responder,
  // which answered none: not inbox reply subjects.
  await until(
    () => guardian.echoRefused + refusedAtSender(refused) === 2,
    "the server or the guardian to refuse both deputy requests",
  );
  assert.ok(guardian.echoRefused >= 1, "the $KV reply reached the guardian and was refused");
  await v.intact();
  // It still answers a real request, from the browser's own inbox.
  const rtt = await connect({
    servers: ns.url,
    ...(await ns.unit("browser-ok", { role: "browser" })).client,
  });
  assert.ok((await rtt.echo("g1")) > 0);
  await rtt.close();
});

Deno.test("echo: even a responder that answers anything cannot publish to $JS/$KV (no allow_responses)", async () => {
  await using ns = await startNats();
  const v = await victims(ns);
  await using _ops = v.ops;
  // A unit's own naive responder (natscli `nats reply`, or an app's own code) answers every
  // request it gets; the server checks its publish like any other and refuses.
  await using naive = await as(ns, await ns.unit("g2", { role: "guardian" }));
  const errors = permissionErrors(naive);
  naive.subscribe("ops.echo.g2", { callback: (_e, m: Msg) => void m.respond(m.data) });
  await naive.flush();
  await using attacker = await as(ns, await ns.unit("browser-evil", { role: "browser" }));
  const refused = permissionErrors(attacker);
  for (const reply of DEPUTY_REPLIES) attacker.publish("ops.echo.g2", "{}", { reply });
  await attacker.flush();
  // Refused at the browser's publish (newer servers, a $JS reply) or at the responder's reply.
  await until(
    () => errors.length + refusedAtSender(refused) >= 2,
    "the server to refuse both deputy requests or both replies",
  );
  const all = [...errors, ...refused].join("\n");
  assert.match(
    all,
    /Permissions Violation for Publish (to|with Reply of) "\$JS\.API\.STREAM\.DELETE/,
  );
  assert.match(
    errors.join("\n"),
    /Permissions Violation for Publish to "\$KV\.nunect_units\.evil"/,
  );
  await v.intact();
});

Deno.test("echo: a tenant's echo requests never reach OPS guardians", async () => {
  await using ns = await startNats();
  await using guardian = await as(ns, await ns.unit("g1", { role: "guardian" }));
  const sub = guardian.subscribe("ops.echo.g1");
  await guardian.flush();
  await using tenant = await as(ns, await ns.unit("t1", { account: "BRIDGE" }));
  tenant.publish("ops.echo.g1", "{}", { reply: "$JS.API.STREAM.DELETE.victim" });
  // The tenant's own echo works inside its account: proof that the request was sent.
  const own = tenant.subscribe("ops.echo.t1", { max: 1 });
  await tenant.flush();
  tenant.publish("ops.echo.t1", "marker");
  for await (const _ of own) break;
  await guardian.flush();
  assert.equal(sub.getReceived(), 0, "a tenant's echo request reached an OPS guardian");
});

Deno.test("telemetry: a unit may publish only as itself", async () => {
  await using ns = await startNats();
  await using ops = await as(ns, ns.users.ops);
  const seen = ops.subscribe("ops.>");
  await ops.flush();
  await using g = await as(ns, await ns.unit("g1", { role: "guardian" }));
  for (
    const s of [
      "ops.heartbeat.nunect-hub",
      "ops.metric.rtt.nunect-hub",
      "ops.metric.time.nunect-hub",
      "ops.log.warn.nunect-hub",
      "ops.time.config",
    ]
  ) await expectPublishRefused(g, s);
  g.publish("ops.heartbeat.g1", "own");
  await g.flush();
  await until(() => seen.getReceived() === 1, "the unit's own heartbeat");
  await ops.flush();
  assert.equal(seen.getReceived(), 1, "a forged message reached OPS");
});

Deno.test("telemetry: only a time-master guardian publishes ops.time.config", async () => {
  await using ns = await startNats();
  await using listener = await as(ns, await ns.unit("g-listen", { role: "guardian" }));
  const sub = listener.subscribe("ops.time.config");
  await listener.flush();
  await using master = await as(
    ns,
    await ns.unit("g-master", { role: "guardian", timeMaster: true }),
  );
  master.publish("ops.time.config", "{}");
  await master.flush();
  await until(() => sub.getReceived() === 1, "the time master's config");
  await using app = await as(ns, await ns.unit("app-1"));
  await expectPublishRefused(app, "ops.time.config");
});

Deno.test("inboxes: browsers and guardians subscribe only their own", async () => {
  await using ns = await startNats();
  for (const [unit, role] of [["browser-b1", "browser"], ["g1", "guardian"]] as const) {
    await using nc = await as(ns, await ns.unit(unit, { role }));
    await expectSubscribeRefused(nc, "_INBOX.>");
    await expectSubscribeRefused(nc, "_INBOX.test-hub-dashboard.>");
    await expectSubscribeAllowed(nc, `_INBOX.${unit}.>`);
  }
});

Deno.test("tenants: time config and a forged hub heartbeat stay the tenant's", async () => {
  await using ns = await startNats();
  await using g = await as(ns, await ns.unit("g1", { role: "guardian" }));
  const timeConfig = g.subscribe("ops.time.config");
  await using ops = await as(ns, ns.users.ops);
  const asHub = ops.subscribe("ops.heartbeat.nunect-hub");
  const attributed: string[] = [];
  ops.subscribe("tenant.*.ops.>", { callback: (_e, m) => void attributed.push(m.subject) });
  await g.flush();
  await ops.flush();
  // Even a tenant user that may publish anything inside its own account (its own admin, an app
  // the tenant runs as it likes) reaches OPS only through the telemetry imports.
  await using t = await as(ns, await ns.unit("t1", { account: "ENGINE", extraPub: [">"] }));
  t.publish("ops.time.config", "{}");
  t.publish("ops.heartbeat.nunect-hub", "forged");
  await t.flush();
  await until(() => attributed.length === 1, "the tenant's heartbeat in OPS");
  assert.deepEqual(attributed, ["tenant.ENGINE.ops.heartbeat.nunect-hub"]);
  await g.flush();
  await ops.flush();
  assert.equal(timeConfig.getReceived(), 0, "a tenant's time config reached an OPS guardian");
  assert.equal(asHub.getReceived(), 0, "a tenant's heartbeat reached OPS as the hub");
});

Deno.test("$SRV: only guardians may answer the guardian service's discovery", async () => {
  await using ns = await startNats();
  const who = [
    await ns.unit("browser-b1", { role: "browser" }),
    await ns.unit("app-1"),
    await ns.unit("t1", { account: "PROVISION" }),
  ];
  for (const id of who) {
    await using nc = await as(ns, id);
    await expectSubscribeRefused(nc, "$SRV.PING.guardian");
    await expectSubscribeRefused(nc, "$SRV.>");
    await expectPublishRefused(nc, "$SRV.PING.guardian");
  }
  await using g = await as(ns, await ns.unit("g1", { role: "guardian" }));
  await expectSubscribeAllowed(g, "$SRV.PING.guardian");
  await expectSubscribeRefused(g, "$SRV.>");
});

Deno.test("units have no JetStream, $SYS or controller access", async () => {
  await using ns = await startNats();
  await using g = await as(ns, await ns.unit("g1", { role: "guardian" }));
  for (
    const s of [
      "$JS.API.INFO",
      "$JS.API.STREAM.DELETE.x",
      "$KV.nunect_units.x",
      "$SYS.REQ.SERVER.PING",
    ]
  ) {
    await expectPublishRefused(g, s);
  }
  await expectSubscribeRefused(g, "$SYS.>");
  await using sys = await as(ns, ns.users.sys);
  // The dashboard's SYS user reads and asks, but only the controller changes claims.
  await expectPublishRefused(sys, "$SYS.REQ.CLAIMS.UPDATE");
});

Deno.test("the controller hears connections in the system account only (its claims links)", async () => {
  await using ns = await startNats();
  const creds = await Deno.readTextFile(
    systemCredsFiles(ns.identityDir, TEST_HUB_UNIT).controllerSys,
  );
  await using controller = await as(ns, testIdentity(creds, "SYS", "controller-sys"));
  const key = (name: string) =>
    ns.controller().then((c) => c.account(name)).then((a) => a.publicKey);
  await expectSubscribeAllowed(controller, `$SYS.ACCOUNT.${await key("SYS")}.CONNECT`);
  for (
    const s of [
      `$SYS.ACCOUNT.${await key("OPS")}.CONNECT`,
      "$SYS.ACCOUNT.*.CONNECT",
      `$SYS.ACCOUNT.${await key("SYS")}.DISCONNECT`,
      "$SYS.>",
    ]
  ) {
    await expectSubscribeRefused(controller, s);
  }
});
