/**
 * API tokens from creation to revocation against a real server: shown once, stored hashed,
 * scoped within their user, expiring, revoked at once; `Authorization: Bearer` on /api only,
 * no CSRF token needed, and a token in the session cookie is worth nothing.
 *
 * @module
 */
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { TokenStore } from "../../mods/access/mod.ts";
import { startNats } from "../_kit/mod.ts";
import { get, login, testDashboard } from "../dashboard/_harness.ts";
import { post, userSession } from "./_access.ts";

Deno.test("tokens: created once, used as Bearer on /api only without CSRF, scoped, revoked at once", async (t) => {
  await using ns = await startNats();
  await using d = await testDashboard(ns);
  const admin = await login(d.app);
  const bearer = (token: string, path: string, init: RequestInit = {}) =>
    d.app.request(path, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...init.headers as Record<string, string> },
    });

  const created = await post(d.app, admin, "/api/tokens", { name: "ci", days: 7 });
  assert.equal(created.status, 200);
  const { token, id, role, scope } = await created.json();
  assert.match(token, /^nunect_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
  assert.equal(role, "admin");
  assert.equal(scope, null);

  await t.step("the secret is shown once and stored only as a hash", async () => {
    const list = await (await get(d.app, admin, "/api/tokens")).json();
    assert.equal(list.tokens.length, 1);
    assert.ok(!JSON.stringify(list).includes(token.split("_")[2]), "never listed again");
    const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
    try {
      const entry = await (await new Kvm(nc).open("nunect_tokens")).get(id);
      const stored = new TextDecoder().decode(entry!.value);
      assert.ok(!stored.includes(token.split("_")[2]), "the bucket holds no secret");
      assert.match(stored, /"hash":"[0-9a-f]{64}"/);
    } finally {
      await nc.close();
    }
  });

  await t.step("Bearer works on /api, writes need no CSRF token, pages refuse it", async () => {
    assert.equal((await bearer(token, "/api/varz")).status, 200);
    const write = await bearer(token, "/api/users", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "scripted", role: "viewer", password: "scripted-password-1" }),
    });
    assert.equal(write.status, 200, await write.text());
    // an identity change (the controller acts for the requester): named by the token's user
    const account = await bearer(token, "/api/identity/accounts", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "SCRIPTED" }),
    });
    assert.equal(account.status, 200, await account.text());
    // what only a browser session has: a clear refusal, not an error of the server
    const browser = await bearer(token, "/api/browser/credentials/browser-scripted");
    assert.equal(browser.status, 403);
    assert.match((await browser.json()).error.message, /needs a logged-in browser session/);
    const page = await bearer(token, "/");
    assert.equal(page.status, 401);
    assert.equal(
      (await bearer("nunect_0000000000000000_" + "A".repeat(43), "/api/varz")).status,
      401,
    );
    assert.equal(
      (await bearer(token, "/api/varz", { headers: { authorization: `Basic x` } })).status,
      401,
    );
  });

  await t.step("a cookie never accepts a token", async () => {
    for (
      const cookie of [`nunect_session=${token}`, `nunect_session=${encodeURIComponent(token)}.x`]
    ) {
      const res = await d.app.request("/api/varz", { headers: { cookie } });
      assert.equal(res.status, 401, cookie.slice(0, 30));
    }
  });

  await t.step("a token cannot mint tokens or change its user's password", async () => {
    const res = await bearer(token, "/api/tokens", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "child" }),
    });
    assert.equal(res.status, 403);
    assert.match(await res.text(), /needs a login session/);
  });

  await t.step("a token is never more than its user, now", async () => {
    const otto = await userSession(d.app, admin, "otto", "operator", ["BRIDGE"]);
    const tooHigh = await post(d.app, otto, "/api/tokens", { name: "x", role: "admin" });
    assert.equal(tooHigh.status, 403);
    const tooWide = await post(d.app, otto, "/api/tokens", { name: "x", scope: null });
    assert.equal(tooWide.status, 403);
    const { token: viewerToken } = await (await post(d.app, otto, "/api/tokens", {
      name: "read-only",
      role: "viewer",
    })).json();
    assert.equal((await bearer(viewerToken, "/api/streams")).status, 200);
    assert.equal((await bearer(viewerToken, "/api/varz")).status, 403, "server-wide: not BRIDGE's");
    const purge = await bearer(viewerToken, "/api/streams/BRIDGE/x/purge", { method: "POST" });
    assert.equal(purge.status, 403, "a viewer token cannot purge though its user could");
    // The user loses the operator role: its tokens lose it at once.
    const { token: opToken } = await (await post(d.app, otto, "/api/tokens", { name: "op" }))
      .json();
    await post(d.app, admin, "/api/users/otto", { role: "viewer" });
    const after = await bearer(opToken, "/api/streams/BRIDGE/x/purge", { method: "POST" });
    assert.equal(after.status, 403);
    // Disabled: every token of the user is refused.
    await post(d.app, admin, "/api/users/otto/disable");
    assert.equal((await bearer(viewerToken, "/api/streams")).status, 401);
  });

  await t.step("revoked: refused at once", async () => {
    const res = await post(d.app, admin, `/api/tokens/${id}/revoke`);
    assert.equal(res.status, 200);
    assert.equal((await bearer(token, "/api/varz")).status, 401);
  });
});

Deno.test("tokens: an expired token is refused; the store keeps only the hash", async () => {
  await using ns = await startNats();
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    const store = await TokenStore.open(nc, { bucket: "test_tokens" });
    const owner = { name: "anna", role: "operator" as const, scope: null, disabled: false };
    const now = Date.now();
    const { token, view } = await store.create(owner, { name: "short", days: 1 }, now);
    const lookup = () => Promise.resolve(owner);
    assert.ok(await store.verify(token, lookup, now + 3600_000));
    assert.equal(await store.verify(token, lookup, view.expires), undefined, "expired");
    assert.equal(await store.verify(token.slice(0, -1) + "x", lookup, now), undefined, "altered");
    store.close();
  } finally {
    await nc.close();
  }
});
