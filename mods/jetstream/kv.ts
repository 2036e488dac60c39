import { headers as natsHeaders } from "@nats-io/nats-core";
import { jetstream } from "@nats-io/jetstream";
import type { StreamInfo } from "./nats_types.ts";
import { Kvm } from "@nats-io/kv";
import { z } from "zod";
import type { Agrees } from "../protocol/wire_schema.ts";
import type { DurationInput } from "./stream_config.ts";
import { decodeBase64 } from "./_bytes.ts";
import { duration, parseInput } from "./_schema.ts";
import { apiError, hasFeature, manager, requireFeature } from "./_server.ts";
import type { Header } from "./_wire.ts";
import type { AccountContext } from "./accounts.ts";
import { readerFor } from "./browse.ts";
import { InvalidInputError, NotFoundError } from "./errors.ts";
import { type MessageView, viewMessage } from "./message_view.ts";
import type { StoredMessage } from "./reader.ts";

/** A KV bucket as a row of the list. JSON-serialisable. */
export interface BucketRow {
  /** The bucket's name. */
  readonly bucket: string;
  /** Its description, or "". */
  readonly description: string;
  /** Stored entries, history included. */
  readonly entries: number;
  /** Bytes stored. */
  readonly bytes: number;
  /** Revisions kept per key. */
  readonly history: number;
  /** How long values live (nanoseconds; 0 = forever). */
  readonly ttl: number;
  /** Replicas. */
  readonly replicas: number;
  /** Storage type. */
  readonly storage: string;
  /** Whether keys may carry their own TTL (the stream's allow_msg_ttl, nats-server ≥ 2.11). */
  readonly keyTtl: boolean;
  /** The bucket it mirrors, or null. */
  readonly mirror: string | null;
}

const KV_STREAM = /^KV_(.+)$/;

function bucketRow(si: StreamInfo): BucketRow {
  const c = si.config;
  return {
    bucket: c.name.replace(KV_STREAM, "$1"),
    description: c.description ?? "",
    entries: si.state.messages,
    bytes: si.state.bytes,
    history: c.max_msgs_per_subject,
    ttl: c.max_age,
    replicas: c.num_replicas,
    storage: c.storage,
    keyTtl: (c as { allow_msg_ttl?: boolean }).allow_msg_ttl === true,
    mirror: c.mirror?.name.replace(KV_STREAM, "$1") ?? null,
  };
}

/**
 * The KV buckets of an account.
 *
 * @param ctx a connection in the account
 * @returns one row per bucket, by name
 */
export async function listBuckets(ctx: AccountContext): Promise<BucketRow[]> {
  const jsm = await manager(ctx.nc);
  const rows: BucketRow[] = [];
  for await (const si of jsm.streams.list()) {
    if (KV_STREAM.test(si.config.name)) rows.push(bucketRow(si));
  }
  return rows.sort((a, b) => a.bucket.localeCompare(b.bucket));
}

/** zod schema of a new bucket. */
export const bucketConfigSchema = z.object({
  bucket: z.string().regex(/^[-\w]+$/, "letters, digits, - and _ only").max(240),
  description: z.string().max(4096).optional(),
  history: z.number().int().min(1).max(64).default(1),
  ttl: duration.default(0),
  replicas: z.number().int().min(1).max(5).default(1),
  maxBytes: z.number().int().min(-1).default(-1),
  maxValueSize: z.number().int().min(-1).default(-1),
  storage: z.enum(["file", "memory"]).default("file"),
  /** Lets keys carry their own TTL; deletions by TTL leave markers that live this long. */
  keyTtl: duration.optional(),
  compression: z.boolean().optional(),
}).strict();

