import assert from "node:assert/strict";
import { UnitTable } from "../../mods/monitor/mod.ts";
import { type Heartbeat, type RttMetric, subjects } from "../../mods/protocol/mod.ts";
import { sampleHeartbeat, sampleRtt } from "../_kit/messages.ts";

// The units table is pure: every test here feeds it messages and a clock, no NATS.

const T0 = 1_750_000_000_000;
const enc = new TextEncoder();

function msg(subject: string, value: unknown) {
  return { subject, data: enc.encode(typeof value === "string" ? value : JSON.stringify(value)) };
}

function heartbeat(unitId: string, seq: number, ts: number): Heartbeat {
  return sampleHeartbeat(unitId, { seq, ts, uptimeS: seq });
}

function rtt(unitId: string, nativeRttUs: number): RttMetric {
  return sampleRtt(unitId, { ts: T0, target: "x", nativeRttUs, appRttUs: nativeRttUs + 100 });
}

Deno.test("unit table: a heartbeat adds a unit, metrics attach, the interval is inferred", () => {
  const table = new UnitTable();
  const added = table.apply(msg(subjects.heartbeat("r1"), heartbeat("r1", 1, T0)), T0 + 40);
  assert.equal(added?.type, "added");
  assert.equal(added?.unit.skewMs, 40);
  assert.equal(added?.unit.heartbeatIntervalMs, 5000);
  assert.equal(added?.unit.intervalInferred, false);

  const r = table.apply(msg(subjects.rtt("r1"), rtt("r1", 1500)), T0 + 50);
  assert.equal(r?.type, "rtt");
  assert.equal(r?.unit.rtt?.appRttUs, 1600);
  assert.equal(r?.unit.rttAt, T0 + 50);

  // By the sender's clock, 2 s apart, whenever they arrive.
  table.apply(msg(subjects.heartbeat("r1"), heartbeat("r1", 2, T0 + 2000)), T0 + 60);
  const third = table.apply(msg(subjects.heartbeat("r1"), heartbeat("r1", 3, T0 + 4000)), T0 + 70);
  assert.equal(third?.type, "heartbeat");
  assert.equal(third?.unit.intervalInferred, true);
  assert.equal(Math.round(third!.unit.heartbeatIntervalMs), 2000);
  assert.deepEqual(table.units(T0 + 70).map((u) => u.unitId), ["r1"]);
  assert.deepEqual(table.stats(T0 + 70).accepted, {
    heartbeat: 3,
    rtt: 1,
    time: 0,
    timeConfig: 0,
    log: 0,
  });
});

Deno.test("unit table: malformed telemetry is counted by reason and dropped", () => {
  const table = new UnitTable();
  const hb = heartbeat("router-1", 1, T0);
  const inputs = [
    msg("ops.heartbeat.router-1", "{not json"),
    msg("ops.heartbeat.router-1", { unitId: "router-1", seq: -1 }),
    msg("ops.metric.rtt.router-1", { ...rtt("router-1", 5), nativeRttUs: "fast" }),
    msg("ops.bogus.router-1", hb),
    msg("ops.heartbeat.a.b", hb),
    msg("ops.heartbeat.router-2", hb),
    msg("ops.echo.router-1", "ping"),
    // The subject registry's reports share ops.>: not telemetry, so not malformed either.
    msg("ops.registry.links", { links: [] }),
    msg("ops.registry.event", { kind: "moved" }),
  ];
  for (const m of inputs) assert.equal(table.apply(m, T0), null, m.subject);
  const s = table.stats(T0);
  assert.equal(s.received, 9);
  assert.deepEqual(s.dropped, {
    json: 1,
    schema: 2,
    subject: 2,
    timestamp: 0,
    unit_mismatch: 1,
    signature: 0,
  });
  assert.equal(s.droppedTotal, 6);
  assert.equal(s.ignored, 3);
  assert.equal(s.units, 0);
  assert.deepEqual(s.recentDrops.map((d) => d.reason), [
    "json",
    "schema",
    "schema",
    "subject",
    "subject",
    "unit_mismatch",
  ]);
  assert.match(s.recentDrops[2]!.error, /nativeRttUs/);
  assert.equal(s.recentDrops[3]!.subject, "ops.bogus.router-1");
});

