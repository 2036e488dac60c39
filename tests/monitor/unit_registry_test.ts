import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { firstEvent, natscli, sampleHeartbeat, sampleRtt, startNats, until } from "../_kit/mod.ts";
import { type UnitChange, UnitRegistry, type UnitState } from "../../mods/monitor/mod.ts";
import {
  type Heartbeat,
  type RttMetric,
  subjects,
  type TimeMetric,
} from "../../mods/protocol/mod.ts";

function heartbeat(unitId: string, seq: number, ts = Date.now()): Heartbeat {
  return sampleHeartbeat(unitId, { seq, ts, uptimeS: seq });
}

function rtt(unitId: string, nativeRttUs: number): RttMetric {
  return sampleRtt(unitId, { nativeRttUs, appRttUs: nativeRttUs + 100 });
}

function timeMetric(unitId: string): TimeMetric {
  return {
    unitId,
    ts: Date.now(),
    source: "ptp",
    quality: "locked",
    offsetNs: -42,
    freqPpm: 1.5,
    ptp: {
      portState: "SLAVE",
      gmPresent: true,
      gmIdentity: "001122.fffe.334455",
      masterOffsetNs: -42,
      meanPathDelayNs: 800,
      stepsRemoved: 1,
    },
    ntp: null,
  };
}

function pub(nc: NatsConnection, subject: string, value: unknown): void {
  nc.publish(subject, typeof value === "string" ? value : JSON.stringify(value));
}

/** Resolves when `pred` holds for a change, rejects after `ms`. */
function waitChange(
  reg: UnitRegistry,
  pred: (c: UnitChange) => boolean,
  ms = 3000,
): Promise<UnitChange> {
  return firstEvent((l) => reg.onChange(l), pred, "matching unit change", ms);
}

