/**
 * Identity through the dashboard (the controller's request API, as its module serves it):
 * accounts created and changed live with their limits, a unit's credentials issued and revoked
 * (its connection closes at once), the Units table with each unit's account and credential, a
 * router provisioned in one step, every change in the audit stream with the dashboard user as
 * actor — and no way to download nunect's own users' credentials (the SYS user above all).
 */
import assert from "node:assert/strict";
import { connect as natsConnect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { AUDIT_STREAM, AuditLog, ensureAuditStream } from "../../mods/audit/mod.ts";
import { connect, type NunectClient } from "../../mods/client/mod.ts";
import { startNats, testIdentity, until } from "../_kit/mod.ts";
import { ROUTES } from "../../routes/table.ts";
import { post, userSession } from "../access/_access.ts";
import { get, login, testDashboard } from "./_harness.ts";

const ORIGIN = "http://localhost";
/** The client's address as Deno.serve would give it (the in-process app has none). */
const CLIENT = { remoteAddr: { hostname: "192.0.2.7" } };

Deno.test("identity in the dashboard: accounts with limits, unit credentials, revocation, provisioning, audit", async (t) => {
  await using ns = await startNats();
  await using d = await testDashboard(ns);
  const s = await login(d.app);
  const form = (path: string, fields: Record<string, string> = {}) =>
    d.app.request(path, {
      method: "POST",
      headers: {
        cookie: s.cookie,
        origin: ORIGIN,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ _csrf: s.csrf, ...fields }),
      redirect: "manual",
    }, CLIENT);
  const api = (path: string, body: unknown) =>
    d.app.request(path, {
      method: "POST",
      headers: {
        cookie: s.cookie,
        origin: ORIGIN,
        "x-csrf-token": s.csrf,
        "content-type": "application/json",
      },
      body: JSON.stringify(body),
    }, CLIENT);
  const clients: NunectClient[] = [];

  try {
    await t.step(
      "create a tenant account with limits; it is listed and works at once",
      async () => {
        const created = await form("/accounts", { name: "FLEET", connections: "1" });
        assert.equal(created.status, 303);
        assert.equal(created.headers.get("location"), "/accounts/FLEET");
        const { accounts } = await (await get(d.app, s, "/api/identity/accounts")).json();
        const fleet = accounts.find((a: { name: string }) => a.name === "FLEET");
        assert.equal(fleet.kind, "tenant");
        assert.equal(fleet.limits.connections, 1);
        assert.equal(fleet.telemetry, true);
        const page = await (await get(d.app, s, "/accounts")).text();
        assert.ok(page.includes('id="identity-accounts"') && page.includes("FLEET"));
        // A bad limit is named, nothing is created.
        const bad = await api("/api/identity/accounts", {
          name: "BAD",
          limits: { jsDisk: "lots" },
        });
        assert.equal(bad.status, 400);
        assert.match((await bad.json()).error.message, /Invalid limit jsDisk "lots"/);
      },
    );

    let creds = "";
    await t.step(
      "issue a unit's credentials in it: a .creds download the unit connects with",
      async () => {
        const res = await form("/accounts/FLEET/units", { unitId: "sensor-1" });
        assert.equal(res.status, 200);
        assert.equal(
          res.headers.get("content-disposition"),
          'attachment; filename="sensor-1.creds"',
        );
        assert.equal(res.headers.get("cache-control"), "no-store");
        creds = await res.text();
        assert.match(creds, /BEGIN NATS USER JWT/);
        const unit = await connect({ servers: ns.url, unitId: "sensor-1", creds });
        clients.push(unit);
        unit.startHeartbeat({ kind: "client", intervalMs: 200 });
        // The Units table shows it under its account, with its credential.
        await until(() => d.units.unit("FLEET.sensor-1") !== undefined, "FLEET.sensor-1 in Units");
        const units = await (await get(d.app, s, "/api/units")).json();
        const row = units.units.find((u: { key: string }) => u.key === "FLEET.sensor-1");
        assert.equal(row.account, "FLEET");
        assert.equal(
          units.credentials["FLEET.sensor-1"].publicKey,
          testIdentity(creds, "FLEET", "sensor-1").publicKey,
        );
        const html = await (await get(d.app, s, "/units")).text();
        assert.match(html, /data-unit="FLEET\.sensor-1"[\s\S]*?data-col="account">FLEET</);
      },
    );

    await t.step("the account's limit holds: a second connection is refused", async () => {
      // The server sends its error and closes; on a busy machine the client may see the reset
      // before it reads the error, so a reset is asked again. A connection that opens fails.
      await until(async () => {
        const nc = await natsConnect({
          servers: ns.url,
          ...testIdentity(creds, "FLEET", "sensor-1").nats,
          reconnect: false,
        }).catch((e: Error) => e);
        if (!(nc instanceof Error)) {
          await nc.close();
          assert.fail("a second connection opened beyond the account's limit of 1");
        }
        return /maximum account active connections exceeded|Authorization Violation/i.test(
          nc.message,
        );
      }, "the server's refusal of a second connection");
      // Raised live: now it connects.
      const raised = await form("/accounts/FLEET/limits", { connections: "5" });
      assert.equal(raised.status, 303);
      const detail = await (await get(d.app, s, "/api/identity/accounts/FLEET")).json();
      assert.equal(detail.account.limits.connections, 5);
      await until(async () => {
        const nc = await natsConnect({
          servers: ns.url,
          ...testIdentity(creds, "FLEET", "sensor-1").nats,
          reconnect: false,
        }).catch(() => undefined);
        await nc?.close();
        return nc !== undefined;
      }, "a second connection once the limit is raised");
    });

    await t.step("revoke the unit's user: its connection closes within seconds", async () => {
      const detail = await (await get(d.app, s, "/api/identity/accounts/FLEET")).json();
      const user = detail.users.find((u: { name: string }) => u.name === "sensor-1");
      const closed = clients[0]!.nc.closed();
      const res = await form(`/accounts/FLEET/users/${user.publicKey}/revoke`);
      assert.equal(res.status, 303);
      await until(
        async () => {
          const state = await Promise.race([closed.then(() => "closed"), Promise.resolve("open")]);
          return state === "closed" || !clients[0]!.isConnected;
        },
        "the revoked unit to be disconnected",
        10_000,
      );
      const after = await (await get(d.app, s, "/api/identity/accounts/FLEET?all=true")).json();
      assert.ok(
        after.users.find((u: { publicKey: string }) => u.publicKey === user.publicKey)
          .revokedAt,
      );
    });

    await t.step("nunect's own users' credentials are never handed out", async () => {
      const sys = await (await get(d.app, s, "/api/identity/accounts/SYS")).json();
      for (const u of sys.users as { publicKey: string; kind: string }[]) {
        assert.equal(u.kind, "service");
        const res = await api(`/api/identity/accounts/SYS/users/${u.publicKey}/creds`, {});
        assert.equal(res.status, 400);
        const text = await res.text();
        assert.doesNotMatch(text, /BEGIN NATS USER JWT|\bSU[A-Z2-7]{56}\b/);
      }
    });

    await t.step("provision a router: one action, its bundle as a tar", async () => {
      const res = await form("/units/provision", { unitId: "router-9", timeMaster: "on" });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "application/x-tar");
      const tar = new Uint8Array(await res.arrayBuffer());
      const names = new Set<string>();
      for (let at = 0; at + 512 <= tar.length; at += 512) {
        const name = new TextDecoder().decode(tar.subarray(at, at + 100)).replace(/\0.*$/s, "");
        if (name.startsWith("router-9/")) names.add(name);
      }
      for (const f of ["router-9.creds", "guardian.env", "leaf.conf"]) {
        assert.ok(names.has(`router-9/${f}`), `${f} in ${[...names]}`);
      }
      const ops = await (await get(d.app, s, "/api/identity/accounts/OPS")).json();
      const router = ops.users.find((u: { name: string }) => u.name === "router-9");
      assert.equal(router.role, "guardian");
      assert.equal(router.timeMaster, true);
    });

    await t.step("every change is in the audit stream, by the dashboard user", async () => {
      const nc = await natsConnect({ servers: ns.url, ...ns.users.ops.nats });
      try {
        const records = await new AuditLog(nc).recent({ limit: 50 });
        const mine = records.filter((r) => r.actor === "admin").map((r) => r.action);
        for (const action of ["account.create", "account.update", "user.issue", "user.revoke"]) {
          assert.ok(mine.includes(action), `${action} in ${mine}`);
        }
        // The account's page shows its changes.
        const page = await (await get(d.app, s, "/accounts/FLEET")).text();
        const changes = page.slice(page.indexOf('id="audit"'));
        for (const action of ["account.create", "account.update", "user.issue", "user.revoke"]) {
          assert.ok(changes.includes(action), `${action} on the account page`);
        }
        // The refused download is recorded too, as refused.
        assert.ok(
          records.some((r) => r.actor === "admin" && r.action === "user.creds" && !r.ok),
          "the refused download",
        );
      } finally {
        await nc.close();
      }
    });

    await t.step(
      "each request appears once in the trail: the controller's change with the dashboard's who and how",
      async () => {
        const viewer = await userSession(d.app, s, "vera", "viewer");
        const refused = await post(d.app, viewer, "/accounts/FLEET/limits", { connections: "9" });
        assert.equal(refused.status, 403);
        await refused.body?.cancel();
        const audit = d.services.need("audit");
        await audit.flush();
        const { records } = await audit.search({ limit: 10_000 });
        const of = (request: string | RegExp, actor = "admin") =>
          records.filter((r) =>
            r.actor === actor &&
            (typeof request === "string" ? r.request === request : request.test(r.request ?? ""))
          );
        for (
          const [request, action] of [
            ["POST /accounts", "account.create"],
            ["POST /accounts/FLEET/limits", "account.update"],
            ["POST /accounts/FLEET/units", "user.issue"],
            [/^POST \/accounts\/FLEET\/users\/U\w+\/revoke$/, "user.revoke"],
            ["POST /units/provision", "user.issue"],
          ] as const
        ) {
          const mine = of(request);
          assert.equal(mine.length, 1, `${request}: one record, not ${JSON.stringify(mine)}`);
          const r = mine[0]!;
          assert.equal(r.action, action, `${request}: the controller's action`);
          assert.equal(r.ok, true);
          assert.equal(r.role, "admin", "the dashboard's role");
          assert.equal(r.scope, "*", "the dashboard's scope");
          assert.equal(r.via, "session", "the dashboard's way in");
          assert.equal(r.address, "192.0.2.7", "the dashboard's client address");
          if (action === "account.update") {
            const limits = (x: unknown) => (x as { limits: { connections: number } }).limits;
            assert.equal(limits(r.before).connections, 1, "before, from the controller");
            assert.equal(limits(r.after).connections, 5, "after, from the controller");
          }
        }
        // Each credentials download the controller refused: one record, refused, with both.
        const downloads = of(/^POST \/api\/identity\/accounts\/SYS\/users\/U\w+\/creds$/);
        assert.ok(downloads.length > 0, "the refused downloads are recorded");
        assert.equal(
          new Set(downloads.map((r) => r.request)).size,
          downloads.length,
          `one record per download, not ${JSON.stringify(downloads)}`,
        );
        for (const r of downloads) {
          assert.equal(r.action, "user.creds");
          assert.equal(r.ok, false);
          assert.match(r.error ?? "", /\S/);
          assert.equal(r.role, "admin");
          assert.equal(r.address, "192.0.2.7");
        }
        // Refused by the dashboard before the controller was asked: its own record, once.
        const bad = of("POST /api/identity/accounts");
        assert.equal(bad.length, 1, `the bad limit: one record, not ${JSON.stringify(bad)}`);
        assert.equal(bad[0]!.ok, false);
        assert.equal(bad[0]!.status, 400);
        const byViewer = of("POST /accounts/FLEET/limits", "vera");
        assert.equal(
          byViewer.length,
          1,
          `the viewer's: one record, not ${JSON.stringify(byViewer)}`,
        );
        const route = ROUTES.find((r) =>
          r.method === "POST" && r.path === "/accounts/:name/limits"
        );
        assert.equal(byViewer[0]!.action, route!.action, "the route's action");
        assert.equal(byViewer[0]!.ok, false);
        assert.equal(byViewer[0]!.status, 403);
        assert.equal(byViewer[0]!.role, "viewer");
      },
    );
  } finally {
    for (const c of clients) await c.close().catch(() => {});
  }
});

