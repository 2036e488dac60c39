import assert from "node:assert/strict";
import {
  boundLogRecord,
  decodeMessage,
  heartbeatSchema,
  InvalidSubjectError,
  InvalidUnitIdError,
  logSchema,
  nowNs,
  parseSubject,
  PROTOCOL_LIMITS,
  rttSchema,
  subjects,
  timeConfigSchema,
  timeMetricSchema,
  TRUNCATED_FIELDS_KEY,
  validateSubject,
  validateUnitId,
} from "../../mods/protocol/mod.ts";
import type { LogRecord } from "../../mods/protocol/mod.ts";
import { Logger } from "../../mods/client/mod.ts";

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

const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

Deno.test("every string and array of the protocol is bounded", () => {
  const long = (n: number) => "x".repeat(n + 1);
  const now = Date.now();
  const ptp = {
    portState: "SLAVE",
    gmPresent: true,
    gmIdentity: "001122.fffe.334455",
    masterOffsetNs: 12,
    meanPathDelayNs: 800,
    stepsRemoved: 1,
  };
  const ntp = {
    referenceId: "C0A80101",
    referenceName: "ntp.example",
    stratum: 2,
    leapStatus: "Normal",
    offsetNs: 1,
    rootDelayNs: 1,
    rootDispersionNs: 1,
    skewPpm: 0.1,
    residualFreqPpm: 0.01,
  };
  const time = {
    unitId: "u1",
    ts: now,
    source: "ptp",
    quality: "locked",
    offsetNs: 12,
    freqPpm: 0.5,
    ptp,
    ntp,
  };
  assert.ok(timeMetricSchema.safeParse(time).success);
  const { token, name, list } = PROTOCOL_LIMITS;
  const oversized: [string, unknown][] = [
    ["ptp.portState", { ...time, ptp: { ...ptp, portState: long(token) } }],
    ["ptp.gmIdentity", { ...time, ptp: { ...ptp, gmIdentity: long(token) } }],
    ["ntp.referenceId", { ...time, ntp: { ...ntp, referenceId: long(token) } }],
    ["ntp.referenceName", { ...time, ntp: { ...ntp, referenceName: long(name) } }],
    ["ntp.leapStatus", { ...time, ntp: { ...ntp, leapStatus: long(token) } }],
  ];
  for (const [path, value] of oversized) {
    const r = decodeMessage(timeMetricSchema, encode(value));
    assert.ok(!r.ok && r.reason === "schema" && r.error.includes(path), path);
  }
  // The attack: 450 KB strings in schema-valid time metrics.
  const attack = decodeMessage(
    timeMetricSchema,
    encode({ ...time, ptp: { ...ptp, gmIdentity: "A".repeat(450_000) } }),
  );
  assert.ok(!attack.ok && attack.reason === "schema");
  const config = {
    mode: "ptp",
    ptpMaster: "gm",
    ptpDomain: 0,
    ptpHwTimestamp: false,
    ntpServers: ["a"],
  };
  assert.ok(timeConfigSchema.safeParse(config).success);
  assert.ok(!timeConfigSchema.safeParse({ ...config, ptpMaster: long(name) }).success);
  assert.ok(!timeConfigSchema.safeParse({ ...config, ntpServers: [long(name)] }).success);
  assert.ok(
    !timeConfigSchema.safeParse({ ...config, ntpServers: Array(list + 1).fill("a") }).success,
  );
  const rtt = { unitId: "u1", seq: 1, ts: now, target: "t", nativeRttUs: 1, appRttUs: null };
  assert.ok(!rttSchema.safeParse({ ...rtt, target: long(name) }).success);
});

Deno.test("a timestamp beyond the tolerance of the receiver's clock is refused as malformed", () => {
  const now = Date.UTC(2026, 0, 1);
  const hb = {
    unitId: "u1",
    seq: 1,
    ts: now,
    uptimeS: 1,
    version: "1",
    host: "h",
    kind: "guardian",
    clock: { source: "ntp", quality: "locked" },
  };
  const tolerance = PROTOCOL_LIMITS.timestampToleranceMs;
  assert.equal(tolerance, 24 * 3600_000, "the stated tolerance");
  for (const ts of [now, now + tolerance, now - tolerance]) {
    assert.ok(decodeMessage(heartbeatSchema, encode({ ...hb, ts }), { nowMs: now }).ok);
  }
  // The attack: one heartbeat 28 years ahead kept a stopped unit "live".
  const ahead = decodeMessage(
    heartbeatSchema,
    encode({ ...hb, ts: now + 28 * 365.25 * 86_400_000 }),
    { nowMs: now },
  );
  assert.ok(!ahead.ok);
  assert.equal(ahead.reason, "timestamp");
  assert.match(
    ahead.error,
    /^Invalid message: ts: 2054-.* is 28 years ahead of the receiver's clock \(tolerance ±24 h\)/,
  );
  const behind = decodeMessage(heartbeatSchema, encode({ ...hb, ts: now - tolerance - 1 }), {
    nowMs: now,
  });
  assert.ok(!behind.ok && behind.reason === "timestamp" && /24\.0 h behind/.test(behind.error));
  // Without the receiver's clock only the schema is checked.
  assert.ok(decodeMessage(heartbeatSchema, encode({ ...hb, ts: 1 })).ok);
});

Deno.test("log records are cut to the bounds with a marker, and the logger sends them cut", () => {
  const record = { ts: 1, level: "info" as const, unitId: "u1", msg: "short", fields: { a: 1 } };
  assert.deepEqual(boundLogRecord(record), { record, truncated: false });
  const big = boundLogRecord({ ...record, msg: "m".repeat(1_000_000) });
  assert.ok(big.truncated);
  assert.ok(big.record.msg.length < PROTOCOL_LIMITS.logMessage + 64);
  assert.match(big.record.msg, /… \[cut: 1000000 characters in all\]$/);
  const fields: Record<string, string> = { first: "kept" };
  for (let i = 0; i < 100; i++) fields[`f${i}`] = "v".repeat(1000);
  const cut = boundLogRecord({ ...record, fields });
  assert.ok(cut.truncated);
  assert.equal(cut.record.fields?.first, "kept");
  assert.ok(JSON.stringify(cut.record.fields).length <= PROTOCOL_LIMITS.logFields);
  assert.match(String(cut.record.fields?.[TRUNCATED_FIELDS_KEY]), /^\d+ of 101 fields left out/);
  assert.ok(logSchema.safeParse(cut.record).success, "a cut record is still a log record");

  const sent: LogRecord[] = [];
  const logger = new Logger(
    { unitId: "u1", connected: () => true, send: (r) => sent.push(r) },
    "info",
    10,
  );
  logger.info("m".repeat(10_000), fields);
  assert.match(sent[0]!.msg, /\[cut: 10000 characters in all\]$/);
  assert.ok(TRUNCATED_FIELDS_KEY in sent[0]!.fields!);
});
