import assert from "node:assert/strict";
import {
  InvalidInputError,
  parseDuration,
  STREAM_PRESETS,
  streamFormFields,
  type StreamPreset,
  streamPreset,
  validateStreamConfig,
} from "../../mods/jetstream/mod.ts";

const NEW = "2.15.2";
const OLD = "2.9.10";

function issues(fn: () => unknown): Record<string, string> {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof InvalidInputError, String(e));
    const out: Record<string, string> = {};
    for (const i of e.issues) {
      out[i.path] = out[i.path] ? `${out[i.path]}; ${i.message}` : i.message;
    }
    return out;
  }
  assert.fail("expected InvalidInputError");
}

Deno.test("parseDuration reads nanoseconds and Go-style text", () => {
  assert.equal(parseDuration(5), 5);
  assert.equal(parseDuration("90s"), 90e9);
  assert.equal(parseDuration("1h30m"), 5400e9);
  assert.equal(parseDuration("500ms"), 500e6);
  assert.equal(parseDuration("7d"), 7 * 86_400e9);
  assert.throws(() => parseDuration("soon"), /Invalid duration "soon": expected e.g. 90s/);
  assert.throws(() => parseDuration(-1), /Invalid duration -1/);
});

Deno.test("validateStreamConfig applies defaults and turns durations into nanoseconds", () => {
  const c = validateStreamConfig({ name: "ORDERS", subjects: ["orders.>"], max_age: "7d" }, NEW);
  assert.equal(c.max_age, 7 * 86_400e9);
  assert.equal(c.retention, "limits");
  assert.equal(c.storage, "file");
  assert.equal(c.allow_direct, true);
  assert.equal(c.max_msgs, -1);
  assert.equal(c.num_replicas, 1);
});

Deno.test("validateStreamConfig names every bad field at once", () => {
  const got = issues(() =>
    validateStreamConfig({
      name: "bad.name",
      subjects: ["a..b"],
      retention: "forever",
      max_age: "soon",
      num_replicas: 7,
      colour: "red",
    }, NEW)
  );
  assert.match(got["name"]!, /no white space, dots/);
  assert.match(got["subjects.0"]!, /Invalid subject "a..b": token 2 is empty/);
  assert.match(got["retention"]!, /limits|interest|workqueue/);
  assert.match(got["max_age"]!, /Invalid duration "soon"/);
  assert.match(got["num_replicas"]!, /5/);
  assert.ok(Object.values(got).some((m) => /colour/.test(m)), JSON.stringify(got));
});

Deno.test("validateStreamConfig checks rules across fields", () => {
  const got = issues(() =>
    validateStreamConfig({
      name: "M",
      subjects: ["m.>"],
      mirror: { name: "ORIGIN" },
      sources: [{ name: "OTHER" }],
      discard_new_per_subject: true,
    }, NEW)
  );
  assert.match(got["subjects"]!, /a mirror has no subjects/);
  assert.match(got["sources"]!, /a mirror cannot also have sources/);
  assert.match(got["discard_new_per_subject"]!, /needs discard "new"/);
  const both = issues(() =>
    validateStreamConfig({
      name: "S",
      sources: [{ name: "A", opt_start_seq: 5, opt_start_time: "2025-01-01T00:00:00Z" }],
    }, NEW)
  );
  assert.match(both["sources.0.opt_start_time"]!, /not both/);
});

Deno.test("fields newer than the server say which version they need; unused ones are dropped", () => {
  const got = issues(() =>
    validateStreamConfig({
      name: "T",
      subjects: ["t.>"],
      allow_msg_ttl: true,
      compression: "s2",
      metadata: { team: "ops" },
      sources: [{ name: "X", subject_transforms: [{ src: "a.>", dest: "b.>" }] }],
    }, OLD)
  );
  assert.equal(got["allow_msg_ttl"], "requires nats-server ≥ 2.11.0 (the server runs 2.9.10)");
  assert.equal(got["compression"], "requires nats-server ≥ 2.10.0 (the server runs 2.9.10)");
  assert.match(got["metadata"]!, /2\.10\.0/);
  assert.match(got["sources.subject_transforms"]!, /2\.10\.0/);
  const plain = validateStreamConfig(
    { name: "T", subjects: ["t.>"], compression: "none", allow_msg_ttl: false },
    OLD,
  );
  assert.equal("compression" in plain, false);
  assert.equal("allow_msg_ttl" in plain, false);
  assert.ok(validateStreamConfig({ name: "T", allow_msg_ttl: true, compression: "s2" }, NEW));
});

Deno.test("every preset validates on old and new servers", () => {
  for (const preset of Object.keys(STREAM_PRESETS) as StreamPreset[]) {
    for (const v of [OLD, NEW]) {
      const c = validateStreamConfig(streamPreset(preset, "P", ["p.>"]), v);
      assert.equal(c.name, "P", preset);
    }
  }
  assert.equal(
    validateStreamConfig(streamPreset("work-queue", "W", ["w"]), NEW).retention,
    "workqueue",
  );
  assert.equal(
    validateStreamConfig(streamPreset("kv-like", "K", ["k.>"]), NEW).max_msgs_per_subject,
    1,
  );
});

Deno.test("streamFormFields marks what the running server lacks", () => {
  const old = new Map(streamFormFields(OLD).map((f) => [f.field, f]));
  assert.deepEqual(old.get("allow_msg_ttl"), {
    field: "allow_msg_ttl",
    requires: "2.11.0",
    available: false,
  });
  assert.deepEqual(old.get("subjects"), { field: "subjects", requires: null, available: true });
  assert.ok(streamFormFields(NEW).every((f) => f.available));
});
