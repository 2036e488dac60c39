import { z } from "zod";
import { ROLES, type UserView } from "../../mods/access/mod.ts";
import { tokenViewSchema } from "../../mods/access/token_store.ts";
import {
  newUserSchema,
  userNameSchema,
  userPatchSchema,
  userViewSchema,
} from "../../mods/access/user_store.ts";
import type { SessionRecord } from "../../mods/dashboard/mod.ts";
import { Card, DataTable } from "../../components/ui.tsx";
import { TokenTable } from "../../components/TokenTable.tsx";
import { newPasswordField } from "../../components/password_fields.ts";
import { Island } from "../../components/Island.tsx";
import { JsonForm } from "../../islands/JsonForm.tsx";
import { ActionButton } from "../../islands/ActionButton.tsx";
import type { AppContext } from "../context.ts";
import { noteAudit } from "../audit.ts";
import { parseParams } from "../query.ts";
import { endpoint, page, type Route } from "../route.ts";

const nameParam = z.object({ name: userNameSchema });

/** A user in the admin's list: the user and how many sessions and tokens it has. */
const userRowSchema = userViewSchema.extend({
  sessions: z.number().int(),
  tokens: z.number().int(),
});

const sessionSchema = z.object({
  ref: z.string(),
  user: z.string(),
  created: z.number(),
  lastSeen: z.number(),
  expires: z.number(),
  address: z.string(),
  agent: z.string(),
});

const userDetailSchema = z.object({
  user: userViewSchema,
  sessions: z.array(sessionSchema),
  tokens: z.array(tokenViewSchema),
});

const passwordBody = z.object({ password: z.string() });

function nameOf(c: AppContext): string {
  return parseParams(nameParam, c.req.param()).name;
}

function sessionsOf(c: AppContext, user: string): SessionRecord[] {
  return c.var.services.need("sessions").list().filter((s) => s.user === user);
}

/** Ends every session of a user, on every instance. */
async function endSessions(c: AppContext, user: string): Promise<number> {
  const store = c.var.services.need("sessions");
  const mine = sessionsOf(c, user);
  for (const s of mine) await store.end(s.ref);
  return mine.length;
}

function scopeText(u: Pick<UserView, "scope">): string {
  return u.scope === null ? "every account" : u.scope.join(", ");
}

const NEW_USER_FIELDS = [
  { name: "name", label: "Name", type: "text", required: true, autocomplete: "off" },
  { name: "role", label: "Role", type: "select", options: ROLES, value: "viewer" },
  {
    name: "scope",
    label: "Accounts",
    type: "list",
    hint: "comma-separated, e.g. BRIDGE; empty for every account",
  },
  newPasswordField("Password"),
  { name: "note", label: "Note", type: "text" },
] as const;

/**
 * Users (admin): every dashboard user with role, accounts, second factor and state; create one;
 * one user's page to edit the role, accounts and note, disable or enable, reset the password or
 * the second factor, end its sessions and revoke its tokens. Every change is in the audit trail
 * with the user before and after (never a hash or a secret).
 */
