import assert from "node:assert/strict";
import { startNats } from "../_kit/mod.ts";
import {
  compareVersions,
  FEATURES,
  FeatureUnavailableError,
  hasFeature,
  MonitorClient,
  requireFeature,
  serverFeatures,
} from "../../mods/monitor/mod.ts";
import { NunectError } from "../../mods/protocol/mod.ts";
import { describeError } from "../../routes/errors.ts";

Deno.test("compareVersions orders releases and pre-releases", () => {
  assert.ok(compareVersions("2.9.10", "2.10.0") < 0);
  assert.ok(compareVersions("2.10.0", "2.9.22") > 0);
  assert.equal(compareVersions("v2.11.0", "2.11.0"), 0);
  assert.ok(compareVersions("2.11.0-RC.1", "2.11.0") < 0);
  assert.ok(compareVersions("2.11.1", "2.11.0-RC.1") > 0);
  assert.throws(() => compareVersions("latest", "2.9.0"), /Invalid version "latest"/);
});

Deno.test("serverFeatures: 2.9.10 lacks every listed feature, newer servers gain them", () => {
  const old = serverFeatures("2.9.10");
  assert.equal(old.length, FEATURES.length);
  assert.ok(old.every((f) => !f.available));
  const byKey = (v: string) => new Map(serverFeatures(v).map((f) => [f.feature, f]));
  const v210 = byKey("2.10.24");
  assert.equal(v210.get("kick")?.available, true);
  assert.equal(v210.get("kick")?.requires, "2.10.0");
  assert.equal(v210.get("raftz")?.available, false);
  assert.equal(v210.get("consumer_pause")?.available, false);
  assert.equal(v210.get("consumer_pause")?.requires, "2.11.0");
  assert.ok(serverFeatures("2.14.0").every((f) => f.available));
  // An unreadable version never claims a feature.
  assert.ok(serverFeatures("unknown").every((f) => !f.available));
  for (const f of FEATURES) {
    assert.match(f.requires, /^\d+\.\d+\.\d+$/, f.feature);
    assert.ok(f.source.length > 0 && f.title.length > 0, f.feature);
  }
});

Deno.test('requireFeature: one "requires a newer nats-server" error, answered 501 with the version', () => {
  assert.equal(hasFeature("2.11.0", "consumer_pause"), true);
  assert.equal(hasFeature("2.10.24", "consumer_pause"), false);
  assert.equal(hasFeature("", "consumer_pause"), false, "an unreadable version has nothing");
  assert.doesNotThrow(() => requireFeature("2.15.3", "kick", "hub"));
  const named = (() => {
    try {
      requireFeature("2.9.10", "kick", "hub");
    } catch (e) {
      return e;
    }
  })();
  assert.ok(named instanceof FeatureUnavailableError && named instanceof NunectError);
  assert.equal(
    named.message,
    'Disconnecting a client ($SYS.REQ.SERVER.<id>.KICK) requires nats-server ≥ 2.10.0 (server "hub" runs 2.9.10)',
  );
  assert.deepEqual([named.feature, named.requires, named.running, named.server], [
    "kick",
    "2.10.0",
    "2.9.10",
    "hub",
  ]);
  assert.throws(
    () => requireFeature("", "consumer_reset"),
    /^FeatureUnavailableError: Reset a consumer to a stream sequence requires nats-server ≥ 2\.14\.0 \(the server runs an unknown version\)$/,
  );
  assert.throws(() => requireFeature("2.9.10", "warp_drive"), TypeError);
  // Over HTTP: 501 with the version needed, whichever module threw it.
  const described = describeError(named);
  assert.equal(described.status, 501);
  assert.equal(described.title, "Requires a newer nats-server");
  assert.equal(described.requires, "2.10.0");
});

Deno.test("the running server's version decides, and a missing feature really is missing", async () => {
  await using ns = await startNats();
  const mon = new MonitorClient({ url: ns.monitorUrl });
  const { version } = await mon.varz();
  const raftz = serverFeatures(version).find((f) => f.feature === "raftz")!;
  const res = await fetch(`${ns.monitorUrl}/raftz`);
  // What serverFeatures says matches what the server does: 2.9 has no such page (Go's "404 page
  // not found"); 2.11+ has it, and a standalone server answers 404 "No Raft nodes registered".
  const body = await res.text();
  assert.equal(raftz.available, !body.includes("404 page not found"), `${res.status} ${body}`);
});