/** A new KV bucket, as a form or the API sends it. */
export interface BucketConfigInput {
  /** The bucket's name: letters, digits, `-` and `_`. */
  bucket: string;
  /** What it is for, for people. */
  description?: string;
  /** Values kept per key, 1 to 64 (default 1). */
  history?: number;
  /** How long a value lives (default 0: for ever). */
  ttl?: DurationInput;
  /** Replicas, 1 to 5 (default 1). */
  replicas?: number;
  /** Most bytes (default -1: no limit). */
  maxBytes?: number;
  /** Largest value, bytes (default -1: the server's limit). */
  maxValueSize?: number;
  /** File (default) or memory storage. */
  storage?: "file" | "memory";
  /** Lets keys carry their own TTL; deletions by TTL leave markers that live this long. */
  keyTtl?: DurationInput;
  /** S2 compression. */
  compression?: boolean;
}
true satisfies Agrees<z.input<typeof bucketConfigSchema>, BucketConfigInput>;

/**
 * Creates a KV bucket.
 *
 * @param ctx a connection in the account
 * @param input name, history, TTL, replicas, limits, per-key TTL
 * @returns the new bucket's row
 * @throws {InvalidInputError} for a bad configuration
 * @throws {FeatureUnavailableError} for per-key TTL on servers older than 2.11
 */
export async function createBucket(ctx: AccountContext, input: unknown): Promise<BucketRow> {
  const c = parseInput(bucketConfigSchema, input, "bucket");
  if (c.keyTtl !== undefined) requireFeature(ctx.nc, "message_ttl");
  if (c.compression) requireFeature(ctx.nc, "stream_config_2_10");
  if (c.keyTtl !== undefined && c.keyTtl < 1e9) {
    throw new InvalidInputError("bucket", [{ path: "keyTtl", message: "must be at least 1s" }]);
  }
  const jsm = await manager(ctx.nc);
  if (await jsm.streams.info(`KV_${c.bucket}`).then(() => true, () => false)) {
    throw new InvalidInputError("bucket", [
      { path: "bucket", message: `a bucket "${c.bucket}" exists already` },
    ]);
  }
  try {
    await new Kvm(ctx.nc).create(c.bucket, {
      description: c.description,
      history: c.history,
      ttl: c.ttl / 1e6,
      replicas: c.replicas,
      max_bytes: c.maxBytes,
      maxValueSize: c.maxValueSize,
      storage: c.storage as never,
      ...(c.keyTtl !== undefined ? { markerTTL: c.keyTtl / 1e6 } : {}),
      ...(c.compression ? { compression: true } : {}),
    });
    return bucketRow(await jsm.streams.info(`KV_${c.bucket}`));
  } catch (e) {
    throw apiError(e, `create bucket "${c.bucket}"`);
  }
}

/**
 * Deletes a bucket with every key and revision.
 *
 * @param ctx a connection in the account
 * @param bucket the bucket
 * @throws {NotFoundError} when there is no such bucket
 */
export async function deleteBucket(ctx: AccountContext, bucket: string): Promise<void> {
  const jsm = await manager(ctx.nc);
  try {
    await jsm.streams.delete(`KV_${bucket}`);
  } catch (e) {
    throw apiError(e, `delete bucket "${bucket}"`, bucketMissing(ctx, bucket));
  }
}

function bucketMissing(ctx: AccountContext, bucket: string) {
  return { kind: "bucket" as const, name: bucket, where: `in account "${ctx.account}"` };
}

/** The bucket's stream and the subject prefix of its keys (`$KV.<bucket>.`, or its origin's). */
interface Bucket {
  readonly stream: string;
  readonly prefix: string;
  readonly keyTtl: boolean;
  /** Revisions kept per key: with 1, every stored entry is its key's latest. */
  readonly history: number;
}

const buckets = new WeakMap<object, Map<string, Bucket>>();

async function openBucket(ctx: AccountContext, bucket: string): Promise<Bucket> {
  let byName = buckets.get(ctx.nc);
  if (byName === undefined) buckets.set(ctx.nc, byName = new Map());
  const known = byName.get(bucket);
  if (known) return known;
  const jsm = await manager(ctx.nc);
  const si = await jsm.streams.info(`KV_${bucket}`).catch((e) => {
    throw apiError(e, `open bucket "${bucket}"`, bucketMissing(ctx, bucket));
  });
  const origin = si.config.mirror?.name.replace(KV_STREAM, "$1") ?? bucket;
  const b = {
    stream: si.config.name,
    prefix: `$KV.${origin}.`,
    keyTtl: (si.config as { allow_msg_ttl?: boolean }).allow_msg_ttl === true,
    history: si.config.max_msgs_per_subject,
  };
  byName.set(bucket, b);
  return b;
}