Deno.test("UnitRegistry builds the units table from valid telemetry", async (t) => {
  await using ns = await startNats();
  const ops = await connect({ servers: ns.url, ...ns.users.ops.nats });
  // One OPS connection feeds the telemetry of many units here (the registry is under test, not
  // the units' permissions); the tenant's unit publishes with its own user.
  const guardian = await connect({ servers: ns.url, ...ns.users.ops.nats });
  const bridge = await connect({
    servers: ns.url,
    ...(await ns.unit("bridge-unit", { account: "BRIDGE" })).nats,
  });
  try {
    await using reg = await UnitRegistry.start(ops, { persistIntervalMs: 100 });

    await t.step("a heartbeat creates a unit", async () => {
      const added = waitChange(reg, (c) => c.unit.unitId === "router-1");
      pub(guardian, subjects.heartbeat("router-1"), heartbeat("router-1", 1));
      const c = await added;
      assert.equal(c.type, "added");
      assert.equal(c.unit.heartbeat?.host, "router-1.lan");
      assert.equal(c.unit.heartbeat?.clock.quality, "tracking");
      assert.equal(c.unit.stale, false);
      assert.equal(c.unit.intervalInferred, false);
      assert.equal(c.unit.heartbeatIntervalMs, 5000);
      assert.ok(c.unit.skewMs !== null && Math.abs(c.unit.skewMs) < 5000);
    });

    await t.step("RTT and time metrics attach to the unit", async () => {
      const gotRtt = waitChange(reg, (c) => c.type === "rtt");
      pub(guardian, subjects.rtt("router-1"), rtt("router-1", 1500));
      assert.equal((await gotRtt).unit.rtt?.nativeRttUs, 1500);
      const gotTime = waitChange(reg, (c) => c.type === "time");
      pub(guardian, subjects.time("router-1"), timeMetric("router-1"));
      assert.equal((await gotTime).unit.time?.ptp?.portState, "SLAVE");
      const u = reg.unit("router-1")!;
      assert.equal(u.rtt?.appRttUs, 1600);
      assert.equal(u.time?.offsetNs, -42);
      assert.equal(u.heartbeat?.seq, 1);
      assert.ok(u.rttAt !== null && u.timeAt !== null);
    });

    await t.step("the interval is inferred from consecutive heartbeats", async () => {
      // By the sender's own timestamps, 2 s apart (not by arrival, which is immediate here).
      const base = reg.unit("router-1")!.heartbeat!.ts;
      const second = waitChange(reg, (c) => c.unit.heartbeat?.seq === 3);
      pub(guardian, subjects.heartbeat("router-1"), heartbeat("router-1", 2, base + 2000));
      pub(guardian, subjects.heartbeat("router-1"), heartbeat("router-1", 3, base + 4000));
      const u = (await second).unit;
      assert.equal(u.intervalInferred, true);
      assert.equal(Math.round(u.heartbeatIntervalMs), 2000);
    });

    await t.step("a tenant's unit reaches the registry under its account", async () => {
      const added = waitChange(reg, (c) => c.unit.unitId === "bridge-unit");
      pub(bridge, subjects.heartbeat("bridge-unit"), heartbeat("bridge-unit", 1));
      const c = await added;
      assert.equal(c.type, "added");
      assert.equal(c.unit.account, "BRIDGE");
      assert.equal(c.unit.key, "BRIDGE.bridge-unit");
      pub(bridge, subjects.rtt("bridge-unit"), rtt("bridge-unit", 900));
      await waitChange(reg, (c) => c.unit.unitId === "bridge-unit" && c.type === "rtt");
      assert.deepEqual(reg.units().map((u) => [u.account, u.unitId]), [
        ["BRIDGE", "bridge-unit"],
        ["OPS", "router-1"],
      ]);
      assert.equal(reg.unit("router-1")?.account, "OPS");
    });

    await t.step("time config and logs are kept", async () => {
      pub(guardian, subjects.timeConfig(), {
        mode: "ptp",
        ptpMaster: "router-1",
        ptpDomain: 0,
        ptpHwTimestamp: false,
        ntpServers: [],
      });
      pub(guardian, subjects.log("warn", "router-1"), {
        ts: Date.now(),
        level: "warn",
        unitId: "router-1",
        msg: "link flapped",
      });
      await until(() => reg.logs().length === 1 && reg.timeConfig() !== null, "log and config");
      assert.equal(reg.timeConfig()?.ptpMaster, "router-1");
      assert.equal(reg.logs()[0]?.msg, "link flapped");
    });

    await t.step("validated metric history and logs land in the limited stream", async () => {
      const jsm = await jetstreamManager(ops);
      // Junk is never stored, only what passed validation, on the unit's own subject.
      pub(guardian, subjects.rtt("router-1"), "x".repeat(100_000));
      pub(guardian, subjects.rtt("router-1"), { ...rtt("router-1", 1), unitId: "router-2" });
      // 2 RTT, 1 time metric, 1 log; tenant telemetry included.
      await until(
        async () => (await jsm.streams.info("nunect_telemetry")).state.messages === 4,
        "the 4 valid records in the stream",
      );
      const info = await jsm.streams.info("nunect_telemetry");
      assert.deepEqual(info.config.subjects, ["nunect.telemetry.>"]);
      assert.equal(info.config.max_age, 7 * 24 * 3600 * 1e9);
      assert.equal(info.config.max_bytes, 256 * 1024 * 1024);
      assert.equal(info.config.max_msgs_per_subject, 10_000);
      const last = await jsm.streams.getMessage("nunect_telemetry", {
        last_by_subj: "nunect.telemetry.rtt.BRIDGE.bridge-unit",
      });
      assert.equal(last?.json<RttMetric>().nativeRttUs, 900);
      const tenantHistory = await reg.history("BRIDGE.bridge-unit", "rtt");
      assert.deepEqual(tenantHistory.map((e) => e.value.nativeRttUs), [900]);
    });

    await t.step("history() reads a unit's stored metrics and logs", async () => {
      const rtts = await reg.history("router-1", "rtt");
      assert.deepEqual(rtts.map((e) => e.value.nativeRttUs), [1500]);
      assert.ok(Math.abs(rtts[0]!.storedAt - Date.now()) < 60_000);
      const times = await reg.history("router-1", "time");
      assert.equal(times[0]?.value.ptp?.gmIdentity, "001122.fffe.334455");
      const logs = await reg.history("router-1", "log");
      assert.equal(logs[0]?.value.msg, "link flapped");
      assert.deepEqual(await reg.history("router-1", "rtt", { sinceMs: Date.now() + 60_000 }), []);
      assert.deepEqual(await reg.history("nobody", "rtt"), []);
      assert.deepEqual(await reg.history("nobody", "log"), []);
      // limit: a second RTT, ask for one.
      pub(guardian, subjects.rtt("router-1"), rtt("router-1", 1700));
      await until(() => reg.unit("router-1")?.rtt?.nativeRttUs === 1700, "second RTT");
      // The stream stores it independently of the registry's subscription: wait for it there.
      await until(
        async () => (await reg.history("router-1", "rtt")).length === 2,
        "the second RTT in the history stream",
      );
      const two = await reg.history("router-1", "rtt");
      assert.deepEqual(two.map((e) => e.value.nativeRttUs), [1500, 1700]);
      const one = await reg.history("router-1", "rtt", { limit: 1 });
      assert.deepEqual(one.map((e) => e.value.nativeRttUs), [1500]);
      await assert.rejects(() => reg.history("x y", "rtt"), /Invalid unit ID "x y"/);
      await assert.rejects(() => reg.history("a.b", "rtt"), /Invalid unit key "a.b"/);
      // Each read's ephemeral consumer is removed again.
      const jsm = await jetstreamManager(ops);
      assert.equal((await jsm.streams.info("nunect_telemetry")).state.consumer_count, 0);
    });

    await t.step("stats count what was accepted", () => {
      const s = reg.stats();
      assert.deepEqual(s.accepted, { heartbeat: 4, rtt: 3, time: 1, timeConfig: 1, log: 1 });
      assert.equal(s.droppedTotal, 2, "the junk and the mismatched unit");
      assert.equal(s.units, 2);
      assert.equal(s.bucket, "nunect_units");
      assert.equal(s.historyStream, "nunect_telemetry");
      assert.equal(s.historyError, null);
    });
  } finally {
    await Promise.all([ops.close(), guardian.close(), bridge.close()]);
  }
});

