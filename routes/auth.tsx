import { Hono, type MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { HttpError, wantsJson } from "./errors.ts";
import { type DashboardConfig, sessionRef } from "../mods/dashboard/mod.ts";
import type { AppContext, AppEnv } from "./context.ts";
import { isUnsafe } from "./security.ts";
import { safeEqual, type SessionSigner } from "./session.ts";
import { LoginThrottle } from "./login_throttle.ts";

/** Session cookie name. */
export const SESSION_COOKIE = "nunect_session";
/** Cookie carrying the pre-login nonce the login form's CSRF token is bound to. */
export const LOGIN_COOKIE = "nunect_login";

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
 * Requires a live session for everything but public paths: a cookie signed here, naming a
 * session the session store still has (not logged out, not idle too long, not ended by an admin);
 * /api answers 401 JSON, pages redirect to /login. Every state-changing request must also carry
 * the session's CSRF token (`X-CSRF-Token` header or `_csrf` form field).
 *
 * @param signer signs and verifies sessions
 * @returns the middleware
 */
export function requireLogin(signer: SessionSigner): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (isPublic(c.req.path)) return next();
    const signed = await signer.verify(getCookie(c, SESSION_COOKIE));
    const record = signed && await c.var.services.need("sessions").get(signed.id);
    const session = signed && record ? { ...signed, user: record.user } : undefined;
    if (!session) {
      if (wantsJson(c) || c.req.method !== "GET") throw new HttpError(401, "Login required");
      const nextPath = c.req.path + (new URL(c.req.url).search || "");
      return c.redirect(`/login?next=${encodeURIComponent(nextPath)}`, 303);
    }
    c.set("session", session);
    c.set("csrf", await signer.csrfToken(session.id));
    if (isUnsafe(c.req.method)) {
      let token = c.req.header("x-csrf-token");
      if (token === undefined && isForm(c)) {
        const body = await c.req.parseBody();
        token = typeof body._csrf === "string" ? body._csrf : undefined;
      }
      if (!await signer.checkCsrf(session.id, token)) {
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

/**
 * Login form, login and logout. Login attempts are throttled per client address and per user
 * name (10 a minute each), counted before any password is checked.
 *
 * @param settings DASHBOARD_ADMIN_USER and _PASSWORD, and the domain shown
 * @param signer signs sessions
 * @returns the routes
 */
export function authRoutes(
  settings: DashboardConfig["dashboard"],
  signer: SessionSigner,
): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const throttle = new LoginThrottle();

  const loginPage = async (c: AppContext, error?: string, status = 200) => {
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
    const csrf = await signer.csrfToken(`login:${nonce}`);
    const next = safeNext(c.req.query("next"));
    return c.render(
      (
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

  app.post("/login", async (c) => {
    // The peer address from Deno.serve; X-Forwarded-For is not trusted (anyone can send it).
    // Counted before the body is read: no await between this check and the count.
    const client =
      (c.env as { remoteAddr?: { hostname?: string } } | undefined)?.remoteAddr?.hostname ??
        "local";
    const addrKey = `addr:${client}`;
    if (!throttle.take(addrKey)) return tooMany(c, addrKey);
    const body = await c.req.parseBody();
    const nonce = getCookie(c, LOGIN_COOKIE);
    const token = typeof body._csrf === "string" ? body._csrf : undefined;
    if (!nonce || !await signer.checkCsrf(`login:${nonce}`, token)) {
      throw new HttpError(403, "Missing or invalid CSRF token; reload the login page");
    }
    const user = typeof body.user === "string" ? body.user : "";
    const password = typeof body.password === "string" ? body.password : "";
    // Per user name too, so that many addresses cannot share out the guesses.
    const userKey = `user:${user.toLowerCase()}`;
    if (!throttle.take(userKey)) return tooMany(c, userKey);
    const userOk = await safeEqual(user, settings.adminUser);
    const passOk = await safeEqual(password, settings.adminPassword);
    if (!(userOk && passOk)) return loginPage(c, "Wrong user or password", 401);
    throttle.clear(addrKey);
    throttle.clear(userKey);
    const { id, record } = await c.var.services.need("sessions").create(settings.adminUser, {
      address: client,
      agent: c.req.header("user-agent") ?? "",
    });
    const cookie = await signer.sign({ user: record.user, id, exp: record.expires });
    setCookie(c, SESSION_COOKIE, cookie, {
      httpOnly: true,
      sameSite: "Strict",
      secure: secure(c),
      path: "/",
      maxAge: Math.floor(signer.ttlMs / 1000),
    });
    deleteCookie(c, LOGIN_COOKIE, { path: "/login" });
    return c.redirect(safeNext(typeof body.next === "string" ? body.next : undefined), 303);
  });

  // Ends the session on every instance: a copied cookie and its CSRF token are worthless now.
  app.post("/logout", async (c) => {
    await c.var.services.need("sessions").end(await sessionRef(c.get("session").id));
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.redirect("/login", 303);
  });

  return app;
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
