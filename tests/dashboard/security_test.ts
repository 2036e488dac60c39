import assert from "node:assert/strict";
import { startNats } from "../_kit/mod.ts";
import { ADMIN, get, login, loginForm, postLogin, SECRET, testDashboard } from "./_harness.ts";
import { SessionSigner } from "../../routes/session.ts";
import { safeNext } from "../../routes/auth.tsx";
import { dashboardHostNames, hostName } from "../../routes/host.ts";
import { LoginThrottle } from "../../routes/login_throttle.ts";

const ORIGIN = "http://localhost";

Deno.test("security: login gates every page and API except /healthz and static files", async (t) => {
  await using ns = await startNats();
  await using d = await testDashboard(ns);
  const app = d.app;

  await t.step("unauthenticated /api gets 401 JSON", async () => {
    for (
      const path of [
        "/api/varz",
        "/api/connz",
        "/api/units",
        "/api/events",
        "/api/browser/credentials/browser-x",
        "/api/nope",
      ]
    ) {
      const res = await app.request(path);
      assert.equal(res.status, 401, path);
      const body = await res.json();
      assert.equal(body.error.status, 401);
    }
  });

  await t.step("unauthenticated pages redirect to /login with next", async () => {
    for (const path of ["/", "/connections?state=closed", "/units", "/activity"]) {
      const res = await app.request(path);
      await res.body?.cancel();
      assert.equal(res.status, 303, path);
      assert.equal(res.headers.get("location"), `/login?next=${encodeURIComponent(path)}`);
    }
  });

  await t.step("/healthz and static files are public", async () => {
    const health = await app.request("/healthz");
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: "ok", version: "test", nats: "connected" });
    const css = await app.request("/static/app.css");
    await css.body?.cancel();
    assert.equal(css.status, 200);
  });

  await t.step("a wrong password is refused and no session is set", async () => {
    const res = await postLogin(app, await loginForm(app), "wrong-password-000");
    assert.equal(res.status, 401);
    assert.ok((await res.text()).includes("Wrong user or password"));
    assert.ok(!res.headers.getSetCookie().some((c) => c.startsWith("nunect_session=")));
  });

  await t.step("the login form needs its CSRF token", async () => {
    const res = await app.request("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN },
      body: new URLSearchParams({ user: ADMIN.user, password: ADMIN.password }),
    });
    await res.body?.cancel();
    assert.equal(res.status, 403);
  });

  await t.step("the session cookie is HttpOnly, SameSite=Strict, signed and expires", async () => {
    const res = await postLogin(app, await loginForm(app), ADMIN.password);
    const set = res.headers.getSetCookie().find((c) => c.startsWith("nunect_session="))!;
    assert.match(set, /HttpOnly/i);
    assert.match(set, /SameSite=Strict/i);
    assert.match(set, /Max-Age=\d+/i);
    // A forged or tampered cookie is no session.
    const value = set.split(";")[0]!.split("=")[1]!;
    const tampered = `nunect_session=${value.slice(0, -2)}${value.endsWith("A") ? "B" : "A"}`;
    const r2 = await app.request("/api/varz", { headers: { cookie: tampered } });
    await r2.body?.cancel();
    assert.equal(r2.status, 401);
    const other = new SessionSigner("another-secret-another-secret-another-1");
    const forged = (await other.create(ADMIN.user)).cookie;
    const r3 = await app.request("/api/varz", { headers: { cookie: `nunect_session=${forged}` } });
    await r3.body?.cancel();
    assert.equal(r3.status, 401);
  });

  const s = await login(app);

  await t.step("logged in, pages and API answer", async () => {
    assert.equal((await get(app, s, "/api/varz")).status, 200);
  });

  await t.step("state-changing requests need the CSRF token", async () => {
    // No token: refused even with the session cookie.
    const noToken = await get(app, s, "/api/units/someone/forget", {
      method: "POST",
      headers: { origin: ORIGIN },
    });
    assert.equal(noToken.status, 403);
    assert.match((await noToken.json()).error.message, /CSRF/);
    const badToken = await get(app, s, "/api/units/someone/forget", {
      method: "POST",
      headers: { origin: ORIGIN, "x-csrf-token": "x".repeat(43) },
    });
    await badToken.body?.cancel();
    assert.equal(badToken.status, 403);
    // With the token the request goes through (404: no such unit).
    const ok = await get(app, s, "/api/units/someone/forget", {
      method: "POST",
      headers: { origin: ORIGIN, "x-csrf-token": s.csrf },
    });
    await ok.body?.cancel();
    assert.equal(ok.status, 404);
    // Logout without the token is refused too.
    const logout = await get(app, s, "/logout", { method: "POST", headers: { origin: ORIGIN } });
    await logout.body?.cancel();
    assert.equal(logout.status, 403);
  });

  await t.step("a cross-site origin is refused even with a valid token", async () => {
    const res = await get(app, s, "/api/units/someone/forget", {
      method: "POST",
      headers: { origin: "https://evil.example", "x-csrf-token": s.csrf },
    });
    assert.equal(res.status, 403);
    assert.match((await res.json()).error.message, /Cross-site request refused/);
    const nullOrigin = await get(app, s, "/logout", {
      method: "POST",
      headers: { origin: "null", "content-type": "application/x-www-form-urlencoded" },
      body: `_csrf=${s.csrf}`,
    });
    await nullOrigin.body?.cancel();
    assert.equal(nullOrigin.status, 403);
    const sameSiteFetch = await get(app, s, "/api/units/someone/forget", {
      method: "POST",
      headers: { "sec-fetch-site": "cross-site", "x-csrf-token": s.csrf },
    });
    await sameSiteFetch.body?.cancel();
    assert.equal(sameSiteFetch.status, 403);
  });

  await t.step("CORS only for DASHBOARD_CORS_ORIGINS", async () => {
    const allowed = await get(app, s, "/api/varz", {
      headers: { origin: "https://allowed.example.test" },
    });
    await allowed.body?.cancel();
    assert.equal(
      allowed.headers.get("access-control-allow-origin"),
      "https://allowed.example.test",
    );
    assert.equal(allowed.headers.get("access-control-allow-credentials"), "true");
    const other = await get(app, s, "/api/varz", { headers: { origin: "https://evil.example" } });
    await other.body?.cancel();
    assert.equal(other.headers.get("access-control-allow-origin"), null);
    const preflight = await app.request("/api/varz", {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    await preflight.body?.cancel();
    assert.equal(preflight.status, 403);
    const okPreflight = await app.request("/api/varz", {
      method: "OPTIONS",
      headers: { origin: "https://allowed.example.test", "access-control-request-method": "POST" },
    });
    assert.equal(okPreflight.status, 204);
  });

  await t.step("security headers on pages, API and errors", async () => {
    for (const path of ["/", "/api/varz", "/nope", "/login"]) {
      const res = await get(app, s, path);
      await res.body?.cancel();
      const csp = res.headers.get("content-security-policy") ?? "";
      assert.match(csp, /default-src 'self'/, path);
      assert.match(csp, /script-src 'self'(;|$)/, path);
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.match(csp, new RegExp(`connect-src 'self' ${ns.wsUrl}`), path);
      assert.equal(res.headers.get("x-frame-options"), "DENY", path);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
      assert.equal(res.headers.get("referrer-policy"), "same-origin", path);
      assert.equal(res.headers.get("cache-control"), "no-store", path);
    }
  });

  await t.step("no credential but the browser's own is ever rendered", async () => {
    const seed = (creds: string) => /-----BEGIN USER NKEY SEED-----\s*(\S+)/.exec(creds)![1]!;
    const secrets = [
      seed(ns.users.sys.creds),
      seed(ns.users.ops.creds),
      ADMIN.password,
      SECRET,
    ];
    const paths = [
      "/",
      "/connections",
      "/activity",
      "/subscriptions",
      "/routes",
      "/gateways",
      "/leafnodes",
      "/accounts",
      "/jetstream",
      "/units",
      "/api/overview",
      "/api/connz?subs=detail",
      "/api/activity",
      "/api/units",
      "/api/accounts",
      "/api/jsz?accounts=true&streams=true&config=true",
    ];
    for (const path of paths) {
      const text = await (await get(app, s, path)).text();
      for (const secret of secrets) assert.ok(!text.includes(secret), `${path} leaks a secret`);
      assert.ok(!/BEGIN USER NKEY SEED|\bSU[A-Z2-7]{56}\b/.test(text), `${path} renders a seed`);
    }
    const creds = await (await get(app, s, "/api/browser/credentials/browser-sec")).json();
    assert.equal(creds.unitId, "browser-sec");
    assert.equal(creds.wsUrl, ns.wsUrl);
    assert.match(creds.creds, /BEGIN NATS USER JWT/);
    assert.ok(!creds.creds.includes(seed(ns.users.sys.creds)));
  });

  await t.step("logout ends the session cookie", async () => {
    const res = await get(app, s, "/logout", {
      method: "POST",
      headers: { origin: ORIGIN, "content-type": "application/x-www-form-urlencoded" },
      body: `_csrf=${encodeURIComponent(s.csrf)}`,
    });
    await res.body?.cancel();
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/login");
    const cleared = res.headers.getSetCookie().find((c) => c.startsWith("nunect_session="))!;
    assert.match(cleared, /Max-Age=0/i);
  });
});

