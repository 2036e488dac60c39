/**
 * Files the npm test writes into its temp consumer project. Kept as strings so that Deno's own
 * check and lint (which know nothing of the installed package) leave them alone.
 *
 * @module
 */

/**
 * Run with Node 20, Node 22 and Deno in the consumer project: a plain `import "@nunect/client"`
 * (each runtime picks its build by condition) runs each scenario of `SCENARIOS` (JSON: name and
 * connect options) and prints one JSON line with what it observed.
 */
export const CONSUMER_SCRIPT: string =
  `// Run by tests/client/npm_test.ts with Node 20, Node 22 and Deno in a temp project that
// installed the packed @nunect/client tarball. Prints one JSON line with what it observed.
import * as nunect from "@nunect/client";
import * as nodeEntry from "@nunect/client/node";

const { connect, decodeMessage, HEADERS, logSchema, NoRespondersError } = nunect;
const env = globalThis.Deno ? Deno.env.toObject() : process.env;
const results = {
  runtime: globalThis.Deno ? "deno" : "node " + process.version,
  globalWebSocket: typeof globalThis.WebSocket,
  nodeEntryIsPlainImport: nodeEntry.connect === connect,
};

async function roundTrip(name, options) {
  const a = await connect({ ...options, name: name + "-a", unitId: name + "-a" });
  const b = await connect({ ...options, name: name + "-b", unitId: name + "-b" });
  try {
    const got = new Promise((resolve) => {
      const sub = b.subscribe("npm.test.>", (m) => {
        sub.unsubscribe();
        resolve({ data: m.json(), unitId: m.headers.get(HEADERS.unitId), seq: m.headers.get(HEADERS.seq) });
      });
    });
    const log = new Promise((resolve) => {
      const sub = b.subscribe("ops.log.>", (m) => {
        sub.unsubscribe();
        const d = decodeMessage(logSchema, m.data);
        resolve(d.ok ? d.value.msg : d.error);
      });
    });
    b.subscribe("npm.svc", (m) => m.respond(m.data));
    b.serveEcho();
    await b.flush();
    a.publish("npm.test.x", { from: name });
    a.logger.info("hello from " + name);
    const reply = (await a.request("npm.svc", "ping", { timeoutMs: 5000 })).string();
    let noResponders = false;
    try {
      await a.request("npm.nobody", "x", { timeoutMs: 5000 });
    } catch (e) {
      noResponders = e instanceof NoRespondersError;
    }
    const echoed = (await a.echo(name + "-b")) > 0;
    return { ok: true, message: await got, log: await log, reply, noResponders, echoed };
  } finally {
    await a.close();
    await b.close();
  }
}

for (const { name, options } of JSON.parse(env.SCENARIOS)) {
  try {
    results[name] = await roundTrip(name, options);
  } catch (e) {
    results[name] = {
      ok: false,
      error: e.name,
      certificate: e.certificate,
      reason: e.reason,
      message: e.message,
    };
  }
}
console.log(JSON.stringify(results));
`;

/**
 * The minimal page of the size budget, bundled by esbuild and by Vite and run in Chromium:
 * exactly what the budget names (connect, subscribe, publish, request, logger, heartbeat). Its
 * server and credentials come from `pageConfig`, which the test sets before the page runs; it
 * sets `done` when through and leaves `connect` for the test's own checks.
 */
export const PAGE_SCRIPT: string =
  `// The size budget's minimal page, run in Chromium: connect, subscribe, publish, request, logger
// and heartbeat. tests/client/npm_test.ts answers and checks on the other side.
import { connect } from "@nunect/client";

(async () => {
  const { ws, unit, creds } = globalThis.pageConfig;
  const client = await connect({ servers: ws, unitId: unit, creds });
  client.subscribe("kiosk.cmd." + unit, (m) => client.publish("kiosk.ack." + unit, m.json()));
  client.startHeartbeat({ kind: "browser", intervalMs: 1000 });
  client.logger.info("ready");
  const reply = await client.request("kiosk.config", { unit });
  client.publish("kiosk.seen." + unit, reply.json());
  globalThis.connect = connect;
  globalThis.done = true;
})();
`;

