import { streamSSE } from "hono/streaming";
import { z } from "zod";
import type { ConnectionEvent } from "../../mods/monitor/mod.ts";
import { Island } from "../../components/Island.tsx";
import { ActivityLog } from "../../islands/ActivityLog.tsx";
import { param, parseParams } from "../query.ts";
import { endpoint, page, type Route } from "../route.ts";

const SHOWN = 200;

// Every open stream gets the same event object from SysMonitor: encode each event once, not
// once per browser (a burst of 1,000 connects to 20 browsers is 20,000 frames).
const frames = new WeakMap<ConnectionEvent, Uint8Array>();
const encoder = new TextEncoder();

/** Frames one stream may hold unsent before it is closed (the browser then resumes). */
const MAX_QUEUED = 20_000;

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

function sseFrame(e: ConnectionEvent): Uint8Array {
  let frame = frames.get(e);
  if (frame === undefined) {
    frame = encoder.encode(`id: ${e.seq}\nevent: activity\ndata: ${JSON.stringify(e)}\n\n`);
    frames.set(e, frame);
  }
  return frame;
}

const recentQuery = z.object({ last: param.int(10_000) });
const resumeQuery = z.object({ after: param.int(Number.MAX_SAFE_INTEGER) });

/**
 * Activity: the live log of connects, disconnects and authentication failures. `/api/activity`
 * is the recent list as JSON; `/api/events` the live stream as Server-Sent Events.
 */
export const activityRoutes: readonly Route[] = [
  ...page({
    path: "/activity",
    title: "Activity",
    nav: true,
    query: recentQuery,
    twin: { path: "/api/activity", title: "recent connects, disconnects and auth errors" },
    load: (c, q) => {
      const sys = c.var.services.sys();
      return { events: sys?.recent(q.last ?? SHOWN) ?? [], stats: sys?.stats() ?? null };
    },
    render: ({ events, stats }) => (
      <>
        {!stats && (
          <div class="notice warn">
            The dashboard has no connection to the NATS system account yet; the log starts when it
            connects. Check NATS_SYS_USER and NATS_SYS_PASSWORD and that nats-server is running.
          </div>
        )}
        <Island
          component={ActivityLog}
          props={{
            initial: events.slice(-SHOWN),
            url: "/api/events",
            max: SHOWN,
            available: stats !== null,
          }}
        />
      </>
    ),
  }),
  endpoint({
    path: "/api/events",
    title: "the same, live, as Server-Sent Events",
    needs: ["sys"],
    handle: (c) => {
      const sys = c.var.sys;
      const lastId = parseParams(resumeQuery, {
        after: c.req.header("last-event-id") ?? c.req.query("after") ?? "",
      }).after ?? -1;
      c.header("Cache-Control", "no-store");
      c.header("X-Accel-Buffering", "no");
      return streamSSE(c, async (stream) => {
        // Frames queue per stream and go out in one write per turn of the event loop: a burst
        // becomes a few large chunks instead of thousands of tiny ones.
        let queue: Uint8Array[] = [];
        let wake: (() => void) | undefined;
        let closed = false;
        const push = (e: ConnectionEvent) => {
          if (e.seq <= lastId) return;
          queue.push(sseFrame(e));
          wake?.();
        };
        const off = sys.onEvent(push);
        stream.onAbort(() => {
          closed = true;
          wake?.();
        });
        // Resume after a reconnect: what the browser missed, from the recent buffer.
        if (lastId >= 0) {
          const missed = sys.recent().filter((e) => e.seq > lastId).map(sseFrame);
          queue = [...missed, ...queue];
        }
        try {
          await stream.write(": connected\n\n");
          while (!closed) {
            if (queue.length === 0) {
              let timer: ReturnType<typeof setTimeout> | undefined;
              const woke = await new Promise<boolean>((r) => {
                wake = () => r(true);
                timer = setTimeout(() => r(false), 15_000);
              });
              wake = undefined;
              clearTimeout(timer);
              if (!woke && !closed) await stream.write(": keep-alive\n\n");
              continue;
            }
            if (queue.length > MAX_QUEUED) {
              // This browser cannot keep up: end the stream; EventSource reconnects with
              // Last-Event-ID and gets what the recent buffer still holds.
              break;
            }
            const batch = queue;
            queue = [];
            await stream.write(concat(batch));
          }
        } finally {
          off();
        }
      }, async (err, stream) => {
        console.error("SSE stream failed:", err);
        await stream.close();
      });
    },
  }),
];
