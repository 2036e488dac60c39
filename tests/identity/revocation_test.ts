import assert from "node:assert/strict";
import { connect, ConnectError, type NunectClient } from "../../mods/client/mod.ts";
import { startLeafNode, startNats, until } from "../_kit/mod.ts";

function authRefused(e: unknown): boolean {
  return e instanceof ConnectError && /Authorization Violation|authentication/i.test(e.message);
}

/** Resolves with the time the client lost its connection. */
function disconnectedAt(client: NunectClient): Promise<number> {
  return new Promise((resolve) => {
    client.on("disconnected", () => resolve(Date.now()));
    client.closed().then(() => resolve(Date.now()));
  });
}

Deno.test("revoking a unit closes its live connection within 2 s and refuses it from then on", async () => {
  await using ns = await startNats();
  const unit = await ns.unit("router-9", { role: "guardian" });
  await using client = await connect({ servers: ns.url, ...unit.client, reconnectTimeWaitMs: 50 });
  const lost = disconnectedAt(client);
  const controller = await ns.controller();
  const t0 = Date.now();
  const revoked = await controller.revoke("OPS", { unitId: "router-9" }, "test");
  assert.deepEqual(revoked.map((u) => u.publicKey), [unit.publicKey]);
  const ms = (await lost) - t0;
  assert.ok(ms < 2000, `disconnected after ${ms} ms`);
  await assert.rejects(connect({ servers: ns.url, ...unit.client }), authRefused);
  // Listed as revoked, and the account's revocation list holds the key.
  const [listed] = await controller.users({ unitId: "router-9", all: true });
  assert.ok(listed?.revokedAt !== null && listed?.active === false);
  const lookup = await controller.lookupAccount("OPS");
  assert.ok(lookup.inSync);
  const revocations = (lookup.claims?.nats as { revocations?: Record<string, number> })
    .revocations ?? {};
  assert.ok(unit.publicKey in revocations);
});

Deno.test("a browser user expires with its session: the server closes it at the JWT's expiry", async () => {
  await using ns = await startNats();
  const expiresAt = Date.now() + 2500;
  const b = await ns.unit("browser-session-1", { role: "browser", expiresAt });
  await using client = await connect({ servers: ns.url, ...b.client, reconnect: false });
  await client.closed();
  const late = Date.now() - expiresAt;
  // JWT expiry has one-second resolution; the server closes the connection when it passes.
  assert.ok(late < 2000, `closed ${late} ms after the expiry`);
  // From the next whole second on, the server refuses the expired JWT.
  const exp = Math.floor(expiresAt / 1000);
  await until(() => Date.now() > (exp + 1) * 1000, "the second after the expiry", 3000);
  await assert.rejects(connect({ servers: ns.url, ...b.client }), authRefused);
});

Deno.test("a claims update raises a tenant's connection limit without a restart", async () => {
  await using ns = await startNats();
  const controller = await ns.controller();
  await controller.createAccount({ name: "ACME", limits: { connections: 1 } }, "test");
  const a1 = await ns.unit("acme-1", { account: "ACME" });
  const a2 = await ns.unit("acme-2", { account: "ACME" });
  await using first = await connect({ servers: ns.url, ...a1.client });
  await assert.rejects(
    connect({ servers: ns.url, ...a2.client, timeoutMs: 3000 }),
    ConnectError,
    "a second connection was accepted at a limit of one",
  );
  const pid = ns.pid;
  await controller.updateAccount("ACME", { limits: { connections: 2 } }, "test");
  await using second = await connect({ servers: ns.url, ...a2.client });
  assert.equal(ns.pid, pid, "the server was restarted");
  assert.ok(first.isConnected && second.isConnected);
  const lookup = await controller.lookupAccount("ACME");
  assert.equal((lookup.claims?.nats as { limits: { conn: number } }).limits.conn, 2);
});

Deno.test("a stolen router's credentials stop working after revocation", async () => {
  await using hub = await startNats();
  await using leaf = await startLeafNode(hub, { unitId: "router-stolen" });
  await using onLeaf = await connect({ servers: leaf.url, ...leaf.identity.client });
  await using ops = await connect({ servers: hub.url, ...hub.users.ops.client });
  let beats = 0;
  ops.subscribe("ops.heartbeat.router-stolen", () => {
    beats++;
  });
  await ops.flush();
  // The hub's interest reaches the leaf node a moment after the subscription: send until one
  // arrives.
  await until(() => {
    if (beats === 0) onLeaf.publish("ops.heartbeat.router-stolen", {});
    return beats > 0;
  }, "the router's heartbeat through its link");

  await (await hub.controller()).revoke("OPS", { unitId: "router-stolen" }, "test");
  await until(
    async () => {
      const leafz = await (await fetch(`${hub.monitorUrl}/leafz`)).json();
      return (leafz.leafnodes ?? 0) === 0;
    },
    "the hub to drop the router's link",
    2000,
  );
  // Whatever runs on the router is cut off: its server took the revocation over the router's
  // claims link before that link went too, and dropped the router's own local connection; the
  // credentials taken from it are refused at the hub's client port and at the router's server.
  await until(() => !onLeaf.isConnected, "the router's server to drop the router's connection");
  await assert.rejects(connect({ servers: hub.url, ...leaf.identity.client }), authRefused);
  await assert.rejects(connect({ servers: leaf.url, ...leaf.identity.client }), authRefused);
  const log = await hub.log();
  assert.match(log, /router-stolen|Authorization|authentication error/i);
});
