/**
 * The audit trail of the dashboard: every state-changing route of the table leaves a record
 * (refused and failed ones too), with who, role, scope, action, target and result; configuration
 * changes carry before and after; logins and logouts are recorded; the Audit page filters and
 * exports; and no route can change or delete a record. A write is answered as done only once its
 * record is stored.
 *
 * @module
 */
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { AUDIT_STREAM, ensureAuditStream } from "../../mods/audit/mod.ts";
import { ROUTES } from "../../routes/table.ts";
import { startNats, until } from "../_kit/mod.ts";
import { ADMIN, get, login, loginForm, postLogin, testDashboard } from "../dashboard/_harness.ts";
import { pathOf, post, userSession } from "./_access.ts";

type Rec = {
  actor: string;
  role?: string;
  scope?: string;
  action: string;
  target: string;
  ok: boolean;
  status?: number;
  request?: string;
  before: unknown;
  after: unknown;
  via?: string;
  error?: string;
};

Deno.test("audit trail: every write of the table is recorded, refused or not; changes carry before and after", async (t) => {
  await using ns = await startNats();
  await using d = await testDashboard(ns, { TELEMETRY_HISTORY_MAX_MB: "32" });
  const admin = await login(d.app);
  const viewer = await userSession(d.app, admin, "vera", "viewer");
  const audit = d.services.need("audit");
  const records = async (filter = {}) => {
    await audit.flush();
    return (await audit.search({ limit: 10_000, ...filter })).records as Rec[];
  };

  await t.step(
    "a request to each POST route of the table leaves one record of its action",
    async () => {
      // Sample parameters name nothing that exists: each call fails in its handler (or is
      // refused), and still leaves its record. The identity routes that name a user get one in
      // OPS that does not exist: the controller refuses those and records that itself, under
      // its own action, and that record stands for the request (with the request's fields).
      const noUser = `U${"A".repeat(55)}`;
      const controllerActions: Record<string, string> = {
        "/api/identity/accounts/:name/users/:key/revoke": "user.revoke",
        "/api/identity/accounts/:name/users/:key/creds": "user.creds",
        "/accounts/:name/users/:key/revoke": "user.revoke",
        "/accounts/:name/users/:key/creds": "user.creds",
      };
      const sample = (r: (typeof ROUTES)[number]) =>
        pathOf(
          r,
          r.path.includes("/users/:key/")
            ? { name: "OPS", key: noUser }
            : { account: "OPS", name: "nobody" },
        );
      const writes = ROUTES.filter((r) => r.method === "POST");
      assert.ok(
        Object.keys(controllerActions).every((p) => writes.some((r) => r.path === p)),
        "the identity routes are in the table",
      );
      const start = Date.now();
      for (const r of writes) {
        const path = sample(r);
        const res = await post(d.app, viewer, path);
        await res.body?.cancel();
        const res2 = await post(d.app, admin, path, { bogus: true });
        await res2.body?.cancel();
      }
      const all = await records({ from: start });
      for (const r of writes) {
        const path = sample(r);
        const mine = all.filter((x) => x.request === `POST ${path}`);
        assert.equal(
          mine.length,
          2,
          `${r.path}: a record for the viewer's and the admin's request`,
        );
        const byAdmin = mine.find((x) => x.actor === ADMIN.user)!;
        const action = controllerActions[r.path] ?? r.action;
        assert.equal(byAdmin.action, action, `${r.path}: the admin's request, action ${action}`);
        assert.equal(byAdmin.role, "admin");
        assert.equal(byAdmin.scope, "*");
        if (r.path in controllerActions) {
          assert.equal(byAdmin.ok, false, `${r.path}: refused by the controller`);
          assert.match(byAdmin.error ?? "", /Nothing to revoke|Unknown user/);
        }
        const refused = mine.find((x) => x.actor === "vera")!;
        assert.equal(
          refused.action,
          r.action,
          `${r.path}: the viewer's request, action ${r.action}`,
        );
        if (r.role !== "viewer") {
          assert.equal(refused.ok, false);
          assert.equal(refused.status, 403);
          assert.match(refused.error ?? "", /needs role/);
        }
        assert.equal(refused.role, "viewer");
        assert.equal(refused.scope, "*");
      }
    },
  );

  await t.step(
    "a user's creation and change carry before and after, never the password",
    async () => {
      await post(d.app, admin, "/api/users", {
        name: "bea",
        role: "operator",
        scope: ["BRIDGE"],
        password: "secret-password-of-bea",
      });
      await post(d.app, admin, "/api/users/bea", { role: "viewer" });
      const [update, create] = await records({ action: "users", target: "user bea" });
      assert.equal(create!.action, "users.create");
      assert.equal(create!.before, null);
      assert.equal((create!.after as { role: string }).role, "operator");
      assert.equal(update!.action, "users.update");
      assert.equal((update!.before as { role: string }).role, "operator");
      assert.equal((update!.after as { role: string }).role, "viewer");
      assert.deepEqual((update!.after as { scope: string[] }).scope, ["BRIDGE"]);
      const text = JSON.stringify(await records());
      assert.ok(!text.includes("secret-password-of-bea"));
      assert.ok(!text.includes("$argon2id$"));
    },
  );

  await t.step("a stream's configuration change carries before and after", async () => {
    const created = await post(d.app, admin, "/api/streams/OPS", {
      name: "AUDITED",
      subjects: ["audited.>"],
    });
    assert.equal(created.status, 200, await created.text());
    await post(d.app, admin, "/api/streams/OPS/AUDITED/edit", { description: "now described" });
    const [edit] = await records({ action: "streams.edit" });
    assert.equal(edit!.ok, true);
    assert.equal((edit!.before as { description?: string }).description ?? "", "");
    assert.equal((edit!.after as { description: string }).description, "now described");
  });

  await t.step("logins (failed ones too) and logouts are recorded", async () => {
    const bad = await postLogin(d.app, await loginForm(d.app), "wrong-password-000");
    await bad.body?.cancel();
    const s = await login(d.app);
    const out = await d.app.request("/logout", {
      method: "POST",
      headers: {
        cookie: s.cookie,
        origin: "http://localhost",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: `_csrf=${encodeURIComponent(s.csrf)}`,
    });
    await out.body?.cancel();
    const auth = await records({ action: "auth" });
    const [logout, loginOk, loginBad] = auth;
    assert.equal(logout!.action, "auth.logout");
    assert.equal(loginOk!.action, "auth.login");
    assert.equal(loginOk!.ok, true);
    assert.equal(loginOk!.role, "admin");
    assert.equal(loginBad!.ok, false);
    assert.equal(loginBad!.actor, ADMIN.user);
  });

  await t.step("the Audit page filters by user, action, target and time, and exports", async () => {
    const page = await (await get(d.app, admin, "/audit?user=vera&action=users")).text();
    assert.match(page, /users\.create/);
    const api = await (await get(d.app, admin, "/api/audit?user=vera&limit=5")).json();
    assert.equal(api.records.length, 5);
    assert.ok(api.records.every((r: Rec) => r.actor === "vera"));
    const from = new Date(Date.now() - 60_000).toISOString();
    const recent = await (await get(d.app, admin, `/api/audit?from=${from}&target=user%20bea`))
      .json();
    assert.equal(recent.records.length, 2);
    const csv = await get(
      d.app,
      admin,
      "/api/audit/export?format=csv&action=users.update&target=user%20bea",
    );
    assert.match(csv.headers.get("content-disposition") ?? "", /attachment; filename=".*\.csv"/);
    const lines = (await csv.text()).trim().split("\r\n");
    assert.match(lines[0]!, /^seq,at,actor,role,scope/);
    assert.equal(lines.length, 2, "the header and the one update");
    const ndjson = await (await get(d.app, admin, "/api/audit/export?format=ndjson&user=vera"))
      .text();
    assert.ok(ndjson.trim().split("\n").every((l) => JSON.parse(l).actor === "vera"));
    assert.equal((await get(d.app, viewer, "/api/audit")).status, 403, "admins only");
  });

  await t.step("no route of the table changes or deletes a record", () => {
    for (const r of ROUTES.filter((r) => r.method === "POST")) {
      assert.ok(!/audit/.test(r.path), `${r.path}`);
    }
  });

  await until(async () => (await audit.flush(), audit.failed === 0), "every record stored");
});

Deno.test("audit trail: a write is answered as done only once its record is stored; while the trail cannot store, writes are refused before they change anything", async () => {
  await using ns = await startNats();
  const lost: Rec[] = [];
  await using d = await testDashboard(ns, { TELEMETRY_HISTORY_MAX_MB: "32" }, {
    onAuditLost: (r) => lost.push(r as Rec),
  });
  const admin = await login(d.app);
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    const kv = await new Kvm(nc).create("audited_kv");
    const put = (key: string) =>
      post(d.app, admin, `/api/kv/OPS/audited_kv/put?key=${key}`, { value: key });

    const first = await put("a");
    assert.equal(first.status, 200, await first.text());

    // The trail cannot store (its stream deleted by someone with JetStream rights in OPS).
    await jetstreamManager(nc).then((jsm) => jsm.streams.delete(AUDIT_STREAM));
    const unrecorded = await put("b");
    const body = await unrecorded.json();
    assert.equal(unrecorded.status, 503, "not answered as done without its record");
    assert.match(body.error.message, /change was made, but its audit record could not be stored/);
    const b = lost.find((r) => r.target.includes("audited_kv/b"));
    assert.ok(b, "the record went to the dashboard's log whole");
    assert.equal(b.action, "kv.put");
    assert.equal(b.actor, ADMIN.user);

    const refused = await put("c");
    assert.equal(refused.status, 503);
    assert.match((await refused.json()).error.message, /audit trail cannot store/i);
    assert.equal(await kv.get("c"), null, "refused before the change");

    // Back: the next write is made and recorded.
    await ensureAuditStream(nc);
    const again = await put("d");
    assert.equal(again.status, 200, await again.text());
    const stored = (await d.services.need("audit").search()).records;
    assert.ok(stored.some((r) => r.action === "kv.put" && r.target.includes("audited_kv/d")));
    const gap = stored.find((r) => r.action === "audit.resume");
    assert.match(JSON.stringify(gap?.before), /error/, "the trail marks its gap");
  } finally {
    await nc.close();
  }
});
