/**
 * Each dashboard session gets its own NATS user for its browser unit, issued by the controller:
 * permissions naming only that unit, expiring with the session, revoked at logout (its
 * connection is closed at once). No browser shares a credential with another.
 */
import assert from "node:assert/strict";
import { connect, ConnectError, type NunectClient } from "../../mods/client/mod.ts";
import { jwtClaims } from "../../mods/controller/mod.ts";
import { startNats, until } from "../_kit/mod.ts";
import { get, login, testDashboard } from "./_harness.ts";

const ORIGIN = "http://localhost";

interface BrowserCreds {
  unitId: string;
  creds: string;
  expiresAt: number;
  wsUrl: string;
}

function claimsOf(creds: string) {
  return jwtClaims(/-----BEGIN NATS USER JWT-----\s*(\S+)/.exec(creds)![1]!) as unknown as {
    sub: string;
    name: string;
    exp?: number;
    nats: { pub: { allow: string[] }; sub: { allow: string[] } };
  };
}

Deno.test("browser users: one per session and unit, naming only the unit, revoked at logout", async () => {
  await using ns = await startNats();
  await using d = await testDashboard(ns);
  const s1 = await login(d.app);
  const s2 = await login(d.app);
  const ask = async (s: typeof s1, unit: string) =>
    await (await get(d.app, s, `/api/browser/credentials/${unit}`)).json() as BrowserCreds;

  const a = await ask(s1, "browser-kiosk-1");
  const again = await ask(s1, "browser-kiosk-1");
  const other = await ask(s2, "browser-kiosk-1");
  const c = claimsOf(a.creds);
  assert.equal(c.name, "browser-kiosk-1");
  assert.equal(claimsOf(again.creds).sub, c.sub, "kept for the session, not one per page load");
  assert.notEqual(claimsOf(other.creds).sub, c.sub, "another session gets its own user");
  // It expires with the session (12 h here) and may publish only the unit's own telemetry.
  assert.ok(c.exp !== undefined && Math.abs(c.exp * 1000 - (Date.now() + 12 * 3600_000)) < 60_000);
  assert.deepEqual(c.nats.pub.allow.filter((p) => p.startsWith("ops.heartbeat")), [
    "ops.heartbeat.browser-kiosk-1",
  ]);
  assert.ok(!c.nats.pub.allow.includes("ops.time.config"));

  for (const bad of ["nunect-hub", "browser-", "browser-a.b", "test-hub-dashboard"]) {
    const res = await get(d.app, s1, `/api/browser/credentials/${encodeURIComponent(bad)}`);
    assert.equal(res.status, 400, bad);
    await res.body?.cancel();
  }

  // The browser connects over WebSocket with it, as the island does.
  await using browser: NunectClient = await connect({
    servers: a.wsUrl,
    unitId: a.unitId,
    creds: a.creds,
    reconnectTimeWaitMs: 50,
  });
  await using otherBrowser = await connect({
    servers: other.wsUrl,
    unitId: other.unitId,
    creds: other.creds,
  });
  assert.ok((await browser.echo("test-dashboard")) > 0, "the dashboard's echo answers");
  let lost = false;
  browser.on("disconnected", () => void (lost = true));

  const t0 = Date.now();
  const res = await get(d.app, s1, "/logout", {
    method: "POST",
    headers: { origin: ORIGIN, "content-type": "application/x-www-form-urlencoded" },
    body: `_csrf=${encodeURIComponent(s1.csrf)}`,
  });
  await res.body?.cancel();
  assert.equal(res.status, 303);
  await until(() => lost, "the logged-out session's browser to be disconnected", 2000);
  assert.ok(Date.now() - t0 < 2000);
  await assert.rejects(
    connect({ servers: a.wsUrl, unitId: a.unitId, creds: a.creds }),
    ConnectError,
  );
  // The other session's browser of the same unit stays.
  assert.ok(otherBrowser.isConnected);
  assert.ok((await otherBrowser.echo("test-dashboard")) > 0);
  // Recorded: who issued, who revoked.
  const records = await (await ns.controller()).users({ unitId: "browser-kiosk-1", all: true });
  const state = (k: string) => records.find((u) => u.publicKey === k);
  assert.equal(state(c.sub)?.issuedBy, "admin");
  assert.notEqual(state(c.sub)?.revokedAt, null);
  assert.equal(state(claimsOf(other.creds).sub)?.revokedAt, null);
});

