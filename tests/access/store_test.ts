/**
 * The access stores (users, login sessions) under a JetStream that does not answer: a missing
 * answer is an error (503), never "no such user" or "no such session", so a slow server cannot
 * end a session by its silence.
 *
 * @module
 */
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { z } from "zod";
import { AccessStoreUnavailableError } from "../../mods/access/mod.ts";
import { KvMap } from "../../mods/access/_kv_map.ts";
import { startNats, until } from "../_kit/mod.ts";
import { get, login, testDashboard } from "../dashboard/_harness.ts";

Deno.test("access store: a read JetStream does not answer throws; an absent key is undefined", async () => {
  await using ns = await startNats();
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    const map = await KvMap.open(nc, "nunect_test_access", z.object({ n: z.number() }), {
      description: "test",
    });
    await map.create("present", { n: 1 });
    assert.equal(await map.get("absent"), undefined, "absent, and JetStream said so");
    assert.deepEqual((await map.get("present"))?.value, { n: 1 });
    // JetStream stops answering: the server is gone (the connection reconnects for ever).
    await ns.stop();
    await assert.rejects(map.get("unknown-to-this-instance"), AccessStoreUnavailableError);
    assert.deepEqual((await map.get("present"))?.value, { n: 1 }, "known records still serve");
    map.close();
  } finally {
    await nc.close();
  }
});

Deno.test("sessions: a session store that cannot be read answers 503 and keeps the session", async () => {
  await using ns = await startNats();
  // Behind a load balancer: the login happens at A; B has not seen the session yet (its watch
  // is stopped here, standing for one that lags) and must ask the bucket.
  await using a = await testDashboard(ns, { UNIT_ID: "hub-a" });
  await using b = await testDashboard(ns, { UNIT_ID: "hub-b" });
  await b.services.need("sessions").close();
  const s = await login(a.app);
  await ns.stop();

  const page = await get(b.app, s, "/units");
  const text = await page.text();
  assert.equal(page.status, 503, `a page answered ${page.status}, not 503: ${text.slice(0, 200)}`);
  assert.equal(page.headers.get("location"), null, "no redirect to /login");
  assert.match(text, /session store .*did not answer/);
  assert.ok(
    !page.headers.getSetCookie().some((c) => c.startsWith("nunect_session=")),
    "the session cookie is neither replaced nor cleared",
  );
  const api = await get(b.app, s, "/api/units", { headers: { accept: "application/json" } });
  assert.equal(api.status, 503, "the API answers 503, not 401");
  assert.match((await api.json()).error.message, /session store .*did not answer/);

  // Once JetStream answers again, the same cookie works: the session was never ended.
  await ns.restart();
  await until(async () => {
    const r = await get(b.app, s, "/units");
    await r.body?.cancel();
    return r.status === 200;
  }, "the session to serve at B again");
});
