import { streamSSE } from "hono/streaming";
import { z } from "zod";
import { LIVE_TOPICS, type LiveTopic } from "../mods/dashboard/mod.ts";
import { endpoint, type Route } from "./route.ts";

/** Frames one stream may hold unsent before it is closed (the browser then resumes). */
const MAX_QUEUED = 20_000;
/** A comment line this often keeps proxies from closing an idle stream. */
const KEEP_ALIVE_MS = 15_000;

const topicList = z.string().transform((v, ctx) => {
  const topics = v.split(",").filter((t) => t !== "");
  if (topics.length === 0 || !topics.every((t) => (LIVE_TOPICS as readonly string[]).includes(t))) {
    ctx.addIssue({
      code: "custom",
      message: `expected a comma-separated list of ${LIVE_TOPICS.join(", ")}`,
    });
    return z.NEVER;
  }
  return topics as LiveTopic[];
});

const eventsQuery = z.object({
  topics: topicList.optional(),
  after: z.string().max(64, "expected an event ID").optional(),
});

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * `/api/events`: the one live stream (Server-Sent Events) behind every page, with named events
 * `overview`, `rates`, `units` (deltas), `activity` and `topology`. `?topics=` picks them (default all);
 * `Last-Event-ID` (or `?after=`, the cursor a page was rendered at) resumes without gap or
 * duplicate, and an ID from a restarted or another dashboard instance starts from a snapshot.
 */
export const eventsRoutes: readonly Route[] = [
  endpoint({
    path: "/api/events",
    title: "live overview, rates, units (deltas), activity and topology as Server-Sent Events " +
      "(topics, after / Last-Event-ID)",
    query: eventsQuery,
    handle: (c, q) => {
      const after = c.req.header("last-event-id") ?? q.after;
      c.header("Cache-Control", "no-store");
      c.header("X-Accel-Buffering", "no");
      return streamSSE(c, async (stream) => {
        // Frames queue per stream and go out in one write per turn of the event loop: a burst
        // becomes a few large chunks instead of thousands of tiny ones.
        let queue: Uint8Array[] = [];
        let wake: (() => void) | undefined;
        let closed = false;
        const sub = c.var.services.subscribe(q.topics ?? LIVE_TOPICS, after, (frame) => {
          queue.push(frame.bytes);
          wake?.();
        });
        queue = [...sub.backlog.frames.map((f) => f.bytes), ...queue];
        stream.onAbort(() => {
          closed = true;
          wake?.();
        });
        try {
          // Browsers reconnect a second after losing the stream (a dashboard restart).
          await stream.write("retry: 1000\n: connected\n\n");
          while (!closed) {
            if (queue.length === 0) {
              let timer: ReturnType<typeof setTimeout> | undefined;
              const woke = await new Promise<boolean>((r) => {
                wake = () => r(true);
                timer = setTimeout(() => r(false), KEEP_ALIVE_MS);
              });
              wake = undefined;
              clearTimeout(timer);
              if (!woke && !closed) await stream.write(": keep-alive\n\n");
              continue;
            }
            // This browser cannot keep up: end the stream; it reconnects with Last-Event-ID
            // and gets what the buffer still holds, or a snapshot.
            if (queue.length > MAX_QUEUED) break;
            const batch = queue;
            queue = [];
            await stream.write(concat(batch));
          }
        } finally {
          sub.close();
        }
      }, async (err, stream) => {
        console.error("SSE stream failed:", err);
        await stream.close();
      });
    },
  }),
];
