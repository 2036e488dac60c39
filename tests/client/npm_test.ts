/**
 * The npm package end to end: `deno task build:npm`'s build, `npm pack`, the tarball installed
 * into a temp Node 20 project (with `ws` for Node 20's missing WebSocket and esbuild for the
 * browser bundle), used from Node over TCP and WebSocket, and bundled into a page that headless
 * Chromium loads to round-trip messages over WebSocket. Needs node, npm, the npm registry and
 * /usr/bin/chromium.
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { buildNpm } from "../../scripts/build_npm.ts";
import { PROJECT_DIR, startNats } from "../_kit/mod.ts";
import { BROWSER_ENTRY, NODE_CLIENT, PAGE } from "./_npm_fixtures.ts";

const decoder = new TextDecoder();

async function run(cmd: string, args: string[], cwd: string, env?: Record<string, string>) {
  const out = await new Deno.Command(cmd, { args, cwd, env, stdout: "piped", stderr: "piped" })
    .output();
  const stdout = decoder.decode(out.stdout);
  const stderr = decoder.decode(out.stderr);
  assert.ok(out.success, `${cmd} ${args.join(" ")} failed:\n${stdout}\n${stderr}`);
  return stdout;
}

/** Builds, packs and installs the package into a fresh project; returns its directory. */
async function installedProject(dir: string): Promise<{ project: string; tarball: string }> {
  const npmDir = await buildNpm();
  const packed = await run("npm", ["pack", "--pack-destination", dir, "--loglevel=error"], npmDir);
  const tarball = `${dir}/${packed.trim().split("\n").pop()}`;
  const project = `${dir}/project`;
  await Deno.mkdir(project);
  await Deno.writeTextFile(
    `${project}/package.json`,
    JSON.stringify({ name: "nunect-client-consumer", private: true, type: "module" }),
  );
  await run("npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
    tarball,
    "ws@8.23.0",
    "esbuild@0.28.2",
  ], project);
  return { project, tarball };
}

Deno.test("npm package: packs, installs in Node 20, works over TCP and WebSocket, bundles for Chromium", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "nunect-npm-" });
  try {
    const { project, tarball } = await installedProject(dir);

    await t.step(
      "the tarball holds ESM, .d.ts, README, LICENSE and a complete package.json",
      async () => {
        const list = await run("tar", ["-tzf", tarball], dir);
        for (
          const f of [
            "package/package.json",
            "package/README.md",
            "package/LICENSE",
            "package/esm/client/mod.js",
            "package/esm/client/mod.d.ts",
            "package/esm/client/node.js",
            "package/esm/protocol/mod.js",
          ]
        ) assert.ok(list.includes(f), `${f} in tarball`);
        const pkg = JSON.parse(
          await Deno.readTextFile(`${project}/node_modules/@nunect/client/package.json`),
        );
        const denoJson = JSON.parse(await Deno.readTextFile(`${PROJECT_DIR}/deno.json`));
        assert.equal(pkg.name, "@nunect/client");
        assert.equal(pkg.version, denoJson.version);
        assert.equal(pkg.license, "MIT");
        assert.deepEqual(Object.keys(pkg.exports), [".", "./node", "./protocol", "./package.json"]);
        assert.equal(pkg.dependencies["@nats-io/nats-core"], "3.4.0");
        assert.equal(pkg.dependencies["@nats-io/transport-node"], "3.4.0");
      },
    );

    await using ns = await startNats();

    await t.step(
      "Node 20: connect over TCP and WebSocket, publish with headers, subscribe, request, log",
      async () => {
        await Deno.writeTextFile(`${project}/node_client.mjs`, NODE_CLIENT);
        const out = await run("node", ["node_client.mjs"], project, {
          TCP_URL: ns.url,
          WS_URL: ns.wsUrl,
          NATS_USER: ns.users.ops.user,
          NATS_PASS: ns.users.ops.pass,
        });
        const r = JSON.parse(out.trim().split("\n").pop()!);
        assert.match(r.node, /^v20\./, "runs on Node 20");
        assert.equal(r.hasGlobalWebSocket, "undefined", "Node 20 has no global WebSocket");
        for (const kind of ["tcp", "ws"]) {
          const k = r[kind];
          assert.deepEqual(k.message.data, { from: "node" }, kind);
          assert.equal(k.message.subject, "npm.test.x");
          assert.equal(k.message.unitId, `node-a-${kind}`);
          assert.equal(k.message.seq, "1");
          assert.match(k.message.tx, /^\d{19}$/);
          assert.equal(k.message.custom, "c1");
          assert.deepEqual(k.log, {
            subject: `ops.log.info.node-a-${kind}`,
            ok: true,
            msg: "hello from node",
          });
          assert.equal(k.reply, "ping");
          assert.equal(k.noResponders, true);
          assert.ok(k.rttUs > 0 && k.echoUs > 0);
        }
      },
    );

    await t.step(
      "browser: the bundled package round-trips over WebSocket in headless Chromium",
      async () => {
        await Deno.writeTextFile(`${project}/browser_entry.js`, BROWSER_ENTRY);
        await run("node_modules/.bin/esbuild", [
          "browser_entry.js",
          "--bundle",
          "--format=esm",
          "--platform=browser",
          "--outfile=bundle.js",
          "--log-level=warning",
        ], project);
        const bundle = await Deno.readTextFile(`${project}/bundle.js`);
        assert.ok(!/from\s*["']node:/.test(bundle), "no node: imports in the browser bundle");
        const page = PAGE;
        const ac = new AbortController();
        const server = Deno.serve(
          { port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen: () => {} },
          (req) => {
            const path = new URL(req.url).pathname;
            if (path === "/bundle.js") {
              return new Response(bundle, { headers: { "content-type": "text/javascript" } });
            }
            return new Response(page, { headers: { "content-type": "text/html" } });
          },
        );
        const browser = await chromium.launch({
          executablePath: "/usr/bin/chromium",
          args: [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
          ],
        });
        try {
          const tab = await browser.newPage();
          const errors: string[] = [];
          tab.on("pageerror", (e) => errors.push(String(e)));
          await tab.goto(`http://127.0.0.1:${server.addr.port}/`);
          await tab.waitForFunction(() => (globalThis as { ready?: boolean }).ready === true);
          const r = await tab.evaluate(
            ([url, user, pass]) =>
              (globalThis as unknown as {
                roundTrip(u: string, us: string, p: string): Promise<{
                  message: { subject: string; data: unknown; unitId: string };
                  echoUs: number;
                  rttUs: number;
                  tcp: string;
                }>;
              }).roundTrip(url!, user!, pass!),
            [ns.wsUrl, ns.users.ui.user, ns.users.ui.pass],
          );
          assert.deepEqual(errors, []);
          assert.deepEqual(r.message, {
            subject: "ops.echo.browser-b",
            data: { from: "browser" },
            unitId: "browser-a",
          });
          assert.ok(r.echoUs > 0 && r.rttUs > 0, JSON.stringify(r));
          assert.match(
            r.tcp,
            /^UnsupportedTransportError: Unsupported server "nats:\/\/127\.0\.0\.1:4222"/,
          );
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
