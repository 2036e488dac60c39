/**
 * What the attack run found holding up, kept so against a real stack: login on every route but
 * /healthz and static files, path traversal, security headers, CSRF, CORS, tampered cookies, XSS
 * in Chromium, no secret in any page, API answer or bundle, malformed telemetry counted and
 * dropped, 200 concurrent SSE streams, and a bad .env refused with one message.
 *
 * @module
 */
import assert from "node:assert/strict";
import { connect, credsAuthenticator } from "@nats-io/transport-node";
import { launchChromium } from "../_kit/chromium.ts";
import { ROUTES } from "../../routes/table.ts";
import { SessionSigner } from "../../routes/session.ts";
import { PROJECT_DIR, runProgram, startStack, testEnv, until } from "../_kit/mod.ts";
import { login, rawRequest } from "./_http.ts";

const ALLOWED_ORIGIN = "https://allowed.example.test";
/** A route's path with its parameters filled in. */
function concrete(path: string): string {
  return path.replace(/:(\w+)/g, (_, name: string) => name === "kind" ? "units" : "x1");
}

Deno.test({
  name: "security: what held up still holds, on a running stack",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    await using stack = await startStack({ env: { DASHBOARD_CORS_ORIGINS: ALLOWED_ORIGIN } });
    const base = stack.dashboardUrl;
    const port = Number(stack.env.DASHBOARD_PORT);
    const host = `127.0.0.1:${port}`;
    await until(async () => {
      const res = await fetch(`${base}/healthz`).catch(() => undefined);
      await res?.body?.cancel();
      return res?.status === 200;
    }, "the dashboard to be connected");
    const admin = await login(base, "admin", stack.env.DASHBOARD_ADMIN_PASSWORD!);
    const authed = (path: string, init: RequestInit = {}) =>
      fetch(`${base}${path}`, {
        ...init,
        redirect: "manual",
        headers: { cookie: admin.cookie, ...init.headers },
      });

    await t.step("login on every route of the table but /healthz and static files", async () => {
      let checked = 0;
      for (const r of ROUTES) {
        const path = concrete(r.path);
        const res = await fetch(`${base}${path}`, {
          method: r.method,
          redirect: "manual",
          headers: r.method === "POST" ? { origin: base } : {},
        });
        await res.body?.cancel();
        if (r.method === "GET" && !path.startsWith("/api")) {
          assert.equal(res.status, 303, `${r.method} ${path}`);
          assert.match(res.headers.get("location") ?? "", /^\/login\?next=/);
        } else assert.equal(res.status, 401, `${r.method} ${path}`);
        checked++;
      }
      assert.ok(checked > 40, `${checked} routes`);
      for (const open of ["/healthz", "/static/app.css", "/login"]) {
        const res = await fetch(`${base}${open}`);
        await res.body?.cancel();
        assert.equal(res.status, 200, open);
      }
    });

    await t.step("28 path-traversal variants get 404 and nothing outside static/", async () => {
      const variants = [
        "/static/../deno.json",
        "/static/..%2fdeno.json",
        "/static/%2e%2e/deno.json",
        "/static/%2e%2e%2fdeno.json",
        "/static/..%5cdeno.json",
        "/static/....//deno.json",
        "/static/..;/deno.json",
        "/static/%252e%252e/deno.json",
        "/static/.%2e/deno.json",
        "/static/%2e./deno.json",
        "/static/..%00/deno.json",
        "/static/../../../../etc/passwd",
        "/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/static/..\\deno.json",
        "/static/%c0%ae%c0%ae/deno.json",
        "/static/..%252f..%252fdeno.json",
        "/static/build/../../deno.json",
        "/static/build/..%2f..%2fdeno.json",
        "/static/./../deno.json",
        "/static/%2e%2e%5c%2e%2e%5cdeno.json",
        "/static/..//..//deno.json",
        "/static/..%2F..%2F.env.example",
        "/static/../.env.example",
        "/static/build/%2e%2e/%2e%2e/main.ts",
        "/static/app.css/../../deno.json",
        "/static/%2e%2e/%2e%2e/%2e%2e/proc/self/environ",
      ];
      assert.equal(variants.length, 28);
      for (const v of variants) {
        const res = await rawRequest(port, `GET ${v} HTTP/1.1\r\nHost: ${host}`);
        assert.equal(res.status, 404, v);
        assert.doesNotMatch(res.body, /"permissions"|root:x:0|NATS_SYS_PASSWORD|PATH=/, v);
      }
    });

    await t.step("security headers on pages, API answers and errors", async () => {
      for (const path of ["/", "/units", "/api/varz", "/api/units", "/nope", "/api/nope"]) {
        const res = await authed(path);
        await res.body?.cancel();
        const csp = res.headers.get("content-security-policy") ?? "";
        assert.match(csp, /default-src 'self'; script-src 'self'; style-src 'self'/, path);
        assert.match(csp, /frame-ancestors 'none'/, path);
        assert.match(csp, /object-src 'none'/, path);
        assert.equal(res.headers.get("x-frame-options"), "DENY", path);
        assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
        assert.equal(res.headers.get("referrer-policy"), "same-origin", path);
        assert.equal(res.headers.get("cross-origin-opener-policy"), "same-origin", path);
        assert.equal(res.headers.get("cache-control"), "no-store", path);
      }
    });

    await t.step("27 CSRF attempts are refused", async () => {
      const other = await login(base, "admin", stack.env.DASHBOARD_ADMIN_PASSWORD!);
      const targets = ["/api/units/x1/forget", "/units/x1/forget", "/logout"];
      const attempts: [string, Record<string, string>, string?][] = [
        ["no token", { origin: base }],
        ["a wrong token", { origin: base, "x-csrf-token": "A".repeat(43) }],
        ["another session's token", { origin: base, "x-csrf-token": other.csrf }],
        ["a foreign origin", { origin: "https://evil.example", "x-csrf-token": admin.csrf }],
        ["origin null", { origin: "null", "x-csrf-token": admin.csrf }],
        ["cross-site fetch", { "sec-fetch-site": "cross-site", "x-csrf-token": admin.csrf }],
        ["same-site fetch", { "sec-fetch-site": "same-site", "x-csrf-token": admin.csrf }],
        [
          "a wrong form field",
          { origin: base, "content-type": "application/x-www-form-urlencoded" },
          "_csrf=wrong",
        ],
        ["the token in the query", { origin: base }, undefined],
      ];
      let refused = 0;
      for (const target of targets) {
        for (const [what, headers, body] of attempts) {
          const path = what === "the token in the query"
            ? `${target}?_csrf=${encodeURIComponent(admin.csrf)}`
            : target;
          const res = await authed(path, { method: "POST", headers, body });
          await res.body?.cancel();
          assert.equal(res.status, 403, `${what} on ${target}`);
          refused++;
        }
      }
      assert.equal(refused, 27);
      // And the real thing passes (a 404: there is no such unit).
      const ok = await authed("/api/units/x1/forget", {
        method: "POST",
        headers: { origin: base, "x-csrf-token": admin.csrf },
      });
      await ok.body?.cancel();
      assert.equal(ok.status, 404);
    });

    await t.step("CORS only for DASHBOARD_CORS_ORIGINS", async () => {
      const allowed = await authed("/api/varz", { headers: { origin: ALLOWED_ORIGIN } });
      await allowed.body?.cancel();
      assert.equal(allowed.headers.get("access-control-allow-origin"), ALLOWED_ORIGIN);
      const foreign = await authed("/api/varz", { headers: { origin: "https://evil.example" } });
      await foreign.body?.cancel();
      assert.equal(foreign.headers.get("access-control-allow-origin"), null);
      const preflight = await fetch(`${base}/api/units/x1/forget`, {
        method: "OPTIONS",
        headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
      });
      await preflight.body?.cancel();
      assert.equal(preflight.status, 403);
    });

    await t.step("15 tampered cookies are refused", async () => {
      const value = admin.cookie.slice("nunect_session=".length);
      const [body, sig] = value.split(".") as [string, string];
      const flip = (s: string, i: number) =>
        s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);
      const secret = stack.env.DASHBOARD_SECRET!;
      const decoded = JSON.parse(atob(body.replace(/-/g, "+").replace(/_/g, "/")));
      const reencode = (o: unknown) =>
        btoa(JSON.stringify(o)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      const tampered = [
        // Not the last character: its low bits are base64 padding of the 32-byte signature, so
        // flipping A and B there decodes to the same bytes (a valid cookie, one run in 16).
        flip(value, value.length - 2),
        flip(value, 0),
        value.slice(0, -4),
        `${value}AAAA`,
        `${sig}.${body}`,
        `${body}.`,
        body,
        `${value}.${sig}`,
        "%%%%.%%%%",
        `${reencode({ ...decoded, user: "root" })}.${sig}`,
        `${reencode({ ...decoded, exp: decoded.exp + 3600_000 })}.${sig}`,
        (await new SessionSigner("another-secret-another-secret-another-1").create("admin"))
          .cookie,
        (await new SessionSigner("change-me-secret-change-me-secret-0000").create("admin"))
          .cookie,
        (await new SessionSigner(secret, 1000).create("admin", Date.now() - 10_000)).cookie,
        "x".repeat(5000),
      ];
      assert.equal(tampered.length, 15);
      for (const [i, cookie] of tampered.entries()) {
        const res = await fetch(`${base}/api/varz`, {
          headers: { cookie: `nunect_session=${cookie}` },
        });
        await res.body?.cancel();
        assert.equal(res.status, 401, `tampered cookie ${i}`);
      }
    });

    await t.step("no script from telemetry or next= runs in Chromium", async () => {
      const nc = await connect({
        servers: stack.natsUrl,
        authenticator: credsAuthenticator(
          await Deno.readFile(`${stack.env.NATS_IDENTITY_DIR}/creds/dashboard/ops.creds`),
        ),
      });
      try {
        const payload = '<img src=x onerror="window.__xss=1">';
        nc.publish(
          "ops.heartbeat.xss-unit",
          JSON.stringify({
            unitId: "xss-unit",
            seq: 1,
            ts: Date.now(),
            uptimeS: 1,
            version: "<script>window.__xss=2</script>",
            host: payload,
            kind: "guardian",
            clock: { source: "ntp", quality: "locked" },
          }),
        );
        nc.publish(
          "ops.log.error.xss-unit",
          JSON.stringify({
            ts: Date.now(),
            level: "error",
            unitId: "xss-unit",
            msg: `</script><script>window.__xss=3</script>${payload}`,
          }),
        );
        await nc.flush();
      } finally {
        await nc.close();
      }
      const browser = await launchChromium();
      try {
        const context = await browser.newContext();
        const page = await context.newPage();
        let dialogs = 0;
        page.on("dialog", (d) => {
          dialogs++;
          d.dismiss().catch(() => {});
        });
        await page.goto(
          `${base}/login?next=${encodeURIComponent('"><script>window.__xss=4</script>')}`,
        );
        await page.fill('input[name="user"]', "admin");
        await page.fill('input[name="password"]', stack.env.DASHBOARD_ADMIN_PASSWORD!);
        await Promise.all([page.waitForURL(`${base}/`), page.click('button[type="submit"]')]);
        for (const path of ["/units", "/activity", "/"]) {
          await page.goto(`${base}${path}`);
          if (path === "/units") await page.waitForSelector("text=xss-unit");
          assert.equal(
            await page.evaluate(() => (globalThis as { __xss?: number }).__xss),
            undefined,
            path,
          );
        }
        assert.equal(dialogs, 0);
      } finally {
        await browser.close();
      }
    });

    await t.step("no secret in any page, API answer or bundle", async () => {
      const secrets = Object.entries(stack.env)
        .filter(([k, v]) => (k.endsWith("_PASSWORD") || k === "DASHBOARD_SECRET") && v !== "");
      // Every nkey seed of the identity (operator, accounts, signing keys, every .creds): none
      // may show, not even the browser's own (its credentials answer is not fetched here).
      const identity = stack.env.NATS_IDENTITY_DIR!;
      const files = [identity];
      for (let i = 0; i < files.length; i++) {
        const path = files[i]!;
        if ((await Deno.stat(path)).isDirectory) {
          for await (const e of Deno.readDir(path)) files.push(`${path}/${e.name}`);
        } else {
          const text = await Deno.readTextFile(path).catch(() => "");
          for (const m of text.matchAll(/S[OAU][A-Z2-7]{56}/g)) secrets.push([path, m[0]]);
        }
      }
      assert.ok(secrets.length > 10, `${secrets.length} secrets`);
      const paths = new Set<string>(["/login", "/healthz", "/static/app.css"]);
      for (const r of ROUTES) if (r.method === "GET") paths.add(concrete(r.path));
      for await (const f of Deno.readDir(`${PROJECT_DIR}/static/build`)) {
        if (f.name.endsWith(".js")) paths.add(`/static/build/${f.name}`);
      }
      let checked = 0;
      for (const path of paths) {
        const res = path === "/api/events"
          ? undefined // a stream: covered by the SSE step
          : await authed(path);
        if (res === undefined) continue;
        const text = await res.text();
        for (const [name, value] of secrets) {
          assert.ok(!text.includes(value!), `${path} shows ${name}`);
        }
        checked++;
      }
      assert.ok(checked >= 46, `${checked} answers checked`);
      assert.ok(!stack.supervisor.output().stdout.includes(stack.env.DASHBOARD_SECRET!));
      for (const [name, value] of secrets) {
        const out = stack.supervisor.output();
        assert.ok(!(out.stdout + out.stderr).includes(value!), `the log shows ${name}`);
      }
    });

    await t.step("10,000 malformed messages are counted and dropped", async () => {
      const stats = async () =>
        (await (await authed("/api/units")).json()).stats as {
          droppedTotal: number;
          dropped: Record<string, number>;
        };
      const before = await stats();
      const nc = await connect({
        servers: stack.natsUrl,
        authenticator: credsAuthenticator(
          await Deno.readFile(`${stack.env.NATS_IDENTITY_DIR}/creds/dashboard/ops.creds`),
        ),
      });
      try {
        const kinds = [
          (i: number) => [`ops.heartbeat.bad-${i}`, "{not json"],
          (
            i: number,
          ) => [`ops.heartbeat.bad-${i}`, JSON.stringify({ unitId: `bad-${i}`, seq: -1 })],
          (i: number) => [`ops.metric.rtt.bad-${i}`, JSON.stringify({ unitId: "other", seq: 1 })],
          (i: number) => [`ops.metric.cpu.bad-${i}`, "{}"],
        ];
        for (let i = 0; i < 10_000; i++) {
          const [subject, data] = kinds[i % kinds.length]!(i) as [string, string];
          nc.publish(subject, data);
          if (i % 1000 === 999) await nc.flush();
        }
        await nc.flush();
      } finally {
        await nc.close();
      }
      // Every one counted under its reason, and nothing else: the stack's own traffic on ops.>
      // (heartbeats, the subject registry's reports) is not malformed.
      let after = before;
      await until(async () => {
        after = await stats();
        return after.droppedTotal >= before.droppedTotal + 10_000;
      }, "10,000 drops");
      const added = Object.fromEntries(
        Object.entries(after.dropped).map(([reason, n]) => [reason, n - before.dropped[reason]!]),
      );
      assert.deepEqual(added, {
        subject: 2500,
        json: 2500,
        schema: 5000,
        timestamp: 0,
        unit_mismatch: 0,
        signature: 0,
      });
    });

    await t.step("200 concurrent SSE streams all get the live events", async () => {
      const abort = new AbortController();
      const marker = `sse-probe-${Date.now()}`;
      const streams = await Promise.all(Array.from({ length: 200 }, async () => {
        const res = await fetch(`${base}/api/events`, {
          headers: { cookie: admin.cookie },
          signal: abort.signal,
        });
        assert.equal(res.status, 200);
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        // Wrapped: awaiting the stream here would wait for the event before it is caused.
        return {
          saw: (async () => {
            let text = "";
            while (!text.includes(marker)) {
              const { value, done } = await reader.read();
              if (done) return false;
              text += value;
            }
            await reader.cancel();
            return true;
          })(),
        };
      }));
      const probe = await connect({
        servers: stack.natsUrl,
        name: marker,
        authenticator: credsAuthenticator(
          await Deno.readFile(`${stack.env.NATS_IDENTITY_DIR}/creds/dashboard/ops.creds`),
        ),
      });
      try {
        const timer = setTimeout(() => abort.abort(), 20_000);
        const got = await Promise.all(streams.map((s) => s.saw.catch(() => false)));
        clearTimeout(timer);
        assert.equal(got.filter(Boolean).length, 200, "every stream saw the connect");
      } finally {
        abort.abort();
        await probe.close();
      }
    });
  },
});

Deno.test("security: a bad .env is refused with one message and exit 2", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nunect-security-" });
  try {
    const env = await testEnv(dir, {
      NATS_PORT: "http",
      DASHBOARD_SECRET: "short",
      HEARTBEAT_INTERVAL_MS: "-5",
      DASHBOARD_BIND: "not an address",
    });
    const r = await runProgram({ permissionSet: "runtime", entry: "mods/runtime/main.ts", env });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.match(/Invalid configuration/g)?.length, 1, "one message");
    assert.match(r.stderr, /\(4 variables\)/);
    assert.doesNotMatch(r.stderr, / {4}at |Error:/, "no stack trace");
    assert.ok(!r.stderr.includes("short"), "the secret is not echoed");
    assert.equal(r.stdout, "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