Deno.test("unit table: logs and the time configuration are kept but change no unit", () => {
  const table = new UnitTable({ logBuffer: 2 });
  const config = {
    mode: "ptp",
    ptpMaster: "r1",
    ptpDomain: 0,
    ptpHwTimestamp: false,
    ntpServers: [],
  };
  assert.equal(table.apply(msg(subjects.timeConfig(), config), T0), null);
  for (const text of ["a", "b", "c"]) {
    const log = { ts: T0, level: "warn", unitId: "r1", msg: text };
    assert.equal(table.apply(msg(subjects.log("warn", "r1"), log), T0), null);
  }
  assert.equal(table.timeConfig()?.ptpMaster, "r1");
  assert.deepEqual(table.logs().map((l) => l.msg), ["b", "c"]);
  assert.equal(table.stats(T0).units, 0);
});

Deno.test("unit table: stale after three missed heartbeats, fresh after one, forgotten later", () => {
  const table = new UnitTable({ forgetAfterMs: 10_000 });
  table.apply(msg(subjects.heartbeat("e7"), heartbeat("e7", 1, T0 - 100)), T0 - 100);
  table.apply(msg(subjects.heartbeat("e7"), heartbeat("e7", 2, T0)), T0);
  // Interval 100 ms: stale strictly after 300 ms of silence.
  assert.deepEqual(table.tick(T0 + 300), []);
  const stale = table.tick(T0 + 301);
  assert.deepEqual(stale.map((c) => c.type), ["stale"]);
  assert.equal(stale[0]!.unit.stale, true);
  assert.equal(table.stats(T0 + 301).staleUnits, 1);
  assert.deepEqual(table.tick(T0 + 400), [], "reported once");

  const fresh = table.apply(msg(subjects.heartbeat("e7"), heartbeat("e7", 3, T0 + 500)), T0 + 500);
  assert.equal(fresh?.type, "fresh");
  assert.equal(fresh?.unit.stale, false);

  const gone = table.tick(T0 + 500 + 10_001);
  assert.deepEqual(gone.map((c) => [c.type, c.unit.unitId]), [["removed", "e7"]]);
  assert.equal(table.unit("e7", T0 + 20_000), undefined);
});

Deno.test("unit table: restore takes stored units unless the table heard newer", () => {
  const table = new UnitTable();
  table.apply(msg(subjects.heartbeat("live"), heartbeat("live", 9, T0)), T0);
  const stored = (id: string, lastSeen: number) => ({
    ...table.record("live")!,
    key: id,
    unitId: id,
    heartbeat: heartbeat(id, 1, lastSeen),
    lastSeen,
    heartbeatAt: lastSeen,
  });
  assert.equal(table.restore(stored("old", T0 - 60_000), T0), true);
  assert.equal(table.unit("old", T0)?.stale, true, "restored with its staleness");
  assert.equal(table.restore(stored("live", T0 - 1), T0), false, "older than what was heard");
  assert.equal(table.unit("live", T0)?.heartbeat?.seq, 9);
  assert.equal(table.remove("old", T0)?.type, "removed");
  assert.equal(table.remove("old", T0), null);
});

