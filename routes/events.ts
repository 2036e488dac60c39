import { streamSSE } from "hono/streaming";
import { z } from "zod";
import {
  alertsInScope,
  type AlertsView,
  LIVE_TOPICS,
  type LiveFilter,
  type LiveTopic,
  unitAccount,
  type UnitsDelta,
  type UnitsReset,
  unitsView,
} from "../mods/dashboard/mod.ts";
import { inScope, type Scope } from "../mods/access/mod.ts";
import type { AppContext } from "./context.ts";
import { HttpError } from "./errors.ts";
import { endpoint, type Route } from "./route.ts";

/** The topics an account-scoped user may follow: the others are server-wide. */
const ACCOUNT_TOPICS: readonly LiveTopic[] = ["units", "activity", "alerts"];

/**
 * What an account-scoped user sees of the live stream: its accounts' units (deltas and the
 * first page again, from the registry with its scope), its accounts' connection events and its
 * accounts' alerts (the header's badge counts those only).
 */
function scopeFilter(c: AppContext, scope: NonNullable<Scope>): LiveFilter {
  return (topic, data) => {
    if (topic === "alerts") return alertsInScope(data as AlertsView, scope);
    if (topic === "activity") {
      const account = (data as { account?: string }).account;
      return typeof account === "string" && inScope(scope, account) ? data : undefined;
    }
    if (topic !== "units") return undefined;
    if ((data as Partial<UnitsReset>).reset === true) {
      const reset = data as UnitsReset;
      return {
        ...unitsView(c.var.services.units(), reset.query, reset.now, scope),
        reset: true,
      };
    }
    const delta = data as UnitsDelta;
    return {
      ...delta,
      changed: delta.changed.filter((u) => inScope(scope, unitAccount(u))),
      removed: delta.removed.filter((key) => inScope(scope, unitAccount(key))),
    };
  };
}

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
    scope: "account",
    query: eventsQuery,
    handle: (c, q) => {
      const after = c.req.header("last-event-id") ?? q.after;
      const scope = c.var.principal.scope;
      let topics: readonly LiveTopic[] = q.topics ?? LIVE_TOPICS;
      let filter: LiveFilter | undefined;
      if (scope !== null) {
        const wide = q.topics?.filter((t) => !ACCOUNT_TOPICS.includes(t)) ?? [];
        if (wide.length > 0) {
          throw new HttpError(
            403,
            `Forbidden: live ${wide.join(", ")} show every account; "${c.var.principal.user}" ` +
              `follows ${ACCOUNT_TOPICS.join(" and ")} of ${scope.join(", ")} only`,
          );
        }
        topics = topics.filter((t) => ACCOUNT_TOPICS.includes(t));
        filter = scopeFilter(c, scope);
      }
      c.header("Cache-Control", "no-store");
      c.header("X-Accel-Buffering", "no");
      return streamSSE(c, async (stream) => {
        // Frames queue per stream and go out in one write per turn of the event loop: a burst
        // becomes a few large chunks instead of thousands of tiny ones.
        let queue: Uint8Array[] = [];
        let wake: (() => void) | undefined;
        let closed = false;
        const sub = c.var.services.subscribe(topics, after, (frame) => {
          queue.push(frame.bytes);
          wake?.();
        }, filter);
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
