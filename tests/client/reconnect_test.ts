import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import {
  connect,
  decodeMessage,
  heartbeatSchema,
  logSchema,
  NotConnectedError,
  type StatusType,
} from "../../mods/client/mod.ts";
import { startNats, until } from "../_kit/mod.ts";

const waitFor = (check: () => boolean, what: string) => until(check, what);

for (const transport of ["tcp", "ws"] as const) {
  Deno.test(`${transport}: after stop/restart on the same port, subscriptions survive, buffered logs arrive, drops are reported, heartbeat seq goes on`, async () => {
    await using ns = await startNats();
    const url = transport === "tcp" ? ns.url : ns.wsUrl;
    const fast = { reconnectTimeWaitMs: 50, reconnectJitterMs: 50 };
    await using a = await connect({
      servers: url,
      unitId: "recon-a",
      logBufferSize: 3,
      ...fast,
      creds: ns.users.ops.creds,
    });
    await using b = await connect({
      servers: url,
      unitId: "recon-b",
      ...fast,
      creds: ns.users.ops.creds,
    });

    // A file-backed stream records what a publishes, independent of who is connected when.
    const jsm = await jetstreamManager(b.nc);
    await jsm.streams.add({
      name: "RECON",
      subjects: ["ops.log.>", "ops.heartbeat.>"],
      storage: "file",
    });

    const events: StatusType[] = [];
    for (const t of ["disconnected", "reconnecting", "reconnected"] as const) {
      a.on(t, () => void events.push(t));
    }
    const received: number[] = [];
    b.subscribe("app.counter", (m) => void received.push(m.json<number>()));
    await b.flush();
    const hb = a.startHeartbeat({ intervalMs: 50 });
    a.publish("app.counter", 1);
    a.logger.info("before stop");
    await a.flush();
    await waitFor(() => received.length === 1 && hb.seq >= 1, "first message and heartbeats");
    const seqBefore = hb.seq;

    await ns.stop();
    await waitFor(() => a.state === "reconnecting", "a to notice the disconnect");
    await assert.rejects(a.rtt(), NotConnectedError);
    for (let i = 1; i <= 5; i++) a.logger.info(`while down ${i}`);
    assert.equal(a.logger.buffered, 3, "bounded buffer");

    await ns.restart();
    await waitFor(() => a.state === "connected" && b.state === "connected", "both to reconnect");
    // A loaded machine may cost an attempt that fails halfway (a second "disconnected").
    const seen = events.filter((e) => e !== "reconnecting");
    assert.equal(seen[0], "disconnected");
    assert.equal(seen.at(-1), "reconnected");
    assert.ok(events.includes("reconnecting"));

    a.publish("app.counter", 2);
    await a.flush();
    await waitFor(() => received.includes(2), "the surviving subscription to get message 2");
    await waitFor(() => hb.seq > seqBefore + 1, "heartbeats after reconnect");
    hb.stop();
    await a.flush();

    const info = await jsm.streams.info("RECON");
    const logs = [];
    const beats = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage("RECON", { seq });
      if (!m) continue;
      if (m.subject.startsWith("ops.log.")) {
        const d = decodeMessage(logSchema, m.data);
        assert.ok(d.ok);
        logs.push(d.value);
      } else {
        const d = decodeMessage(heartbeatSchema, m.data);
        assert.ok(d.ok);
        beats.push(d.value.seq);
      }
    }
    assert.deepEqual(logs.map((l) => l.msg), [
      "before stop",
      "while down 3",
      "while down 4",
      "while down 5",
      "Dropped 2 log records while disconnected",
    ]);
    assert.equal(logs[4]!.level, "warn");
    assert.deepEqual(logs[4]!.fields, { dropped: 2, capacity: 3 });
    assert.ok(beats.some((s) => s > seqBefore), "heartbeat seq continued after the reconnect");
    assert.deepEqual(beats, [...beats].sort((x, y) => x - y), "heartbeat seq only grows");
    assert.equal(new Set(beats).size, beats.length, "no heartbeat seq reused");
  });
}
