import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { PROJECT_DIR, startNats } from "../_kit/mod.ts";
import { MonitorClient, SysMonitor, UnitRegistry } from "../../mods/monitor/mod.ts";
import { subjects } from "../../mods/protocol/mod.ts";

function freePorts(n: number): number[] {
  const ls = Array.from({ length: n }, () => Deno.listen({ hostname: "127.0.0.1", port: 0 }));
  const ports = ls.map((l) => (l.addr as Deno.NetAddr).port);
  ls.forEach((l) => l.close());
  return ports;
}

Deno.test("a leaf node shows in leafz, and its guardian's telemetry reaches the units table", async () => {
  await using hub = await startNats();
  const [port, httpPort] = freePorts(2);
  const local = { user: "guardian", pass: "leaf-local-password-1" };
  const g = hub.users.guardian;
  const leaf = new Deno.Command("nats-server", {
    args: ["-c", `${PROJECT_DIR}/config/leaf.conf`],
    env: {
      NATS_SERVER_NAME: "router-leaf-1",
      NATS_HOST: "127.0.0.1",
      NATS_PORT: String(port),
      NATS_HTTP_PORT: String(httpPort),
      NATS_GUARDIAN_USER: local.user,
      NATS_GUARDIAN_PASSWORD: local.pass,
      NATS_LEAF_REMOTE_URL: `nats-leaf://${g.user}:${g.pass}@127.0.0.1:${hub.leafPort}`,
    },
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const ops = await connect({ servers: hub.url, ...hub.users.ops });
  const sysNc = await connect({ servers: hub.url, ...hub.users.sys });
  try {
    const mon = new MonitorClient({ url: hub.monitorUrl });
    for (let i = 0; i < 200 && (await mon.leafz()).leafnodes < 1; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    const leafz = await mon.leafz({ subs: true });
    assert.equal(leafz.leafnodes, 1);
    const link = leafz.leafs?.[0];
    assert.equal(link?.account, "OPS");
    assert.equal(link?.ip, "127.0.0.1");
    assert.ok(Array.isArray(link?.subscriptions_list));

    await using sys = new SysMonitor(sysNc);
    const [reply] = await sys.ping("LEAFZ", { expected: 1 });
    assert.ok(reply?.ok);
    assert.equal(reply.data.leafs?.[0]?.account, "OPS");

    await using reg = await UnitRegistry.start(ops, { bucket: null, historyStream: null });
    // Interest of the registry's ops.> must reach the leaf before it forwards anything.
    const onLeaf = await connect({ servers: `nats://127.0.0.1:${port}`, ...local });
    try {
      const hb = {
        unitId: "router-leaf-1",
        seq: 1,
        ts: Date.now(),
        uptimeS: 1,
        version: "0.1.0",
        host: "router",
        kind: "guardian",
        clock: { source: "none", quality: "freerun" },
      };
      for (let i = 0; i < 100 && reg.unit("router-leaf-1") === undefined; i++) {
        onLeaf.publish(subjects.heartbeat("router-leaf-1"), JSON.stringify({ ...hb, seq: i + 1 }));
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(reg.unit("router-leaf-1")?.heartbeat?.host, "router");
    } finally {
      await onLeaf.close();
    }
  } finally {
    await ops.close();
    await sysNc.close();
    leaf.kill("SIGTERM");
    await leaf.status;
  }
});
