/**
 * Sessions that outlived their end, replayed against two real dashboard processes on one NATS
 * system: a copied cookie and its CSRF token after logout, a session an admin ended, a session
 * idle too long; and sessions shared by both instances.
 *
 * @module
 */
import assert from "node:assert/strict";
import { connect as natsConnect } from "@nats-io/transport-node";
import { type SessionRecord, sessionRef, SessionStore } from "../../mods/dashboard/mod.ts";
import { startNats, until } from "../_kit/mod.ts";
import { ADMIN, login as harnessLogin, testDashboard } from "../dashboard/_harness.ts";
import { startDashboardProgram } from "../dashboard/_server.ts";
import { type Browser, login } from "./_http.ts";

async function status(base: string, b: Browser, path = "/api/varz"): Promise<number> {
  const res = await fetch(`${base}${path}`, { headers: { cookie: b.cookie }, redirect: "manual" });
  await res.body?.cancel();
  return res.status;
}

async function post(base: string, b: Browser, path: string): Promise<Response> {
  return await fetch(`${base}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: b.cookie, origin: base, "x-csrf-token": b.csrf },
  });
}

Deno.test("security: sessions end at once on logout and when an admin ends them, on every instance", async (t) => {
  await using ns = await startNats();
  await using a = await startDashboardProgram(ns);
  await using b = await startDashboardProgram(ns);

  await t.step("a session made on one instance works on the other", async () => {
    const s = await login(a.url, ADMIN.user, ADMIN.password);
    assert.equal(await status(a.url, s), 200);
    assert.equal(await status(b.url, s), 200);
  });

  await t.step(
    "after logout a copied cookie and its CSRF token are worthless, everywhere",
    async () => {
      const s = await login(a.url, ADMIN.user, ADMIN.password);
      const copy = { ...s };
      const out = await fetch(`${b.url}/logout`, {
        method: "POST",
        redirect: "manual",
        headers: {
          cookie: s.cookie,
          origin: b.url,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: `_csrf=${encodeURIComponent(s.csrf)}`,
      });
      await out.body?.cancel();
      assert.equal(out.status, 303);
      for (const base of [a.url, b.url]) {
        await until(async () => await status(base, copy) === 401, `the cookie refused at ${base}`);
        assert.equal(await status(base, copy, "/units"), 303, "a page sends it to /login");
        const write = await post(base, copy, "/api/units/x/forget");
        await write.body?.cancel();
        assert.equal(write.status, 401, "the CSRF token does not help");
      }
    },
  );

  await t.step(
    "an admin ends another session: it is refused at once on both instances",
    async () => {
      const admin = await login(a.url, ADMIN.user, ADMIN.password);
      const victim = await login(b.url, ADMIN.user, ADMIN.password);
      const list =
        await (await fetch(`${a.url}/api/sessions`, { headers: { cookie: admin.cookie } }))
          .json();
      const mine = list.current as string;
      const others = (list.sessions as { ref: string }[]).filter((s) => s.ref !== mine);
      assert.ok(others.length >= 2, "the first session and the victim's are listed");
      const page = await (await fetch(`${a.url}/sessions`, { headers: { cookie: admin.cookie } }))
        .text();
      assert.match(page, /Login sessions/);
      assert.ok(!page.includes(victim.cookie.split("=")[1]!), "no cookie on the page");
      for (const s of others) {
        const res = await post(a.url, admin, `/api/sessions/${s.ref}/end`);
        assert.equal(res.status, 200);
        assert.deepEqual(await res.json(), { ended: s.ref });
      }
      for (const base of [a.url, b.url]) {
        await until(
          async () => await status(base, victim) === 401,
          `the victim refused at ${base}`,
        );
      }
      assert.equal(await status(a.url, admin), 200, "the admin's own session lives on");
      const again = await post(a.url, admin, `/api/sessions/${others[0]!.ref}/end`);
      await again.body?.cancel();
      assert.equal(again.status, 404);
    },
  );
});

Deno.test("security: a session idle too long ends; its cookie is worthless", async () => {
  await using ns = await startNats();
  await using d = await testDashboard(ns, {}, { sessions: { idleMs: 1500 } });
  const app = d.app;
  const s = await harnessLogin(app);
  const get = async () => {
    const res = await app.request("/api/varz", { headers: { cookie: s.cookie } });
    await res.body?.cancel();
    return res.status;
  };
  assert.equal(await get(), 200);
  await until(
    async () => {
      await new Promise((r) => setTimeout(r, 500)); // idle, not polling it alive
      return await get() === 401;
    },
    "the idle session to end",
    10_000,
    1600,
  );
  const ref = await sessionRef(
    JSON.parse(atob(s.cookie.split("=")[1]!.split(".")[0]!.replace(/-/g, "+").replace(/_/g, "/")))
      .id,
  );
  assert.ok(!d.services.sessions()!.list().some((r) => r.ref === ref), "gone from the store");
});

Deno.test("sessions: the sweep ends an idle session once across instances, and hands it on until that succeeds or the session would have ended anyway", async () => {
  await using ns = await startNats();
  const nc = await natsConnect({ servers: ns.url, ...ns.users.ops.nats });
  const handed: string[] = [];
  let failures = 1;
  const attempts: string[] = [];
  const onExpired = (r: SessionRecord) => {
    attempts.push(r.ref);
    if (r.user === "down" || failures-- > 0) {
      return Promise.reject(new Error("the controller does not answer"));
    }
    handed.push(r.ref);
    return Promise.resolve();
  };
  const options = { bucket: "sweep_sessions", idleMs: 60_000, maxAgeMs: 3600_000, onExpired };
  const a = await SessionStore.open(nc, options);
  const b = await SessionStore.open(nc, options);
  try {
    const idle = await a.create("anna", { address: "127.0.0.1", agent: "test" });
    const busy = await a.create("ben", { address: "127.0.0.1", agent: "test" });
    await until(() => b.list().length === 2, "the second instance to see both sessions");
    // Ben's session is used at the second instance a minute later: the touch reaches the bucket.
    const later = Date.now() + 61_000;
    const t = Date.now() + 59_000;
    assert.ok(await b.get(busy.id, t));
    await until(() => a.list(t).find((s) => s.user === "ben")?.lastSeen === t, "the touch");

    // Both instances sweep at once: one ends Anna's session; its hand-on fails the first time.
    await Promise.all([a.sweep(later), b.sweep(later)]);
    assert.deepEqual(handed, []);
    await a.sweep(later);
    await b.sweep(later);
    assert.deepEqual(handed, [idle.record.ref], "handed on once, after the failed attempt");
    assert.equal(await a.get(idle.id, later), undefined);
    assert.equal(await b.get(idle.id, later), undefined);
    assert.ok(await b.get(busy.id, later), "the session in use is not ended");

    // A hand-on that keeps failing is tried until the session would have ended by its age.
    const down = await a.create("down", { address: "127.0.0.1", agent: "test" });
    const idleDown = down.record.lastSeen + 61_000;
    await a.sweep(idleDown);
    await a.sweep(idleDown);
    const tries = attempts.filter((r) => r === down.record.ref).length;
    assert.equal(tries, 2);
    await a.sweep(down.record.expires);
    await a.sweep(down.record.expires + 1);
    assert.equal(attempts.filter((r) => r === down.record.ref).length, tries, "given up");
  } finally {
    await a.close();
    await b.close();
    await nc.close();
  }
});
