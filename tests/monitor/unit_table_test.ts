import assert from "node:assert/strict";
import { UnitTable } from "../../mods/monitor/mod.ts";
import { type Heartbeat, type RttMetric, subjects } from "../../mods/protocol/mod.ts";

// The units table is pure: every test here feeds it messages and a clock, no NATS.

const T0 = 1_750_000_000_000;
const enc = new TextEncoder();

function msg(subject: string, value: unknown) {
  return { subject, data: enc.encode(typeof value === "string" ? value : JSON.stringify(value)) };
}

function heartbeat(unitId: string, seq: number, ts: number): Heartbeat {
  return {
    unitId,
    seq,
    ts,
    uptimeS: seq,
    version: "0.1.0",
    host: `${unitId}.lan`,
    kind: "guardian",
    clock: { source: "ntp", quality: "tracking" },
  };
}

function rtt(unitId: string, nativeRttUs: number): RttMetric {
  return { unitId, seq: 1, ts: T0, target: "x", nativeRttUs, appRttUs: nativeRttUs + 100 };
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
  ];
  for (const m of inputs) assert.equal(table.apply(m, T0), null, m.subject);
  const s = table.stats(T0);
  assert.equal(s.received, 7);
  assert.deepEqual(s.dropped, { json: 1, schema: 2, subject: 2, unit_mismatch: 1 });
  assert.equal(s.droppedTotal, 6);
  assert.equal(s.ignored, 1);
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
