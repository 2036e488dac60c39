import { Hono } from "hono";
import { compress } from "hono/compress";
import { serveStatic } from "hono/deno";
import { authRoutes, requireLogin } from "./auth.tsx";
import { type AppEnv, browserWsUrl, type DashboardSettings } from "./context.ts";
import { HttpError, renderError } from "./errors.ts";
import { errorPage } from "./render.tsx";
import { cors, originCheck, securityHeaders, type SecurityOptions } from "./security.ts";
import { SessionSigner } from "./session.ts";

/** Everything the web app is built from. */
export interface AppOptions {
  /** Settings from mods/config. */
  readonly settings: DashboardSettings;
  /** Dashboard version (deno.json). */
  readonly version: string;
  /** Routes added after the security, login and error handling (pages and /api). */
  readonly routes?: (app: Hono<AppEnv>) => void;
  /** Extra fields for /healthz (e.g. whether the NATS connections are up). */
  readonly health?: () => Record<string, unknown>;
  /** Directory holding static/ (default: the project root). */
  readonly root?: string;
}

/**
 * Builds the dashboard's Hono app: security headers, CORS, CSRF, login, static files, health
 * check and the one error renderer; pages and API come from `options.routes`.
 *
 * @param options settings and routes
 * @returns the app, ready for `Deno.serve(app.fetch)` or `app.request(...)` in tests
 */
export function createApp(options: AppOptions): Hono<AppEnv> {
  const { settings, version } = options;
  const app = new Hono<AppEnv>();
  const signer = new SessionSigner(settings.secret);
  const security: SecurityOptions = {
    corsOrigins: settings.corsOrigins,
    wsSources: (c) => [browserWsUrl(c, settings)],
  };
  const page = errorPage(settings, version);

  app.onError((err, c) => renderError(c, err, page));
  app.notFound((c) => renderError(c, new HttpError(404, `No page at "${c.req.path}"`), page));

  app.use("*", securityHeaders(security));
  app.use("*", cors(security));
  app.use("*", originCheck(security));
  app.use("*", requireLogin(signer));

  // The dashboard's own health (public, for service managers): it answers while NATS is down and
  // says so, without details an anonymous caller should not see.
  app.get("/healthz", (c) => c.json({ status: "ok", version, ...options.health?.() }));
  const root = options.root ?? new URL("..", import.meta.url).pathname;
  // Bundles are large (the NATS client and zod); only static files are compressed, never the
  // SSE stream or the relayed /api answers.
  app.use("/static/*", compress());
  app.use(
    "/static/*",
    async (c, next) => {
      await next();
      if (c.res.status === 200) {
        c.res.headers.set(
          "Cache-Control",
          c.req.path.startsWith("/static/build/") ? "no-cache" : "public, max-age=3600",
        );
      }
    },
    serveStatic({ root }),
  );
  app.get("/favicon.ico", (c) => c.redirect("/static/favicon.svg", 301));

  app.route("/", authRoutes(settings, signer, version));
  options.routes?.(app);
  return app;
}
