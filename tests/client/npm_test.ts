/**
 * The npm package end to end, as its users get it: `deno task build:npm`'s build, checked with
 * `npm publish --dry-run`, packed, installed once into a temp consumer project (with `ws`,
 * esbuild, Vite, TypeScript and Node's types), then used with a plain `import "@nunect/client"`
 * from Node 20 (the machine's), Node 22 and 24 (npm's `node` package through npx, cached) and
 * Deno over TCP, TLS and WebSocket, type-checked under node16, nodenext and bundler resolution, and bundled
 * into a page by esbuild and by Vite that headless Chromium runs, within the size budget. Needs
 * node, npm, the npm registry (or npm's cache) and /usr/bin/chromium.
 */
import assert from "node:assert/strict";
import { launchChromium } from "../_kit/chromium.ts";
import {
  connect,
  decodeMessage,
  heartbeatSchema,
  logSchema,
  type Msg,
} from "../../mods/client/mod.ts";
import {
  type NatsServer,
  NODE_VERSIONS,
  nodeBinary,
  npmConsumer,
  PROJECT_DIR,
  runCommand,
  startNats,
  type TestCertificates,
  testCertificates,
  until,
} from "../_kit/mod.ts";
import { CONSUMER_SCRIPT, page, PAGE_SCRIPT, tsconfig, TYPES_CHECK } from "./_npm_fixtures.ts";

/**
 * The size budget of a browser page that connects, publishes, subscribes, requests, logs and
 * sends heartbeats: 50 KiB of minified JavaScript (esbuild) after gzip, measured as size-limit
 * and gzip-size do (zlib, level 9, in Node). About 41 KiB of it is nats.js and the tweetnacl it
 * requires for NKey signatures, CommonJS that bundlers cannot trim to what a page uses.
 */
const BUNDLE_BUDGET_BYTES = 50 * 1024;

interface Servers {
  plain: NatsServer;
  tls: NatsServer;
  mtls: NatsServer;
  certs: TestCertificates;
}

/** What each scenario connects to; the same list runs in every runtime. */
function scenarios({ plain, tls, mtls, certs }: Servers) {
  const auth = { creds: plain.users.ops.creds };
  const tlsAuth = { creds: tls.users.ops.creds };
  const mtlsAuth = { creds: mtls.users.ops.creds };
  const mine = { caFile: certs.ca, certFile: certs.clientCert, keyFile: certs.clientKey };
  const fail = { reconnect: false, timeoutMs: 5000 };
  return [
    { name: "tcp", options: { servers: plain.url, ...auth } },
    { name: "ws", options: { servers: plain.wsUrl, ...auth } },
    {
      name: "tls",
      options: { servers: `tls://127.0.0.1:${tls.port}`, tls: { caFile: certs.ca }, ...tlsAuth },
    },
    {
      name: "wss",
      options: { servers: `wss://127.0.0.1:${tls.wsPort}`, tls: { caFile: certs.ca }, ...tlsAuth },
    },
    {
      name: "tlsUntrusted",
      options: { servers: `tls://127.0.0.1:${tls.port}`, ...tlsAuth, ...fail },
    },
    {
      name: "wssUntrusted",
      options: { servers: `wss://127.0.0.1:${tls.wsPort}`, ...tlsAuth, ...fail },
    },
    {
      name: "mtlsTcp",
      options: { servers: `tls://127.0.0.1:${mtls.port}`, tls: mine, ...mtlsAuth, ...fail },
    },
    {
      name: "mtlsWss",
      options: { servers: `wss://127.0.0.1:${mtls.wsPort}`, tls: mine, ...mtlsAuth },
    },
    {
      name: "mtlsRequired",
      options: {
        servers: `tls://127.0.0.1:${mtls.port}`,
        tls: { caFile: certs.ca },
        ...mtlsAuth,
        ...fail,
      },
    },
    {
      name: "mtlsRejected",
      options: {
        servers: `wss://127.0.0.1:${mtls.wsPort}`,
        tls: { ...mine, certFile: certs.otherClientCert },
        ...mtlsAuth,
        ...fail,
      },
    },
  ];
}

