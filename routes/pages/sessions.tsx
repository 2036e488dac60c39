import { z } from "zod";
import { NotFoundError, type SessionRecord, sessionRef } from "../../mods/dashboard/mod.ts";
import { Card } from "../../components/ui.tsx";
import type { AppContext } from "../context.ts";
import { parseParams } from "../query.ts";
import { endpoint, page, type Route } from "../route.ts";

const refParam = z.object({ ref: z.string().regex(/^[0-9a-f]{64}$/) });

/** The Sessions page's data: every live login session, and which one is asking. */
export interface SessionsView {
  /** Server time, ms since the epoch. */
  readonly now: number;
  /** The live sessions, newest first. */
  readonly sessions: readonly SessionRecord[];
  /** The handle of the session that asked. */
  readonly current: string;
  /** Whether sessions live in KV (shared by every instance) or in this process only. */
  readonly shared: boolean;
}

/** The handle of the request's own session ("" for a token request, which has none). */
async function currentRef(c: AppContext): Promise<string> {
  const session = c.var.session;
  return session ? await sessionRef(session.id) : "";
}

async function load(c: AppContext): Promise<SessionsView> {
  const store = c.var.services.need("sessions");
  return {
    now: Date.now(),
    sessions: store.list(),
    // A token request has no session of its own.
    current: await currentRef(c),
    shared: store.shared,
  };
}

/** Ends a session by its handle; an unknown or malformed handle is a 404. */
async function end(c: AppContext): Promise<string> {
  const { ref } = parseParams(refParam, c.req.param());
  if (!await c.var.services.need("sessions").end(ref)) {
    throw new NotFoundError(`Unknown session "${ref.slice(0, 12)}…"`);
  }
  // Its browsers' NATS users go with it: their connections close within moments.
  await c.var.services.browsers.revokeRef(ref, c.var.principal.user).catch((e) =>
    console.error(`Ending a session: revoking its browser users failed: ${(e as Error).message}`)
  );
  return ref;
}

function when(ms: number, now: number): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  return s < 60
    ? `${s} s ago`
    : s < 3600
    ? `${Math.round(s / 60)} min ago`
    : `${(s / 3600).toFixed(1)} h ago`;
}

/**
 * Sessions: every live login session (user, address, browser, when), and ending one (admin):
 * its cookie is worth nothing at once, on every dashboard instance.
 */
export const sessionsRoutes: readonly Route[] = [
  ...page({
    path: "/sessions",
    title: "Sessions",
    nav: true,
    role: "admin",
    needs: ["sessions"],
    twin: { path: "/api/sessions", title: "live login sessions (admin)" },
    load,
    render: (v, c) => (
      <Card title="Login sessions">
        <p class="muted">
          {v.shared
            ? "Kept in the OPS account's KV bucket nunect_sessions, shared by every dashboard instance."
            : "Kept in this process only (no JetStream KV): other dashboard instances do not see them."}
        </p>
        <table class="table" id="sessions">
          <thead>
            <tr>
              <th>Session</th>
              <th>User</th>
              <th>Address</th>
              <th>Browser</th>
              <th>Logged in</th>
              <th>Last request</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {v.sessions.map((s) => (
              <tr>
                <td>
                  <code>{s.ref.slice(0, 12)}</code>
                  {s.ref === v.current && " (this one)"}
                </td>
                <td>{s.user}</td>
                <td>{s.address}</td>
                <td class="muted">{s.agent}</td>
                <td>{when(s.created, v.now)}</td>
                <td>{when(s.lastSeen, v.now)}</td>
                <td>
                  <form method="post" action={`/sessions/${s.ref}/end`}>
                    <input type="hidden" name="_csrf" value={c.get("csrf")} />
                    <button type="submit">End</button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    ),
  }),
  endpoint({
    method: "POST",
    path: "/api/sessions/:ref/end",
    title: "end a login session at once (X-CSRF-Token)",
    role: "admin",
    needs: ["sessions"],
    handle: async (c) => ({ ended: await end(c) }),
  }),
  endpoint({
    method: "POST",
    path: "/sessions/:ref/end",
    title: "end a login session (form, _csrf)",
    role: "admin",
    needs: ["sessions"],
    handle: async (c) => {
      const ref = await end(c);
      return c.redirect(
        ref === await currentRef(c) ? "/login" : "/sessions",
        303,
      );
    },
  }),
];
