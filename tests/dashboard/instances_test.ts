import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { subjects } from "../../mods/protocol/mod.ts";
import { startNats, until } from "../_kit/mod.ts";
import { get, heartbeatJson, login, openStream, testDashboard } from "./_harness.ts";

Deno.test("two dashboard instances on one NATS system serve the same users", async () => {
  await using ns = await startNats();
  // Behind a load balancer: same configuration and secret, each its own UNIT_ID.
  await using a = await testDashboard(ns, { UNIT_ID: "hub-a" });
  await using b = await testDashboard(ns, { UNIT_ID: "hub-b" });
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    // A login on one instance is a login on the other.
    const s = await login(a.app);
    const page = await get(b.app, s, "/units");
    assert.equal(page.status, 200);
    await page.body?.cancel();

    // Both see the same units, from their own subscriptions.
    nc.publish(subjects.heartbeat("router-7"), heartbeatJson("router-7"));
    await until(
      () => a.units.unit("router-7") !== undefined && b.units.unit("router-7") !== undefined,
      "router-7 at both instances",
    );

    // A browser that followed instance A's stream goes on at B: B cannot resume A's IDs, so it
    // starts from a snapshot, then live.
    let lastId: string;
    {
      await using atA = await openStream(a.app, s, "topics=units");
      await atA.next((e) => e.event === "units", "a units event from A");
      lastId = atA.lastId;
    }
    assert.ok(lastId.startsWith(`${a.services.live.epoch}-`));
    await using atB = await openStream(b.app, s, "topics=units", { "last-event-id": lastId });
    const snapshot = JSON.parse((await atB.next((e) => e.event === "units", "B's snapshot")).data);
    assert.equal(snapshot.reset, true);
    assert.ok(snapshot.units.some((u: { unitId: string }) => u.unitId === "router-7"));

    // A unit forgotten through A is gone at B too (and B's page says so live).
    const forgot = await get(a.app, s, "/api/units/router-7/forget", {
      method: "POST",
      headers: { origin: "http://localhost", "x-csrf-token": s.csrf },
    });
    assert.equal(forgot.status, 200);
    await forgot.body?.cancel();
    await atB.next(
      (e) => e.event === "units" && JSON.parse(e.data).removed?.includes("router-7"),
      "B removing router-7",
    );
    const view = await (await get(b.app, s, "/api/units")).json();
    assert.ok(!view.units.some((u: { unitId: string }) => u.unitId === "router-7"));
  } finally {
    await nc.close();
  }
});
