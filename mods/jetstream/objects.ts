import type { StreamInfo } from "./nats_types.ts";
import { jetstream } from "@nats-io/jetstream";
import { type ObjectInfo, type ObjectStore, Objm } from "@nats-io/obj";
import { z } from "zod";
import type { Agrees } from "../protocol/wire_schema.ts";
import type { DurationInput } from "./stream_config.ts";
import { duration, parseInput } from "./_schema.ts";
import { apiError, inboxPrefix, manager, requireFeature } from "./_server.ts";
import type { AccountContext } from "./accounts.ts";
import { InvalidInputError, NotFoundError } from "./errors.ts";

/** An object store as a row of the list. JSON-serialisable. */
export interface ObjectStoreRow {
  /** The bucket's name. */
  readonly bucket: string;
  /** Its description, or "". */
  readonly description: string;
  /** Bytes stored (chunks and metadata). */
  readonly bytes: number;
  /** How long objects live (nanoseconds; 0 = forever). */
  readonly ttl: number;
  /** Storage type. */
  readonly storage: string;
  /** Replicas. */
  readonly replicas: number;
  /** Sealed stores take no more changes. */
  readonly sealed: boolean;
}

const OBJ_STREAM = /^OBJ_(.+)$/;

function storeRow(si: StreamInfo): ObjectStoreRow {
  return {
    bucket: si.config.name.replace(OBJ_STREAM, "$1"),
    description: si.config.description ?? "",
    bytes: si.state.bytes,
    ttl: si.config.max_age,
    storage: si.config.storage,
    replicas: si.config.num_replicas,
    sealed: si.config.sealed === true,
  };
}

/** An object as a row of the list. JSON-serialisable. */
export interface ObjectRow {
  /** The object's name. */
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
  /** Chunks it is stored in. */
  readonly chunks: number;
  /** `SHA-256=<base64url>` of the content. */
  readonly digest: string;
  /** When it was last written. */
  readonly mtime: string;
  /** Its description, or "". */
  readonly description: string;
  /** Its metadata. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Its headers, as `[name, value]` pairs. */
  readonly headers: readonly (readonly [string, string])[];
  /** What it links to, or null for an object with content. */
  readonly link: { readonly bucket: string; readonly name: string | null } | null;
}

function objectRow(i: ObjectInfo): ObjectRow {
  const headers: [string, string][] = [];
  if (i.headers) {
    for (const k of i.headers.keys()) for (const v of i.headers.values(k)) headers.push([k, v]);
  }
  const link = i.options?.link;
  return {
    name: i.name,
    size: i.size,
    chunks: i.chunks,
    digest: i.digest,
    mtime: i.mtime,
    description: i.description ?? "",
    metadata: i.metadata ?? {},
    headers,
    link: link ? { bucket: link.bucket, name: link.name ?? null } : null,
  };
}

function missingStore(ctx: AccountContext, bucket: string) {
  return { kind: "bucket" as const, name: bucket, where: `in account "${ctx.account}"` };
}

/**
 * The object stores of an account.
 *
 * @param ctx a connection in the account
 * @returns one row per store, by name
 */
export async function listObjectStores(ctx: AccountContext): Promise<ObjectStoreRow[]> {
  const jsm = await manager(ctx.nc);
  const rows: ObjectStoreRow[] = [];
  for await (const si of jsm.streams.list()) {
    if (OBJ_STREAM.test(si.config.name)) rows.push(storeRow(si));
  }
  return rows.sort((a, b) => a.bucket.localeCompare(b.bucket));
}

/** zod schema of a new object store. */
export const objectStoreConfigSchema = z.object({
  bucket: z.string().regex(/^[-\w]+$/, "letters, digits, - and _ only").max(240),
  description: z.string().max(4096).optional(),
  ttl: duration.default(0),
  storage: z.enum(["file", "memory"]).default("file"),
  replicas: z.number().int().min(1).max(5).default(1),
  maxBytes: z.number().int().min(-1).default(-1),
  compression: z.boolean().optional(),
}).strict();

/** A new object store, as a form or the API sends it. */
export interface ObjectStoreConfigInput {
  /** The store's name: letters, digits, `-` and `_`. */
  bucket: string;
  /** What it is for, for people. */
  description?: string;
  /** How long an object lives (default 0: for ever). */
  ttl?: DurationInput;
  /** File (default) or memory storage. */
  storage?: "file" | "memory";
  /** Replicas, 1 to 5 (default 1). */
  replicas?: number;
  /** Most bytes (default -1: no limit). */
  maxBytes?: number;
  /** S2 compression. */
  compression?: boolean;
}
true satisfies Agrees<z.input<typeof objectStoreConfigSchema>, ObjectStoreConfigInput>;

