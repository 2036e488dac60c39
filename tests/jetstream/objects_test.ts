import assert from "node:assert/strict";
import {
  createObjectStore,
  deleteObject,
  deleteObjectStore,
  downloadObject,
  linkObject,
  listObjects,
  listObjectStores,
  NotFoundError,
  objectInfo,
  sealObjectStore,
  ServerRefusedError,
  updateObjectMeta,
  uploadObject,
} from "../../mods/jetstream/mod.ts";
import { startJs, testPool } from "./_setup.ts";

const requester = { user: "admin", role: "admin" } as const;

/** A stream of `size` pseudo-random bytes, in chunks of 64 KiB, never held whole. */
function bytes(size: number, seed = 1): ReadableStream<Uint8Array> {
  let sent = 0;
  let x = seed;
  return new ReadableStream({
    pull(c) {
      if (sent >= size) return c.close();
      const n = Math.min(65536, size - sent);
      const chunk = new Uint8Array(n);
      for (let i = 0; i < n; i++) chunk[i] = (x = (x * 1103515245 + 12345) & 0x7fffffff) >> 16;
      sent += n;
      c.enqueue(chunk);
    },
  });
}

async function digest(s: ReadableStream<Uint8Array>): Promise<string> {
  const all = new Uint8Array(await new Response(s).arrayBuffer());
  return Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", all)))
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("object store: create, upload and download streamed with progress, metadata, links, delete, seal", async () => {
  await using js = await startJs();
  await using pool = await testPool(js.ns);
  const ctx = await pool.connect("ENGINE", requester);
  const row = await createObjectStore(ctx, { bucket: "files", description: "test files" });
  assert.deepEqual([row.bucket, row.sealed], ["files", false]);
  await assert.rejects(createObjectStore(ctx, { bucket: "files" }), /exists already/);

  const size = 3 * 1024 * 1024 + 17;
  const up: number[] = [];
  const info = await uploadObject(
    ctx,
    "files",
    { name: "big.bin", description: "3 MiB", metadata: { owner: "ops" } },
    bytes(size),
    (n) => up.push(n),
  );
  assert.equal(info.size, size);
  assert.equal(up.at(-1), size);
  assert.ok(info.chunks > 1);
  assert.match(info.digest, /^SHA-256=/);

  const down: number[] = [];
  const got = await downloadObject(ctx, "files", "big.bin", (n) => down.push(n));
  assert.equal(await digest(got.body), await digest(bytes(size)));
  assert.equal(down.at(-1), size);

  const renamed = await updateObjectMeta(ctx, "files", "big.bin", {
    name: "big.bin",
    description: "three MiB",
    metadata: { owner: "ops", team: "edge" },
  });
  assert.equal(renamed.description, "three MiB");
  assert.deepEqual(renamed.metadata, { owner: "ops", team: "edge" });

  await createObjectStore(ctx, { bucket: "links" });
  const link = await linkObject(ctx, "links", "latest", { bucket: "files", name: "big.bin" });
  assert.deepEqual(link.link, { bucket: "files", name: "big.bin" });
  const viaLink = await downloadObject(ctx, "links", "latest");
  assert.equal(await digest(viaLink.body), await digest(bytes(size)));

  assert.deepEqual((await listObjects(ctx, "files")).map((o) => o.name), ["big.bin"]);
  assert.deepEqual((await listObjectStores(ctx)).map((s) => s.bucket), ["files", "links"]);

  await uploadObject(ctx, "files", { name: "small.txt" }, bytes(10, 7));
  await deleteObject(ctx, "files", "small.txt");
  await assert.rejects(objectInfo(ctx, "files", "small.txt"), NotFoundError);
  await assert.rejects(
    deleteObject(ctx, "files", "small.txt"),
    /Object "small.txt" not found in store "files"/,
  );

  const sealed = await sealObjectStore(ctx, "files");
  assert.equal(sealed.sealed, true);
  await assert.rejects(uploadObject(ctx, "files", { name: "late" }, bytes(5)), (e) => {
    assert.ok(e instanceof ServerRefusedError, String(e));
    assert.equal(e.errCode, 10109); // invalid operation on sealed stream
    return true;
  });
  await deleteObjectStore(ctx, "links");
  await assert.rejects(listObjects(ctx, "links"), /Bucket "links" not found in account "ENGINE"/);
});
