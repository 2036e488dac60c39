import { z } from "zod";
import {
  consumerInfo,
  consumerRow,
  createConsumer,
  deleteConsumer,
  pauseConsumer,
  resetConsumer,
  resumeConsumer,
  unpinConsumer,
  updateConsumer,
} from "../../mods/jetstream/mod.ts";
import { account, jsonBody, validBody } from "../console.ts";
import type { AppContext } from "../context.ts";
import { endpoint, type Route } from "../route.ts";
import { noteAudit } from "../audit.ts";

const stream = (c: AppContext) => c.req.param("stream")!;
const name = (c: AppContext) => c.req.param("consumer")!;

const pauseBody = z.object({
  until: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "expected an RFC 3339 time"),
}).strict();
const resetBody = z.object({ seq: z.number().int().min(1).optional() }).strict();
const unpinBody = z.object({ group: z.string().min(1) }).strict();

const PREFIX = "/api/streams/:account/:stream/consumers";

/**
 * Consumers of a stream: info with lag, create and edit (validated configuration), delete, pause
 * and resume (nats-server ≥ 2.11), reset (≥ 2.14), unpin a priority group (≥ 2.11). The page is
 * the stream's; these are its JSON routes.
 */
export const consumersRoutes: readonly Route[] = [
  endpoint({
    method: "POST",
    path: PREFIX,
    action: "streams.consumers.create",
    title: "create a consumer (JSON ConsumerConfig; durations as 30s)",
    role: "operator",
    handle: async (c) => {
      const info = await createConsumer(await account(c), stream(c), await jsonBody(c));
      noteAudit(c, {
        target: `${c.req.param("account")}/${stream(c)}/${info.name}`,
        before: null,
        after: info.config,
      });
      return consumerRow(info);
    },
  }),
  endpoint({
    path: `${PREFIX}/:consumer`,
    title: "a consumer: configuration, delivered, ack floor, pending, waiting, paused",
    handle: async (c) => {
      const info = await consumerInfo(await account(c), stream(c), name(c));
      return { info, row: consumerRow(info) };
    },
  }),
  endpoint({
    method: "POST",
    path: `${PREFIX}/:consumer/edit`,
    title: "edit a consumer (the fields to change)",
    role: "operator",
    handle: async (c) => {
      const ctx = await account(c);
      const before = (await consumerInfo(ctx, stream(c), name(c))).config;
      const info = await updateConsumer(ctx, stream(c), name(c), await jsonBody(c));
      noteAudit(c, { before, after: info.config });
      return consumerRow(info);
    },
  }),
  endpoint({
    method: "POST",
    path: `${PREFIX}/:consumer/delete`,
    title: "delete a consumer",
    role: "operator",
    handle: async (c) => {
      const ctx = await account(c);
      const before = (await consumerInfo(ctx, stream(c), name(c))).config;
      await deleteConsumer(ctx, stream(c), name(c));
      noteAudit(c, { before, after: null });
      return { deleted: name(c) };
    },
  }),
  endpoint({
    method: "POST",
    path: `${PREFIX}/:consumer/pause`,
    title: "pause a consumer until { until } (nats-server ≥ 2.11)",
    role: "operator",
    handle: async (c) => {
      const { until } = await validBody(c, pauseBody);
      return pauseConsumer(await account(c), stream(c), name(c), new Date(until));
    },
  }),
  endpoint({
    method: "POST",
    path: `${PREFIX}/:consumer/resume`,
    title: "resume a paused consumer (nats-server ≥ 2.11)",
    role: "operator",
    handle: async (c) => resumeConsumer(await account(c), stream(c), name(c)),
  }),
  endpoint({
    method: "POST",
    path: `${PREFIX}/:consumer/reset`,
    title: "reset a consumer to { seq } or its start (nats-server ≥ 2.14)",
    role: "operator",
    handle: async (c) => {
      const { seq } = await validBody(c, resetBody);
      return consumerRow(await resetConsumer(await account(c), stream(c), name(c), seq));
    },
  }),
  endpoint({
    method: "POST",
    path: `${PREFIX}/:consumer/unpin`,
    title: "unpin the client pinned in { group } (nats-server ≥ 2.11)",
    role: "operator",
    handle: async (c) => {
      const { group } = await validBody(c, unpinBody);
      await unpinConsumer(await account(c), stream(c), name(c), group);
      return { unpinned: group };
    },
  }),
];
