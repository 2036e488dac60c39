/**
 * The dashboard program as `deno task start` runs it, over HTTP (HTTP/1.1) and over HTTPS
 * (HTTP/1.1 and HTTP/2): a replay whose client leaves before the answer stops (the request's signal reaches
 * it), and Deno.serve's notice about the legacy request abort never reaches the operator's
 * terminal (deno.json opts in to `no-legacy-abort`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { startNats, testCertificates, until } from "../_kit/mod.ts";
import { login } from "../security/_http.ts";
import { ADMIN } from "./_harness.ts";
import { startDashboardProgram } from "./_server.ts";

const MESSAGES = 40;
const LEGACY_NOTICE = /request\.signal aborts on successful responses|legacy behavior/;
const LEFT = /POST \/api\/streams\/BRIDGE\/ORDERS\/replay: The client left before the answer/g;

/** A stream of {@linkcode MESSAGES} messages in the BRIDGE account. */
async function orders(nc: NatsConnection): Promise<void> {
  await (await jetstreamManager(nc)).streams.add({
    name: "ORDERS",
    subjects: ["orders.>"],
    max_bytes: 1024 * 1024,
  });
  const js = jetstream(nc);
  for (let i = 1; i <= MESSAGES; i++) await js.publish("orders.eu", JSON.stringify({ i }));
}

for (const tls of [false, true]) {
  Deno.test({
    name: `dashboard over ${tls ? "HTTPS" : "HTTP"}: a replay stops when its client leaves ` +
      `(${tls ? "HTTP/1.1, HTTP/2" : "HTTP/1.1"}); no legacy request-abort notice from Deno.serve`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const dir = await Deno.makeTempDir({ prefix: "nunect-request-signal-" });
      try {
        const certs = tls ? await testCertificates(dir) : undefined;
        await using ns = await startNats();
        // The telemetry history stream reserves its max_bytes: small, so that ORDERS fits.
        await using dash = await startDashboardProgram(ns, {
          TELEMETRY_HISTORY_MAX_MB: "32",
          ...(certs
            ? {
              DASHBOARD_DOMAIN: "localhost",
              DASHBOARD_TLS_CERT: certs.cert,
              DASHBOARD_TLS_KEY: certs.key,
            }
            : {}),
        });
        const bridge = await connect({ servers: ns.url, ...(await ns.console("BRIDGE")).nats });
        try {
          await orders(bridge);
          const caCerts = certs ? [await Deno.readTextFile(certs.ca)] : undefined;
          let stopped = 0;
          // Plain HTTP/2 (h2c, by prior knowledge) carries no Host header: routes/host.ts refuses it.
          for (const http2 of tls ? [false, true] : [false]) {
            using client = Deno.createHttpClient({ caCerts, http1: !http2, http2 });
            const b = await login(dash.url, ADMIN.user, ADMIN.password, client);
            const to = `replayed.${http2 ? "h2" : "h1"}`;
            let replayed = 0;
            const sub = bridge.subscribe(to, {
              callback: () => {
                replayed++;
              },
            });
            await bridge.flush();
            const leaving = new AbortController();
            // 5 a second: the whole replay would take 8 s; the client leaves after the first.
            const replay = fetch(`${dash.url}/api/streams/BRIDGE/ORDERS/replay`, {
              client,
              method: "POST",
              signal: leaving.signal,
              headers: {
                cookie: b.cookie,
                origin: dash.url,
                "x-csrf-token": b.csrf,
                "content-type": "application/json",
              },
              body: JSON.stringify({ criteria: {}, options: { to, ratePerSecond: 5 } }),
            } as RequestInit).then((r) => r.status, (e: unknown) => e);
            await until(() => replayed >= 1, `the first message replayed to ${to}`);
            leaving.abort();
            assert.ok((await replay) instanceof Error, `the replay answered: ${await replay}`);
            // The replay ends on the abort: the dashboard logs the request it gave up in one line.
            stopped++;
            await until(
              () => (dash.program.output().stderr.match(LEFT) ?? []).length >= stopped,
              `the replay to ${to} to stop`,
            );
            assert.ok(replayed < MESSAGES, `${replayed} of ${MESSAGES} replayed: it did not stop`);
            sub.unsubscribe();
          }
          const { stdout, stderr } = dash.program.output();
          assert.doesNotMatch(stdout + stderr, LEGACY_NOTICE);
          assert.doesNotMatch(
            stderr,
            /AbortError|\n\s+at /,
            "no stack trace for a client that left",
          );
        } finally {
          await bridge.close();
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
