/**
 * The JetStream console's NATS rights follow the requester's role: the connection the dashboard
 * is given for a viewer, an operator or an admin (through the real path: DashboardServices,
 * ConsoleAccounts, the controller's `console.issue`), used past the route table on purpose, is
 * refused by nats-server itself for what the role may not do. A role change closes the
 * connections kept for the old role.
 *
 * @module
 */
import assert from "node:assert/strict";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";
import type { NatsConnection } from "@nats-io/nats-core";
import { Svcm } from "@nats-io/services";
import {
  accountServices,
  browseMessages,
  downloadObject,
  getEntry,
  listKeys,
  listObjects,
  putKey,
  replayMessages,
  searchMessages,
  uploadObject,
  watchKeys,
} from "../../mods/jetstream/mod.ts";
import { serverHas, startNats, until } from "../_kit/mod.ts";
import { get, login, testDashboard } from "../dashboard/_harness.ts";
import { post, userSession } from "../access/_access.ts";

/** Asserts that nats-server refused a publish to `subject` (a permissions violation). */
async function refused(p: Promise<unknown>, subject: string): Promise<void> {
  await assert.rejects(p, (e: Error) => {
    const m = `${e.message} ${(e.cause as Error | undefined)?.message ?? ""}`;
    assert.match(m, /Permissions Violation for Publish/i, m);
    assert.ok(m.includes(subject), `the refusal names ${subject}: ${m}`);
    return true;
  });
}

const text = (s: string) => new Blob([s]).stream();

async function readAll(body: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(body).text();
}

Deno.test("console users: nats-server refuses a viewer's writes and an operator's admin actions", async (t) => {
  await using ns = await startNats();
  await using d = await testDashboard(ns, { TELEMETRY_HISTORY_MAX_MB: "32" });
  const as = (user: string, role: "viewer" | "operator" | "admin") =>
    d.services.account("BRIDGE", { user, role });

  const admin = await as("ann", "admin");
  const ajsm = await jetstreamManager(admin.nc);
  await ajsm.streams.add({ name: "orders", subjects: ["orders.>"], allow_direct: true });
  for (let i = 1; i <= 5; i++) await jetstream(admin.nc).publish(`orders.${i}`, `order ${i}`);
  await ajsm.consumers.add("orders", { durable_name: "billing", ack_policy: "explicit" });
  const kv = await new Kvm(admin.nc).create("cfg", { history: 5 });
  await kv.put("mode", "on");
  await new Objm(admin.nc).create("files");
  await uploadObject(admin, "files", { name: "a.txt" }, text("hello object"));
  const svcm = new Svcm(admin.nc as unknown as ConstructorParameters<typeof Svcm>[0]);
  const svc = await svcm.add({ name: "pricing", version: "1.0.0" });
  svc.addEndpoint("quote", { subject: "pricing.quote", handler: (_e, m) => void m.respond("42") });

  const count = async () => (await ajsm.streams.info("orders")).state.messages;

  const viewer = await as("vera", "viewer");
  const operator = await as("otto", "operator");
  assert.notEqual(viewer.nc, admin.nc);
  assert.notEqual(operator.nc, viewer.nc);

  await t.step(
    "a viewer reads streams, messages, consumers, KV, objects and services",
    async () => {
      const jsm = await jetstreamManager(viewer.nc);
      assert.equal((await jsm.streams.info("orders")).state.messages, 5);
      assert.equal((await jsm.consumers.info("orders", "billing")).name, "billing");
      const page = await browseMessages(viewer.nc, "orders", { limit: 3 });
      assert.deepEqual(page.messages.map((m) => m.seq), [1, 2, 3]);
      const found: number[] = [];
      for await (const e of searchMessages(viewer.nc, "orders", { text: "order 4" })) {
        if (e.type === "match") found.push(e.message.seq);
      }
      assert.deepEqual(found, [4]);
      assert.equal((await getEntry(viewer, "cfg", "mode")).value.text, "on");
      assert.deepEqual((await listKeys(viewer, "cfg")).keys.map((k) => k.key), ["mode"]);
      assert.deepEqual((await listObjects(viewer, "files")).map((o) => o.name), ["a.txt"]);
      const { body } = await downloadObject(viewer, "files", "a.txt");
      assert.equal(await readAll(body), "hello object");
      const services = await accountServices(viewer, "pricing", 1000);
      assert.equal(services.length, 1);

      const ac = new AbortController();
      const watch = watchKeys(viewer, "cfg", ">", ac.signal);
      const next = watch.next();
      let seen = false;
      void next.then(() => seen = true);
      await until(async () => {
        if (!seen) await kv.put("mode", "off");
        return seen;
      }, "the viewer's watch to see a change");
      ac.abort();
      assert.equal((await next).value?.key, "mode");
    },
  );

  await t.step("nats-server refuses a viewer's publish, purge, deletes and KV put", async () => {
    const js = jetstream(viewer.nc);
    const jsm = await jetstreamManager(viewer.nc);
    await refused(js.publish("orders.6", "forged"), "orders.6");
    await refused(jsm.streams.purge("orders"), "$JS.API.STREAM.PURGE.orders");
    await refused(jsm.streams.deleteMessage("orders", 1), "$JS.API.STREAM.MSG.DELETE.orders");
    await refused(jsm.streams.delete("orders"), "$JS.API.STREAM.DELETE.orders");
    await refused(jsm.consumers.delete("orders", "billing"), "$JS.API.CONSUMER.DELETE.orders");
    await refused(
      jsm.consumers.add("orders", { durable_name: "spy", ack_policy: "none" }),
      "$JS.API.CONSUMER.CREATE.orders",
    );
    await refused(new Kvm(js).create("forged"), "$JS.API.STREAM.CREATE.KV_forged");
    await refused(
      putKey(viewer, "cfg", "mode", { value: "hijacked", encoding: "text" }),
      "$KV.cfg.mode",
    );
    await refused(viewer.nc.request("pricing.quote", "1"), "pricing.quote");
    // A replay runs on the requester's connection: a viewer's copies are refused.
    await refused(
      replayMessages(viewer, "orders", { fromSeq: 1, toSeq: 2 }, { to: "orders.copy" }),
      "orders.copy",
    );
    // A plain publish has no answer to refuse: the server drops it, nothing is stored.
    viewer.nc.publish("orders.7", "forged");
    await viewer.nc.flush();
    assert.equal(await count(), 5);
    assert.equal((await kv.get("mode"))?.string(), "off");
    assert.equal((await ajsm.consumers.info("orders", "billing")).name, "billing");
  });

  await t.step(
    "an operator writes data; nats-server refuses its stream creation and deletion",
    async () => {
      const js = jetstream(operator.nc);
      const jsm = await jetstreamManager(operator.nc);
      assert.equal((await js.publish("orders.6", "by operator")).seq, 6);
      assert.equal((await jsm.streams.purge("orders", { filter: "orders.1" })).purged, 1);
      assert.equal(await jsm.streams.deleteMessage("orders", 2), true);
      await putKey(operator, "cfg", "mode", { value: "operated", encoding: "text" });
      assert.equal((await kv.get("mode"))?.string(), "operated");
      await jsm.consumers.add("orders", { durable_name: "audit", ack_policy: "explicit" });
      if (serverHas("consumer_pause")) {
        await jsm.consumers.pause("orders", "audit", new Date(Date.now() + 60_000));
        await jsm.consumers.resume("orders", "audit");
      }
      await jsm.consumers.delete("orders", "audit");
      await uploadObject(operator, "files", { name: "b.txt" }, text("by operator"));

      await refused(
        jsm.streams.add({ name: "extra", subjects: ["extra.>"] }),
        "$JS.API.STREAM.CREATE.extra",
      );
      await refused(
        jsm.streams.update("orders", { max_msgs: 1 }),
        "$JS.API.STREAM.UPDATE.orders",
      );
      await refused(jsm.streams.delete("orders"), "$JS.API.STREAM.DELETE.orders");
      await refused(new Kvm(js).create("forged"), "$JS.API.STREAM.CREATE.KV_forged");
      // Through the hub's JetStream domain: the server maps the subject to `$JS.API…` first and
      // refuses that (its -ERR names the mapped subject, so the request only times out).
      await assert.rejects(
        operator.nc.request("$JS.hub.API.STREAM.DELETE.orders", "", { timeout: 1000 }),
      );
      await refused(
        operator.nc.request("$JS.API.STREAM.RESTORE.copy", JSON.stringify({ config: {} })),
        "$JS.API.STREAM.RESTORE.copy",
      );
      assert.deepEqual((await ajsm.streams.names().next()).sort(), [
        "KV_cfg",
        "OBJ_files",
        "orders",
      ]);
      assert.equal((await ajsm.streams.info("orders")).config.max_msgs, -1);
    },
  );

  await t.step("an admin creates and deletes streams", async () => {
    await ajsm.streams.add({ name: "extra", subjects: ["extra.>"] });
    assert.equal(await ajsm.streams.delete("extra"), true);
  });
  await svc.stop();
});