Deno.test("a history stream that cannot be created disables history, not the registry", async () => {
  await using ns = await startNats();
  const ops = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    // Another stream already captures the history's subjects.
    const jsm = await jetstreamManager(ops);
    await jsm.streams.add({ name: "SOMEONE_ELSE", subjects: ["nunect.telemetry.>"] });
    await using reg = await UnitRegistry.start(ops, { bucket: null });
    const s = reg.stats();
    assert.equal(s.historyStream, null);
    assert.match(s.historyError ?? "", /History stream "nunect_telemetry" is unavailable/);
    assert.deepEqual(await reg.history("router-1", "rtt"), []);
    const added = waitChange(reg, (c) => c.type === "added");
    pub(ops, subjects.heartbeat("router-1"), heartbeat("router-1", 1));
    assert.equal((await added).unit.unitId, "router-1");
  } finally {
    await ops.close();
  }
});

Deno.test("UnitRegistry reports staleness and forgets silent units on its own timer", async () => {
  await using ns = await startNats();
  const ops = await connect({ servers: ns.url, ...ns.users.ops.nats });
  const guardian = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    // The rules are the table's (tests/monitor/unit_table_test.ts); this is the timer around them.
    await using reg = await UnitRegistry.start(ops, {
      bucket: null,
      historyStream: null,
      staleCheckIntervalMs: 20,
      forgetAfterMs: 400,
    });
    const base = Date.now();
    const stale = waitChange(reg, (c) => c.type === "stale");
    const removed = waitChange(reg, (c) => c.type === "removed", 5000);
    pub(guardian, subjects.heartbeat("edge-7"), heartbeat("edge-7", 1, base - 100));
    pub(guardian, subjects.heartbeat("edge-7"), heartbeat("edge-7", 2, base));
    assert.equal((await stale).unit.unitId, "edge-7");
    assert.equal((await removed).unit.unitId, "edge-7");
    assert.equal(reg.unit("edge-7"), undefined);
  } finally {
    await Promise.all([ops.close(), guardian.close()]);
  }
});

