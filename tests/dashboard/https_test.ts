import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { LocalCa } from "../../mods/tls/mod.ts";
import { freePorts, needs, serverHas, startNats, testCertificates, until } from "../_kit/mod.ts";
import { ADMIN } from "./_harness.ts";
import { startDashboardProgram } from "./_server.ts";

/** fetch through an HTTP client that trusts only `ca` (PEM text); HTTP/2 where offered. */
function trusting(ca: string) {
  const client = Deno.createHttpClient({ caCerts: [ca] });
  return {
    fetch: (url: string, init: RequestInit = {}) => fetch(url, { ...init, client } as RequestInit),
    [Symbol.dispose]: () => client.close(),
  };
}

/** A request that fails, as text (for asserting which CA a connection needed). */
async function failure(url: string, ca: string): Promise<string> {
  using c = trusting(ca);
  try {
    await (await c.fetch(url)).body?.cancel();
    return "ok";
  } catch (e) {
    return String((e as Error).cause ?? e);
  }
}

/** One raw HTTP/1.1 request over plain TCP (any Host); what came back, as text (may be empty). */
async function rawHttp(port: number, path: string, host: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(
    new TextEncoder().encode(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
  );
  return await new Response(conn.readable).text().catch(() => "");
}

const MTLS = serverHas("tls_handshake_first");

Deno.test({
  name: needs(
    "tls_handshake_first",
    "dashboard over HTTPS (HTTP/2, Secure cookies, HSTS, redirect listener) on NATS over mTLS " +
      "with HTTPS monitoring; expiry warned, exported; a renewed certificate is served without " +
      "a restart while an open event stream keeps flowing",
  ),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "nunect-https-" });
    try {
      const certs = await testCertificates(dir);
      const ca = await Deno.readTextFile(certs.ca);
      await using ns = await startNats({
        env: {
          NATS_TLS_CERT: certs.cert,
          NATS_TLS_KEY: certs.key,
          NATS_HTTPS_PORT: "-1",
          NATS_TLS_CA: certs.ca,
          // The kit's controller logs in over mTLS too.
          ...(MTLS
            ? {
              NATS_TLS_HANDSHAKE_FIRST: "auto",
              NATS_TLS_CLIENT_CERT: certs.clientCert,
              NATS_TLS_CLIENT_KEY: certs.clientKey,
            }
            : {}),
        },
        ...(MTLS ? { clientCa: certs.ca } : {}),
      });
      // The dashboard's certificate lives where a renewal will replace it.
      const live = `${dir}/live`;
      await Deno.mkdir(live);
      await Deno.copyFile(certs.cert, `${live}/cert.pem`);
      await Deno.copyFile(certs.key, `${live}/key.pem`);
      const [redirectPort] = freePorts(1);
      await using dash = await startDashboardProgram(ns, {
        DASHBOARD_DOMAIN: "localhost",
        DASHBOARD_TLS_CERT: `${live}/cert.pem`,
        DASHBOARD_TLS_KEY: `${live}/key.pem`,
        DASHBOARD_REDIRECT_PORT: String(redirectPort),
        NATS_TLS_CA: certs.ca,
        METRICS_TOKEN: "metrics-token-0123456789",
        ...(MTLS
          ? {
            NATS_TLS_CLIENT_CERT: certs.clientCert,
            NATS_TLS_CLIENT_KEY: certs.clientKey,
            NATS_TLS_HANDSHAKE_FIRST: "auto",
          }
          : {}),
      });
      assert.match(dash.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      using web = trusting(ca);

      // Login over HTTPS: both cookies Secure, HSTS on every answer.
      const form = await web.fetch(`${dash.url}/login`);
      assert.equal(form.headers.get("strict-transport-security"), "max-age=31536000");
      const pre = form.headers.getSetCookie();
      assert.ok(pre.every((c) => /; Secure/.test(c)), pre.join("\n"));
      const token = (await form.text()).match(/name="_csrf" value="([^"]+)"/)![1]!;
      const login = await web.fetch(`${dash.url}/login`, {
        method: "POST",
        redirect: "manual",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          cookie: pre.map((c) => c.split(";")[0]).join("; "),
          origin: dash.url,
        },
        body: new URLSearchParams({ _csrf: token, user: ADMIN.user, password: ADMIN.password }),
      });
      await login.body?.cancel();
      const session = login.headers.getSetCookie().find((c) => c.startsWith("nunect_session="))!;
      assert.match(session, /; Secure/);
      const cookie = session.split(";")[0]!;
      const api = async (path: string) => {
        const res = await web.fetch(`${dash.url}${path}`, {
          headers: { cookie, accept: "application/json" },
        });
        assert.equal(res.status, 200, `${path}: ${res.status}`);
        return await res.json();
      };

      // HTTP/2 is offered.
      const conn = await Deno.connectTls({
        hostname: "127.0.0.1",
        port: Number(new URL(dash.url).port),
        caCerts: [ca],
        alpnProtocols: ["h2", "http/1.1"],
      });
      assert.equal((await conn.handshake()).alpnProtocol, "h2");
      conn.close();

      // Monitoring over HTTPS through the dashboard, verified against NATS_TLS_CA.
      assert.equal((await api("/api/varz")).server_name, ns.env.NATS_SERVER_NAME);

      // Plain HTTP on the HTTPS port: no answer at all, so nothing in clear.
      const port = Number(new URL(dash.url).port);
      const clear = await rawHttp(port, "/api/varz", "127.0.0.1");
      assert.doesNotMatch(clear, /HTTP\/1\.[01] \d|server_name|Set-Cookie/i, clear);

      // The plain-HTTP listener only redirects: with a session cookie too, and never to a name
      // the request made up.
      const withCookie = await fetch(`http://127.0.0.1:${redirectPort}/api/varz`, {
        redirect: "manual",
        headers: { cookie },
      });
      assert.equal(withCookie.status, 308);
      assert.equal(await withCookie.text(), "");
      const foreign = await rawHttp(redirectPort!, "/", "evil.example");
      assert.match(foreign, /^HTTP\/1\.1 400 /);
      assert.doesNotMatch(foreign, /location: https?:\/\/evil/i);

      // The plain-HTTP listener only redirects.
      const redirected = await fetch(`http://127.0.0.1:${redirectPort}/units?q=x`, {
        redirect: "manual",
      });
      assert.equal(redirected.status, 308);
      assert.equal(redirected.headers.get("location"), `${dash.url}/units?q=x`);

      // The one-day test certificate is within the warning window: listed, warned, exported.
      const before = await api("/api/certificates");
      const own = before.rows.find((r: { component: string }) => r.component === "dashboard");
      assert.equal(own.status, "expiring");
      assert.equal(own.issuer, "CN=nunect test CA");
      const nats = before.rows.map((r: { component: string }) => r.component).sort();
      // Every TLS listener of the server where it reports their ends (2.12.4+); else the
      // server is named as not reporting them.
      const REPORTS = serverHas("tls_cert_not_after");
      assert.deepEqual(
        nats,
        REPORTS ? ["client", "dashboard", "leafnode", "monitoring", "websocket"] : ["dashboard"],
      );
      assert.equal(before.unreported.length, REPORTS ? 0 : 1);
      const overview = await (await web.fetch(`${dash.url}/`, { headers: { cookie } })).text();
      assert.match(overview, /id="certificate-warning"/);
      const metrics = await (await web.fetch(`${dash.url}/metrics`, {
        headers: { authorization: "Bearer metrics-token-0123456789" },
      })).text();
      assert.match(
        metrics,
        /^nunect_tls_cert_expiry_timestamp_seconds\{server_id="",listener="dashboard"\} \d+$/m,
      );
      if (REPORTS) {
        assert.match(
          metrics,
          /^nunect_tls_cert_expiry_timestamp_seconds\{.*listener="monitoring"\}/m,
        );
      }

      // An event stream opened before the renewal.
      const events = await web.fetch(`${dash.url}/api/events?topics=activity`, {
        headers: { cookie },
      });
      const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
      let received = "";
      const read = (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          received += value;
        }
      })();

      // Renewal from another CA (so a client can tell which one is served), with 90 days left.
      const other = (await LocalCa.open(`${dir}/other`))!;
      const renewed = await other.issue({
        file: "renewed",
        commonName: "localhost",
        names: ["localhost", "127.0.0.1"],
        usage: "server",
        days: 90,
      });
      await Deno.writeTextFile(`${live}/key.pem.new`, await Deno.readTextFile(renewed.key));
      await Deno.writeTextFile(`${live}/cert.pem.new`, await Deno.readTextFile(renewed.cert));
      await Deno.rename(`${live}/key.pem.new`, `${live}/key.pem`);
      await Deno.rename(`${live}/cert.pem.new`, `${live}/cert.pem`);
      const otherCa = await Deno.readTextFile(other.certFile);
      await until(
        async () => await failure(`${dash.url}/healthz`, otherCa) === "ok",
        "the renewed certificate on a new connection",
      );
      assert.match(await failure(`${dash.url}/healthz`, ca), /UnknownIssuer/);
      await dash.program.waitFor("TLS certificate reloaded from");

      // The stream opened before is still delivering: a new connection shows up on it.
      const name = `after-renewal-${crypto.randomUUID().slice(0, 6)}`;
      const nc = await connect({
        servers: ns.url,
        ...(await ns.console("BRIDGE")).nats,
        name,
        tls: MTLS ? { ca, certFile: certs.clientCert, keyFile: certs.clientKey } : { ca },
      });
      await until(
        () => received.includes(name),
        "the new connection on the old event stream",
      ).catch((e) => {
        console.log(received.slice(-2000), dash.program.output());
        throw e;
      });
      await nc.close();
      await reader.cancel();
      await read.catch(() => {});

      // Certificates and keys never appear in the dashboard's log, its API or its pages.
      using renewedWeb = trusting(otherCa);
      const keyBody = (pem: string) =>
        pem.split("\n").filter((l) => !l.startsWith("-----")).join("");
      const secrets = [
        keyBody(await Deno.readTextFile(certs.key)).slice(0, 40),
        keyBody(await Deno.readTextFile(renewed.key)).slice(0, 40),
        keyBody(await Deno.readTextFile(renewed.cert)).slice(0, 40),
      ];
      const { stdout, stderr } = dash.program.output();
      for (const path of ["/api/certificates", "/certificates", "/"]) {
        const text = await (await renewedWeb.fetch(`${dash.url}${path}`, { headers: { cookie } }))
          .text();
        for (const seen of [text, stdout + stderr]) {
          assert.doesNotMatch(seen, /-----BEGIN|PRIVATE KEY/, path);
          for (const secret of secrets) assert.ok(!seen.includes(secret), `${path}: PEM content`);
        }
      }

      const after = await (await renewedWeb.fetch(`${dash.url}/api/certificates`, {
        headers: { cookie, accept: "application/json" },
      })).json();
      const ownAfter = after.rows.find((r: { component: string }) => r.component === "dashboard");
      assert.equal(ownAfter.issuer, "CN=other CA");
      assert.equal(ownAfter.status, "ok");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