/** The page Chromium loads, with the script at `src`. */
export function page(src: string): string {
  return `<!doctype html>
<html>
  <head>
    <meta charset="utf-8">
    <title>nunect client test</title>
  </head>
  <body>
    <script type="module" src="${src}"></script>
  </body>
</html>
`;
}

/**
 * A TypeScript consumer of every export, type-checked with `tsc --noEmit` under each module
 * resolution; the `@ts-expect-error` lines prove that the types are real (not `any`).
 */
export const TYPES_CHECK: string = `import {
  CertificateError,
  connect,
  type ConnectOptions,
  decodeMessage,
  HEADERS,
  heartbeatSchema,
  type Msg,
  type NunectClient,
  OutboxFullError,
} from "@nunect/client";
import { connect as connectNode } from "@nunect/client/node";
import { connect as connectBrowser } from "@nunect/client/browser";
import { jetStream, type PubAck } from "@nunect/client/jetstream";
import { logSchema, subjects } from "@nunect/client/protocol";

const options: ConnectOptions = {
  servers: "tls://nats.example:4222",
  unitId: "press-4",
  tls: { caFile: "/etc/nunect/ca.pem", certFile: "/etc/nunect/client.pem", keyFile: "/etc/nunect/client.key" },
  outbox: { maxMessages: 100, overflow: "drop-newest" },
};

export async function use(): Promise<number> {
  const client: NunectClient = await connect(options);
  client.publish("line.4.count", { n: 17 }, { headers: { "X-Custom": "1" } });
  const reply: Msg = await client.request("line.4.config", undefined, { timeoutMs: 500 });
  const text: string = reply.string();
  const ack: PubAck = await jetStream(client).publish("orders.new", { id: 7 });
  const hb = decodeMessage(heartbeatSchema, reply.data);
  const kind: string = hb.ok ? hb.value.kind : hb.error;
  const log = logSchema.safeParse({});
  client.logger.info("typed", { text, kind, ok: log.success });
  const subject: string = subjects.heartbeat(client.unitId) + HEADERS.unitId;
  const e: unknown = new Error();
  if (e instanceof CertificateError && e.reason === "untrusted") return 0;
  if (e instanceof OutboxFullError) return 1;
  await connectNode({ servers: "nats://127.0.0.1:4222", unitId: "a" });
  await connectBrowser({ servers: "wss://nats.example:8443", unitId: "b" });
  // @ts-expect-error unitId is a string
  await connect({ servers: "nats://127.0.0.1:4222", unitId: 42 });
  // @ts-expect-error overflow is one of three policies
  await connect({ servers: "nats://h:4222", unitId: "c", outbox: { overflow: "sometimes" } });
  return client.outbox.dropped + ack.seq + subject.length;
}
`;

/**
 * tsconfig.json of a consumer project checked under `resolution`.
 *
 * @param resolution TypeScript's moduleResolution
 * @param checkDeclarations also type-check every declaration file (`skipLibCheck: false`)
 */
export function tsconfig(
  resolution: "node16" | "nodenext" | "bundler",
  checkDeclarations: boolean,
): string {
  const module = resolution === "bundler" ? "esnext" : resolution;
  return JSON.stringify(
    {
      compilerOptions: {
        target: "es2022",
        module,
        moduleResolution: resolution,
        // Node projects bring Node's types; a bundler (browser) project the DOM's.
        lib: resolution === "bundler" ? ["es2022", "dom", "esnext.disposable"] : ["es2022"],
        types: resolution === "bundler" ? [] : ["node"],
        strict: true,
        noEmit: true,
        skipLibCheck: !checkDeclarations,
      },
      files: ["check.ts"],
    },
    null,
    2,
  );
}