const KEY = /^[-/=.\w]+$/;
const KEY_FILTER = /^[-/=.>*\w]+$/;

/**
 * Checks a key the way nats.js does.
 *
 * @param key the key
 * @param wildcards whether `*` and `>` are allowed (filters)
 * @returns the key
 * @throws {InvalidInputError} naming the key and what is wrong
 */
export function validateKey(key: string, wildcards = false): string {
  const ok = !key.startsWith(".") && !key.endsWith(".") && !key.includes("..") &&
    (wildcards ? KEY_FILTER : KEY).test(key);
  if (!ok) {
    throw new InvalidInputError(wildcards ? "key filter" : "key", [{
      path: "key",
      message: `Invalid key "${key}": letters, digits, - / = _ and dots between tokens only${
        wildcards ? ", * and > as whole tokens" : ""
      }`,
    }]);
  }
  return key;
}

/** What a stored KV entry is: a value, a delete marker, or a purge marker. */
export type KvOperation = "PUT" | "DEL" | "PURGE";

function operation(m: StoredMessage): KvOperation {
  const op = m.headers.find(([k]) => k.toLowerCase() === "kv-operation")?.[1];
  return op === "DEL" || op === "PURGE" ? op : "PUT";
}

function ttlOf(m: StoredMessage): string | null {
  return m.headers.find(([k]) => k.toLowerCase() === "nats-ttl")?.[1] ?? null;
}

/** A key as a row of the key list. */
export interface KeyRow {
  /** The key. */
  readonly key: string;
  /** Its current revision (the stream sequence). */
  readonly revision: number;
  /** When this revision was written. */
  readonly time: string;
  /** What the revision is (PUT; DEL and PURGE only when deleted keys are listed). */
  readonly operation: KvOperation;
  /** Value size in bytes. */
  readonly size: number;
  /** Its own TTL (`Nats-TTL`), or null. */
  readonly ttl: string | null;
}

/** A page of keys, in the order they were last written, and where the next page starts. */
export interface KeyPage {
  /** The bucket. */
  readonly bucket: string;
  /** Keys on this page. */
  readonly keys: readonly KeyRow[];
  /** Pass as `after` for the next page; null when there is none. */
  readonly next: number | null;
}

/** Options of {@linkcode listKeys}. */
export interface KeyListOptions {
  /** Only keys matching this filter (`orders.*`, `orders.>`). */
  readonly filter?: string;
  /** Only keys containing this text. */
  readonly contains?: string;
  /** Continue after this cursor (the `next` of the previous page). */
  readonly after?: number;
  /** Keys per page (default 50, at most 1000). */
  readonly limit?: number;
  /** Also list deleted and purged keys. */
  readonly deleted?: boolean;
}

/**
 * One page of a bucket's keys, without reading every key and without a consumer: the bucket's
 * stream is read forward from the cursor, and each candidate is kept only when it is its key's
 * latest revision (the server answers that for the whole batch at once where it can). A bucket
 * of a million keys opens as fast as one of ten.
 *
 * @param ctx a connection in the bucket's account
 * @param bucket the bucket
 * @param options filter, cursor, page size
 * @returns the page
 * @throws {NotFoundError} when there is no such bucket
 * @throws {InvalidInputError} for a bad filter or limit
 */
