/**
 * TLS benchmark, in one run on one nats-server: the same dashboard (main.ts under the `dashboard`
 * permission set) several ways at once, each reached through its own keep-alive HTTP client (the
 * same client code, Deno's fetch, for all), HTTP/2 where TLS offers it:
 *
 * - **HTTP**: plain, direct (the baseline);
 * - **HTTPS**: DASHBOARD_TLS_CERT, direct, over HTTP/2 and again over HTTP/1.1;
 * - **nginx**, **Caddy**: config/nginx/nunect.conf and config/caddy/Caddyfile terminating TLS in
 *   front of a plain dashboard (as deployed).
 *
 * 1. Request latency: `GET /api/varz` with a session, interleaved over all routes, median and p95,
 *    and the median split into the time to the response's headers and the time from there to the
 *    end of its body; ratios HTTPS / HTTP (target ≤ 1.2×) and proxy / HTTPS direct (target
 *    ≤ 1.3×; both are TLS to the client, so this is the proxy's own cost), and proxy / HTTP.
 * 2. SSE delivery: one `/api/events?topics=activity` stream open on each; a NATS client connects,
 *    and the time until its connect event arrives on each stream is taken (the same event, the
 *    same moment, on all). Same ratios.
 * 3. What a browser sees: `fetch("/api/varz")` from a logged-in page in Chromium (which takes
 *    HTTP/2 over TLS), on each route but the HTTP/1.1 one, back to back on each connection (as a
 *    page loads its parts) and interleaved over the routes; ratios against HTTP.
 *
 * What the split shows: an answer that leaves in parts (headers, body) on a connection without
 * TCP_NODELAY waits for the client's delayed ACK (Nagle's algorithm), up to 40 ms on Linux, all of
 * it after the headers, when requests follow each other closely on a connection. Deno.serve with
 * TLS (Deno 2.9.6) leaves TCP_NODELAY off: direct HTTPS took ~42 ms more per request until the
 * dashboard's TLS moved to node:tls in front of a loopback Deno.serve, both hops with TCP_NODELAY
 * (mods/tls/https_server.ts; tests/tls/https_serving_test.ts). nginx and Caddy set it too.
 *
 * Run: `deno task bench tls` or `deno run -A scripts/bench/tls.ts`.
 * Environment: BENCH_REQUESTS (300), BENCH_EVENTS (40), BENCH_BROWSER_REQUESTS (100).
 *
 * @module
 */
import { connect } from "@nats-io/transport-node";
import { loadConfig, proxySiteFor, renderProxySite } from "../../mods/config/mod.ts";
import {
  freePorts,
  PROJECT_DIR,
  startCaddy,
  startNats,
  startNginx,
  testCertificates,
  until,
} from "../../tests/_kit/mod.ts";
import { launchTrustingChromium } from "../../tests/_kit/chromium.ts";
import { ADMIN, testEnv } from "../../tests/dashboard/_harness.ts";
import { startDashboardProgram } from "../../tests/dashboard/_server.ts";

const REQUESTS = Number(Deno.env.get("BENCH_REQUESTS") ?? 300);
const EVENTS = Number(Deno.env.get("BENCH_EVENTS") ?? 40);
const BROWSER_REQUESTS = Number(Deno.env.get("BENCH_BROWSER_REQUESTS") ?? 100);

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/** One way to the dashboard: its origin, an HTTP client that trusts the test CA, a session. */
interface Route {
  readonly name: string;
  readonly origin: string;
  readonly client: Deno.HttpClient;
  cookie: string;
}

