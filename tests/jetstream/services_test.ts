import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { Svcm } from "@nats-io/services";
import {
  callEndpoint,
  InvalidInputError,
  listServices,
  NotFoundError,
  subjectMatches,
} from "../../mods/jetstream/mod.ts";
import { startJs, testPool } from "./_setup.ts";

const requester = { user: "admin", role: "admin" } as const;

Deno.test("subjectMatches follows NATS wildcards", () => {
  assert.ok(subjectMatches("a.*.c", "a.b.c"));
  assert.ok(subjectMatches("a.>", "a.b.c"));
  assert.ok(!subjectMatches("a.>", "a"));
  assert.ok(!subjectMatches("a.*", "a.b.c"));
  assert.ok(subjectMatches("a.b", "a.b"));
});

Deno.test("services of every account: list with stats and RTT, call an announced endpoint", async () => {
  await using js = await startJs();
  await using pool = await testPool(js.ns);
  const bridgeNc = await connect({ servers: js.ns.url, ...(await js.ns.console("BRIDGE")).nats });
  try {
    const svcm = new Svcm(bridgeNc as unknown as ConstructorParameters<typeof Svcm>[0]);
    const svc = await svcm.add({
      name: "pricing",
      version: "1.2.0",
      description: "prices",
      metadata: { team: "a" },
    });
    svc.addEndpoint("quote", {
      subject: "pricing.quote",
      handler: (_e, m) => void m.respond(`price of ${m.string()}: 42`),
    });
    svc.addEndpoint("status", {
      subject: "$SRV.STATUS.pricing.1",
      handler: (_e, m) => void m.respond('{"ok":true}'),
    });
    svc.addEndpoint("by-region", {
      subject: "pricing.region.*",
      handler: (_e, m) => void m.respond(m.subject),
    });
    const contexts = await Promise.all(pool.accounts().map((a) => pool.connect(a, requester)));

    const list = await listServices(contexts);
    assert.deepEqual(list.errors, []);
    assert.equal(list.services.length, 1, "only BRIDGE runs a service");
    const s = list.services[0]!;
    assert.deepEqual([s.account, s.name, s.version, s.description, s.metadata.team], [
      "BRIDGE",
      "pricing",
      "1.2.0",
      "prices",
      "a",
    ]);
    assert.ok(s.rttMs !== null && s.rttMs >= 0);
    assert.deepEqual(s.endpoints.map((e) => e.name).sort(), ["by-region", "quote", "status"]);

    const bridge = await pool.connect("BRIDGE", requester);
    const reply = await callEndpoint(bridge, {
      service: "pricing",
      endpoint: "quote",
      payload: "tea",
    });
    assert.equal(reply.payload.text, "price of tea: 42");
    // Announced endpoints may live on $SRV subjects; they are callable because the service announced them.
    const status = await callEndpoint(bridge, { service: "pricing", endpoint: "status" });
    assert.equal(status.kind, "json");
    const region = await callEndpoint(bridge, {
      service: "pricing",
      endpoint: "by-region",
      subject: "pricing.region.eu",
    });
    assert.equal(region.payload.text, "pricing.region.eu");
    await assert.rejects(
      callEndpoint(bridge, { service: "pricing", endpoint: "by-region", subject: "other.eu" }),
      /listens on "pricing.region.\*": give a subject matching it/,
    );
    await assert.rejects(callEndpoint(bridge, { service: "pricing", endpoint: "nope" }), (e) => {
      assert.ok(e instanceof InvalidInputError);
      assert.match(e.message, /has no endpoint "nope": it has quote, status, by-region/);
      return true;
    });
    const ops = await pool.connect("OPS", requester);
    await assert.rejects(
      callEndpoint(ops, { service: "pricing", endpoint: "quote" }),
      (e) =>
        e instanceof NotFoundError &&
        /Service "pricing" not found in account "OPS"/.test(e.message),
    );
    const after = await listServices([bridge]);
    assert.equal(after.services[0]!.endpoints.find((e) => e.name === "quote")!.requests, 1);
    await svc.stop();
  } finally {
    await bridgeNc.close();
  }
});