/** `text` as a regular expression that matches it literally. */
function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

type Observed = Record<string, Record<string, unknown>> & { runtime: string };

function assertRoundTrip(r: Observed, name: string): void {
  const got = r[name]!;
  assert.equal(got.ok, true, `${r.runtime} ${name}: ${JSON.stringify(got)}`);
  assert.deepEqual(got.message, { data: { from: name }, unitId: `${name}-a`, seq: "1" });
  assert.equal(got.log, `hello from ${name}`);
  assert.equal(got.reply, "ping");
  assert.equal(got.noResponders, true);
  assert.equal(got.echoed, true);
}

function assertRefused(
  r: Observed,
  name: string,
  error: string,
  reason: string | undefined,
  message: RegExp,
): void {
  const got = r[name]!;
  assert.equal(got.ok, false, `${r.runtime} ${name} must fail`);
  assert.equal(got.error, error, `${r.runtime} ${name}: ${got.message}`);
  assert.equal(got.reason, reason, `${r.runtime} ${name}: ${got.message}`);
  assert.match(String(got.message), message, `${r.runtime} ${name}`);
}

/** The `lang` that each closed connection named `name` reported to the server, sorted. */
async function languages(ns: NatsServer, name: string): Promise<string[]> {
  const connz = await (await fetch(`${ns.monitorUrl}/connz?state=closed&limit=1000`)).json() as {
    connections: { name?: string; lang?: string }[];
  };
  return connz.connections.filter((c) => c.name === name).map((c) => c.lang ?? "").sort();
}

/** Gzipped sizes of files as Node's zlib makes them (level 9), by path. */
async function gzipSizes(files: string[], cwd: string): Promise<number[]> {
  const script = "const z = require('zlib'), fs = require('fs');" +
    "console.log(JSON.stringify(process.argv.slice(1).map((f) => " +
    "z.gzipSync(fs.readFileSync(f), { level: 9 }).length)))";
  return JSON.parse(await runCommand("node", ["-e", script, ...files], cwd));
}

