import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import {
  createStream,
  deleteMessage,
  getMessage,
  InvalidInputError,
  NotFoundError,
  publishMessage,
  republishMessage,
  requestMessage,
  ReservedSubjectError,
  ServerRefusedError,
} from "../../mods/jetstream/mod.ts";
import { consumerNames, startJs, testPool } from "./_setup.ts";

const requester = { user: "admin", role: "admin" } as const;

Deno.test("publish, view, re-publish and delete messages", async (t) => {
  await using js = await startJs();
  await using pool = await testPool(js.ns);
  const ctx = await pool.connect("OPS", requester);
  await createStream(ctx, { name: "M", subjects: ["m.>"] });

  await t.step("publish into a stream returns where it landed; view shows every form", async () => {
    const r = await publishMessage(ctx, {
      subject: "m.order",
      headers: [["X-Trace", "abc"], ["X-Trace", "def"]],
      payload: '{"id":7,"items":["a"]}',
    });
    assert.deepEqual(r, { stream: "M", seq: 1, duplicate: false });
    const v = await getMessage(ctx, "M", 1);
    assert.equal(v.subject, "m.order");
    assert.equal(v.kind, "json");
    assert.equal(v.payload.json, '{\n  "id": 7,\n  "items": [\n    "a"\n  ]\n}');
    assert.equal(v.payload.text, '{"id":7,"items":["a"]}');
    assert.equal(v.payload.base64, btoa('{"id":7,"items":["a"]}'));
    assert.equal(v.payload.hex.slice(0, 8), "7b 22 69");
    assert.deepEqual(v.headers, [["X-Trace", "abc"], ["X-Trace", "def"]]);
    assert.equal(v.size, 22);
    assert.match(v.time, /Z$/);
    assert.equal(v.natsCommands.get, "nats stream get M 1");
    assert.equal(
      v.natsCommands.pub,
      `nats pub m.order '{"id":7,"items":["a"]}' -H X-Trace:abc -H X-Trace:def --no-templates`,
    );
  });

  await t.step("binary payloads (base64 in, hex and base64 out)", async () => {
    const r = await publishMessage(ctx, {
      subject: "m.bin",
      payload: "AAEC/w==",
      encoding: "base64",
    });
    const v = await getMessage(ctx, "M", r.seq!);
    assert.equal(v.kind, "binary");
    assert.equal(v.payload.text, null);
    assert.equal(v.payload.hex, "00 01 02 ff");
    assert.equal(
      v.natsCommands.pub,
      "printf %s AAEC/w== | base64 -d | nats pub m.bin --force-stdin --no-templates",
    );
  });

  await t.step("bad input and reserved subjects are refused with what is wrong", async () => {
    await assert.rejects(publishMessage(ctx, { subject: "$JS.API.STREAM.DELETE.M" }), (e) => {
      assert.ok(e instanceof ReservedSubjectError);
      assert.match(e.message, /^Subject "\$JS\.API\.STREAM\.DELETE\.M" is reserved/);
      return true;
    });
    await assert.rejects(publishMessage(ctx, { subject: "m.*" }), /wildcards are only allowed/);
    await assert.rejects(
      publishMessage(ctx, { subject: "m.a", headers: [["Bad Name", "x"]] }),
      (e) => e instanceof InvalidInputError && e.issues[0]!.path === "headers.0.0",
    );
    await assert.rejects(
      publishMessage(ctx, { subject: "m.a", payload: "%%%", encoding: "base64" }),
      /payload: Invalid base64/,
    );
    assert.equal((await js.jsm.streams.info("M")).state.messages, 2);
  });

  await t.step("a plain publish where no stream listens; a request gets its reply", async () => {
    const sub = js.nc.subscribe("plain.x", { max: 1 });
    await js.nc.flush(); // the server knows the subscription before the console publishes
    const got = (async () => {
      for await (const m of sub) return m.string();
    })();
    assert.deepEqual(await publishMessage(ctx, { subject: "plain.x", payload: "hi" }), {
      stream: null,
      seq: null,
      duplicate: false,
    });
    assert.equal(await got, "hi");
    const svc = js.nc.subscribe("svc.echo", {
      callback: (_e, m) => void m.respond(`echo:${m.string()}`),
    });
    await js.nc.flush();
    const reply = await requestMessage(ctx, { subject: "svc.echo", payload: "ping" });
    assert.equal(reply.payload.text, "echo:ping");
    assert.ok(reply.ms >= 0);
    svc.unsubscribe();
  });

  await t.step("re-publish, edited", async () => {
    const r = await republishMessage(ctx, "M", 1, { payload: '{"id":8}' });
    const v = await getMessage(ctx, "M", r.seq!);
    assert.equal(v.subject, "m.order");
    assert.equal(v.payload.text, '{"id":8}');
    assert.deepEqual(v.headers, [["X-Trace", "abc"], ["X-Trace", "def"]]);
    const same = await republishMessage(ctx, "M", 2, { subject: "m.copy" });
    assert.equal((await getMessage(ctx, "M", same.seq!)).payload.hex, "00 01 02 ff");
  });

  await t.step("delete, with and without erase; deny_delete is the server's refusal", async () => {
    await deleteMessage(ctx, "M", 1);
    await deleteMessage(ctx, "M", 2, true);
    await assert.rejects(getMessage(ctx, "M", 1), NotFoundError);
    await assert.rejects(deleteMessage(ctx, "M", 1), /Message "1" not found in stream "M"/);
    await createStream(ctx, { name: "KEEP", subjects: ["keep"], deny_delete: true });
    await publishMessage(ctx, { subject: "keep", payload: "x" });
    await assert.rejects(deleteMessage(ctx, "KEEP", 1), ServerRefusedError);
  });

  assert.deepEqual(await consumerNames(js.jsm, "M"), []);
});

Deno.test("a publish acts in the chosen account only, with that account's credentials", async () => {
  await using js = await startJs();
  await using pool = await testPool(js.ns);
  const bridge = await pool.connect("BRIDGE", requester);
  const engineNc = await connect({ servers: js.ns.url, ...(await js.ns.console("ENGINE")).nats });
  const bridgeNc = await connect({ servers: js.ns.url, ...(await js.ns.console("BRIDGE")).nats });
  try {
    const inEngine = engineNc.subscribe("orders.>");
    const inOps = js.nc.subscribe("orders.>");
    const inBridge = bridgeNc.subscribe("orders.>", { max: 1 });
    await Promise.all([engineNc.flush(), js.nc.flush(), bridgeNc.flush()]);
    await publishMessage(bridge, { subject: "orders.new", payload: "1" });
    for await (const m of inBridge) assert.equal(m.string(), "1");
    await Promise.all([engineNc.flush(), js.nc.flush()]);
    assert.equal(inEngine.getReceived(), 0, "another tenant never sees it");
    assert.equal(inOps.getReceived(), 0, "OPS imports only ops.> from tenants");
    // The account's user decides; the console adds no rights: $SYS is not reachable from BRIDGE.
    await assert.rejects(
      requestMessage(bridge, { subject: "SYS.nope" }, 500),
      /no responders|503|timeout/i,
    );
  } finally {
    await engineNc.close();
    await bridgeNc.close();
  }
});