function get(route: Route, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${route.origin}${path}`, {
    ...init,
    client: route.client,
    headers: { cookie: route.cookie, accept: "application/json" },
  } as RequestInit);
}

/** Logs in like a browser through `route`; keeps the session cookie on it. */
async function login(route: Route): Promise<void> {
  const form = await fetch(`${route.origin}/login`, { client: route.client } as RequestInit);
  const pre = form.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const token = (await form.text()).match(/name="_csrf" value="([^"]+)"/)![1]!;
  const res = await fetch(`${route.origin}/login`, {
    method: "POST",
    redirect: "manual",
    client: route.client,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie: pre,
      origin: route.origin,
    },
    body: new URLSearchParams({ _csrf: token, user: ADMIN.user, password: ADMIN.password }),
  } as RequestInit);
  await res.body?.cancel();
  route.cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]!)
    .find((c) => c.startsWith("nunect_session="))!;
  if (!route.cookie) throw new Error(`${route.name}: login failed (HTTP ${res.status})`);
}

function line(label: string, xs: number[], split?: [number[], number[]]): string {
  const parts = split
    ? `  (headers ${quantile(split[0], 0.5).toFixed(2)} ms + body ${
      quantile(split[1], 0.5).toFixed(2)
    } ms)`
    : "";
  return `  ${label.padEnd(28)} median ${quantile(xs, 0.5).toFixed(2)} ms  p95 ${
    quantile(xs, 0.95).toFixed(2)
  } ms${parts}`;
}

function ratio(label: string, a: number[], b: number[], target: number): string {
  const r = quantile(a, 0.5) / quantile(b, 0.5);
  return `  ratio ${label.padEnd(24)} ${r.toFixed(2)}x  (target <= ${target.toFixed(1)}x: ${
    r <= target ? "met" : "NOT met"
  })`;
}

function report(
  title: string,
  routes: readonly Route[],
  xs: number[][],
  split?: [number[][], number[][]],
): void {
  console.log(title);
  for (const [k, r] of routes.entries()) {
    console.log(line(r.name, xs[k]!, split && [split[0][k]!, split[1][k]!]));
  }
  const [http, https, https1, nginx, caddy] = xs;
  console.log(ratio("HTTPS / HTTP", https!, http!, 1.2));
  console.log(ratio("HTTPS HTTP/1.1 / HTTP", https1!, http!, 1.2));
  console.log(ratio("nginx / HTTPS direct", nginx!, https!, 1.3));
  console.log(ratio("Caddy / HTTPS direct", caddy!, https!, 1.3));
  console.log(ratio("nginx / HTTP", nginx!, http!, 1.3));
  console.log(ratio("Caddy / HTTP", caddy!, http!, 1.3));
}

/** Runs the TLS benchmarks and prints their figures and ratios. */
export async function bench(): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "nunect-bench-tls-" });
  try {
    const certs = await testCertificates(dir);
    const ca = await Deno.readTextFile(certs.ca);
    await using ns = await startNats();
    const [proxyPort, caddyPort] = freePorts(2);
    const common = { DASHBOARD_DOMAIN: "localhost" };
    await using plain = await startDashboardProgram(ns, common);
    await using tls = await startDashboardProgram(ns, {
      ...common,
      DASHBOARD_TLS_CERT: certs.cert,
      DASHBOARD_TLS_KEY: certs.key,
    });
    await using proxied = await startDashboardProgram(ns, {
      ...common,
      DASHBOARD_TRUSTED_PROXIES: "127.0.0.1",
    });
    const vars = testEnv(ns, {
      ...common,
      DASHBOARD_PORT: new URL(proxied.url).port,
      DASHBOARD_BIND: "127.0.0.1",
    });
    const site = async (template: string, listen: number) =>
      renderProxySite(
        await Deno.readTextFile(`${PROJECT_DIR}/${template}`),
        proxySiteFor(loadConfig(["dashboard", "server", "natsTls"], (n) => vars[n]), {
          listen,
          httpListen: null,
          cert: certs.cert,
          key: certs.key,
          monitorAllow: [],
        }),
      );
    await using nginx = await startNginx({
      site: await site("config/nginx/nunect.conf", proxyPort!),
      port: proxyPort!,
    });
    await using caddy = await startCaddy({
      caddyfile: await site("config/caddy/Caddyfile", caddyPort!),
      port: caddyPort!,
    });

    const trusting = (http2 = true) => Deno.createHttpClient({ caCerts: [ca], http2 });
    const routes: Route[] = [
      { name: "HTTP, direct", origin: plain.url, client: Deno.createHttpClient({}), cookie: "" },
      { name: "HTTPS, direct (HTTP/2)", origin: tls.url, client: trusting(), cookie: "" },
      { name: "HTTPS, direct (HTTP/1.1)", origin: tls.url, client: trusting(false), cookie: "" },
      { name: "HTTPS via nginx (HTTP/2)", origin: nginx.url, client: trusting(), cookie: "" },
      { name: "HTTPS via Caddy (HTTP/2)", origin: caddy.url, client: trusting(), cookie: "" },
    ];
    try {
      for (const r of routes) await login(r);

      // 1. Request latency, interleaved so that all routes see the same load.
      const latency: number[][] = routes.map(() => []);
      const headers: number[][] = routes.map(() => []);
      const body: number[][] = routes.map(() => []);
      for (let i = -20; i < REQUESTS; i++) { // 20 warm-up rounds (JIT, pools, TLS sessions)
        for (const [k, r] of routes.entries()) {
          const t0 = performance.now();
          const res = await get(r, "/api/varz");
          const t1 = performance.now();
          await res.arrayBuffer();
          const t2 = performance.now();
          if (!res.ok) throw new Error(`${r.name} /api/varz: HTTP ${res.status}`);
          if (i < 0) continue;
          latency[k]!.push(t2 - t0);
          headers[k]!.push(t1 - t0);
          body[k]!.push(t2 - t1);
        }
      }
      report(
        `tls: GET /api/varz, ${REQUESTS} requests each, keep-alive (nats-server ${ns.version})`,
        routes,
        latency,
        [headers, body],
      );

      // 2. SSE delivery of the same connect event to a stream on each.
      const abort = new AbortController();
      const seen = routes.map(() => new Map<string, number>());
      const readers = await Promise.all(routes.map(async (r, k) => {
        const res = await get(r, "/api/events?topics=activity", { signal: abort.signal });
        if (!res.ok) throw new Error(`${r.name} /api/events: HTTP ${res.status}`);
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        // Wrapped: a returned promise would be awaited by Promise.all until the stream ends.
        return {
          reader,
          done: (async () => {
            let tail = ""; // a name may be split across chunks
            for (;;) {
              const { value, done } = await reader.read().catch(() => ({ value: "", done: true }));
              if (done) return;
              const now = performance.now();
              tail += value;
              for (const m of tail.matchAll(/tls-sse-\d+\b/g)) {
                if (!seen[k]!.has(m[0])) seen[k]!.set(m[0], now);
              }
              tail = tail.slice(-32);
            }
          })(),
        };
      }));
      const delivery: number[][] = routes.map(() => []);
      for (let i = -3; i < EVENTS; i++) {
        const name = `tls-sse-${i + 3}`;
        const t0 = performance.now();
        const nc = await connect({ servers: ns.url, ...(await ns.console("BRIDGE")).nats, name });
        await until(() => seen.every((s) => s.has(name)), `${name} on every stream`).catch((e) => {
          console.error(seen.map((s) => [...s.keys()].join(",")));
          throw e;
        });
        if (i >= 0) { for (const [k, s] of seen.entries()) delivery[k]!.push(s.get(name)! - t0); }
        await nc.close();
      }
      abort.abort();
      // The streams end here whatever the transport does with the abort.
      await Promise.all(readers.map((r) => r.reader.cancel().catch(() => {})));
      await Promise.all(readers.map((r) => r.done));
      report(
        `tls: SSE delivery of a connect event (client connect -> event read), ${EVENTS} events`,
        routes,
        delivery,
      );

      // 3. What a browser sees: the same request from a page in Chromium, over what it chooses.
      await using chromium = await launchTrustingChromium({ trustCa: certs.ca });
      const browsed = routes.filter((r) => !r.name.includes("HTTP/1.1"));
      const pages = [];
      for (const r of browsed) {
        const page = await chromium.browser.newPage();
        await page.goto(`${r.origin}/login`);
        await page.fill('input[name="user"]', ADMIN.user);
        await page.fill('input[name="password"]', ADMIN.password);
        await Promise.all([page.waitForURL(`${r.origin}/`), page.click('button[type="submit"]')]);
        pages.push(page);
      }
      // Back to back on one connection, as a page loading its parts; then interleaved with the
      // other routes, requests some 10 ms apart on each connection (the TCP acknowledgements
      // behave differently, see above).
      const fetchVarz = async (n: number): Promise<[number[], number[]]> => {
        const all: number[] = [];
        const body: number[] = [];
        for (let i = 0; i < n; i++) {
          const t0 = performance.now();
          const res = await fetch("/api/varz", { headers: { accept: "application/json" } });
          const t1 = performance.now();
          await res.arrayBuffer();
          const t2 = performance.now();
          all.push(t2 - t0), body.push(t2 - t1);
        }
        return [all, body];
      };
      const backToBack: [number[], number[]][] = [];
      for (const page of pages) {
        await page.evaluate(fetchVarz, 10); // warm-up
        backToBack.push(await page.evaluate(fetchVarz, BROWSER_REQUESTS));
      }
      const interleaved: [number[], number[]][] = browsed.map(() => [[], []]);
      for (let i = 0; i < BROWSER_REQUESTS; i++) {
        for (const [k, page] of pages.entries()) {
          const [[all], [body]] = await page.evaluate(fetchVarz, 1);
          interleaved[k]![0].push(all!), interleaved[k]![1].push(body!);
        }
      }
      for (const page of pages) await page.close();
      for (
        const [how, xs] of [["back to back", backToBack], ["interleaved", interleaved]] as const
      ) {
        console.log(
          `tls: GET /api/varz from a page in Chromium, ${BROWSER_REQUESTS} requests each, ${how}`,
        );
        for (const [k, r] of browsed.entries()) {
          console.log(
            line(r.name.replace(" (HTTP/2)", ""), xs[k]![0]) +
              `  (${quantile(xs[k]![1], 0.5).toFixed(2)} ms of it after the headers)`,
          );
        }
        console.log(ratio("HTTPS / HTTP", xs[1]![0], xs[0]![0], 1.2));
        console.log(ratio("nginx / HTTP", xs[2]![0], xs[0]![0], 1.3));
        console.log(ratio("Caddy / HTTP", xs[3]![0], xs[0]![0], 1.3));
      }
    } finally {
      for (const r of routes) r.client.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await bench();