export const usersRoutes: readonly Route[] = [
  ...page({
    path: "/users",
    title: "Users",
    nav: true,
    role: "admin",
    needs: ["users", "sessions", "tokens"],
    twin: { path: "/api/users", title: "dashboard users with sessions and tokens (admin)" },
    response: z.object({ users: z.array(userRowSchema), shared: z.boolean() }),
    load: (c) => {
      const sessions = c.var.services.need("sessions").list();
      const tokens = c.var.services.need("tokens").list();
      const users = c.var.services.need("users");
      return {
        users: users.list().map((u) => ({
          ...u,
          sessions: sessions.filter((s) => s.user === u.name).length,
          tokens: tokens.filter((t) => t.user === u.name).length,
        })),
        shared: users.shared,
      };
    },
    render: (v, c) => (
      <>
        <Card title="Dashboard users">
          <DataTable
            id="users"
            rows={v.users}
            empty="No users."
            columns={[
              { label: "Name", cell: (u) => <a href={`/users/${u.name}`}>{u.name}</a> },
              { label: "Role", cell: (u) => u.role },
              { label: "Accounts", cell: (u) => scopeText(u) },
              { label: "Second factor", cell: (u) => u.totp },
              { label: "State", cell: (u) => (u.disabled ? "disabled" : "active") },
              { label: "Sessions", cell: (u) => u.sessions, num: true },
              { label: "Tokens", cell: (u) => u.tokens, num: true },
              { label: "Note", cell: (u) => u.note, wrap: true },
            ]}
          />
          <p class="muted">
            {v.shared
              ? "Kept in the OPS account's KV bucket nunect_users (argon2id password hashes)."
              : "Kept in this process only (no JetStream KV): a restart forgets them."}
          </p>
        </Card>
        <Card title="New user">
          <Island
            component={JsonForm}
            props={{
              id: "new-user",
              url: "/api/users",
              csrf: c.get("csrf"),
              submit: "Create",
              fields: NEW_USER_FIELDS,
            }}
          />
        </Card>
      </>
    ),
  }),
  ...page({
    path: "/users/:name",
    title: "User",
    role: "admin",
    needs: ["users", "sessions", "tokens"],
    twin: { path: "/api/users/:name", title: "one user with its sessions and tokens (admin)" },
    response: userDetailSchema,
    load: async (c) => {
      const name = nameOf(c);
      return {
        user: await c.var.services.need("users").need(name),
        sessions: sessionsOf(c, name),
        tokens: c.var.services.need("tokens").list(name),
      };
    },
    heading: (v) => `User ${v.user.name}`,
    render: (v, c) => {
      const u = v.user;
      const csrf = c.get("csrf");
      const base = `/api/users/${u.name}`;
      return (
        <>
          <p>
            <a href="/users">← Users</a> · <a href={base}>JSON</a>
          </p>
          <div class="grid two">
            <Card title="Role and accounts">
              <Island
                component={JsonForm}
                props={{
                  id: "edit-user",
                  url: base,
                  csrf,
                  submit: "Save",
                  fields: [
                    { name: "role", label: "Role", type: "select", options: ROLES, value: u.role },
                    {
                      name: "scope",
                      label: "Accounts",
                      type: "list",
                      value: u.scope,
                      hint: "comma-separated; empty for every account",
                    },
                    { name: "note", label: "Note", type: "text", value: u.note },
                  ],
                }}
              />
            </Card>
            <Card title="Access">
              <p>
                {u.disabled ? "Disabled: cannot log in, its tokens are refused." : "Active."}{" "}
                Second factor: {u.totp}
                {u.totp === "on" && ` (${u.recoveryLeft} recovery codes left)`}.
              </p>
              <p class="actions">
                <Island
                  component={ActionButton}
                  props={u.disabled ? { url: `${base}/enable`, csrf, label: "Enable" } : {
                    url: `${base}/disable`,
                    csrf,
                    label: "Disable",
                    danger: true,
                    confirm: `Disable ${u.name}? Its sessions end at once.`,
                  }}
                />
                <Island
                  component={ActionButton}
                  props={{
                    url: `${base}/sessions/end`,
                    csrf,
                    label: `End sessions (${v.sessions.length})`,
                  }}
                />
                {u.totp !== "off" && (
                  <Island
                    component={ActionButton}
                    props={{
                      url: `${base}/totp/reset`,
                      csrf,
                      label: "Reset second factor",
                      confirm: `Remove ${u.name}'s second factor?`,
                    }}
                  />
                )}
              </p>
              <h3>Reset password</h3>
              <Island
                component={JsonForm}
                props={{
                  id: "reset-password",
                  url: `${base}/password`,
                  csrf,
                  submit: "Set password",
                  fields: [newPasswordField("New password")],
                }}
              />
            </Card>
          </div>
          <Card title="API tokens">
            <TokenTable id="user-tokens" tokens={v.tokens} csrf={csrf} />
          </Card>
        </>
      );
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/users",
    title: "create a user ({ name, role, scope, password, note })",
    role: "admin",
    action: "users.create",
    needs: ["users"],
    body: newUserSchema,
    response: userViewSchema,
    handle: async (c, _q, body) => {
      const user = await c.var.services.need("users").create(body);
      noteAudit(c, { target: `user ${user.name}`, before: null, after: user });
      return user;
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/users/:name",
    title: "change a user's role, scope or note ({ role, scope, note })",
    role: "admin",
    action: "users.update",
    needs: ["users"],
    body: userPatchSchema.omit({ disabled: true }),
    response: userViewSchema,
    handle: async (c, _q, body) => {
      const { before, after } = await c.var.services.need("users").update(nameOf(c), body);
      // Its console connections carry the old role's NATS rights: none stays in use.
      await c.var.services.forgetConsoleUser(after.name);
      noteAudit(c, { target: `user ${after.name}`, before, after });
      return after;
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/users/:name/password",
    title: "set a user's password ({ password })",
    role: "admin",
    needs: ["users"],
    body: passwordBody,
    response: userViewSchema,
    handle: async (c, _q, body) => {
      const user = await c.var.services.need("users").setPassword(nameOf(c), body.password);
      noteAudit(c, { target: `user ${user.name}` });
      return user;
    },
  }),
  ...(["disable", "enable"] as const).map((verb) =>
    endpoint({
      method: "POST",
      path: `/api/users/:name/${verb}`,
      title: verb === "disable"
        ? "disable a user: its sessions end, its tokens are refused"
        : "enable a disabled user",
      role: "admin",
      needs: ["users", "sessions"],
      response: userViewSchema.extend({ sessionsEnded: z.number().int() }),
      handle: async (c) => {
        const name = nameOf(c);
        const { before, after } = await c.var.services.need("users").update(name, {
          disabled: verb === "disable",
        });
        const sessionsEnded = verb === "disable" ? await endSessions(c, name) : 0;
        await c.var.services.forgetConsoleUser(name);
        noteAudit(c, {
          target: `user ${name}`,
          before: { disabled: before.disabled },
          after: { disabled: after.disabled },
        });
        return { ...after, sessionsEnded };
      },
    })
  ),
  endpoint({
    method: "POST",
    path: "/api/users/:name/totp/reset",
    title: "remove a user's second factor (it can set up a new one)",
    role: "admin",
    needs: ["users"],
    response: userViewSchema,
    handle: async (c) => {
      const before = await c.var.services.need("users").need(nameOf(c));
      const user = await c.var.services.need("users").totpRemove(nameOf(c));
      noteAudit(c, {
        target: `user ${user.name}`,
        before: { totp: before.totp },
        after: { totp: user.totp },
      });
      return user;
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/users/:name/sessions/end",
    title: "end every session of a user, on every instance",
    role: "admin",
    needs: ["users", "sessions"],
    response: z.object({ ended: z.number().int() }),
    handle: async (c) => {
      const name = (await c.var.services.need("users").need(nameOf(c))).name;
      noteAudit(c, { target: `user ${name}` });
      return { ended: await endSessions(c, name) };
    },
  }),
];
