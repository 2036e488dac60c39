import { Hono, type MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { HttpError, wantsJson } from "./errors.ts";
import { type DashboardConfig, sessionRef } from "../mods/dashboard/mod.ts";
import { KdfBusyError, type Principal, scopeLabel } from "../mods/access/mod.ts";
import type { AuditInput } from "../mods/audit/mod.ts";
import { type AppContext, type AppEnv, sessionOf } from "./context.ts";
import { isUnsafe } from "./security.ts";
import type { Session, SessionSigner } from "./session.ts";
import { LoginThrottle } from "./login_throttle.ts";
import { clientAddress } from "./audit.ts";

/** Session cookie name. */
export const SESSION_COOKIE = "nunect_session";
/** Cookie carrying the pre-login nonce the login form's CSRF token is bound to. */
export const LOGIN_COOKIE = "nunect_login";
/** How long a login may wait for its second factor after the password was right. */
const SECOND_FACTOR_MS = 5 * 60_000;

/**
 * Paths reachable without a login session. `/metrics` is among them because scrapers cannot log
 * in: it checks its own bearer token (METRICS_TOKEN) and is off unless configured.
 */
export function isPublic(path: string): boolean {
  return path === "/healthz" || path === "/login" || path.startsWith("/static/") ||
    path === "/favicon.ico" || path === "/metrics";
}

function secure(c: AppContext): boolean {
  return new URL(c.req.url).protocol === "https:";
}

/**
 * Who a request acts for, for everything but public paths. Either an API token in
 * `Authorization: Bearer` (on /api only; no cookie is looked at and no CSRF token is needed,
 * since nothing ambient authenticates it), or a signed session cookie naming a session the
 * session store still has, of a user who exists and is not disabled; state-changing requests
 * with a cookie must carry the session's CSRF token (`X-CSRF-Token` header or `_csrf` field).
 * The role and scope come from the user record on every request: a change takes effect at once.
 * /api answers 401 JSON, pages redirect to /login.
 *
 * @param signer signs and verifies sessions
 * @returns the middleware
 */
export function requireLogin(signer: SessionSigner): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (isPublic(c.req.path)) return next();
    const services = c.var.services;
    const authorization = c.req.header("authorization");
    if (authorization !== undefined) {
      const m = /^Bearer +(\S{1,200})$/.exec(authorization);
      if (m === null) {
        throw new HttpError(401, 'Invalid Authorization header: expected "Bearer <API token>"');
      }
      if (!wantsJson(c) || !(c.req.path === "/api" || c.req.path.startsWith("/api/"))) {
        throw new HttpError(401, "API tokens are accepted on /api only; pages need a login");
      }
      const users = services.need("users");
      const found = await services.need("tokens").verify(m[1]!, (name) => users.get(name));
      if (found === undefined) throw new HttpError(401, "Invalid, expired or revoked API token");
      c.set("principal", {
        user: found.view.user,
        role: found.role,
        scope: found.scope,
        via: { kind: "token", id: found.view.id },
      });
      return next();
    }
    const signed = await signer.verify(getCookie(c, SESSION_COOKIE));
    const record = signed && await services.need("sessions").get(signed.id);
    const user = record ? await services.need("users").get(record.user) : undefined;
    if (record && (user === undefined || user.disabled)) {
      // Disabled (or gone) since login: the session ends with it.
      await services.need("sessions").end(record.ref);
    }
    if (!signed || !record || user === undefined || user.disabled) {
      if (wantsJson(c) || c.req.method !== "GET") throw new HttpError(401, "Login required");
      const nextPath = c.req.path + (new URL(c.req.url).search || "");
      return c.redirect(`/login?next=${encodeURIComponent(nextPath)}`, 303);
    }
    c.set("session", { ...signed, user: user.name });
    c.set("principal", {
      user: user.name,
      role: user.role,
      scope: user.scope,
      via: { kind: "session" },
    });
    c.set("csrf", await signer.csrfToken(signed.id));
    if (isUnsafe(c.req.method)) {
      let token = c.req.header("x-csrf-token");
      if (token === undefined && isForm(c)) {
        const body = await c.req.parseBody();
        token = typeof body._csrf === "string" ? body._csrf : undefined;
      }
      if (!await signer.checkCsrf(signed.id, token)) {
        throw new HttpError(403, "Missing or invalid CSRF token");
      }
    }
    await next();
  };
}

function isForm(c: AppContext): boolean {
  const type = c.req.header("content-type") ?? "";
  return type.startsWith("application/x-www-form-urlencoded") ||
    type.startsWith("multipart/form-data");
}

/** A login that passed its password and waits for the second factor (signed, in the form). */
interface Pending {
  readonly user: string;
  readonly nonce: string;
  readonly exp: number;
}

