import { isInternal } from "../../mods/access/mod.ts";
import { z } from "zod";
import { formatBytes, formatCount } from "../../components/format.ts";
import { Island } from "../../components/Island.tsx";
import { DataTable } from "../../components/ui.tsx";
import {
  createBucket,
  deleteBucket,
  getEntry,
  keyHistory,
  listBuckets,
  listKeys,
  purgeAllKeys,
  putKey,
  removeKey,
  revertKey,
  supportsKeyTtl,
  watchKeys,
} from "../../mods/jetstream/mod.ts";
import { KvBrowser } from "../../islands/KvBrowser.tsx";
import { BucketForm } from "../../islands/BucketForm.tsx";
import { account, allAccounts, jsonBody, sseOf, validBody } from "../console.ts";
import type { AppContext } from "../context.ts";
import { param, parseParams } from "../query.ts";
import { endpoint, page, type Route } from "../route.ts";

const bucket = (c: AppContext) => c.req.param("bucket")!;

const keysQuery = z.object({
  filter: z.string().optional(),
  contains: z.string().optional(),
  after: param.int(Number.MAX_SAFE_INTEGER),
  limit: param.int(1000),
  deleted: param.flag(),
});
const keyQuery = z.object({
  key: z.string({ error: "a key is required" }).min(1, "a key is required"),
  revision: param.int(Number.MAX_SAFE_INTEGER),
});
const removeBody = z.object({ ttl: z.string().optional() }).strict();
const revertBody = z.object({ revision: z.number().int().min(1) }).strict();

function keyOf(c: AppContext): { key: string; revision?: number } {
  return parseParams(keyQuery, c.req.query());
}

const PREFIX = "/api/kv/:account/:bucket";

/**
 * KV: buckets of every account, a bucket's keys (paged and filtered without reading every key),
 * entries with history and revert, put (with a per-key TTL on nats-server ≥ 2.11), delete, purge,
 * purge all, and a live watch as Server-Sent Events. Keys travel in the query (`?key=`), since
 * they may hold `/`.
 */
