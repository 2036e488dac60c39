import { Hono, type MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { HttpError, wantsJson } from "./errors.ts";
import type { DashboardConfig } from "../mods/dashboard/mod.ts";
import type { AppContext, AppEnv } from "./context.ts";
import { isUnsafe } from "./security.ts";
import { safeEqual, type SessionSigner } from "./session.ts";

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
 * Requires a valid session for everything but public paths: /api answers 401 JSON, pages
 * redirect to /login. Every state-changing request must also carry the session's CSRF token
 * (`X-CSRF-Token` header or `_csrf` form field).
 *
 * @param signer signs and verifies sessions
 * @returns the middleware
 */
export function requireLogin(signer: SessionSigner): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (isPublic(c.req.path)) return next();
    const session = await signer.verify(getCookie(c, SESSION_COOKIE));
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

/** Failed logins per client within a minute before further attempts are refused. */
const MAX_FAILURES = 10;

/**
 * Login form, login and logout.
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
  const failures = new Map<string, { count: number; since: number }>();

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

  app.post("/login", async (c) => {
    // The peer address from Deno.serve; X-Forwarded-For is not trusted (anyone can send it).
    const client =
      (c.env as { remoteAddr?: { hostname?: string } } | undefined)?.remoteAddr?.hostname ??
        "local";
    const now = Date.now();
    const f = failures.get(client);
    if (f && now - f.since < 60_000 && f.count >= MAX_FAILURES) {
      return loginPage(c, "Too many failed logins; wait a minute and try again", 429);
    }
    const body = await c.req.parseBody();
    const nonce = getCookie(c, LOGIN_COOKIE);
    const token = typeof body._csrf === "string" ? body._csrf : undefined;
    if (!nonce || !await signer.checkCsrf(`login:${nonce}`, token)) {
      throw new HttpError(403, "Missing or invalid CSRF token; reload the login page");
    }
    const user = typeof body.user === "string" ? body.user : "";
    const password = typeof body.password === "string" ? body.password : "";
    const userOk = await safeEqual(user, settings.adminUser);
    const passOk = await safeEqual(password, settings.adminPassword);
    if (!(userOk && passOk)) {
      const entry = f && now - f.since < 60_000 ? f : { count: 0, since: now };
      entry.count++;
      failures.set(client, entry);
      // Bounded: forget windows that have passed once the table grows.
      if (failures.size > 10_000) {
        for (const [k, v] of failures) if (now - v.since >= 60_000) failures.delete(k);
      }
      return loginPage(c, "Wrong user or password", 401);
    }
    failures.delete(client);
    const { cookie } = await signer.create(settings.adminUser);
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

  app.post("/logout", (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.redirect("/login", 303);
  });

  return app;
}

/** Only same-site absolute paths are followed after login (no open redirect). */
function safeNext(next: string | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.includes("\\")) return "/";
  return next;
}