Deno.test("UnitRegistry: a unit forgotten by one dashboard instance is gone from the other", async () => {
  await using ns = await startNats();
  const [a, b, guardian] = await Promise.all([
    connect({ servers: ns.url, ...ns.users.ops.nats }),
    connect({ servers: ns.url, ...ns.users.ops.nats }),
    connect({ servers: ns.url, ...ns.users.ops.nats }),
  ]);
  try {
    await using first = await UnitRegistry.start(a, { historyStream: null });
    await using second = await UnitRegistry.start(b, { historyStream: null });
    const seen = Promise.all(
      [first, second].map((r) => waitChange(r, (c) => c.unit.unitId === "router-5")),
    );
    pub(guardian, subjects.heartbeat("router-5"), heartbeat("router-5", 1));
    await seen;
    const gone = waitChange(second, (c) => c.type === "removed" && c.unit.unitId === "router-5");
    assert.equal(await first.forget("router-5"), true);
    await gone;
    assert.equal(second.unit("router-5"), undefined);
  } finally {
    await Promise.all([a.close(), b.close(), guardian.close()]);
  }
});

Deno.test("UnitRegistry persists units in KV across a registry and server restart", async () => {
  await using ns = await startNats();
  let ops = await connect({ servers: ns.url, ...ns.users.ops.nats });
  const guardian = await connect({ servers: ns.url, ...ns.users.ops.nats });
  let before: UnitState | undefined;
  try {
    const reg = await UnitRegistry.start(ops);
    const added = waitChange(reg, (c) => c.unit.unitId === "router-9" && c.type === "rtt");
    pub(guardian, subjects.heartbeat("router-9"), heartbeat("router-9", 5));
    pub(guardian, subjects.rtt("router-9"), rtt("router-9", 2500));
    await added;
    before = reg.unit("router-9");
    await reg.close(); // writes pending records
    assert.equal(reg.stats().persisted, 1);
    // natscli, as the dashboard's own user, reads the same record from the bucket.
    const got = await natscli(
      ns.url,
      ns.users.ops,
      "kv",
      "get",
      "nunect_units",
      "router-9",
      "--raw",
    );
    assert.equal(got.code, 0, got.stderr);
    const record = JSON.parse(got.stdout) as { unitId: string; rtt?: { nativeRttUs: number } };
    assert.equal(record.unitId, "router-9");
    assert.equal(record.rtt?.nativeRttUs, 2500);
  } finally {
    await guardian.close();
  }
  await ops.close();
  await ns.restart();
  ops = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    await using again = await UnitRegistry.start(ops);
    assert.equal(again.stats().restored, 1);
    assert.equal(again.stats().restoreErrors, 0);
    const after = again.unit("router-9");
    assert.deepEqual(after?.heartbeat, before?.heartbeat);
    assert.equal(after?.rtt?.nativeRttUs, 2500);
    assert.equal(after?.lastSeen, before?.lastSeen);

    // forget() removes it from memory and from KV.
    assert.equal(await again.forget("router-9"), true);
    assert.equal(again.unit("router-9"), undefined);
  } finally {
    await ops.close();
  }
  ops = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    await using third = await UnitRegistry.start(ops);
    assert.equal(third.stats().restored, 0);
  } finally {
    await ops.close();
  }
});