/**
 * Login form (user and password, then the second factor for users who have one), login and
 * logout, each recorded in the audit trail (`auth.login`, `auth.logout`; failures too). Login
 * attempts are throttled per client address and per user name (10 a minute each), counted
 * before any password or code is checked.
 *
 * @param settings the domain shown
 * @param signer signs sessions and the half-done login
 * @param onLogout called with the session that ends (its browser users are revoked); a failure
 *   is logged and does not keep the user logged in
 * @returns the routes
 */
export function authRoutes(
  settings: DashboardConfig["dashboard"],
  signer: SessionSigner,
  onLogout?: (session: Session) => Promise<void>,
): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const throttle = new LoginThrottle();

  const nonceOf = (c: AppContext): string => {
    let nonce = getCookie(c, LOGIN_COOKIE);
    if (!nonce || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) {
      nonce = crypto.randomUUID().replaceAll("-", "");
      setCookie(c, LOGIN_COOKIE, nonce, {
        httpOnly: true,
        sameSite: "Strict",
        secure: secure(c),
        path: "/login",
        maxAge: 3600,
      });
    }
    return nonce;
  };

  const loginPage = async (
    c: AppContext,
    error?: string,
    status = 200,
    pending?: { signed: string; next: string },
  ) => {
    const nonce = nonceOf(c);
    const csrf = await signer.csrfToken(`login:${nonce}`);
    const next = pending?.next ?? safeNext(c.req.query("next"));
    return c.render(
      pending
        ? (
          <form method="post" action="/login" class="login card" id="second-factor">
            <h1>Second factor</h1>
            <p class="muted">
              Enter the 6-digit code from your authenticator app, or one of your recovery codes.
            </p>
            {error && <p class="error-text" role="alert">{error}</p>}
            <input type="hidden" name="_csrf" value={csrf} />
            <input type="hidden" name="next" value={next} />
            <input type="hidden" name="pending" value={pending.signed} />
            <label>
              Code
              <input
                name="code"
                autocomplete="one-time-code"
                inputmode="numeric"
                required
                autofocus
              />
            </label>
            <button type="submit" class="primary">Verify</button>
          </form>
        )
        : (
          <form method="post" action="/login" class="login card">
            <h1>Log in</h1>
            <p class="muted">nunect dashboard for {settings.domain}</p>
            {error && <p class="error-text" role="alert">{error}</p>}
            <input type="hidden" name="_csrf" value={csrf} />
            <input type="hidden" name="next" value={next} />
            <label>
              User
              <input name="user" autocomplete="username" required autofocus />
            </label>
            <label>
              Password
              <input name="password" type="password" autocomplete="current-password" required />
            </label>
            <button type="submit" class="primary">Log in</button>
          </form>
        ),
      { title: "Log in", status },
    );
  };

  app.get("/login", (c) => loginPage(c));

  const tooMany = (c: AppContext, key: string) => {
    c.header("Retry-After", String(throttle.retryAfterS(key)));
    return loginPage(c, "Too many login attempts; wait a minute and try again", 429);
  };

  const record = (c: AppContext, input: Omit<AuditInput, "address">) => {
    // Without an audit trail yet (JetStream starting), logins still work: the log says so.
    const audit = c.var.services.audit();
    if (audit === undefined) {
      console.error(`Audit trail not ready; not recorded: ${input.action} by ${input.actor}`);
      return;
    }
    audit.submit({ ...input, address: clientAddress(c).slice(0, 64) });
  };

  const startSession = async (c: AppContext, p: Principal, how: string, next: string) => {
    const { id, record: session } = await c.var.services.need("sessions").create(p.user, {
      address: clientAddress(c),
      agent: c.req.header("user-agent") ?? "",
    });
    const cookie = await signer.sign({ user: session.user, id, exp: session.expires });
    setCookie(c, SESSION_COOKIE, cookie, {
      httpOnly: true,
      sameSite: "Strict",
      secure: secure(c),
      path: "/",
      maxAge: Math.floor(signer.ttlMs / 1000),
    });
    deleteCookie(c, LOGIN_COOKIE, { path: "/login" });
    record(c, {
      actor: p.user,
      role: p.role,
      scope: scopeLabel(p.scope),
      via: how,
      action: "auth.login",
      target: `session ${session.ref.slice(0, 12)}`,
      before: null,
      after: null,
      ok: true,
      status: 303,
      request: "POST /login",
    });
    return c.redirect(next, 303);
  };

  const failed = (c: AppContext, user: string, why: string, via: string) =>
    record(c, {
      actor: user.slice(0, 64) || "(none)",
      via,
      action: "auth.login",
      target: "login",
      before: null,
      after: null,
      ok: false,
      status: 401,
      error: why,
      request: "POST /login",
    });

  app.post("/login", async (c) => {
    // The peer address from Deno.serve; X-Forwarded-For is not trusted (anyone can send it).
    // Counted before the body is read: no await between this check and the count.
    const addrKey = `addr:${clientAddress(c)}`;
    if (!throttle.take(addrKey)) return tooMany(c, addrKey);
    const body = await c.req.parseBody();
    const nonce = getCookie(c, LOGIN_COOKIE);
    const token = typeof body._csrf === "string" ? body._csrf : undefined;
    if (!nonce || !await signer.checkCsrf(`login:${nonce}`, token)) {
      throw new HttpError(403, "Missing or invalid CSRF token; reload the login page");
    }
    const next = safeNext(typeof body.next === "string" ? body.next : undefined);
    const users = c.var.services.need("users");

    // Step two: the second factor of a login whose password was right.
    if (typeof body.pending === "string") {
      const text = await signer.verifyValue("second-factor", body.pending);
      const pending = text === undefined ? undefined : parsePending(text);
      if (pending === undefined || pending.nonce !== nonce || pending.exp <= Date.now()) {
        return loginPage(c, "The login took too long; start again", 401);
      }
      const userKey = `user:${pending.user.toLowerCase()}`;
      if (!throttle.take(userKey)) return tooMany(c, userKey);
      const code = typeof body.code === "string" ? body.code.slice(0, 64) : "";
      const how = await users.secondFactor(pending.user, code);
      const user = await users.get(pending.user);
      if (how === undefined || user === undefined || user.disabled) {
        failed(c, pending.user, "wrong second factor", "password+totp");
        return loginPage(c, "Wrong code", 401, { signed: body.pending, next });
      }
      throttle.clear(addrKey);
      throttle.clear(userKey);
      const p: Principal = {
        user: user.name,
        role: user.role,
        scope: user.scope,
        via: { kind: "session" },
      };
      return startSession(c, p, how === "totp" ? "password+totp" : "password+recovery", next);
    }

    const name = typeof body.user === "string" ? body.user.slice(0, 256) : "";
    const password = typeof body.password === "string" ? body.password : "";
    // Per user name too, so that many addresses cannot share out the guesses.
    const userKey = `user:${name.toLowerCase()}`;
    if (!throttle.take(userKey)) return tooMany(c, userKey);
    let result;
    try {
      result = await users.authenticate(name, password);
    } catch (e) {
      if (e instanceof KdfBusyError) {
        c.header("Retry-After", "5");
        return loginPage(c, e.message, 429);
      }
      throw e;
    }
    if (result === undefined) {
      failed(c, name, "wrong user or password", "password");
      return loginPage(c, "Wrong user or password", 401);
    }
    const { user, secondFactor } = result;
    if (secondFactor) {
      const pending = `${user.name}:${nonce}:${Date.now() + SECOND_FACTOR_MS}`;
      return loginPage(c, undefined, 200, {
        signed: await signer.signValue("second-factor", pending),
        next,
      });
    }
    throttle.clear(addrKey);
    throttle.clear(userKey);
    return startSession(
      c,
      {
        user: user.name,
        role: user.role,
        scope: user.scope,
        via: { kind: "session" },
      },
      "password",
      next,
    );
  });

  // Ends the session on every instance: a copied cookie and its CSRF token are worthless now.
  app.post("/logout", async (c) => {
    const session = sessionOf(c);
    const ref = await sessionRef(session.id);
    await c.var.services.need("sessions").end(ref);
    const p = c.get("principal");
    record(c, {
      actor: p.user,
      role: p.role,
      scope: scopeLabel(p.scope),
      via: "session",
      action: "auth.logout",
      target: `session ${ref.slice(0, 12)}`,
      before: null,
      after: null,
      ok: true,
      status: 303,
      request: "POST /logout",
    });
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    await onLogout?.(session).catch((e) =>
      console.error(`Logout: revoking the session's browser users failed: ${(e as Error).message}`)
    );
    return c.redirect("/login", 303);
  });

  return app;
}

function parsePending(text: string): Pending | undefined {
  const [user, nonce, exp] = text.split(":");
  if (user === undefined || nonce === undefined || exp === undefined || !/^\d+$/.test(exp)) {
    return undefined;
  }
  return { user, nonce, exp: Number(exp) };
}

// A plain path of this site: "/" then URL characters only (no white space or control characters,
// which browsers strip or which break the Location header; no backslash, which browsers read as
// "/"), and not "//" (another host).
const PLAIN_PATH = /^\/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/;

/**
 * Where to go after login: `next` when it is a plain same-site path, else `/` (no open redirect,
 * nothing that could break the `Location` header).
 *
 * @param next the `next` form field or query parameter
 * @returns a safe path
 */
export function safeNext(next: string | undefined): string {
  return next !== undefined && next.length <= 2048 && PLAIN_PATH.test(next) ? next : "/";
}