export async function listKeys(
  ctx: AccountContext,
  bucket: string,
  options: KeyListOptions = {},
): Promise<KeyPage> {
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new InvalidInputError("key page", [{ path: "limit", message: "expected 1 to 1000" }]);
  }
  const b = await openBucket(ctx, bucket);
  // Every message of a bucket's stream is a key: without a filter, read without one (a wildcard
  // filter makes the server count every subject it matches before it answers).
  const subject = options.filter ? b.prefix + validateKey(options.filter, true) : undefined;
  const reader = readerFor(ctx.nc, b.stream);
  const keys: KeyRow[] = [];
  let seq = options.after ?? 1;
  const batch = b.history === 1 ? limit + 8 : Math.max(limit * 2, 64);
  for (;;) {
    const { messages, summary } = await reader.collect({ seq, subject, limit: batch });
    const candidates = messages.filter((m) =>
      !options.contains || m.subject.slice(b.prefix.length).includes(options.contains)
    );
    // With one revision per key every entry is the latest; else ask the server which are.
    const latest = b.history === 1
      ? null
      : await reader.lastOfEach([...new Set(candidates.map((m) => m.subject))]);
    for (const m of candidates) {
      if (latest !== null && latest.get(m.subject)?.seq !== m.seq) continue; // an older revision
      const op = operation(m);
      if (op !== "PUT" && !options.deleted) continue;
      keys.push({
        key: m.subject.slice(b.prefix.length),
        revision: m.seq,
        time: m.time,
        operation: op,
        size: m.data.length,
        ttl: ttlOf(m),
      });
      if (keys.length === limit) {
        const more = m.seq < summary.lastSeq || summary.more;
        return { bucket, keys, next: more ? m.seq + 1 : null };
      }
    }
    if (!summary.more) return { bucket, keys, next: null };
    seq = summary.lastSeq + 1;
  }
}

/** A KV entry, for the entry view: one revision of a key, as its row, with its value. */
export interface EntryView extends KeyRow {
  /** The bucket. */
  readonly bucket: string;
  /** How the value reads. */
  readonly kind: MessageView["kind"];
  /** The value as pretty JSON, text, hex and base64. */
  readonly value: MessageView["payload"];
}

function entryView(bucket: string, prefix: string, m: StoredMessage): EntryView {
  const v = viewMessage("", m);
  return {
    bucket,
    key: m.subject.slice(prefix.length),
    revision: m.seq,
    time: m.time,
    operation: operation(m),
    size: m.data.length,
    ttl: ttlOf(m),
    kind: v.kind,
    value: v.payload,
  };
}

/**
 * A key's current entry, or a given revision of it (as `nats kv get` shows it).
 *
 * @param ctx a connection in the bucket's account
 * @param bucket the bucket
 * @param key the key
 * @param revision a revision of this key (default: the latest)
 * @returns the entry (a DEL or PURGE entry when the key was deleted)
 * @throws {NotFoundError} when the key (or revision) does not exist
 */
export async function getEntry(
  ctx: AccountContext,
  bucket: string,
  key: string,
  revision?: number,
): Promise<EntryView> {
  const b = await openBucket(ctx, bucket);
  const subject = b.prefix + validateKey(key);
  const reader = readerFor(ctx.nc, b.stream);
  const m = revision === undefined ? await reader.last(subject) : await reader.get(revision);
  if (m === null || m.subject !== subject) {
    throw new NotFoundError(
      "key",
      key,
      `in bucket "${bucket}"${revision !== undefined ? ` at revision ${revision}` : ""}`,
    );
  }
  return entryView(bucket, b.prefix, m);
}

/** zod schema of a value to put. */
export const putSchema = z.object({
  value: z.string(),
  encoding: z.enum(["text", "base64"]).default("text"),
  /** The key's own TTL (`30s`, `1h`); needs a bucket created with per-key TTL. */
  ttl: z.string().regex(/^\d+(ns|us|ms|s|m|h)?$|^never$/, "expected e.g. 30s, 1h or never")
    .optional(),
  /** Only if the key is at this revision now (0: only if it does not exist). */
  expectRevision: z.number().int().min(0).optional(),
}).strict();

/** A value to put, as a form or the API sends it. */
export interface PutInput {
  /** The value, as `encoding` says. */
  value: string;
  /** How `value` is written: `text` (UTF-8, the default) or `base64`. */
  encoding?: "text" | "base64";
  /** The key's own TTL (`30s`, `1h`, `never`); needs a bucket created with per-key TTL. */
  ttl?: string;
  /** Only if the key is at this revision now (0: only if it does not exist). */
  expectRevision?: number;
}
true satisfies Agrees<z.input<typeof putSchema>, PutInput>;

