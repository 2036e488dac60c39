import {
  BackupError,
  readStreamFile,
  restoreStream,
  snapshotStream,
  streamFile,
} from "../mods/backup/mod.ts";
import { NUNECT_VERSION } from "../mods/protocol/mod.ts";
import { account } from "./console.ts";
import { HttpError } from "./errors.ts";
import { endpoint, type Route } from "./route.ts";

function refused(e: unknown): never {
  if (e instanceof BackupError) throw new HttpError(409, e.message);
  throw e;
}

/**
 * Backup and restore of one stream, for the dashboard and scripts: the backup is JetStream's
 * snapshot streamed as it arrives (a `.nunect-stream` file, `deno task restore stream` reads it
 * too); a restore takes such a file as the request body, streamed into JetStream's restore API
 * (the same body limit as object uploads). Both in the account's own credentials.
 */
export const streamBackupRoutes: readonly Route[] = [
  endpoint({
    path: "/api/streams/:account/:stream/backup",
    title: "a backup of the stream: JetStream's snapshot, streamed (a .nunect-stream file)",
    role: "operator",
    handle: async (c) => {
      const { account: name, nc } = await account(c);
      const stream = c.req.param("stream")!;
      const snap = await snapshotStream(nc, stream).catch(refused);
      const day = new Date().toISOString().slice(0, 10);
      const file = `${name}-${stream}-${day}.nunect-stream`.replace(/[^\w.-]/g, "_");
      return c.body(
        streamFile(
          {
            account: name,
            created: new Date().toISOString(),
            nunect: NUNECT_VERSION,
            ...snap.meta,
          },
          snap.data,
        ),
        200,
        {
          "Content-Type": "application/octet-stream",
          "Content-Disposition": `attachment; filename="${file}"`,
          "Cache-Control": "no-store",
          "X-Nunect-Stream-Bytes": String(snap.meta.state.bytes ?? 0),
        },
      );
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/streams/:account/restore",
    title: "restore a stream from a .nunect-stream backup: the request body, streamed (replace)",
    // A restore creates a stream, and with replace deletes one first: an admin's right.
    role: "admin",
    handle: async (c) => {
      const body = c.req.raw.body;
      if (body === null) throw new HttpError(400, "Invalid restore: the request has no body");
      const { nc } = await account(c);
      const { header, data } = await readStreamFile(body).catch(refused);
      const r = await restoreStream(nc, header, data, {
        replace: c.req.query("replace") === "true",
      }).catch(refused);
      return { stream: r.stream, messages: Number(r.state.messages ?? 0), bytes: r.bytes };
    },
  }),
];
