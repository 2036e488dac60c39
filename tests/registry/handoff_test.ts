// Cell handoff: a unit moves from one router's leaf node to another's (its link to the first is
// cut, its link to the second comes up, as when a device walks from one cell to the next). It
// keeps its identity; the subject registry shows the move (KV entry and event); requests to the
// unit reach it at its new leaf node; and messages meant for it (its JetStream inbox) that were
// sent while it moved are delivered once it is back.
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import assert from "node:assert/strict";
import { connect } from "../../mods/client/mod.ts";
import { jetStream } from "../../mods/client/jetstream.ts";
import { INBOX_STREAM, inboxSubject, registrySubjects } from "../../mods/protocol/mod.ts";
import { ensureInboxStream, REGISTRY_BUCKET, type RegistryEvent } from "../../mods/registry/mod.ts";
import { unitEntrySchema } from "../../mods/registry/schemas.ts";
import { startNats, startRegistryProgram, startTopology, until } from "../_kit/mod.ts";

Deno.test("cell handoff: the unit keeps its identity, the registry shows the move, requests and inbox follow it", async () => {
  await using topo = await startTopology({ leaves: 2 });
  const [a, b] = topo.routers as [typeof topo.routers[0], typeof topo.routers[0]];
  const hub = topo.hub.servers[0]!;
  await using registry = await startRegistryProgram(hub);
  await using ops = await connect({ servers: hub.url, unitId: "hub-ops", ...hub.users.ops });
  const kv = await new Kvm(ops.nc).open(REGISTRY_BUCKET);
  const entry = async () => {
    const e = await kv.get("unit.walker");
    return e?.operation === "PUT" ? unitEntrySchema.parse(e.json()) : undefined;
  };
  const events: RegistryEvent[] = [];
  ops.subscribe(registrySubjects.event, (m) => events.push(m.json<RegistryEvent>()));

  // the unit's radio links to the two cells: only the first in reach
  const port = (url: string) => new URL(url).port;
  const toA = await topo.toxiproxy.link(
    "walker-a",
    "127.0.0.1:0",
    `${a.netns.address}:${port(a.leaf.url)}`,
  );
  const toB = await topo.toxiproxy.link(
    "walker-b",
    "127.0.0.1:0",
    `${b.netns.address}:${port(b.leaf.url)}`,
  );
  await toB.cut();
  await using unit = await connect({
    servers: [`nats://${toA.listen}`, `nats://${toB.listen}`],
    // its own credentials: every router's leaf node checks them (one operator, one OPS account)
    ...(await hub.unit("walker")).client,
    reconnectTimeWaitMs: 100,
    reconnectJitterMs: 0,
    natsOptions: { noRandomize: true },
  });
  unit.serveEcho();
  const got: unknown[] = [];
  const inbox = await jetStream(unit).inbox((m) => void got.push(m.json()));
  try {
    await until(async () => (await entry())?.leaf === a.leaf.name, "walker on router-1");
    assert.ok(await ops.echo("walker") > 0, "reached at router-1");

    // out of the first cell's reach, not yet in the second's: messages meant for it meanwhile
    await toA.cut();
    await until(() => !unit.isConnected, "walker disconnected");
    const js = jetStream(ops);
    for (const n of [1, 2, 3]) await js.publish(inboxSubject("walker"), { n });
    await toB.restore();
    await until(() => unit.isConnected, "walker connected through router-2");

    await until(
      async () => (await entry())?.leaf === b.leaf.name,
      "the registry's move to router-2",
    );
    const moved = await entry();
    assert.equal(moved?.previous, a.leaf.name);
    await until(
      () => events.some((e) => e.kind === "moved" && e.unitId === "walker"),
      "the move event",
    );
    assert.deepEqual(
      events.filter((e) => e.kind === "moved").map((e) => e.kind === "moved" && [e.from, e.to]),
      [[a.leaf.name, b.leaf.name]],
    );
    assert.ok(await ops.echo("walker", { timeoutMs: 5000 }) > 0, "reached at router-2");
    await until(() => got.length >= 3, "the inbox messages sent during the move");
    assert.deepEqual(got, [{ n: 1 }, { n: 2 }, { n: 3 }]);
  } finally {
    await inbox.stop();
    await registry.stop();
  }
});

Deno.test("inbox: without the inbox stream a unit is told what is missing", async () => {
  await using hub = await startNats();
  await using unit = await connect({
    servers: hub.url,
    ...(await hub.unit("lonely", { role: "guardian" })).client,
  });
  await assert.rejects(
    () => jetStream(unit).inbox(() => {}),
    /Inbox of "lonely" unavailable: stream not found \(10059\): is the subject registry running/,
  );
});

Deno.test("inbox: a unit may take its own consumer's messages, not the stream's or everyone's", async () => {
  await using hub = await startNats();
  await using ops = await connect({ servers: hub.url, unitId: "hub-ops", ...hub.users.ops });
  await ensureInboxStream(ops.nc, { maxAgeMs: 60_000, maxPerUnit: 10, replicas: 1 });
  await using unit = await connect({
    servers: hub.url,
    ...(await hub.unit("mallory", { role: "guardian" })).client,
  });
  const ask = (subject: string, body: unknown = {}) =>
    unit.nc.request(subject, JSON.stringify(body), { timeout: 1500 }).then(
      (r) => r.string(),
      (e: Error) => e.message,
    );
  // a consumer on every unit's inbox (a filter with a wildcard), by either create subject
  const everyone = { stream_name: INBOX_STREAM, config: { filter_subject: "ops.inbox.*" } };
  for (const domain of ["", "hub."]) {
    assert.match(
      await ask(`$JS.${domain}API.CONSUMER.CREATE.${INBOX_STREAM}.thief`, everyone),
      /Permissions Violation|timeout/,
    );
    for (
      const s of [
        `$JS.${domain}API.STREAM.MSG.GET.${INBOX_STREAM}`,
        `$JS.${domain}API.STREAM.PURGE.${INBOX_STREAM}`,
        `$JS.${domain}API.CONSUMER.DELETE.${INBOX_STREAM}.inbox-alice`,
        // another unit's own consumer, by its create subject: per-unit credentials refuse it
        `$JS.${domain}API.CONSUMER.CREATE.${INBOX_STREAM}.inbox-alice.ops.inbox.alice`,
        `$JS.${domain}API.STREAM.INFO.${INBOX_STREAM}`,
      ]
    ) assert.match(await ask(s), /Permissions Violation|timeout/, s);
  }
  // nothing was created; its own inbox works
  const jsm = await jetstreamManager(ops.nc);
  assert.deepEqual((await jsm.consumers.list(INBOX_STREAM).next()).map((c) => c.name), []);
  const got: unknown[] = [];
  const inbox = await jetStream(unit).inbox((m) => void got.push(m.json()));
  await jetStream(ops).publish(inboxSubject("mallory"), { hi: 1 });
  await until(() => got.length === 1, "mallory's own message");
  await inbox.stop();
});