/**
 * Puts a value (optionally with its own TTL, or only if the key is at a given revision).
 *
 * @param ctx a connection in the bucket's account
 * @param bucket the bucket
 * @param key the key
 * @param input value, encoding, TTL, expected revision
 * @returns the new revision
 * @throws {FeatureUnavailableError} for a TTL on servers older than 2.11
 * @throws {InvalidInputError} for a TTL on a bucket without per-key TTL
 * @throws {ServerRefusedError} when the expected revision does not match
 */
export async function putKey(
  ctx: AccountContext,
  bucket: string,
  key: string,
  input: unknown,
): Promise<{ revision: number }> {
  const p = parseInput(putSchema, input, "value");
  const b = await openBucket(ctx, bucket);
  const subject = b.prefix + validateKey(key);
  if (p.ttl !== undefined) {
    requireFeature(ctx.nc, "message_ttl");
    if (!b.keyTtl) {
      throw new InvalidInputError("value", [{
        path: "ttl",
        message: `bucket "${bucket}" was not created with per-key TTL (keyTtl)`,
      }]);
    }
  }
  let data: Uint8Array;
  try {
    data = p.encoding === "base64" ? decodeBase64(p.value) : new TextEncoder().encode(p.value);
  } catch (e) {
    throw new InvalidInputError("value", [{ path: "value", message: (e as Error).message }]);
  }
  const h = natsHeaders();
  if (p.ttl !== undefined) h.set("Nats-TTL", p.ttl);
  try {
    const ack = await jetstream(ctx.nc).publish(subject, data, {
      headers: p.ttl !== undefined ? h : undefined,
      ...(p.expectRevision !== undefined
        ? { expect: { lastSubjectSequence: p.expectRevision } }
        : {}),
    });
    return { revision: ack.seq };
  } catch (e) {
    throw apiError(e, `put "${key}" in bucket "${bucket}"`);
  }
}

/**
 * Deletes a key (a delete marker; history stays) or purges it (a purge marker replaces every
 * revision; with `ttl` the marker itself goes after that long, nats-server ≥ 2.11).
 *
 * @param ctx a connection in the bucket's account
 * @param bucket the bucket
 * @param key the key
 * @param mode delete or purge
 * @param ttl for purge: how long the purge marker lives
 * @returns the marker's revision
 */
export async function removeKey(
  ctx: AccountContext,
  bucket: string,
  key: string,
  mode: "delete" | "purge",
  ttl?: string,
): Promise<{ revision: number }> {
  const b = await openBucket(ctx, bucket);
  const subject = b.prefix + validateKey(key);
  if (ttl !== undefined) requireFeature(ctx.nc, "message_ttl");
  const h = natsHeaders();
  h.set("KV-Operation", mode === "delete" ? "DEL" : "PURGE");
  if (mode === "purge") h.set("Nats-Rollup", "sub");
  if (ttl !== undefined) h.set("Nats-TTL", ttl);
  try {
    const ack = await jetstream(ctx.nc).publish(subject, new Uint8Array(0), { headers: h });
    return { revision: ack.seq };
  } catch (e) {
    throw apiError(e, `${mode} "${key}" in bucket "${bucket}"`);
  }
}

/**
 * Purges every key of a bucket with all its history.
 *
 * @param ctx a connection in the bucket's account
 * @param bucket the bucket
 * @returns how many entries were removed
 */
export async function purgeAllKeys(
  ctx: AccountContext,
  bucket: string,
): Promise<{ purged: number }> {
  const b = await openBucket(ctx, bucket);
  const jsm = await manager(ctx.nc);
  try {
    return { purged: (await jsm.streams.purge(b.stream)).purged };
  } catch (e) {
    throw apiError(e, `purge bucket "${bucket}"`, bucketMissing(ctx, bucket));
  }
}

/**
 * A key's history, newest first (every revision the bucket keeps, deletes included), read
 * without a consumer.
 *
 * @param ctx a connection in the bucket's account
 * @param bucket the bucket
 * @param key the key
 * @returns the revisions
 */
