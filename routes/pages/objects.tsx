import { z } from "zod";
import { formatBytes } from "../../components/format.ts";
import { Island } from "../../components/Island.tsx";
import { DataTable } from "../../components/ui.tsx";
import {
  createObjectStore,
  deleteObject,
  deleteObjectStore,
  downloadObject,
  linkObject,
  listObjects,
  listObjectStores,
  objectInfo,
  sealObjectStore,
  updateObjectMeta,
  uploadObject,
} from "../../mods/jetstream/mod.ts";
import { InvalidRequestError } from "../../mods/dashboard/mod.ts";
import { BucketForm } from "../../islands/BucketForm.tsx";
import { ObjectStoreView } from "../../islands/ObjectStoreView.tsx";
import { account, allAccounts, jsonBody, validBody } from "../console.ts";
import type { AppContext } from "../context.ts";
import { parseParams } from "../query.ts";
import { endpoint, page, type Route } from "../route.ts";

const bucket = (c: AppContext) => c.req.param("bucket")!;
const nameQuery = z.object({
  name: z.string({ error: "an object name is required" }).min(1).max(1024),
});
const nameOf = (c: AppContext) => parseParams(nameQuery, c.req.query()).name;
const linkBody = z.object({ bucket: z.string().min(1), name: z.string().min(1) }).strict();

const PREFIX = "/api/objects/:account/:bucket";

/**
 * Object stores: stores of every account, a store's objects with metadata, streamed upload
 * (the request body, `?name=`) and download, metadata edits, links, delete and seal. Object names
 * travel in the query (`?name=`), since they may hold anything.
 */
export const objectsRoutes: readonly Route[] = [
  ...page({
    path: "/objects",
    scope: "account",
    title: "Objects",
    nav: true,
    twin: { path: "/api/objects", title: "object stores of every account" },
    load: async (c) => {
      const { contexts, errors } = await allAccounts(c);
      const stores = (await Promise.all(contexts.map(async (ctx) =>
        (await listObjectStores(ctx)).map((s) => ({ account: ctx.account, ...s }))
      ))).flat();
      return {
        stores,
        errors,
        accounts: contexts.map((x) =>
          x.account
        ),
      };
    },
    render: (v, c) => (
      <>
        {v.errors.map((e) => (
          <div key={e.account} class="notice warn">{e.account}: {e.message}</div>
        ))}
        <DataTable
          id="object-stores"
          columns={[
            {
              label: "Store",
              cell: (s) => (
                <a
                  href={`/objects/${encodeURIComponent(s.account)}/${encodeURIComponent(s.bucket)}`}
                >
                  <strong>{s.bucket}</strong>
                </a>
              ),
            },
            {
              label: "Account",
              cell: (s) => s.account,
            },
            { label: "Bytes", cell: (s) => formatBytes(s.bytes), num: true },
            { label: "Sealed", cell: (s) => (s.sealed ? "yes" : "no") },
            { label: "Description", cell: (s) => s.description || "–", wrap: true },
          ]}
          rows={v.stores}
          empty="No object stores."
        />
        <h2>New object store</h2>
        <Island
          component={BucketForm}
          props={{ accounts: v.accounts, csrf: c.var.csrf, keyTtl: false, kind: "objects" }}
        />
      </>
    ),
  }),
  ...page({
    path: "/objects/:account/:bucket",
    title: "Object store",
    twin: { path: PREFIX, title: "an object store and its objects" },
    load: async (c) => {
      const ctx = await account(c);
      const stores = await listObjectStores(ctx);
      return {
        account: ctx.account,
        bucket: bucket(c),
        store: stores.find((s) => s.bucket === bucket(c)) ?? null,
        objects: await listObjects(ctx, bucket(c)),
        stores: stores.map((s) => s.bucket),
      };
    },
    heading: (v) => `Object store ${v.bucket} (${v.account})`,
    render: (v, c) => (
      <Island
        component={ObjectStoreView}
        props={{
          api: `/api/objects/${encodeURIComponent(v.account)}/${encodeURIComponent(v.bucket)}`,
          csrf: c.var.csrf,
          objects: v.objects,
          sealed: v.store?.sealed ?? false,
          stores: v.stores,
          bucket: v.bucket,
        }}
      />
    ),
  }),
  endpoint({
    method: "POST",
    path: "/api/objects/:account",
    action: "objects.create",
    title: "create an object store ({ bucket, description, ttl, storage, replicas, maxBytes })",
    role: "admin",
    handle: async (c) => createObjectStore(await account(c), await jsonBody(c)),
  }),
  endpoint({
    method: "POST",
    path: `${PREFIX}/delete`,
    title: "delete an object store with every object",
    role: "admin",
    handle: async (c) => {
      await deleteObjectStore(await account(c), bucket(c));
      return { deleted: bucket(c) };
    },
  }),
  endpoint({
    method: "POST",
    path: `${PREFIX}/seal`,
    title: "seal an object store (no more changes)",
    role: "admin",
    handle: async (c) => sealObjectStore(await account(c), bucket(c)),
  }),
  endpoint({
    path: `${PREFIX}/object`,
    title: "an object's metadata (name)",
    handle: async (c) => objectInfo(await account(c), bucket(c), nameOf(c)),
  }),
  endpoint({
    method: "POST",
    path: `${PREFIX}/upload`,
    title: "upload an object: the request body, streamed (name, description)",
    role: "operator",
    handle: async (c) => {
      const body = c.req.raw.body;
      if (body === null) throw new InvalidRequestError("Invalid upload: the request has no body");
      const description = c.req.query("description") || undefined;
      return uploadObject(await account(c), bucket(c), { name: nameOf(c), description }, body);
    },
  }),
  endpoint({
    path: `${PREFIX}/download`,
    title: "download an object, streamed (name)",
    handle: async (c) => {
      const name = nameOf(c);
      const { info, body } = await downloadObject(await account(c), bucket(c), name);
      const file = name.split("/").pop()!.replace(/[^\w.-]/g, "_") || "object";
      return c.body(body, 200, {
        "Content-Type": "application/octet-stream",
        "Content-Length": String(info.size),
        "Content-Disposition": `attachment; filename="${file}"`,
        "Cache-Control": "no-store",
      });
    },
  }),
  endpoint({
    method: "POST",
    path: `${PREFIX}/delete-object`,
    title: "delete an object (name)",
    role: "operator",
    handle: async (c) => {
      await deleteObject(await account(c), bucket(c), nameOf(c));
      return { deleted: nameOf(c) };
    },
  }),
  endpoint({
    method: "POST",
    path: `${PREFIX}/meta`,
    title: "change an object's metadata (name; { name, description, metadata })",
    role: "operator",
    handle: async (c) =>
      updateObjectMeta(await account(c), bucket(c), nameOf(c), await jsonBody(c)),
  }),
  endpoint({
    method: "POST",
    path: `${PREFIX}/link`,
    title: "add a link named `name` to { bucket, name }",
    role: "operator",
    handle: async (c) =>
      linkObject(await account(c), bucket(c), nameOf(c), await validBody(c, linkBody)),
  }),
];
