import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { startNats } from "../_kit/mod.ts";
import { get, login, testDashboard } from "./_harness.ts";

/** Reads SSE frames from a response body until `match` accepts one or the deadline passes. */
async function readUntil(
  res: Response,
  match: (event: string, data: string) => boolean,
  deadlineMs: number,
): Promise<{ event: string; data: string } | undefined> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  const timer = setTimeout(() => reader.cancel(), deadlineMs);
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return undefined;
      buf += value;
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const event = frame.match(/^event: (.*)$/m)?.[1] ?? "";
        const data = frame.match(/^data: (.*)$/m)?.[1] ?? "";
        if (match(event, data)) return { event, data };
      }
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
}

Deno.test("SSE delivers a CONNECT within one second of a client connecting", async () => {
  await using ns = await startNats();
  await using d = await testDashboard(ns);
  const s = await login(d.app);
  const res = await get(d.app, s, "/api/events");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
  const name = `sse-probe-${crypto.randomUUID().slice(0, 8)}`;
  const seen = readUntil(
    res,
    (event, data) =>
      event === "activity" && data.includes(`"${name}"`) && data.includes('"connect"'),
    1000,
  );
  const nc = await connect({ servers: ns.url, ...ns.users.bridge, name });
  const hit = await seen;
  await nc.close();
  assert.ok(hit, `no CONNECT for ${name} within 1 s`);
  const e = JSON.parse(hit.data);
  assert.equal(e.account, "BRIDGE");
  assert.equal(e.user, ns.users.bridge.user);
});

Deno.test("a DISCONNECT is in /api/activity with its reason and bytes", async () => {
  await using ns = await startNats();
  await using d = await testDashboard(ns);
  const s = await login(d.app);
  const name = `gone-${crypto.randomUUID().slice(0, 8)}`;
  const nc = await connect({ servers: ns.url, ...ns.users.engine, name });
  nc.publish("ops.heartbeat.x", "hello");
  await nc.flush();
  await nc.close();
  let found: Record<string, unknown> | undefined;
  for (let i = 0; i < 40 && !found; i++) {
    const body = await (await get(d.app, s, "/api/activity")).json();
    found = body.events.find((e: { name: string; kind: string }) =>
      e.name === name && e.kind === "disconnect"
    );
    if (!found) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(found, "disconnect event listed");
  assert.equal(found.account, "ENGINE");
  assert.ok(typeof found.reason === "string" && found.reason.length > 0);
  assert.ok((found.inBytes as number) > 0);
});

Deno.test("SSE resumes after Last-Event-ID with what the browser missed", async () => {
  await using ns = await startNats();
  await using d = await testDashboard(ns);
  const s = await login(d.app);
  const name = `missed-${crypto.randomUUID().slice(0, 8)}`;
  const nc = await connect({ servers: ns.url, ...ns.users.bridge, name });
  let seq: number | undefined;
  for (let i = 0; i < 40 && seq === undefined; i++) {
    const body = await (await get(d.app, s, "/api/activity")).json();
    seq = body.events.find((e: { name: string }) => e.name === name)?.seq;
    if (seq === undefined) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(seq !== undefined, "the connect was recorded");
  const res = await get(d.app, s, "/api/events", { headers: { "last-event-id": String(seq - 1) } });
  const hit = await readUntil(
    res,
    (event, data) => event === "activity" && data.includes(name),
    1000,
  );
  assert.ok(hit, "the missed event is replayed");
  assert.equal(JSON.parse(hit.data).seq, seq);
  await nc.close();
});