export async function keyHistory(
  ctx: AccountContext,
  bucket: string,
  key: string,
): Promise<EntryView[]> {
  const b = await openBucket(ctx, bucket);
  const subject = b.prefix + validateKey(key);
  const { messages } = await readerFor(ctx.nc, b.stream).collect({ subject, limit: 1000 });
  return messages.map((m) => entryView(bucket, b.prefix, m)).reverse();
}

/**
 * Makes an old revision the current value again (a new revision with its value), only if no one
 * wrote the key in between.
 *
 * @param ctx a connection in the bucket's account
 * @param bucket the bucket
 * @param key the key
 * @param revision the revision whose value comes back
 * @returns the new revision
 * @throws {NotFoundError} when that revision is not (or no longer) kept
 * @throws {InvalidInputError} when the revision is a delete or purge marker
 */
export async function revertKey(
  ctx: AccountContext,
  bucket: string,
  key: string,
  revision: number,
): Promise<{ revision: number }> {
  const old = await getEntry(ctx, bucket, key, revision);
  if (old.operation !== "PUT") {
    throw new InvalidInputError("revert", [{
      path: "revision",
      message: `revision ${revision} of "${key}" is a ${old.operation} marker, not a value`,
    }]);
  }
  const current = await getEntry(ctx, bucket, key);
  return await putKey(ctx, bucket, key, {
    value: old.value.base64,
    encoding: "base64",
    expectRevision: current.revision,
  });
}

/** A change seen by {@linkcode watchKeys}. */
export interface KeyUpdate {
  /** The key. */
  readonly key: string;
  /** PUT, DEL or PURGE. */
  readonly operation: KvOperation;
  /** The revision stored (null when the entry was already replaced by a newer one). */
  readonly revision: number | null;
  /** Value size in bytes. */
  readonly size: number;
  /** The value's start (text) or hex, as a list row shows it. */
  readonly preview: string;
}

/**
 * Watches a key or a filter of keys live, without a consumer: a plain subscription to the keys'
 * subjects; each change is looked up once to add its revision.
 *
 * @param ctx a connection in the bucket's account
 * @param bucket the bucket
 * @param filter a key or a filter (`orders.>`; default every key)
 * @param signal ends the watch
 * @yields one update per change
 */
export async function* watchKeys(
  ctx: AccountContext,
  bucket: string,
  filter = ">",
  signal?: AbortSignal,
): AsyncGenerator<KeyUpdate> {
  const b = await openBucket(ctx, bucket);
  const sub = ctx.nc.subscribe(b.prefix + validateKey(filter, true));
  const reader = readerFor(ctx.nc, b.stream);
  const stop = () => sub.unsubscribe();
  signal?.addEventListener("abort", stop, { once: true });
  try {
    await ctx.nc.flush();
    for await (const m of sub) {
      const lines: Header[] = [];
      if (m.headers) {
        for (const k of m.headers.keys()) for (const v of m.headers.values(k)) lines.push([k, v]);
      }
      const seen: StoredMessage = {
        seq: 0,
        subject: m.subject,
        time: "",
        headers: lines,
        data: m.data,
      };
      // The latest stored revision is this change unless another write already followed it.
      const stored = await reader.last(m.subject).catch(() => null);
      const same = stored !== null && operation(stored) === operation(seen) &&
        stored.data.length === m.data.length && stored.data.every((x, i) => x === m.data[i]);
      const view = viewMessage("", seen);
      yield {
        key: m.subject.slice(b.prefix.length),
        operation: operation(seen),
        revision: same ? stored.seq : null,
        size: m.data.length,
        preview: (view.payload.text ?? view.payload.hex).slice(0, 200),
      };
    }
  } finally {
    signal?.removeEventListener("abort", stop);
    sub.unsubscribe();
  }
}

/**
 * Whether the server supports keys with their own TTL.
 *
 * @param ctx a connection
 * @returns true on nats-server ≥ 2.11
 */
export function supportsKeyTtl(ctx: AccountContext): boolean {
  return hasFeature(ctx.nc, "message_ttl");
}