Deno.test("repeated failed logins are throttled", async () => {
  await using ns = await startNats();
  await using d = await testDashboard(ns);
  const form = await loginForm(d.app);
  const attempt = async (password: string) => {
    const res = await postLogin(d.app, form, password, {
      headers: { "x-forwarded-for": `10.0.0.${Math.floor(Math.random() * 250)}` },
    });
    await res.body?.cancel();
    return res.status;
  };
  for (let i = 0; i < 10; i++) assert.equal(await attempt(`wrong-password-${i}`), 401);
  // Even the right password waits now, and a forged X-Forwarded-For does not help.
  assert.equal(await attempt(ADMIN.password), 429);
});

Deno.test("sessions expire", async () => {
  const signer = new SessionSigner("secret-secret-secret-secret-secret-01", 1000);
  const { cookie } = await signer.create("admin", 10_000);
  assert.ok(await signer.verify(cookie, 10_500));
  assert.equal(await signer.verify(cookie, 11_001), undefined);
  assert.equal(await signer.verify("garbage"), undefined);
  assert.equal(await signer.verify(`${cookie}.extra`), undefined);
});

Deno.test("next= keeps plain same-site paths only", () => {
  for (const ok of ["/", "/units", "/connections?state=closed&sort=cid", "/a/b%2Fc"]) {
    assert.equal(safeNext(ok), ok);
  }
  for (
    const bad of [
      undefined,
      "",
      "units",
      "//evil.example",
      "/\\evil.example",
      "/\t/evil.example",
      "/\v",
      "/\n",
      "/a b",
      "https://evil.example",
      `/${"a".repeat(3000)}`,
    ]
  ) {
    assert.equal(safeNext(bad), "/", JSON.stringify(bad));
  }
});