Deno.test("console users: a role change closes the connections kept for the old role", async () => {
  await using ns = await startNats();
  await using d = await testDashboard(ns, { TELEMETRY_HISTORY_MAX_MB: "32" });
  const adminSession = await login(d.app);
  const rolf = await userSession(d.app, adminSession, "rolf", "admin");
  const created = await post(d.app, rolf, "/api/streams/BRIDGE", {
    name: "kept",
    subjects: ["kept.>"],
  });
  assert.equal(created.status, 200, await created.text());
  // The connection the route used, kept for rolf as admin.
  const before: NatsConnection =
    (await d.services.account("BRIDGE", { user: "rolf", role: "admin" })).nc;
  assert.equal((await (await jetstreamManager(before)).streams.info("kept")).config.name, "kept");

  const res = await post(d.app, adminSession, "/api/users/rolf", { role: "viewer" });
  assert.equal(res.status, 200, await res.text());
  await until(() => before.isClosed(), "the admin console connection of rolf to close");

  // Through the routes, rolf now reads with a viewer's console user.
  const info = await get(d.app, rolf, "/api/streams/BRIDGE/kept", {
    headers: { accept: "application/json" },
  });
  assert.equal(info.status, 200, await info.clone().text());
  assert.equal((await info.json()).info.config.name, "kept");
  const after = await d.services.account("BRIDGE", { user: "rolf", role: "viewer" });
  assert.notEqual(after.nc, before);
  const jsm = await jetstreamManager(after.nc);
  await refused(jsm.streams.delete("kept"), "$JS.API.STREAM.DELETE.kept");
  assert.equal((await jsm.streams.info("kept")).config.name, "kept");
});
