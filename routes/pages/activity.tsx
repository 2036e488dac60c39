import { z } from "zod";
import { Island } from "../../components/Island.tsx";
import { ActivityLog } from "../../islands/ActivityLog.tsx";
import { param } from "../query.ts";
import { page, type Route } from "../route.ts";
import { inAskersScope } from "../scope.ts";

const SHOWN = 200;

const recentQuery = z.object({ last: param.int(10_000) });

/**
 * Activity: the live log of connects, disconnects and authentication failures. `/api/activity`
 * is the recent list as JSON; `/api/events` the live stream as Server-Sent Events.
 */
export const activityRoutes: readonly Route[] = [
  ...page({
    path: "/activity",
    title: "Activity",
    nav: true,
    scope: "account",
    live: ["activity"],
    query: recentQuery,
    twin: { path: "/api/activity", title: "recent connects, disconnects and auth errors" },
    load: (c, q) => {
      const sys = c.var.services.sys();
      // An account-scoped user's events are its accounts' (auth errors name none: not shown).
      const events = inAskersScope(c, sys?.recent(q.last ?? SHOWN) ?? [], (e) => e.account);
      return { events, stats: sys?.stats() ?? null };
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
          props={{ initial: events.slice(-SHOWN), max: SHOWN, available: stats !== null }}
        />
      </>
    ),
  }),
];
