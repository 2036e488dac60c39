// The router layout: the guardian connects to a local leaf-node server (config/leaf.conf), which
// carries its heartbeat, echo and service discovery to the hub (the test kit's server).
import assert from "node:assert/strict";
import { Svcm } from "@nats-io/services";
import { decodeMessage, HEADERS, heartbeatSchema, subjects } from "../../mods/protocol/mod.ts";
import { randomSecret } from "../../mods/config/mod.ts";
import { PROJECT_DIR, spawnProgram, startNats } from "../_kit/mod.ts";
import { collect, observer } from "./_guardian.ts";

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

function startLeaf(hubLeafUrl: string, user: string, pass: string) {
  const [port, httpPort] = [freePort(), freePort()];
  const child = new Deno.Command("nats-server", {
    args: ["-c", `${PROJECT_DIR}/config/leaf.conf`],
    env: {
      NATS_SERVER_NAME: "leaf-test",
      NATS_HOST: "127.0.0.1",
      NATS_PORT: String(port),
      NATS_HTTP_PORT: String(httpPort),
      NATS_GUARDIAN_USER: user,
      NATS_GUARDIAN_PASSWORD: pass,
      NATS_LEAF_REMOTE_URL: hubLeafUrl,
    },
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let log = "";
  (async () => {
    for await (const c of child.stderr) log += new TextDecoder().decode(c);
  })();
  return {
    port,
    log: () => log,
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      await child.status;
    },
  };
}

Deno.test("guardian behind a leaf node: the hub gets its heartbeat, echo and discovery", async () => {
  await using hub = await startNats();
  const hubUser = hub.users.guardian;
  const localPass = randomSecret(16);
  await using leaf = startLeaf(
    `nats-leaf://${hubUser.user}:${hubUser.pass}@127.0.0.1:${hub.leafPort}`,
    "guardian",
    localPass,
  );
  // wait until the hub lists the leaf connection
  const deadline = Date.now() + 10_000;
  while (true) {
    const leafz = await (await fetch(`${hub.monitorUrl}/leafz`)).json() as { leafnodes: number };
    if (leafz.leafnodes > 0) break;
    if (Date.now() > deadline) throw new Error(`leaf did not connect:\n${leaf.log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await using obs = await observer(hub);
  const unit = "router-leaf";
  const heartbeats = await collect(obs, subjects.heartbeat(unit));
  await using guardian = spawnProgram({
    permissionSet: "guardian",
    entry: "mods/guardian/main.ts",
    denoFlags: [`--allow-net=127.0.0.1:${leaf.port}`],
    env: {
      NATS_URL: `nats://127.0.0.1:${leaf.port}`,
      UNIT_ID: unit,
      NATS_GUARDIAN_USER: "guardian",
      NATS_GUARDIAN_PASSWORD: localPass,
      HEARTBEAT_INTERVAL_MS: "200",
      CHRONY_SOCKET: "/nonexistent/chronyd.sock",
      PTP_UDS_PATH: "/nonexistent/ptp4l",
    },
  });
  await guardian.waitFor(/heartbeat every/, 30_000);
  const [hb] = await heartbeats.waitFor(2);
  const d = decodeMessage(heartbeatSchema, hb!.data);
  assert.ok(d.ok && d.value.unitId === unit);
  // the interest of the hub's subscribers crosses the leaf connection: retry until it has
  let reply;
  for (let i = 0; i < 50 && !reply; i++) {
    reply = await obs.request(subjects.echo(unit), "via-hub", { timeoutMs: 500 }).catch(() => {});
    if (!reply) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(reply?.string(), "via-hub");
  assert.ok(reply?.headers?.get(HEADERS.rxTimestamp));
  const svc = new Svcm(obs.nc as unknown as ConstructorParameters<typeof Svcm>[0]).client();
  const pings = [];
  for await (const p of await svc.ping("guardian")) pings.push(p);
  assert.deepEqual(pings.map((p) => p.metadata?.unitId), [unit]);
});
