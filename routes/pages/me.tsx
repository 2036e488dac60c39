import { z } from "zod";
import { renderSVG } from "uqr";
import { MAX_TOKEN_DAYS, ROLES } from "../../mods/access/mod.ts";
import { newTokenSchema, tokenViewSchema } from "../../mods/access/token_store.ts";
import { userViewSchema } from "../../mods/access/user_store.ts";
import { Card } from "../../components/ui.tsx";
import { TokenTable } from "../../components/TokenTable.tsx";
import { currentPasswordField, newPasswordField } from "../../components/password_fields.ts";
import { Island } from "../../components/Island.tsx";
import { JsonForm } from "../../islands/JsonForm.tsx";
import type { AppContext } from "../context.ts";
import { HttpError } from "../errors.ts";
import { noteAudit } from "../audit.ts";
import { endpoint, page, type Route } from "../route.ts";

const tokenIdParam = z.object({ id: z.string().regex(/^[0-9a-f]{16}$/, "expected a token ID") });

/** Changing one's own password, second factor or tokens needs a login, not a token. */
function needSession(c: AppContext, what: string): void {
  if (c.get("principal").via.kind !== "session") {
    throw new HttpError(403, `Forbidden: ${what} needs a login session, not an API token`);
  }
}

/** Checks the user's current password before a change to its own credentials. */
async function needPassword(c: AppContext, password: string): Promise<void> {
  const name = c.get("principal").user;
  if (!await c.var.services.need("users").checkPassword(name, password)) {
    throw new HttpError(403, "Forbidden: the current password is wrong");
  }
}

const meSchema = z.object({
  user: userViewSchema,
  tokens: z.array(tokenViewSchema),
  via: z.enum(["session", "token"]),
});

/**
 * Me: the logged-in user's own password, second factor (TOTP, RFC 6238, with recovery codes) and
 * API tokens. Tokens are shown once and stored hashed; their role and accounts can only be
 * narrower than the user's. Changing one's own credentials needs the login session (an API token
 * cannot mint tokens or change the password) and, for the password and second factor, the
 * current password.
 */