/**
 * Creates an object store.
 *
 * @param ctx a connection in the account
 * @param input name, description, TTL, storage, replicas, size limit
 * @returns the new store's row
 * @throws {InvalidInputError} for a bad configuration or an existing name
 */
export async function createObjectStore(
  ctx: AccountContext,
  input: unknown,
): Promise<ObjectStoreRow> {
  const c = parseInput(objectStoreConfigSchema, input, "object store");
  if (c.compression) requireFeature(ctx.nc, "stream_config_2_10");
  const jsm = await manager(ctx.nc);
  if (await jsm.streams.info(`OBJ_${c.bucket}`).then(() => true, () => false)) {
    throw new InvalidInputError("object store", [
      { path: "bucket", message: `an object store "${c.bucket}" exists already` },
    ]);
  }
  try {
    await new Objm(ctx.nc).create(c.bucket, {
      description: c.description,
      ttl: c.ttl,
      storage: c.storage as never,
      replicas: c.replicas,
      max_bytes: c.maxBytes,
      ...(c.compression ? { compression: true } : {}),
    });
    return storeRow(await jsm.streams.info(`OBJ_${c.bucket}`));
  } catch (e) {
    throw apiError(e, `create object store "${c.bucket}"`);
  }
}

async function open(ctx: AccountContext, bucket: string): Promise<ObjectStore> {
  try {
    // Objects are read through ordered push consumers delivering to an inbox: the connection's
    // own (a viewer's console user may subscribe to no other).
    const js = jetstream(ctx.nc, { watcherPrefix: inboxPrefix(ctx.nc), checkAPI: false });
    return await new Objm(js).open(bucket);
  } catch (e) {
    if (/not found/i.test((e as Error).message)) {
      const m = missingStore(ctx, bucket);
      throw new NotFoundError(m.kind, m.name, m.where, { cause: e });
    }
    throw apiError(e, `open object store "${bucket}"`, missingStore(ctx, bucket));
  }
}

/**
 * Deletes an object store with every object in it.
 *
 * @param ctx a connection in the account
 * @param bucket the store
 * @throws {NotFoundError} when there is no such store
 */
export async function deleteObjectStore(ctx: AccountContext, bucket: string): Promise<void> {
  const jsm = await manager(ctx.nc);
  try {
    await jsm.streams.delete(`OBJ_${bucket}`);
  } catch (e) {
    throw apiError(e, `delete object store "${bucket}"`, missingStore(ctx, bucket));
  }
}

/**
 * Seals an object store: no object can be added, changed or deleted afterwards.
 *
 * @param ctx a connection in the account
 * @param bucket the store
 * @returns the store's row after
 */
export async function sealObjectStore(
  ctx: AccountContext,
  bucket: string,
): Promise<ObjectStoreRow> {
  const os = await open(ctx, bucket);
  await os.seal();
  const jsm = await manager(ctx.nc);
  return storeRow(await jsm.streams.info(`OBJ_${bucket}`));
}

/**
 * The objects of a store (deleted ones left out).
 *
 * @param ctx a connection in the account
 * @param bucket the store
 * @returns one row per object, by name
 */
