// The signature check of OPS units' telemetry, pure (no NATS): who must sign, what a signature
// binds (subject, timestamp, sequence, payload), replays, key changes. The attack over a real
// router link is tests/router/forged_telemetry_test.ts.
import assert from "node:assert/strict";
import { createUser } from "@nats-io/nkeys";
import { nativeSigner } from "../../mods/client/native_auth.ts";
import { TelemetryVerifier, UnitTable } from "../../mods/monitor/mod.ts";
import {
  base64Url,
  HEADERS,
  SIGNATURE_HEADER,
  subjects,
  telemetrySigningBytes,
  type UnitKeysEntry,
} from "../../mods/protocol/mod.ts";
import { sampleHeartbeat } from "../_kit/mod.ts";

const encoder = new TextEncoder();

function user() {
  const kp = createUser();
  return nativeSigner(new TextDecoder().decode(kp.getSeed()))!;
}

function signed(
  signer: { publicKey: string; sign(d: Uint8Array): Uint8Array },
  subject: string,
  data: Uint8Array,
  stamp: string,
  seq: number,
) {
  const h = new Map([
    [HEADERS.txTimestamp, stamp],
    [HEADERS.seq, String(seq)],
    [
      SIGNATURE_HEADER,
      `${signer.publicKey}.${
        base64Url(signer.sign(telemetrySigningBytes(subject, stamp, String(seq), data)))
      }`,
    ],
  ]);
  return { get: (k: string) => h.get(k) ?? "", set: (k: string, v: string) => h.set(k, v) };
}

const unitA = user();
const router = user();
const entries = new Map<string, UnitKeysEntry>([
  ["unit-a", { role: "guardian", keys: [unitA.publicKey] }],
  ["app-b", { role: "app", keys: [] }],
  ["browser-c", { role: "browser", keys: [] }],
]);
const lookup = { entry: (u: string) => entries.get(u) };
const hbSubject = subjects.heartbeat("unit-a");
const hb = encoder.encode(JSON.stringify(sampleHeartbeat("unit-a")));

Deno.test("verifier: a unit's own signature is taken; unsigned from an issued unit is refused", () => {
  const v = new TelemetryVerifier(lookup);
  assert.deepEqual(v.check(hbSubject, "unit-a", signed(unitA, hbSubject, hb, "1000", 1), hb), {
    ok: true,
  });
  const unsigned = v.check(hbSubject, "unit-a", undefined, hb);
  assert.equal(unsigned.ok, false);
  assert.equal(!unsigned.ok && unsigned.reason, "unsigned");
  // An app whose users are all revoked: nothing it sends is taken.
  const app = subjects.heartbeat("app-b");
  assert.equal(v.check(app, "app-b", undefined, hb).ok, false);
  assert.equal(v.check(app, "app-b", signed(unitA, app, hb, "1", 1), hb).ok, false);
  // A browser unit signs too (the page, with nats.js's nkeys); never-issued units: unverified.
  assert.equal(v.check(subjects.heartbeat("browser-c"), "browser-c", undefined, hb).ok, false);
  assert.equal(v.check(subjects.heartbeat("nobody"), "nobody", undefined, hb).ok, true);
  assert.deepEqual(v.stats(), {
    verified: 1,
    unverified: 1,
    refused: { unsigned: 3, malformed: 0, foreign_key: 1, bad_signature: 0, replayed: 0 },
  });
});

Deno.test("verifier: the signature binds subject, headers and payload; another key is foreign", () => {
  const v = new TelemetryVerifier(lookup);
  const reason = (c: ReturnType<TelemetryVerifier["check"]>) => c.ok ? "ok" : c.reason;
  // Signed by the router's own key: not the unit's.
  assert.equal(
    reason(v.check(hbSubject, "unit-a", signed(router, hbSubject, hb, "1000", 1), hb)),
    "foreign_key",
  );
  // The unit's signature on other bytes: another payload, another subject, another timestamp.
  const other = encoder.encode(JSON.stringify(sampleHeartbeat("unit-a", { host: "forged" })));
  assert.equal(
    reason(v.check(hbSubject, "unit-a", signed(unitA, hbSubject, hb, "1000", 1), other)),
    "bad_signature",
  );
  const rtt = subjects.rtt("unit-a");
  assert.equal(
    reason(v.check(rtt, "unit-a", signed(unitA, hbSubject, hb, "1000", 1), hb)),
    "bad_signature",
  );
  const h = signed(unitA, hbSubject, hb, "1000", 1);
  h.set(HEADERS.txTimestamp, "2000");
  assert.equal(reason(v.check(hbSubject, "unit-a", h, hb)), "bad_signature");
  h.set(SIGNATURE_HEADER, "junk");
  assert.equal(reason(v.check(hbSubject, "unit-a", h, hb)), "malformed");
});

Deno.test("verifier: a replay is refused, per key and subject; a restarted unit goes on", () => {
  const v = new TelemetryVerifier(lookup);
  const ok = (stamp: string, seq: number, subject = hbSubject) =>
    v.check(subject, "unit-a", signed(unitA, subject, hb, stamp, seq), hb).ok;
  assert.ok(ok("1000000000000000000", 5));
  assert.ok(!ok("1000000000000000000", 5), "the same message again");
  assert.ok(!ok("999999999999999999", 9), "an older one");
  assert.ok(ok("1000000000000000000", 6), "same instant, next sequence");
  assert.ok(ok("1000000000000000001", 1), "a restart: later, sequence from 1");
  assert.ok(ok("999999999999999999", 1, subjects.rtt("unit-a")), "other subjects have their own");
  assert.equal(v.stats().refused.replayed, 2);
  // A new key (credentials issued again) is taken once the directory lists it.
  const next = user();
  entries.set("unit-a", { role: "guardian", keys: [unitA.publicKey, next.publicKey] });
  try {
    assert.ok(v.check(hbSubject, "unit-a", signed(next, hbSubject, hb, "5", 1), hb).ok);
  } finally {
    entries.set("unit-a", { role: "guardian", keys: [unitA.publicKey] });
  }
});

Deno.test("unit table with a verifier: refused telemetry is dropped as `signature`, tenants are not checked", () => {
  const table = new UnitTable({ verifier: new TelemetryVerifier(lookup) });
  const now = Date.now();
  assert.equal(table.apply({ subject: hbSubject, data: hb }, now), null);
  const s = table.stats(now);
  assert.equal(s.dropped.signature, 1);
  assert.match(s.recentDrops[0]!.error, /Unsigned telemetry of guardian "unit-a"/);
  assert.equal(s.signatures?.refused.unsigned, 1);
  const data = encoder.encode(JSON.stringify(sampleHeartbeat("unit-a", { ts: now })));
  const h = signed(unitA, hbSubject, data, `${now}000000`, 1);
  assert.equal(table.apply({ subject: hbSubject, data, headers: h }, now)?.type, "added");
  // A tenant's unit arrives through its account's import: routers cannot publish there.
  const tenant = `tenant.BRIDGE.${hbSubject}`;
  assert.equal(table.apply({ subject: tenant, data }, now)?.type, "added");
});
