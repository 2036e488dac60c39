/**
 * Files the npm test writes into its temp Node project. Kept as strings so that Deno's own
 * check and lint (which know nothing of the installed package) leave them alone.
 *
 * @module
 */

/** Run with Node 20 in the temp project: uses @nunect/client/node over TCP and WebSocket. */
export const NODE_CLIENT: string =
  `// Run by tests/client/npm_test.ts with Node 20 inside a temp project that installed the packed
// @nunect/client tarball. Prints one JSON line with what it observed.
import { connect, decodeMessage, HEADERS, logSchema, NoRespondersError } from "@nunect/client/node";

const { TCP_URL, WS_URL, NATS_USER, NATS_PASS } = process.env;
const results = { node: process.version, hasGlobalWebSocket: typeof globalThis.WebSocket };

for (const [name, url] of [["tcp", TCP_URL], ["ws", WS_URL]]) {
  const auth = { user: NATS_USER, pass: NATS_PASS };
  const a = await connect({ servers: url, unitId: \`node-a-\${name}\`, ...auth });
  const b = await connect({ servers: url, unitId: \`node-b-\${name}\`, ...auth });
  const got = new Promise((resolve) => {
    const sub = b.subscribe("npm.test.>", (m) => {
      sub.unsubscribe();
      resolve({
        subject: m.subject,
        data: m.json(),
        unitId: m.headers.get(HEADERS.unitId),
        seq: m.headers.get(HEADERS.seq),
        tx: m.headers.get(HEADERS.txTimestamp),
        custom: m.headers.get("X-Custom"),
      });
    });
  });
  const log = new Promise((resolve) => {
    const sub = b.subscribe("ops.log.>", (m) => {
      sub.unsubscribe();
      const d = decodeMessage(logSchema, m.data);
      resolve({ subject: m.subject, ok: d.ok, msg: d.ok ? d.value.msg : d.error });
    });
  });
  b.subscribe("npm.svc", (m) => m.respond(m.data));
  b.serveEcho();
  await b.flush();
  a.publish("npm.test.x", { from: "node" }, { headers: { "X-Custom": "c1" } });
  a.logger.info("hello from node", { n: 1 });
  const reply = await a.request("npm.svc", "ping", { timeoutMs: 2000 });
  let noResponders = false;
  try {
    await a.request("npm.nobody", "x", { timeoutMs: 2000 });
  } catch (e) {
    noResponders = e instanceof NoRespondersError;
  }
  results[name] = {
    message: await got,
    log: await log,
    reply: reply.string(),
    noResponders,
    rttUs: await a.rtt(),
    echoUs: await a.echo(\`node-b-\${name}\`),
  };
  await a.close();
  await b.close();
}
console.log(JSON.stringify(results));
`;

/** Bundled by esbuild (platform=browser) from the installed package for the Chromium page. */
export const BROWSER_ENTRY: string =
  `// Bundled by esbuild (platform=browser) from the installed @nunect/client package; the page
// calls window.roundTrip(wsUrl, user, pass).
import { connect, HEADERS } from "@nunect/client";

globalThis.roundTrip = async (url, user, pass) => {
  const a = await connect({ servers: url, unitId: "browser-a", user, pass });
  const b = await connect({ servers: url, unitId: "browser-b", user, pass });
  const got = new Promise((resolve) => {
    const sub = b.subscribe("ops.echo.*", (m) => {
      sub.unsubscribe();
      resolve({ subject: m.subject, data: m.json(), unitId: m.headers.get(HEADERS.unitId) });
    });
  });
  await b.flush();
  a.publish("ops.echo.browser-b", { from: "browser" });
  const message = await got;
  b.serveEcho();
  await b.flush();
  const echoUs = await a.echo("browser-b");
  const rttUs = await a.rtt();
  await a.close();
  await b.close();
  let tcp = "";
  try {
    await connect({ servers: "nats://127.0.0.1:4222", unitId: "browser-tcp" });
  } catch (e) {
    tcp = \`\${e.name}: \${e.message}\`;
  }
  return { message, echoUs, rttUs, tcp };
};
globalThis.ready = true;
`;

/** The page Chromium loads. */
export const PAGE: string = `<!doctype html>
<html>
  <head>
    <meta charset="utf-8">
    <title>nunect client test</title>
  </head>
  <body>
    <script type="module" src="/bundle.js"></script>
  </body>
</html>
`;