Deno.test("browser users: an admin ending a session on the Sessions page disconnects its browsers", async () => {
  await using ns = await startNats();
  await using d = await testDashboard(ns);
  const victim = await login(d.app);
  const admin = await login(d.app);
  const a = await (await get(d.app, victim, "/api/browser/credentials/browser-tablet-9"))
    .json() as BrowserCreds;
  await using browser: NunectClient = await connect({
    servers: a.wsUrl,
    unitId: a.unitId,
    creds: a.creds,
    reconnectTimeWaitMs: 50,
  });
  let lost = false;
  browser.on("disconnected", () => void (lost = true));
  const sessions = await (await get(d.app, admin, "/api/sessions")).json() as {
    sessions: { ref: string }[];
    current: string;
  };
  const others = sessions.sessions.filter((s) => s.ref !== sessions.current);
  assert.equal(others.length, 1, JSON.stringify(sessions));
  const res = await get(d.app, admin, `/api/sessions/${others[0]!.ref}/end`, {
    method: "POST",
    headers: { origin: ORIGIN, "x-csrf-token": admin.csrf },
  });
  await res.body?.cancel();
  assert.equal(res.status, 200);
  await until(() => lost, "the ended session's browser to be disconnected", 2000);
  await assert.rejects(
    connect({ servers: a.wsUrl, unitId: a.unitId, creds: a.creds }),
    ConnectError,
  );
});

Deno.test("browser users: a session that ends by idle expiry has its browser users revoked, while a session in use keeps its own", async () => {
  await using ns = await startNats();
  // Sessions end after 4 s without a request (DASHBOARD_SESSION_IDLE_MIN in minutes, here in ms).
  await using d = await testDashboard(ns, {}, { sessions: { idleMs: 4000 } });
  const idle = await login(d.app);
  const busy = await login(d.app);
  const ask = async (s: typeof idle, unit: string) =>
    await (await get(d.app, s, `/api/browser/credentials/${unit}`)).json() as BrowserCreds;
  const a = await ask(idle, "browser-idle-1");
  const b = await ask(busy, "browser-busy-1");
  await using browser: NunectClient = await connect({
    servers: a.wsUrl,
    unitId: a.unitId,
    creds: a.creds,
    reconnectTimeWaitMs: 50,
  });
  await using busyBrowser: NunectClient = await connect({
    servers: b.wsUrl,
    unitId: b.unitId,
    creds: b.creds,
  });
  let lost = false;
  browser.on("disconnected", () => void (lost = true));

  // Nobody uses the first session again: it ends by idle expiry, and no request ever comes to
  // end it on the way. The second one is in use all along.
  await until(async () => {
    const res = await get(d.app, busy, "/api/me");
    await res.body?.cancel();
    assert.equal(res.status, 200, "the session in use stays");
    return lost;
  }, "the idle session's browser to be disconnected");
  await assert.rejects(
    connect({ servers: a.wsUrl, unitId: a.unitId, creds: a.creds }),
    ConnectError,
    "an idle-expired session's browser credentials no longer connect",
  );
  const over = await get(d.app, idle, "/api/me");
  await over.body?.cancel();
  assert.equal(over.status, 401, "the idle session is over");
  assert.ok(busyBrowser.isConnected);
  assert.ok((await busyBrowser.echo("test-dashboard")) > 0);
  const records = await (await ns.controller()).users({ all: true });
  const state = (creds: string) => records.find((u) => u.publicKey === claimsOf(creds).sub);
  assert.notEqual(state(a.creds)?.revokedAt, null, "recorded as revoked");
  assert.equal(state(b.creds)?.revokedAt, null);
});