Deno.test("Host names: the configured ones, loopback, and for a wildcard bind every interface", () => {
  const names = dashboardHostNames({
    domain: "Ops.Example.Test",
    bind: "0.0.0.0",
    interfaces: ["192.0.2.2", "fd00::2"],
    hostname: "hub",
  });
  assert.deepEqual(names.sort(), [
    "127.0.0.1",
    "192.0.2.2",
    "[::1]",
    "[fd00::2]",
    "hub",
    "localhost",
    "ops.example.test",
  ]);
  assert.ok(
    !dashboardHostNames({
      domain: "d",
      bind: "127.0.0.1",
      interfaces: ["192.0.2.2"],
      hostname: "hub",
    }).includes("192.0.2.2"),
  );
  assert.equal(hostName("Ops.Example.Test:4280"), "ops.example.test");
  assert.equal(hostName("[::1]:4280"), "[::1]");
  assert.equal(hostName("localhost."), "localhost");
  for (
    const bad of [null, "", "a b", "[::1", "x:99999", "x:0", "a/b", "@evil", "x:y:z", "ex\tample"]
  ) {
    assert.equal(hostName(bad), undefined, JSON.stringify(bad));
  }
});

Deno.test("the login throttle counts an attempt when it is taken and forgets a window later", () => {
  const throttle = new LoginThrottle({ maxAttempts: 3, windowMs: 1000, maxKeys: 2 });
  assert.deepEqual([1, 2, 3, 4].map(() => throttle.take("a", 0)), [true, true, true, false]);
  assert.equal(throttle.retryAfterS("a", 250), 1);
  assert.equal(throttle.take("a", 999), false);
  assert.equal(throttle.take("a", 1000), true, "a new window");
  throttle.clear("a");
  assert.equal(
    throttle.take("b", 1000) && throttle.take("c", 1000) && throttle.take("d", 1000),
    true,
  );
});
