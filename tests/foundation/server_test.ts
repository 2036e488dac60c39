import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { PROJECT_DIR, startNats, until } from "../_kit/mod.ts";
import { alive } from "../_kit/stack.ts";

Deno.test("the project's config starts and every monitoring endpoint answers", async () => {
  await using ns = await startNats();
  for (const path of ["/varz", "/connz", "/jsz", "/healthz", "/accountz", "/subsz", "/leafz"]) {
    const res = await fetch(`${ns.monitorUrl}${path}`);
    assert.equal(res.status, 200, path);
    await res.json();
  }
  const varz = await (await fetch(`${ns.monitorUrl}/varz`)).json();
  assert.equal(varz.server_name, ns.env.NATS_SERVER_NAME);
  assert.ok(varz.jetstream?.config, "JetStream is enabled");
  assert.equal(varz.websocket?.port, ns.wsPort);
  assert.equal(varz.leaf?.port, ns.leafPort);
});

Deno.test("ops user connects over TCP and round-trips a message", async () => {
  await using ns = await startNats();
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  const sub = nc.subscribe("ops.test.x", { max: 1 });
  nc.publish("ops.test.x", "hi");
  for await (const m of sub) assert.equal(m.string(), "hi");
  await nc.close();
});

Deno.test("a nats-server the kit started does not outlive a test runner killed with SIGKILL", async () => {
  // A runner of its own, killed the hard way once its server is up.
  const runner = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      "--ext=ts",
      `import { startNats } from "${PROJECT_DIR}/tests/_kit/mod.ts";
      const ns = await startNats();
      console.log(JSON.stringify({ pid: ns.pid, dir: ns.dir }));
      await new Promise(() => setInterval(() => {}, 1000));`,
    ],
    cwd: PROJECT_DIR,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = runner.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  const { pid, dir } = JSON.parse(text) as { pid: number; dir: string };
  try {
    assert.ok(await alive(pid), "the server runs");
    runner.kill("SIGKILL");
    await runner.status;
    await until(async () => !(await alive(pid)), "the server to end with its runner");
  } finally {
    await reader.cancel();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
