import assert from "node:assert/strict";
import {
  decodeMessage,
  heartbeatSchema,
  InvalidSubjectError,
  InvalidUnitIdError,
  nowNs,
  parseSubject,
  subjects,
  validateSubject,
  validateUnitId,
} from "../../mods/protocol/mod.ts";

Deno.test("unit IDs: valid ones pass unchanged, invalid ones name the value and the problem", () => {
  for (const ok of ["a", "router-07", "A_b-9", "x".repeat(64)]) {
    assert.equal(validateUnitId(ok), ok);
  }
  const cases: [unknown, RegExp][] = [
    ["a.b", /^Invalid unit ID "a\.b": dots are not allowed$/],
    ["*", /wildcards are not allowed/],
    [">", /wildcards are not allowed/],
    ["", /it is empty/],
    ["a b", /white space is not allowed/],
    ["x".repeat(65), /65 characters, at most 64/],
    ["ä", /only letters, digits/],
    [42, /expected a string/],
  ];
  for (const [bad, message] of cases) {
    assert.throws(
      () => validateUnitId(bad),
      (e) => e instanceof InvalidUnitIdError && message.test(e.message),
    );
  }
});

Deno.test("subject builders validate the unit and parseSubject reads them back", () => {
  assert.equal(subjects.heartbeat("u1"), "ops.heartbeat.u1");
  assert.equal(subjects.echo("u1"), "ops.echo.u1");
  assert.equal(subjects.rtt("u1"), "ops.metric.rtt.u1");
  assert.equal(subjects.time("u1"), "ops.metric.time.u1");
  assert.equal(subjects.log("warn", "u1"), "ops.log.warn.u1");
  assert.equal(subjects.timeConfig(), "ops.time.config");
  assert.throws(() => subjects.heartbeat("a.b"), InvalidUnitIdError);

  assert.deepEqual(parseSubject("ops.heartbeat.u1"), { kind: "heartbeat", unit: "u1" });
  assert.deepEqual(parseSubject("ops.metric.rtt.u1"), { kind: "rtt", unit: "u1" });
  assert.deepEqual(parseSubject("ops.metric.time.u1"), { kind: "time", unit: "u1" });
  assert.deepEqual(parseSubject("ops.log.error.u1"), { kind: "log", level: "error", unit: "u1" });
  assert.deepEqual(parseSubject("ops.time.config"), { kind: "timeConfig" });
  for (
    const other of [
      "ops.heartbeat",
      "ops.log.fatal.u1",
      "ops.metric.cpu.u1",
      "x.heartbeat.u1",
      "ops.heartbeat.a.b",
    ]
  ) {
    assert.equal(parseSubject(other), undefined, other);
  }
});

Deno.test("validateSubject refuses spaces, empty tokens and misplaced wildcards", () => {
  assert.equal(validateSubject("a.b.c"), "a.b.c");
  assert.equal(validateSubject("a.*.>", true), "a.*.>");
  const cases: [string, boolean, RegExp][] = [
    ["", false, /it is empty/],
    ["a b", false, /white space/],
    ["a..b", false, /token 2 is empty/],
    ["a.", false, /token 2 is empty/],
    ["a.*", false, /only allowed when subscribing/],
    ["a.>.b", true, /must be the last token/],
    ["a.b*", true, /must be the whole token/],
  ];
  for (const [subject, wildcards, message] of cases) {
    assert.throws(
      () => validateSubject(subject, wildcards),
      (e) =>
        e instanceof InvalidSubjectError && message.test(e.message) &&
        e.message.includes(`"${subject}"`),
    );
  }
});

Deno.test("decodeMessage returns typed values and explains what it drops, never throws", () => {
  const hb = {
    unitId: "u1",
    seq: 1,
    ts: Date.now(),
    uptimeS: 3.5,
    version: "0.1.0",
    host: "h",
    kind: "guardian",
    clock: { source: "ntp", quality: "locked" },
  };
  const enc = (v: unknown) =>
    new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));
  const ok = decodeMessage(heartbeatSchema, enc(hb));
  assert.ok(ok.ok && ok.value.unitId === "u1");

  const badJson = decodeMessage(heartbeatSchema, enc("{nope"));
  assert.ok(!badJson.ok && /Invalid JSON payload of 5 bytes/.test(badJson.error));
  const badField = decodeMessage(heartbeatSchema, enc({ ...hb, seq: -1 }));
  assert.ok(!badField.ok && badField.error.startsWith("Invalid message: seq:"));
  const badUnit = decodeMessage(heartbeatSchema, enc({ ...hb, unitId: "a.b" }));
  assert.ok(!badUnit.ok && badUnit.error.includes("unitId"));
  const badClock = decodeMessage(
    heartbeatSchema,
    enc({ ...hb, clock: { source: "gps", quality: "locked" } }),
  );
  assert.ok(!badClock.ok && badClock.error.includes("clock.source"));
});

Deno.test("nowNs is integer nanoseconds since the epoch, close to Date.now and increasing", () => {
  const a = nowNs();
  const b = nowNs();
  assert.match(a, /^\d{19}$/);
  assert.ok(BigInt(b) >= BigInt(a));
  const diffMs = Number(BigInt(a) / 1_000_000n) - Date.now();
  assert.ok(Math.abs(diffMs) <= 2, `nowNs is ${diffMs} ms off the wall clock`);
});
