// The router layout: the guardian connects to a local leaf-node server (its bundle's leaf.conf)
// with the router's credentials, and the link carries its heartbeat, echo and service discovery
// to the hub (the test kit's server) as the same router.
import assert from "node:assert/strict";
import { Svcm } from "@nats-io/services";
import { decodeMessage, HEADERS, heartbeatSchema, subjects } from "../../mods/protocol/mod.ts";
import { guardianFlags, spawnProgram, startLeafNode, startNats, until } from "../_kit/mod.ts";
import type { Msg } from "../../mods/client/mod.ts";
import { collect, observer } from "./_guardian.ts";

Deno.test("guardian behind a leaf node: the hub gets its heartbeat, echo and discovery", async () => {
  await using hub = await startNats();
  const unit = "router-leaf";
  await using leaf = await startLeafNode(hub, { unitId: unit });
  await using obs = await observer(hub);
  const heartbeats = await collect(obs, subjects.heartbeat(unit));
  const env = {
    NATS_URL: leaf.url,
    UNIT_ID: unit,
    NATS_CREDS: `${leaf.dir}/${unit}.creds`,
    HEARTBEAT_INTERVAL_MS: "200",
    CHRONY_SOCKET: "/nonexistent/chronyd.sock",
    PTP_UDS_PATH: "/nonexistent/ptp4l",
  };
  await using guardian = spawnProgram({
    permissionSet: "guardian",
    entry: "mods/guardian/main.ts",
    denoFlags: guardianFlags(env),
    env,
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
