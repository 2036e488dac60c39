// The router layout: the guardian connects to a local leaf-node server (config/leaf.conf), which
// carries its heartbeat, echo and service discovery to the hub (the test kit's server).
import assert from "node:assert/strict";
import { Svcm } from "@nats-io/services";
import { decodeMessage, HEADERS, heartbeatSchema, subjects } from "../../mods/protocol/mod.ts";
import { randomSecret } from "../../mods/config/mod.ts";
import { spawnProgram, startLeafNode, startNats, until } from "../_kit/mod.ts";
import type { Msg } from "../../mods/client/mod.ts";
import { collect, observer } from "./_guardian.ts";

Deno.test("guardian behind a leaf node: the hub gets its heartbeat, echo and discovery", async () => {
  await using hub = await startNats();
  const local = { user: "guardian", pass: randomSecret(16) };
  await using leaf = await startLeafNode(hub, { name: "leaf-test", credentials: local });
  const leafHostPort = new URL(leaf.url).host;
  await using obs = await observer(hub);
  const unit = "router-leaf";
  const heartbeats = await collect(obs, subjects.heartbeat(unit));
  await using guardian = spawnProgram({
    permissionSet: "guardian",
    entry: "mods/guardian/main.ts",
    denoFlags: [`--allow-net=${leafHostPort}`],
    env: {
      NATS_URL: leaf.url,
      UNIT_ID: unit,
      NATS_GUARDIAN_USER: local.user,
      NATS_GUARDIAN_PASSWORD: local.pass,
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
  let reply: Msg | undefined;
  await until(async () => {
    reply = await obs.request(subjects.echo(unit), "via-hub", { timeoutMs: 500 }).catch(() =>
      undefined
    );
    return reply !== undefined;
  }, "an echo reply through the leaf node");
  assert.equal(reply?.string(), "via-hub");
  assert.ok(reply?.headers?.get(HEADERS.rxTimestamp));
  const svc = new Svcm(obs.nc as unknown as ConstructorParameters<typeof Svcm>[0]).client();
  const pings = [];
  for await (const p of await svc.ping("guardian")) pings.push(p);
  assert.deepEqual(pings.map((p) => p.metadata?.unitId), [unit]);
});