Deno.test("npm package: publish-ready, one import for Node 20, 22, 24, Deno and browsers, TLS, types, bundles within budget", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "nunect-npm-" });
  try {
    const { npmDir, project } = await npmConsumer(dir);

    await t.step(
      "npm publish --dry-run lists only the intended files; package.json is publish-ready",
      async () => {
        // npm 11 keys the report by package name.
        const report = JSON.parse(
          await runCommand("npm", ["publish", "--dry-run", "--json", "--loglevel=error"], npmDir),
        ) as Record<string, { files: { path: string }[] }>;
        const files = report["@nunect/client"]!.files.map((f) => f.path);
        const intended =
          /^(package\.json|README\.md|LICENSE|CHANGELOG\.md|esm\/(client|protocol)\/[a-z_]+\.(js|d\.ts|js\.map))$/;
        assert.deepEqual(files.filter((f) => !intended.test(f)), [], "nothing unintended");
        for (
          const f of [
            "package.json",
            "README.md",
            "LICENSE",
            "CHANGELOG.md",
            "esm/client/mod.js",
            "esm/client/mod.d.ts",
            "esm/client/node.js",
            "esm/client/browser.js",
            "esm/client/jetstream.js",
            "esm/protocol/mod.js",
            "esm/protocol/core.js",
          ]
        ) assert.ok(files.includes(f), `${f} is published`);
        const map = JSON.parse(await Deno.readTextFile(`${npmDir}/esm/client/client.js.map`));
        assert.ok(
          map.sourcesContent?.[0]?.includes("class NunectClient"),
          "sources inlined in maps",
        );

        const pkg = JSON.parse(await Deno.readTextFile(`${npmDir}/package.json`));
        const denoJson = JSON.parse(await Deno.readTextFile(`${PROJECT_DIR}/deno.json`));
        assert.equal(pkg.name, "@nunect/client");
        assert.equal(pkg.version, denoJson.version);
        assert.equal(pkg.license, "MIT");
        assert.equal(pkg.sideEffects, false);
        assert.equal(pkg.type, "module");
        assert.equal(pkg.types, "./esm/client/mod.d.ts");
        assert.deepEqual(pkg.engines, { node: ">=20" });
        assert.match(pkg.repository.url, /^git\+https:\/\/.+\.git$/);
        assert.equal(pkg.repository.directory, "mods/client");
        assert.deepEqual(Object.keys(pkg.exports["."]), [
          "types",
          "deno",
          "browser",
          "node",
          "default",
        ]);
        assert.deepEqual(Object.keys(pkg.exports), [
          ".",
          "./node",
          "./browser",
          "./jetstream",
          "./protocol",
          "./package.json",
        ]);
        for (const d of ["@nats-io/nats-core", "@nats-io/transport-node", "@nats-io/jetstream"]) {
          assert.equal(pkg.dependencies[d], "3.4.0", d);
        }
        const changelog = await Deno.readTextFile(`${npmDir}/CHANGELOG.md`);
        assert.match(changelog, /^## Unreleased$/m);
        assert.match(changelog, /^## 0\.1\.0$/m);
      },
    );

    const certDir = `${dir}/certs`;
    await Deno.mkdir(certDir);
    const certs = await testCertificates(certDir);
    const tlsEnv = { NATS_TLS_CERT: certs.cert, NATS_TLS_KEY: certs.key };
    await using plain = await startNats();
    await using tls = await startNats({ env: tlsEnv });
    await using mtls = await startNats({ env: tlsEnv, clientCa: certs.ca });
    const servers = { plain, tls, mtls, certs };

    await t.step(
      "Node 20, 22, 24 and Deno: the plain import picks each runtime's build for TCP, TLS and WebSocket and names certificate problems",
      async () => {
        await Deno.writeTextFile(`${project}/consumer.mjs`, CONSUMER_SCRIPT);
        const env = { SCENARIOS: JSON.stringify(scenarios(servers)) };
        const node22 = await nodeBinary(NODE_VERSIONS.node22);
        const node24 = await nodeBinary(NODE_VERSIONS.node24);
        const outputs: [string, string][] = [
          ["node20", await runCommand("node", ["consumer.mjs"], project, env)],
          ["node22", await runCommand(node22, ["consumer.mjs"], project, env)],
          ["node24", await runCommand(node24, ["consumer.mjs"], project, env)],
          [
            "deno",
            await runCommand(
              Deno.execPath(),
              ["run", "-A", "--node-modules-dir=manual", "consumer.mjs"],
              project,
              env,
            ),
          ],
        ];
        for (const [label, out] of outputs) {
          const r = JSON.parse(out.trim().split("\n").pop()!) as Observed;
          const node = label.startsWith("node");
          if (label === "node20") assert.match(r.runtime, /^node v20\./);
          if (label === "node22") assert.match(r.runtime, /^node v22\./);
          if (label === "node24") assert.match(r.runtime, /^node v24\./);
          if (node) {
            assert.equal(r.nodeEntryIsPlainImport, true, "@nunect/client/node is the plain import");
          }
          assert.equal(r.globalWebSocket, label === "node20" ? "undefined" : "function");
          for (const name of ["tcp", "ws", "tls", "wss", "mtlsWss"]) assertRoundTrip(r, name);
          assertRefused(
            r,
            "tlsUntrusted",
            "CertificateError",
            "untrusted",
            /Untrusted server certificate of "127\.0\.0\.1:\d+"/,
          );
          assertRefused(
            r,
            "wssUntrusted",
            "CertificateError",
            "untrusted",
            /Untrusted server certificate of "127\.0\.0\.1:\d+"/,
          );
          assertRefused(
            r,
            "mtlsRequired",
            "CertificateError",
            "required",
            /Client certificate required by "127\.0\.0\.1:\d+"/,
          );
          assertRefused(
            r,
            "mtlsRejected",
            "CertificateError",
            "rejected",
            new RegExp(
              `Client certificate tls\\.certFile "${escaped(certs.otherClientCert)}" rejected`,
            ),
          );
          if (node) {
            assertRoundTrip(r, "mtlsTcp");
          } else {
            assertRefused(r, "mtlsTcp", "UnsupportedTransportError", undefined, /handshakeFirst/);
          }
        }
        // CommonJS projects: require() of the package (Node's require of ES modules, 20.19+).
        const cjs = "console.log(typeof require('@nunect/client').connect)";
        for (const nodeBin of ["node", node22, node24]) {
          const out = await runCommand(nodeBin, ["--input-type=commonjs", "-e", cjs], project);
          assert.equal(out.trim(), "function", `${nodeBin}: require("@nunect/client")`);
        }
        // Each runtime dialled with its own transport: transport-node in Node, Deno's own in Deno.
        assert.deepEqual(await languages(plain, "tcp-a"), [
          "nats.deno",
          "nats.js",
          "nats.js",
          "nats.js",
        ]);
        assert.deepEqual(await languages(plain, "ws-a"), [
          "nats.ws",
          "nats.ws",
          "nats.ws",
          "nats.ws",
        ]);
      },
    );

    await t.step(
      "types resolve under node16, nodenext and bundler resolution (tsc --noEmit)",
      async () => {
        // Concurrently: each is its own TypeScript program. node16 also checks every declaration
        // file (ours and our dependencies'); the others check the consumer against them.
        await Promise.all((["node16", "nodenext", "bundler"] as const).map(async (resolution) => {
          const typesDir = `${project}/types-${resolution}`;
          await Deno.mkdir(typesDir);
          await Deno.writeTextFile(`${typesDir}/check.ts`, TYPES_CHECK);
          await Deno.writeTextFile(
            `${typesDir}/tsconfig.json`,
            tsconfig(resolution, resolution === "node16"),
          );
          await runCommand(
            "node",
            ["../node_modules/typescript/bin/tsc", "-p", "tsconfig.json"],
            typesDir,
          );
        }));
      },
    );

    await t.step(
      "esbuild and Vite bundles of the minimal page work in Chromium; esbuild's stays within the budget and carries no zod",
      async () => {
        await Deno.writeTextFile(`${project}/page.js`, PAGE_SCRIPT);
        await runCommand("node_modules/.bin/esbuild", [
          "page.js",
          "--bundle",
          "--minify",
          "--format=esm",
          "--platform=browser",
          "--outfile=esbuild/page.js",
          "--metafile=esbuild/meta.json",
          "--log-level=warning",
        ], project);
        await Deno.writeTextFile(`${project}/esbuild/index.html`, page("./page.js"));
        const meta = JSON.parse(await Deno.readTextFile(`${project}/esbuild/meta.json`)) as {
          outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
        };
        const included = Object.entries(meta.outputs["esbuild/page.js"]!.inputs)
          .filter(([, v]) => v.bytesInOutput > 0).map(([k]) => k);
        assert.deepEqual(
          included.filter((i) => /\/zod\/|protocol\/messages\.js|transport-node|deno_/.test(i)),
          [],
          "no zod, schemas, Node or Deno transports in the browser bundle",
        );

        const vite = `${project}/vite`;
        await Deno.mkdir(vite);
        await Deno.copyFile(`${project}/page.js`, `${vite}/page.js`);
        await Deno.writeTextFile(`${vite}/index.html`, page("./page.js"));
        await runCommand(
          "../node_modules/.bin/vite",
          ["build", "--base", "/vite/", "--logLevel", "error"],
          vite,
        );
        const viteJs = [...Deno.readDirSync(`${vite}/dist/assets`)].map((f) => f.name)
          .filter((f) => f.endsWith(".js"));
        assert.equal(viteJs.length, 1, `one chunk: ${viteJs}`);

        const files: Record<string, string> = {
          "/esbuild/": `${project}/esbuild/index.html`,
          "/esbuild/page.js": `${project}/esbuild/page.js`,
          "/vite/": `${vite}/dist/index.html`,
          [`/vite/assets/${viteJs[0]}`]: `${vite}/dist/assets/${viteJs[0]}`,
        };
        const [esbuildSize, viteSize] = await gzipSizes(
          [files["/esbuild/page.js"]!, `${vite}/dist/assets/${viteJs[0]}`],
          project,
        );
        // The budget is measured on esbuild's bundle (esbuild also bundles the dashboard's
        // islands); Vite's is printed: Rollup's CommonJS interop for nats.js and Vite's
        // modulepreload polyfill add about 0.9 KiB to the same page.
        console.log(
          `page bundle, gzipped: esbuild ${esbuildSize}, Vite ${viteSize}; ` +
            `budget ${BUNDLE_BUDGET_BYTES} (esbuild)`,
        );
        assert.ok(
          esbuildSize! <= BUNDLE_BUDGET_BYTES,
          `esbuild bundle of the minimal page is ${esbuildSize} bytes gzipped, over the budget ` +
            `of ${BUNDLE_BUDGET_BYTES}`,
        );

        // The other side of the page: answers its request, commands it, and sees what it sends.
        await using peer = await connect({
          servers: plain.url,
          unitId: "npm-peer",
          creds: plain.users.ops.creds,
        });
        const seen: Msg[] = [];
        peer.subscribe("kiosk.>", (m) => {
          if (m.subject === "kiosk.config") m.respond(JSON.stringify({ config: m.json() }));
          else seen.push(m);
        });
        peer.subscribe("ops.>", (m) => {
          seen.push(m);
          const unit = /^ops\.heartbeat\.(.+)$/.exec(m.subject)?.[1];
          if (unit && !seen.some((s) => s.subject === `kiosk.ack.${unit}`)) {
            peer.publish(`kiosk.cmd.${unit}`, { n: 1 });
          }
        });
        await peer.flush();

        const ac = new AbortController();
        const server = Deno.serve(
          { port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen: () => {} },
          async (req) => {
            const file = files[new URL(req.url).pathname];
            if (file === undefined) return new Response("not found", { status: 404 });
            const type = file.endsWith(".html") ? "text/html" : "text/javascript";
            return new Response(await Deno.readFile(file), { headers: { "content-type": type } });
          },
        );
        const browser = await launchChromium();
        try {
          for (const bundler of ["esbuild", "vite"]) {
            const unit = `page-${bundler}`;
            const tab = await browser.newPage();
            const errors: string[] = [];
            tab.on("pageerror", (e) => errors.push(String(e)));
            await tab.addInitScript((config) => {
              (globalThis as { pageConfig?: unknown }).pageConfig = config;
            }, { ws: plain.wsUrl, unit, creds: plain.users.ops.creds });
            await tab.goto(`http://127.0.0.1:${server.addr.port}/${bundler}/`);
            await tab.waitForFunction(() => (globalThis as { done?: boolean }).done === true);
            const tcp = await tab.evaluate(() =>
              (globalThis as unknown as {
                connect(o: { servers: string; unitId: string }): Promise<unknown>;
              }).connect({ servers: "nats://127.0.0.1:4222", unitId: "tcp" }).then(
                () => "connected",
                (e: Error) => `${e.name}: ${e.message}`,
              )
            );
            await until(
              () => seen.some((m) => m.subject === `kiosk.ack.${unit}`),
              `the ${bundler} page to answer a command`,
            );
            await tab.close();
            assert.deepEqual(errors, [], bundler);
            assert.match(
              tcp,
              /^UnsupportedTransportError: Unsupported server "nats:\/\/127\.0\.0\.1:4222": browsers cannot open TCP/,
            );
            const of = (subject: string) => seen.filter((m) => m.subject === subject);
            assert.deepEqual(of(`kiosk.ack.${unit}`)[0]!.json(), { n: 1 });
            assert.deepEqual(of(`kiosk.seen.${unit}`)[0]!.json(), { config: { unit } });
            const hb = decodeMessage(heartbeatSchema, of(`ops.heartbeat.${unit}`)[0]!.data);
            assert.ok(
              hb.ok && hb.value.kind === "browser",
              "schema-valid heartbeat, built without zod",
            );
            const log = decodeMessage(logSchema, of(`ops.log.info.${unit}`)[0]!.data);
            assert.ok(log.ok && log.value.msg === "ready", "schema-valid log record");
          }
        } finally {
          await browser.close();
          ac.abort();
          await server.finished;
        }
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