export const meRoutes: readonly Route[] = [
  ...page({
    path: "/me",
    title: "Me",
    scope: "self",
    needs: ["users", "tokens"],
    twin: { path: "/api/me", title: "who this request acts for, and its API tokens" },
    response: meSchema,
    load: async (c) => {
      const p = c.get("principal");
      return {
        user: await c.var.services.need("users").need(p.user),
        tokens: c.var.services.need("tokens").list(p.user),
        via: p.via.kind,
      };
    },
    heading: (v) => `${v.user.name} (${v.user.role})`,
    render: (v, c) => {
      const csrf = c.get("csrf");
      const u = v.user;
      return (
        <>
          <div class="grid two">
            <Card title="Password">
              <Island
                component={JsonForm}
                props={{
                  id: "my-password",
                  url: "/api/me/password",
                  csrf,
                  submit: "Change password",
                  fields: [currentPasswordField("current"), newPasswordField("New password")],
                }}
              />
            </Card>
            <Card title="Second factor">
              {u.totp === "on"
                ? (
                  <>
                    <p id="totp-state">
                      On: logins ask for a code from your authenticator app ({u.recoveryLeft}{" "}
                      recovery codes left).
                    </p>
                    <Island
                      component={JsonForm}
                      props={{
                        id: "totp-remove",
                        url: "/api/me/totp/remove",
                        csrf,
                        submit: "Remove second factor",
                        fields: [currentPasswordField("password")],
                      }}
                    />
                  </>
                )
                : (
                  <>
                    <p id="totp-state">
                      {u.totp === "pending"
                        ? "Being set up: enter a code from the app to finish."
                        : "Off. Set up an authenticator app (TOTP, 30 s, 6 digits)."}
                    </p>
                    <Island
                      component={JsonForm}
                      props={{
                        id: "totp-begin",
                        url: "/api/me/totp/begin",
                        csrf,
                        submit: u.totp === "pending" ? "Start again" : "Set up",
                        fields: [currentPasswordField("password")],
                        reveal: [
                          { key: "qr", label: "Scan with your app" },
                          { key: "secret", label: "Or type this secret" },
                        ],
                      }}
                    />
                    {u.totp === "pending" && (
                      <Island
                        component={JsonForm}
                        props={{
                          id: "totp-confirm",
                          url: "/api/me/totp/confirm",
                          csrf,
                          submit: "Turn on",
                          fields: [{
                            name: "code",
                            label: "Code from the app",
                            type: "text",
                            required: true,
                            autocomplete: "one-time-code",
                          }],
                          reveal: [{ key: "recoveryCodes", label: "Recovery codes" }],
                        }}
                      />
                    )}
                  </>
                )}
            </Card>
          </div>
          <Card title="API tokens">
            <p class="muted">
              For scripts and <code>deno task cli</code>: send{" "}
              <code>Authorization: Bearer &lt;token&gt;</code> to <code>/api</code>. Described at
              {" "}
              <a href="/api/docs">/api/docs</a>.
            </p>
            <TokenTable id="my-tokens" tokens={v.tokens} csrf={csrf} lastUsed />
            <h3>New token</h3>
            <Island
              component={JsonForm}
              props={{
                id: "new-token",
                url: "/api/tokens",
                csrf,
                submit: "Create token",
                fields: [
                  { name: "name", label: "Name", type: "text", required: true },
                  {
                    name: "role",
                    label: "Role",
                    type: "select",
                    options: ROLES.slice(0, ROLES.indexOf(u.role) + 1),
                    value: u.role,
                  },
                  {
                    name: "scope",
                    label: "Accounts",
                    type: "list",
                    value: u.scope,
                    hint: u.scope === null
                      ? "comma-separated; empty for every account"
                      : `within ${u.scope.join(", ")}`,
                  },
                  {
                    name: "days",
                    label: "Days valid",
                    type: "number",
                    value: 30,
                    hint: `1-${MAX_TOKEN_DAYS}`,
                  },
                ],
                reveal: [{ key: "token", label: "Your new token" }],
              }}
            />
          </Card>
        </>
      );
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/me/password",
    title: "change your own password ({ current, password }; login session only)",
    scope: "self",
    needs: ["users"],
    body: z.object({ current: z.string(), password: z.string() }),
    response: userViewSchema,
    handle: async (c, _q, body) => {
      needSession(c, "changing your password");
      await needPassword(c, body.current);
      const user = await c.var.services.need("users").setPassword(
        c.get("principal").user,
        body.password,
      );
      noteAudit(c, { target: `user ${user.name}` });
      return user;
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/me/totp/begin",
    title: "begin setting up a second factor ({ password }): its secret, URI and QR code, once",
    scope: "self",
    needs: ["users"],
    body: z.object({ password: z.string() }),
    response: z.object({ secret: z.string(), uri: z.string(), qr: z.string() }),
    handle: async (c, _q, body) => {
      needSession(c, "a second factor");
      await needPassword(c, body.password);
      const name = c.get("principal").user;
      const { secret, uri } = await c.var.services.need("users").totpBegin(name);
      noteAudit(c, { target: `user ${name}`, after: { totp: "pending" } });
      const svg = renderSVG(uri, { border: 2 });
      return { secret, uri, qr: `data:image/svg+xml;base64,${btoa(svg)}` };
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/me/totp/confirm",
    title: "turn the second factor on with a code from the app ({ code }): recovery codes, once",
    scope: "self",
    needs: ["users"],
    body: z.object({ code: z.string().max(16) }),
    response: z.object({ recoveryCodes: z.array(z.string()) }),
    handle: async (c, _q, body) => {
      needSession(c, "a second factor");
      const name = c.get("principal").user;
      const recoveryCodes = await c.var.services.need("users").totpConfirm(name, body.code);
      noteAudit(c, { target: `user ${name}`, before: { totp: "pending" }, after: { totp: "on" } });
      return { recoveryCodes };
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/me/totp/remove",
    title: "remove your second factor ({ password })",
    scope: "self",
    needs: ["users"],
    body: z.object({ password: z.string() }),
    response: userViewSchema,
    handle: async (c, _q, body) => {
      needSession(c, "a second factor");
      await needPassword(c, body.password);
      const user = await c.var.services.need("users").totpRemove(c.get("principal").user);
      noteAudit(c, { target: `user ${user.name}`, after: { totp: "off" } });
      return user;
    },
  }),
  endpoint({
    path: "/api/tokens",
    title: "your API tokens (never their secrets)",
    scope: "self",
    needs: ["tokens"],
    response: z.object({ tokens: z.array(tokenViewSchema) }),
    handle: (c) => ({ tokens: c.var.services.need("tokens").list(c.get("principal").user) }),
  }),
  endpoint({
    method: "POST",
    path: "/api/tokens",
    title: "create an API token ({ name, role, scope, days }): the token is answered once",
    scope: "self",
    action: "tokens.create",
    needs: ["users", "tokens"],
    body: newTokenSchema,
    response: tokenViewSchema.extend({ token: z.string() }),
    handle: async (c, _q, body) => {
      needSession(c, "creating a token");
      const owner = await c.var.services.need("users").need(c.get("principal").user);
      const { token, view } = await c.var.services.need("tokens").create(owner, body);
      noteAudit(c, { target: `token ${view.id} of ${view.user}`, before: null, after: view });
      return { ...view, token };
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/tokens/:id/revoke",
    title: "revoke an API token at once (your own; an admin any)",
    scope: "self",
    needs: ["tokens"],
    response: tokenViewSchema,
    handle: async (c) => {
      const id = tokenIdParam.safeParse(c.req.param());
      if (!id.success) throw new HttpError(400, `Invalid token ID "${c.req.param("id")}"`);
      const p = c.get("principal");
      const isAdmin = p.role === "admin" && p.scope === null;
      const view = await c.var.services.need("tokens").revoke(
        id.data.id,
        isAdmin ? undefined : p.user,
      );
      noteAudit(c, { target: `token ${view.id} of ${view.user}`, before: view, after: null });
      return view;
    },
  }),
];
