import assert from "node:assert/strict";
import { createStream, inferShape, schemaView } from "../../mods/jetstream/mod.ts";
import { fill, startJs, testPool } from "./_setup.ts";

Deno.test("inferShape merges types, properties and array items", () => {
  const s = inferShape([{ id: 1, tags: ["a"], price: 2 }, {
    id: 2,
    tags: [],
    price: 2.5,
    note: null,
  }]);
  assert.deepEqual(s.type, ["object"]);
  assert.deepEqual(s.required, ["id", "price", "tags"]);
  assert.deepEqual(s.properties?.id?.type, ["integer"]);
  assert.deepEqual(s.properties?.price?.type, ["number"]);
  assert.deepEqual(s.properties?.note, { type: ["null"], count: 1, seen: 1 });
  assert.deepEqual(s.properties?.tags?.items?.type, ["string"]);
  assert.deepEqual(inferShape(["a", 1, true]).type, ["boolean", "integer", "string"]);
});

Deno.test("schemaView samples the newest messages per subject", async () => {
  await using js = await startJs();
  await using pool = await testPool(js.ns);
  const ctx = await pool.connect("OPS", { user: "admin", role: "admin" });
  await createStream(ctx, { name: "SV", subjects: ["sv.>"] });
  await fill(
    js.nc,
    30,
    (i) => (i % 3 === 0 ? "sv.text" : "sv.json"),
    (i) => i % 3 === 0 ? `plain ${i}` : JSON.stringify({ i, even: i % 2 === 0 }),
  );
  const view = await schemaView(js.nc, "SV", { sample: 30 });
  assert.deepEqual(view.map((v) => [v.subject, v.sampled, v.json]), [
    ["sv.json", 20, 20],
    ["sv.text", 10, 0],
  ]);
  assert.deepEqual(view[0]!.shape?.required, ["even", "i"]);
  assert.equal(view[1]!.shape, null);
});