export const kvRoutes: readonly Route[] = [
  ...page({
    path: "/kv",
    scope: "account",
    title: "KV",
    nav: true,
    twin: { path: "/api/kv", title: "KV buckets of every account" },
    load: async (c) => {
      const { contexts, errors } = await allAccounts(c);
      const buckets = (await Promise.all(contexts.map(async (ctx) =>
        (await listBuckets(ctx)).map((b) => ({ account: ctx.account, ...b }))
      ))).flat().filter((b) =>
        !isInternal(b.account, { bucket: b.bucket })
      );
      return {
        buckets,
        errors,
        accounts: contexts.map((x) =>
          x.account
        ),
        keyTtl: contexts[0] ? supportsKeyTtl(contexts[0]) : false,
      };
    },
    render: (v, c) => (
      <>
        {v.errors.map((e) => (
          <div key={e.account} class="notice warn">{e.account}: {e.message}</div>
        ))}
        <DataTable
          id="kv-buckets"
          columns={[
            {
              label: "Bucket",
              cell: (b) => (
                <a href={`/kv/${encodeURIComponent(b.account)}/${encodeURIComponent(b.bucket)}`}>
                  <strong>{b.bucket}</strong>
                </a>
              ),
            },
            {
              label: "Account",
              cell: (b) => b.account,
            },
            { label: "Entries", cell: (b) => formatCount(b.entries), num: true },
            { label: "Bytes", cell: (b) => formatBytes(b.bytes), num: true },
            { label: "History", cell: (b) => String(b.history), num: true },
            { label: "TTL", cell: (b) => (b.ttl ? `${b.ttl / 1e9} s` : "–") },
            { label: "Per-key TTL", cell: (b) => (b.keyTtl ? "yes" : "no") },
            { label: "Replicas", cell: (b) => String(b.replicas), num: true },
          ]}
          rows={v.buckets}
          empty="No KV buckets."
        />
        <h2>New bucket</h2>
        <Island
          component={BucketForm}
          props={{ accounts: v.accounts, csrf: c.var.csrf, keyTtl: v.keyTtl, kind: "kv" }}
        />
      </>
    ),
  }),
  ...page({
    path: "/kv/:account/:bucket",
    title: "Bucket",
    twin: { path: PREFIX, title: "a bucket and the first page of its keys" },
    load: async (c) => {
      const ctx = await account(c);
      const row = (await listBuckets(ctx)).find((b) => b.bucket === bucket(c));
      const page = await listKeys(ctx, bucket(c));
      return { account: ctx.account, bucket: bucket(c), row: row ?? null, page };
    },
    heading: (v) => `Bucket ${v.bucket} (${v.account})`,
    render: (v, c) => (
      <Island
        component={KvBrowser}
        props={{
          api: `/api/kv/${encodeURIComponent(v.account)}/${encodeURIComponent(v.bucket)}`,
          csrf: c.var.csrf,
          first: v.page,
          keyTtl: v.row?.keyTtl ?? false,
          history: v.row?.history ?? 1,
        }}
      />
    ),
  }),
  endpoint({
    method: "POST",
    path: "/api/kv/:account",
    action: "kv.create",
    title: "create a bucket ({ bucket, history, ttl, replicas, maxBytes, keyTtl, … })",
    role: "admin",
    handle: async (c) => createBucket(await account(c), await jsonBody(c)),
  }),
  endpoint({
    method: "POST",
    path: `${PREFIX}/delete`,
    title: "delete a bucket with every key",
    role: "admin",
    handle: async (c) => {
      await deleteBucket(await account(c), bucket(c));
      return { deleted: bucket(c) };
    },
  }),
  endpoint({
    path: `${PREFIX}/keys`,
    title: "a page of keys (filter, contains, after, limit, deleted)",
    query: keysQuery,
    handle: async (c, q) => listKeys(await account(c), bucket(c), q),
  }),
  endpoint({
    path: `${PREFIX}/entry`,
    title: "a key's entry (key, revision)",
    handle: async (c) => {
      const { key, revision } = keyOf(c);
      return getEntry(await account(c), bucket(c), key, revision);
    },
  }),
  endpoint({
    path: `${PREFIX}/history`,
    title: "a key's revisions, newest first (key)",
    handle: async (c) => keyHistory(await account(c), bucket(c), keyOf(c).key),
  }),
  endpoint({
    method: "POST",
    path: `${PREFIX}/put`,
    title: "put a value (key in the query; { value, encoding, ttl, expectRevision })",
    role: "operator",
    handle: async (c) => putKey(await account(c), bucket(c), keyOf(c).key, await jsonBody(c)),
  }),
  endpoint({
    method: "POST",
    path: `${PREFIX}/delete-key`,
    title: "delete a key (key in the query)",
    role: "operator",
    handle: async (c) => removeKey(await account(c), bucket(c), keyOf(c).key, "delete"),
  }),
  endpoint({
    method: "POST",
    path: `${PREFIX}/purge-key`,
    title: "purge a key's history (key in the query; { ttl } for the marker, ≥ 2.11)",
    role: "operator",
    handle: async (c) => {
      const { ttl } = await validBody(c, removeBody);
      return removeKey(await account(c), bucket(c), keyOf(c).key, "purge", ttl);
    },
  }),
  endpoint({
    method: "POST",
    path: `${PREFIX}/revert`,
    title: "make { revision } the current value again (key in the query)",
    role: "operator",
    handle: async (c) => {
      const { revision } = await validBody(c, revertBody);
      return revertKey(await account(c), bucket(c), keyOf(c).key, revision);
    },
  }),
  endpoint({
    method: "POST",
    path: `${PREFIX}/purge-all`,
    title: "purge every key of a bucket with all history",
    role: "operator",
    handle: async (c) => purgeAllKeys(await account(c), bucket(c)),
  }),
  endpoint({
    path: `${PREFIX}/watch`,
    title: "changes of a key or filter, live, as Server-Sent Events (filter)",
    handle: async (c) => {
      const ctx = await account(c);
      const filter = c.req.query("filter") || ">";
      return sseOf(c, (signal) => changes(watchKeys(ctx, bucket(c), filter, signal)));
    },
  }),
];

async function* changes<T>(updates: AsyncIterable<T>): AsyncIterable<T & { type: "change" }> {
  for await (const u of updates) yield { ...u, type: "change" as const };
}