export async function listObjects(ctx: AccountContext, bucket: string): Promise<ObjectRow[]> {
  const os = await open(ctx, bucket);
  return (await os.list()).filter((i) => !i.deleted).map(objectRow)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * One object's metadata.
 *
 * @param ctx a connection in the account
 * @param bucket the store
 * @param name the object
 * @returns its row
 * @throws {NotFoundError} when there is no such object
 */
export async function objectInfo(
  ctx: AccountContext,
  bucket: string,
  name: string,
): Promise<ObjectRow> {
  const i = await (await open(ctx, bucket)).info(name);
  if (i === null || i.deleted) throw new NotFoundError("object", name, `in store "${bucket}"`);
  return objectRow(i);
}

/** zod schema of an object's metadata. */
export const objectMetaSchema = z.object({
  name: z.string().min(1).max(1024),
  description: z.string().max(4096).optional(),
  metadata: z.record(z.string(), z.string()).optional(),
}).strict();

/** An object's metadata, as a form or the API sends it. */
export interface ObjectMetaInput {
  /** The object's name (1 to 1,024 characters). */
  name: string;
  /** What it is, for people. */
  description?: string;
  /** Free key/value metadata. */
  metadata?: Record<string, string>;
}
true satisfies Agrees<z.input<typeof objectMetaSchema>, ObjectMetaInput>;

/** Counts bytes passing through, calling `onProgress` with the running total. */
function counting(onProgress?: (bytes: number) => void): TransformStream<Uint8Array, Uint8Array> {
  let total = 0;
  return new TransformStream({
    transform(chunk, controller) {
      total += chunk.length;
      onProgress?.(total);
      controller.enqueue(chunk);
    },
  });
}

/**
 * Uploads an object from a stream (never held whole in memory), replacing one of the same name.
 *
 * @param ctx a connection in the account
 * @param bucket the store
 * @param meta name, description, metadata
 * @param body the content
 * @param onProgress called with the bytes sent so far
 * @returns the stored object's row (size, chunks, digest)
 * @throws {InvalidInputError} for bad metadata
 * @throws {ServerRefusedError} e.g. for a sealed store
 */
export async function uploadObject(
  ctx: AccountContext,
  bucket: string,
  meta: unknown,
  body: ReadableStream<Uint8Array>,
  onProgress?: (bytes: number) => void,
): Promise<ObjectRow> {
  const m = parseInput(objectMetaSchema, meta, "object");
  const os = await open(ctx, bucket);
  try {
    return objectRow(await os.put(m, body.pipeThrough(counting(onProgress))));
  } catch (e) {
    throw apiError(e, `upload "${m.name}" to object store "${bucket}"`);
  }
}

/**
 * Downloads an object as a stream (links to objects are followed), checked against its digest
 * by @nats-io/obj: a corrupt download errors instead of ending.
 *
 * @param ctx a connection in the account
 * @param bucket the store
 * @param name the object
 * @param onProgress called with the bytes received so far
 * @returns the object's row and its content
 * @throws {NotFoundError} when there is no such object
 */
export async function downloadObject(
  ctx: AccountContext,
  bucket: string,
  name: string,
  onProgress?: (bytes: number) => void,
): Promise<{ info: ObjectRow; body: ReadableStream<Uint8Array> }> {
  const os = await open(ctx, bucket);
  const r = await os.get(name).catch((e) => {
    throw apiError(e, `download "${name}" from object store "${bucket}"`);
  });
  if (r === null) throw new NotFoundError("object", name, `in store "${bucket}"`);
  // A digest mismatch is reported on `error`, after the data: turn it into a stream error.
  const checked = new TransformStream<Uint8Array, Uint8Array>({
    async flush(controller) {
      const err = await r.error;
      if (err) controller.error(err);
    },
  });
  return {
    info: objectRow(r.info),
    body: r.data.pipeThrough(counting(onProgress)).pipeThrough(checked),
  };
}

/**
 * Deletes an object.
 *
 * @param ctx a connection in the account
 * @param bucket the store
 * @param name the object
 * @throws {NotFoundError} when there is no such object
 */
export async function deleteObject(
  ctx: AccountContext,
  bucket: string,
  name: string,
): Promise<void> {
  const os = await open(ctx, bucket);
  const i = await os.info(name);
  if (i === null || i.deleted) throw new NotFoundError("object", name, `in store "${bucket}"`);
  try {
    await os.delete(name);
  } catch (e) {
    throw apiError(e, `delete "${name}" from object store "${bucket}"`);
  }
}

/**
 * Changes an object's metadata (name, description, metadata); the content stays.
 *
 * @param ctx a connection in the account
 * @param bucket the store
 * @param name the object
 * @param meta the new metadata
 * @returns the object's row after
 */
export async function updateObjectMeta(
  ctx: AccountContext,
  bucket: string,
  name: string,
  meta: unknown,
): Promise<ObjectRow> {
  const m = parseInput(objectMetaSchema, meta, "object");
  const os = await open(ctx, bucket);
  try {
    await os.update(name, m);
  } catch (e) {
    throw apiError(e, `change "${name}" in object store "${bucket}"`);
  }
  return await objectInfo(ctx, bucket, m.name);
}

/**
 * Adds a link: an object that points at another object (in this or another store of the account).
 *
 * @param ctx a connection in the account
 * @param bucket the store the link goes into
 * @param name the link's name
 * @param target the object linked to
 * @returns the link's row
 * @throws {NotFoundError} when the target does not exist
 */
export async function linkObject(
  ctx: AccountContext,
  bucket: string,
  name: string,
  target: { readonly bucket: string; readonly name: string },
): Promise<ObjectRow> {
  const os = await open(ctx, bucket);
  const from = target.bucket === bucket ? os : await open(ctx, target.bucket);
  const t = await from.info(target.name);
  if (t === null || t.deleted) {
    throw new NotFoundError("object", target.name, `in store "${target.bucket}"`);
  }
  try {
    return objectRow(await os.link(name, t));
  } catch (e) {
    throw apiError(e, `link "${name}" to "${target.bucket}/${target.name}"`);
  }
}
