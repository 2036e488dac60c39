import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { loadConfig, proxySiteFor, renderProxySite } from "../../mods/config/mod.ts";
import {
  freePorts,
  PROJECT_DIR,
  type ReverseProxy,
  startCaddy,
  startNats,
  startNginx,
  testCertificates,
  until,
} from "../_kit/mod.ts";
import { launchTrustingChromium } from "../_kit/chromium.ts";
import { ADMIN, testEnv } from "./_harness.ts";
import { startDashboardProgram } from "./_server.ts";

const ARTIFACTS = `${PROJECT_DIR}/tests/artifacts`;

/** A reverse proxy of config/, and what differs in running it. */
interface Proxy {
  readonly name: string;
  /** Its site template, relative to the project. */
  readonly template: string;
  /** The name its origin has in the browser. */
  readonly host: string;
  start(site: string, port: number): Promise<ReverseProxy>;
  /** The lines of its log that report a problem. */
  trouble(log: string): string[];
}

const NGINX: Proxy = {
  name: "nginx",
  template: "config/nginx/nunect.conf",
  host: "127.0.0.1",
  start: (site, port) => startNginx({ site, port }),
  trouble: (log) => log.split("\n").filter((l) => /\[(error|crit|alert|emerg)\]/.test(l)),
};

const CADDY: Proxy = {
  name: "caddy",
  template: "config/caddy/Caddyfile",
  // Caddy serves a site by its name (SNI and Host), so the browser uses the name.
  host: "localhost",
  start: (caddyfile, port) => startCaddy({ caddyfile, port }),
  // Caddy reports a browser that leaves a page (and its live events) as an aborted response.
  trouble: (log) =>
    log.split("\n").filter((l) =>
      /"level":"(error|panic|fatal)"/.test(l) &&
      !/"msg":"aborting with incomplete response","error":"http2: stream closed"/.test(l)
    ),
};

/**
 * Runs the dashboard behind `proxy` with its site file from config/, filled in for this stack as
 * `mods/config/main.ts nginx|caddy` does it for .env, and uses it as a browser and as attackers.
 */
async function throughProxy(proxy: Proxy): Promise<void> {
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  const dir = await Deno.makeTempDir({ prefix: `nunect-${proxy.name}-` });
  try {
    const certs = await testCertificates(dir);
    await using ns = await startNats();
    const [port, httpPort] = freePorts(2);
    const origin = `https://${proxy.host}:${port}`;
    const env = {
      DASHBOARD_DOMAIN: "localhost",
      DASHBOARD_TRUSTED_PROXIES: "127.0.0.1",
      NATS_WS_URL: `wss://${proxy.host}:${port}/nats`,
    };
    await using dash = await startDashboardProgram(ns, env);
    // With the monitoring API for this host only (by either loopback address).
    const vars = testEnv(ns, {
      ...env,
      DASHBOARD_PORT: new URL(dash.url).port,
      DASHBOARD_BIND: "127.0.0.1",
    });
    const site = renderProxySite(
      await Deno.readTextFile(`${PROJECT_DIR}/${proxy.template}`),
      proxySiteFor(loadConfig(["dashboard", "server", "natsTls"], (n) => vars[n]), {
        listen: port!,
        httpListen: httpPort!,
        cert: certs.cert,
        key: certs.key,
        monitorAllow: ["127.0.0.1", "::1"],
      }),
    );
    await using server = await proxy.start(site, port!);
    assert.equal(server.url, origin);

    // Plain HTTP only redirects, to the configured name whatever Host the request claims.
    const plain = await Deno.connect({ hostname: "127.0.0.1", port: httpPort! });
    await plain.write(
      new TextEncoder().encode(
        "GET /units?q=1 HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
      ),
    );
    const answer = await new Response(plain.readable).text();
    assert.match(answer, /^HTTP\/1\.1 308 /);
    assert.match(answer, new RegExp(`\r\nLocation: https://localhost:${port}/units\\?q=1\r\n`));
    assert.doesNotMatch(answer, /evil\.example/);

    // The monitoring API under /monitoring/, for the allowed addresses.
    const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(certs.ca)] });
    try {
      const varz = await (await fetch(`${origin}/monitoring/varz`, { client } as RequestInit))
        .json();
      assert.equal(varz.server_name, ns.env.NATS_SERVER_NAME);
      // What a browser claims in the forwarded headers is replaced by the proxy, not passed on:
      // a forwarded name the dashboard does not answer to would be refused (400).
      const health = await fetch(`${origin}/healthz`, {
        client,
        headers: {
          "x-forwarded-for": "203.0.113.9",
          "x-forwarded-proto": "http",
          "x-forwarded-host": "evil.example",
        },
      } as RequestInit);
      assert.equal(health.status, 200);
      await health.body?.cancel();
    } finally {
      client.close();
    }

    await using chromium = await launchTrustingChromium({ trustCa: certs.ca });
    const page = await chromium.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));

    // Log in through the proxy: the CSRF origin check sees the browser's https origin.
    await page.goto(`${origin}/`);
    assert.match(page.url(), /\/login\?next=/);
    await page.fill('input[name="user"]', ADMIN.user);
    await page.fill('input[name="password"]', ADMIN.password);
    await Promise.all([page.waitForURL(`${origin}/`), page.click('button[type="submit"]')]);
    const cookies = await page.context().cookies(origin);
    const session = cookies.find((c) => c.name === "nunect_session");
    assert.ok(session?.secure, "the session cookie is Secure behind the TLS proxy");
    assert.equal(
      await page.evaluate(() =>
        (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming)
          .nextHopProtocol
      ),
      "h2",
    );

    // The browser unit is connected over wss:// through the proxy.
    await page.waitForSelector(".browser-unit.status-connected", { timeout: 15_000 });
    await until(async () => {
      const connz = await (await fetch(`${ns.monitorUrl}/connz?auth=true`)).json() as {
        connections: { type?: string; name?: string }[];
      };
      // In operator mode each session has its own browser user, named by its session.
      return connz.connections.some((c) => c.type === "websocket");
    }, "the browser's WebSocket connection as its session's user");

    // Live Activity over Server-Sent Events through the proxy, without a reload.
    await page.goto(`${origin}/activity`);
    await page.waitForSelector("#activity-live.on");
    const name = `proxy-probe-${crypto.randomUUID().slice(0, 6)}`;
    const nc = await connect({ servers: ns.url, ...(await ns.console("BRIDGE")).nats, name });
    await page.waitForSelector(`#activity td.ev-name >> text=${name}`, { timeout: 10_000 });
    await nc.close();
    await page.waitForSelector(`#activity tr[data-kind="disconnect"] >> text=${name}`, {
      timeout: 10_000,
    });
    await page.screenshot({
      path: `${ARTIFACTS}/proxy-${proxy.name}-activity.png`,
      fullPage: true,
    });
    assert.deepEqual(errors, []);
    assert.deepEqual(proxy.trouble(await server.log()), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const proxy of [NGINX, CADDY]) {
  Deno.test({
    name: `e2e through ${proxy.name} (${proxy.template}): one TLS origin for the dashboard, its ` +
      "live events and NATS over wss:// for the browser unit, forwarded headers believed from " +
      "the proxy only, plain HTTP redirected to the configured name only",
    sanitizeOps: false,
    sanitizeResources: false,
    fn: () => throughProxy(proxy),
  });
}
