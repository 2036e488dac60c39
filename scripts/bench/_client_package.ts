/**
 * The npm package's part of the client suite: publish/subscribe throughput of each entry (Deno
 * TCP, Node TCP, WebSocket) against raw nats.js publishing the same headers, in one run against
 * one server; and the size of browser bundles (the budget's minimal page and everything the
 * package exports), minified and gzipped (zlib level 9, as size-limit measures).
 *
 * @module
 */
import { headers, wsconnect } from "@nats-io/nats-core";
import { connect as natsConnect } from "@nats-io/transport-node";
import { connect, HEADERS, nowNs } from "../../mods/client/mod.ts";
import { type NatsServer, npmConsumer, runCommand } from "../../tests/_kit/mod.ts";
import { PAGE_SCRIPT } from "../../tests/client/_npm_fixtures.ts";
// @ts-types="./_pubsub_race.d.ts"
import { counter, pubsubRace } from "./_pubsub_race.mjs";

const PAYLOAD_TEXT = JSON.stringify({ probe: 1, pad: "x".repeat(20) });
const PAYLOAD = new TextEncoder().encode(PAYLOAD_TEXT);
/**
 * Run with Node in the consumer project (next to _pubsub_race.mjs): publish/subscribe
 * throughput of the package's Node entry (a plain import) against raw nats.js
 * (@nats-io/transport-node) publishing the same headers, over TCP, in one process. Prints one
 * JSON line. A string, so that Deno's check leaves its npm-only imports alone.
 */
const NODE_SCRIPT =
  `// Written by scripts/bench/_client_package.ts into a project that installed @nunect/client.
import { connect, HEADERS, nowNs } from "@nunect/client";
import { credsAuthenticator, headers } from "@nats-io/nats-core";
import { connect as natsConnect } from "@nats-io/transport-node";
import { counter, pubsubRace } from "./_pubsub_race.mjs";

const { NATS_URL, NATS_CREDS, PAYLOAD } = process.env;
const auth = { authenticator: credsAuthenticator(new TextEncoder().encode(NATS_CREDS)) };
const payload = new TextEncoder().encode(PAYLOAD);

const rawPub = await natsConnect({ servers: NATS_URL, ...auth });
const rawSub = await natsConnect({ servers: NATS_URL, ...auth });
const raw = counter();
rawSub.subscribe("bench.ps.raw", { callback: raw.onMessage });
await rawSub.flush();
let seq = 0;
const rawPublish = () => {
  const h = headers();
  h.set(HEADERS.unitId, "bench-raw");
  h.set(HEADERS.txTimestamp, nowNs());
  h.set(HEADERS.seq, String(++seq));
  rawPub.publish("bench.ps.raw", payload, { headers: h });
};

const pub = await connect({ servers: NATS_URL, unitId: "bench-node-pub", creds: NATS_CREDS });
const sub = await connect({ servers: NATS_URL, unitId: "bench-node-sub", creds: NATS_CREDS });
const mine = counter();
sub.subscribe("bench.ps.nunect", mine.onMessage);
await sub.flush();

const rates = await pubsubRace([
  { name: "raw", publish: rawPublish, received: raw.received },
  {
    name: "nunect",
    publish: () => pub.publish("bench.ps.nunect", payload),
    received: mine.received,
  },
]);
for (const c of [rawPub, rawSub]) await c.close();
for (const c of [pub, sub]) await c.close();
console.log(JSON.stringify({ node: process.version, ...rates }));
`;

/** Everything the package exports, for the "full" bundle. */
const FULL_PAGE = `import * as client from "@nunect/client";
import * as js from "@nunect/client/jetstream";
globalThis.everything = { client, js };
`;

/** A raw nats.js connection pair publishing the standard headers by hand. */
async function rawContender(
  name: string,
  dial: () => Promise<Awaited<ReturnType<typeof natsConnect>>>,
) {
  const pub = await dial();
  const sub = await dial();
  const got = counter();
  const subject = `bench.ps.${name}`;
  sub.subscribe(subject, { callback: got.onMessage });
  await sub.flush();
  let seq = 0;
  return {
    name,
    publish: () => {
      const h = headers();
      h.set(HEADERS.unitId, "bench-raw");
      h.set(HEADERS.txTimestamp, nowNs());
      h.set(HEADERS.seq, String(++seq));
      pub.publish(subject, PAYLOAD, { headers: h });
    },
    received: got.received,
    close: async () => {
      await pub.close();
      await sub.close();
    },
  };
}

/** A @nunect/client pair: the client adds the headers itself. */
async function nunectContender(name: string, url: string, creds: string) {
  const pub = await connect({ servers: url, unitId: `${name}-pub`, creds });
  const sub = await connect({ servers: url, unitId: `${name}-sub`, creds });
  const got = counter();
  const subject = `bench.ps.${name}`;
  sub.subscribe(subject, got.onMessage);
  await sub.flush();
  return {
    name,
    publish: () => pub.publish(subject, PAYLOAD),
    received: got.received,
    close: async () => {
      await pub.close();
      await sub.close();
    },
  };
}