Deno.test("identity in the dashboard: a change whose record is only in the controller's journal is not answered as recorded; the record reaches the trail later, once", async () => {
  await using ns = await startNats();
  const lost: { action: string; target: string }[] = [];
  // Telemetry history small enough that the OPS account has room for the stream made again.
  await using d = await testDashboard(ns, { TELEMETRY_HISTORY_MAX_MB: "32" }, {
    onAuditLost: (r) => lost.push(r),
  });
  const s = await login(d.app);
  const create = (name: string) =>
    d.app.request("/api/identity/accounts", {
      method: "POST",
      headers: {
        cookie: s.cookie,
        origin: ORIGIN,
        "x-csrf-token": s.csrf,
        "content-type": "application/json",
      },
      body: JSON.stringify({ name }),
    }, CLIENT);
  const nc = await natsConnect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    const first = await create("EARLY");
    assert.equal(first.status, 200, await first.text());

    // The trail cannot store (its stream deleted by someone with JetStream rights in OPS): the
    // controller keeps its record in its journal, which is not the trail.
    await jetstreamManager(nc).then((jsm) => jsm.streams.delete(AUDIT_STREAM));
    const unrecorded = await create("LATE");
    assert.equal(unrecorded.status, 503, "not answered as recorded");
    assert.match(
      (await unrecorded.json()).error.message,
      /change was made, but its audit record could not be stored/,
    );
    const { accounts } = await (await get(d.app, s, "/api/identity/accounts")).json();
    assert.ok(accounts.some((a: { name: string }) => a.name === "LATE"), "the change was made");
    assert.ok(lost.some((r) => r.action === "identity.accounts"), "the dashboard's record, logged");

    // Back: the controller moves its journal into the trail; the next change is recorded once.
    await ensureAuditStream(nc);
    const again = await create("AFTER");
    assert.equal(again.status, 200, await again.text());
    const audit = d.services.need("audit");
    await audit.flush();
    const { records } = await audit.search({ limit: 1000 });
    for (const name of ["LATE", "AFTER"]) {
      const mine = records.filter((r) => r.target === `account ${name}`);
      assert.equal(mine.length, 1, `${name}: one record, not ${JSON.stringify(mine)}`);
      assert.equal(mine[0]!.action, "account.create");
      assert.equal(mine[0]!.request, "POST /api/identity/accounts");
      assert.equal(mine[0]!.role, "admin");
      assert.equal(mine[0]!.address, "192.0.2.7");
    }
  } finally {
    await nc.close();
  }
});