Deno.test("unit table: a timestamp beyond the tolerance is dropped as malformed; intervals stay bounded", () => {
  const table = new UnitTable();
  const future = T0 + 28 * 365 * 86_400_000;
  assert.equal(table.apply(msg(subjects.heartbeat("r1"), heartbeat("r1", 1, future)), T0), null);
  assert.equal(table.stats(T0).dropped.timestamp, 1);
  assert.match(table.stats(T0).recentDrops[0]!.error, /years ahead of the receiver's clock/);
  // Within the tolerance, a gap of a day between two heartbeats infers at most 10 min.
  table.apply(msg(subjects.heartbeat("r1"), heartbeat("r1", 1, T0 - 86_000_000)), T0);
  const u = table.apply(msg(subjects.heartbeat("r1"), heartbeat("r1", 2, T0 + 86_000_000)), T0)!
    .unit;
  assert.equal(u.heartbeatIntervalMs, 600_000);
  // So a stopped unit is stale 30 min later at the latest, not in 28 years.
  assert.equal(table.unit("r1", T0 + 30 * 60_000 + 1)?.stale, true);
  // A stored interval from before the bound is bounded when restored.
  const table2 = new UnitTable();
  table2.restore({ ...table.record("r1")!, heartbeatIntervalMs: 3e11 }, T0);
  assert.equal(table2.unit("r1", T0)?.heartbeatIntervalMs, 600_000);
});

Deno.test("unit table: a full table evicts the stale unit heard from longest ago, else refuses", () => {
  const table = new UnitTable({ maxUnits: 3, defaultHeartbeatIntervalMs: 1000 });
  for (const [i, id] of ["a", "b", "c"].entries()) {
    table.apply(msg(subjects.heartbeat(id), heartbeat(id, 1, T0)), T0 + i);
  }
  // All live: a fourth unit is refused, the three stay.
  assert.equal(table.apply(msg(subjects.heartbeat("d"), heartbeat("d", 1, T0)), T0 + 10), null);
  assert.equal(table.stats(T0 + 10).refused, 1);
  // "a" keeps sending; "b" and "c" go quiet and stale; "b" was heard from longest ago.
  table.apply(msg(subjects.heartbeat("a"), heartbeat("a", 2, T0 + 4000)), T0 + 4000);
  const added = table.apply(msg(subjects.heartbeat("d"), heartbeat("d", 1, T0)), T0 + 4001)!;
  assert.equal(added.type, "added");
  assert.equal(added.evicted?.unitId, "b");
  assert.deepEqual(table.units(T0 + 4001).map((u) => u.unitId), ["a", "c", "d"]);
  const s = table.stats(T0 + 4001);
  assert.equal(s.evicted, 1);
  assert.equal(s.maxUnits, 3);
  assert.equal(s.units, 3);
});

Deno.test("unit table: log records are cut to the protocol's bounds, counted, and handed on cut", () => {
  const table = new UnitTable();
  const stored: string[] = [];
  table.apply(
    msg(subjects.log("info", "r1"), { ts: T0, level: "info", unitId: "r1", msg: "m".repeat(1e6) }),
    T0,
    (r) => stored.push(r.kind === "log" ? r.value.msg : ""),
  );
  assert.equal(table.stats(T0).truncatedLogs, 1);
  assert.match(table.logs()[0]!.msg, /\[cut: 1000000 characters in all\]$/);
  assert.equal(stored[0], table.logs()[0]!.msg, "the history gets the cut record");
  assert.ok(stored[0]!.length < 5000);
});

Deno.test("unit table: one page, filtered and sorted, without copying the rest", () => {
  const table = new UnitTable({ defaultHeartbeatIntervalMs: 1000 });
  for (let i = 0; i < 250; i++) {
    const id = `u-${String(i).padStart(3, "0")}`;
    table.apply(msg(subjects.heartbeat(id), heartbeat(id, 1, T0)), T0 + i);
    if (i % 2 === 0) table.apply(msg(subjects.rtt(id), rtt(id, 1000 + i)), T0 + i);
  }
  const first = table.query({}, T0 + 250);
  assert.equal(first.total, 250);
  assert.equal(first.units.length, 100);
  assert.equal(first.units[0]!.unitId, "u-000");
  const third = table.query({ offset: 200 }, T0 + 250);
  assert.deepEqual([third.units.length, third.units[0]!.unitId], [50, "u-200"]);
  // By RTT, highest first; units without an RTT come last.
  const slow = table.query({ sort: "native", dir: "desc", limit: 3 }, T0 + 250);
  assert.deepEqual(slow.units.map((u) => u.unitId), ["u-248", "u-246", "u-244"]);
  const tail = table.query({ sort: "native", offset: 124, limit: 2 }, T0 + 250);
  assert.deepEqual(tail.units.map((u) => u.rtt === null), [false, true]);
  // Last seen, newest first; and a filter on ID or host.
  assert.equal(
    table.query({ sort: "seen", dir: "desc", limit: 1 }, T0 + 250).units[0]!.unitId,
    "u-249",
  );
  const found = table.query({ q: "U-01" }, T0 + 250);
  assert.equal(found.total, 10);
  assert.ok(found.units.every((u) => u.unitId.startsWith("u-01")));
});