Deno.test("UnitRegistry with persist: false reads the dashboard's bucket (units silent since before it started, deletions, a bucket created later) and writes nothing", async () => {
  await using ns = await startNats();
  const [ops, reader, guardian] = await Promise.all([
    connect({ servers: ns.url, ...ns.users.ops.nats }),
    connect({ servers: ns.url, ...ns.users.ops.nats }),
    connect({ servers: ns.url, ...ns.users.ops.nats }),
  ]);
  try {
    // Started before the dashboard ever ran: no bucket yet, and it creates none.
    await using early = await UnitRegistry.start(reader, {
      persist: false,
      historyStream: null,
      persistIntervalMs: 100,
    });
    const jsm = await jetstreamManager(ops);
    assert.equal((await jsm.streams.names().next()).includes("KV_nunect_units"), false);

    // The dashboard stores two units; one falls silent for good.
    const dashboard = await UnitRegistry.start(ops, { historyStream: null });
    const seen = waitChange(dashboard, (c) => c.unit.unitId === "router-dead");
    pub(guardian, subjects.heartbeat("router-dead"), heartbeat("router-dead", 1));
    pub(guardian, subjects.heartbeat("router-gone"), heartbeat("router-gone", 1));
    await seen;
    await until(() => dashboard.unit("router-gone") !== undefined, "router-gone in the dashboard");
    await dashboard.flush();

    // A reader started now knows both, though neither speaks again.
    await using late = await UnitRegistry.start(reader, { persist: false, historyStream: null });
    assert.equal(late.stats().restored, 2);
    assert.equal(late.stats().bucket, "nunect_units");
    assert.ok(late.unit("router-dead"));
    // The early one found the bucket once the dashboard had created it.
    await until(() => early.stats().bucket === "nunect_units", "the early reader finding it");

    // A unit the dashboard forgets is gone from the readers too.
    const gone = waitChange(late, (c) => c.type === "removed" && c.unit.unitId === "router-gone");
    await dashboard.forget("router-gone");
    await gone;
    await until(() => early.unit("router-gone") === undefined, "the early reader following");

    // Readers never write: the bucket holds what the dashboard wrote, nothing more.
    const kv = await new Kvm(ops).open("nunect_units");
    const before = (await kv.status()).values;
    await late.forget("router-dead"); // in its own table only
    await late.close();
    await early.close();
    assert.equal((await kv.status()).values, before);
    assert.ok(await kv.get("router-dead"));
    assert.equal(late.stats().persisted, 0);
    await dashboard.close();
  } finally {
    await Promise.all([ops.close(), reader.close(), guardian.close()]);
  }
});

Deno.test("UnitRegistry keeps working across a server restart (reconnect)", async () => {
  await using ns = await startNats();
  const opts = { servers: ns.url, reconnectTimeWait: 50, maxReconnectAttempts: -1 };
  const ops = await connect({ ...opts, ...ns.users.ops.nats });
  const guardian = await connect({ ...opts, ...ns.users.ops.nats });
  try {
    await using reg = await UnitRegistry.start(ops, { persistIntervalMs: 50 });
    const first = waitChange(reg, (c) => c.unit.unitId === "survivor");
    pub(guardian, subjects.heartbeat("survivor"), heartbeat("survivor", 1));
    await first;
    await ns.restart();
    // After both clients reconnect, telemetry flows again and KV writes resume.
    const again = waitChange(reg, (c) => c.unit.heartbeat?.seq === 2, 10_000);
    const ticker = setInterval(() => {
      pub(guardian, subjects.heartbeat("survivor"), heartbeat("survivor", 2));
    }, 100);
    try {
      await again;
    } finally {
      clearInterval(ticker);
    }
    await reg.flush();
    const kv = await new Kvm(ops).open("nunect_units");
    const entry = await kv.get("survivor");
    assert.equal(entry?.json<{ heartbeat: { seq: number } }>().heartbeat.seq, 2);
  } finally {
    await Promise.all([ops.close(), guardian.close()]);
  }
});