/** gzip (zlib, level 9) sizes of files, computed by Node. */
async function gzipSizes(files: string[], cwd: string): Promise<number[]> {
  const script = "const z = require('zlib'), fs = require('fs');" +
    "console.log(JSON.stringify(process.argv.slice(1).map((f) => " +
    "z.gzipSync(fs.readFileSync(f), { level: 9 }).length)))";
  return JSON.parse(await runCommand("node", ["-e", script, ...files], cwd));
}

const rate = (x: number) => Math.round(x).toLocaleString("en").padStart(9);
const ratio = (a: number, b: number) => (a / b).toFixed(2);
const kib = (n: number) => `${(n / 1024).toFixed(1).padStart(6)} KiB`;

/**
 * Measures and prints the package figures against `ns`.
 *
 * @param ns the suite's server
 */
export async function benchPackage(ns: NatsServer): Promise<void> {
  const auth = ns.users.ops;
  const print = console.log;
  const dir = await Deno.makeTempDir({ prefix: "nunect-bench-npm-" });
  try {
    // --- publish/subscribe in Deno: TCP and WebSocket, interleaved -------------------------
    const contenders = [
      await rawContender("rawTcp", () => natsConnect({ servers: ns.url, ...auth.nats })),
      await nunectContender("denoTcp", ns.url, auth.creds),
      await rawContender("rawWs", () => wsconnect({ servers: ns.wsUrl, ...auth.nats })),
      await nunectContender("ws", ns.wsUrl, auth.creds),
    ];
    const deno = await pubsubRace(contenders);
    for (const c of contenders) await c.close();

    // --- publish/subscribe in Node, through the installed package --------------------------
    const { project } = await npmConsumer(dir);
    await Deno.copyFile(
      new URL("_pubsub_race.mjs", import.meta.url).pathname,
      `${project}/_pubsub_race.mjs`,
    );
    await Deno.writeTextFile(`${project}/pubsub_node.mjs`, NODE_SCRIPT);
    const node = JSON.parse(
      (await runCommand("node", ["pubsub_node.mjs"], project, {
        NATS_URL: ns.url,
        NATS_CREDS: auth.creds,
        PAYLOAD: PAYLOAD_TEXT,
      })).trim().split("\n").pop()!,
    ) as { node: string; raw: number; nunect: number };

    // --- bundle sizes --------------------------------------------------------------------
    await Deno.writeTextFile(`${project}/minimal.js`, PAGE_SCRIPT);
    await Deno.writeTextFile(`${project}/full.js`, FULL_PAGE);
    await runCommand("node_modules/.bin/esbuild", [
      "minimal.js",
      "full.js",
      "--bundle",
      "--minify",
      "--format=esm",
      "--platform=browser",
      "--outdir=out",
      "--log-level=error",
    ], project);
    await Deno.mkdir(`${project}/vite`);
    await Deno.copyFile(`${project}/minimal.js`, `${project}/vite/minimal.js`);
    await Deno.writeTextFile(
      `${project}/vite/index.html`,
      '<!doctype html><script type="module" src="./minimal.js"></script>\n',
    );
    await runCommand(
      "../node_modules/.bin/vite",
      ["build", "--logLevel", "error"],
      `${project}/vite`,
    );
    const viteJs = [...Deno.readDirSync(`${project}/vite/dist/assets`)].find((f) =>
      f.name.endsWith(".js")
    )!.name;
    const files = {
      "minimal page, esbuild": `${project}/out/minimal.js`,
      "minimal page, Vite": `${project}/vite/dist/assets/${viteJs}`,
      "everything exported, esbuild": `${project}/out/full.js`,
    };
    const gz = await gzipSizes(Object.values(files), project);

    print(`\n## client package: pub/sub per entry, bundle sizes (${node.node} for Node)`);
    print(
      `\npublish/subscribe with the standard headers, ${PAYLOAD.length} B payloads, 60 interleaved ` +
        "batches of 2000 (rate of the median batch), publisher and subscriber on separate " +
        "connections:",
    );
    const line = (label: string, r: number, base: number, baseLabel: string) =>
      print(
        `  ${label.padEnd(38)}${rate(r)} msgs/s   ${baseLabel} ${ratio(r, base)}  (target >= 0.95)`,
      );
    print(`  ${"raw nats.js, transport-node (Deno)".padEnd(38)}${rate(deno.rawTcp!)} msgs/s`);
    line("@nunect/client, Deno TCP", deno.denoTcp!, deno.rawTcp!, "client/raw");
    print(`  ${"raw nats.js, transport-node (Node)".padEnd(38)}${rate(node.raw)} msgs/s`);
    line("@nunect/client, Node TCP", node.nunect, node.raw, "client/raw");
    print(`  ${"raw nats.js, wsconnect (Deno)".padEnd(38)}${rate(deno.rawWs!)} msgs/s`);
    line("@nunect/client, WebSocket (Deno)", deno.ws!, deno.rawWs!, "client/raw");
    print("\nbrowser bundles (budget: the minimal page <= 50 KiB gzipped):");
    for (const [i, [label, file]] of Object.entries(files).entries()) {
      const size = (await Deno.stat(file)).size;
      print(`  ${label.padEnd(32)} minified ${kib(size)}   gzipped ${kib(gz[i]!)}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
