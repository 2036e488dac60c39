import { Hono, type MiddlewareHandler } from "hono";
import { compress } from "hono/compress";
import { serveStatic } from "hono/deno";
import type { DashboardServices, ServiceName } from "../mods/dashboard/mod.ts";
import { authRoutes, requireLogin } from "./auth.tsx";
import { bodyLimits } from "./body_limit.ts";
import { type AppEnv, browserWsUrl } from "./context.ts";
import { HttpError, renderError } from "./errors.ts";
import { errorPage, pageRenderer } from "./render.tsx";
import { cors, originCheck, securityHeaders, type SecurityOptions } from "./security.ts";
import { SessionSigner } from "./session.ts";
import { navigation, ROUTES } from "./table.ts";
import { auditWrites } from "./audit.ts";
import { authorize } from "./authorize.ts";
import { metricsHandler } from "./metrics.ts";

/** What the web app is built from. */
export interface AppOptions {
  /** The dashboard's server side: configuration, NATS services, samplers. */
  readonly services: DashboardServices;
  /** Directory holding static/ (default: the project root). */
  readonly root?: string;
  /**
   * Which of the route table's guards run (default both): the role and scope checks, and the
   * audit trail of writes. Turned off only by `deno task bench access`, which measures what
   * they cost; main.ts never sets it.
   */
  readonly guards?: { readonly authorize: boolean; readonly audit: boolean };
}

/** Provides the services a route needs as context variables, or answers 503 (one place). */
function provide(needs: readonly ServiceName[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const services = c.var.services;
    for (const name of needs) {
      if (name === "sys") c.set("sys", services.need("sys"));
      else if (name === "units") c.set("units", services.need("units"));
      else services.need(name);
    }
    await next();
  };
}

/**
 * Builds the dashboard's Hono app: the page renderer, security headers, CORS, CSRF, login,
 * static files, the health check, the one error renderer, and every route of the route table
 * with the services it needs.
 *
 * @param options the services (and where static/ is)
 * @returns the app, ready for `Deno.serve(app.fetch)` or `app.request(...)` in tests
 */
export function createDashboard(options: AppOptions): Hono<AppEnv> {
  const { services } = options;
  const { config } = services;
  const app = new Hono<AppEnv>();
  const signer = new SessionSigner(
    config.dashboard.secret,
    config.dashboard.sessionMaxH * 3600_000,
  );
  const security: SecurityOptions = {
    corsOrigins: config.dashboard.corsOrigins,
    wsSources: (c) => [browserWsUrl(c, config)],
    hstsMaxAgeS: config.dashboard.hstsMaxAgeS,
  };

  app.onError((err, c) => renderError(c, err, errorPage));
  app.notFound((c) => renderError(c, new HttpError(404, `No page at "${c.req.path}"`), errorPage));

  app.use("*", async (c, next) => {
    c.set("services", services);
    await next();
  });
  app.use("*", pageRenderer(navigation()));
  app.use("*", securityHeaders(security));
  app.use("*", bodyLimits());
  app.use("*", cors(security));
  app.use("*", originCheck(security));
  app.use("*", requireLogin(signer));

  // The dashboard's own health (public, for service managers and load balancers): it answers
  // while NATS is down and says so (503), without details an anonymous caller should not see.
  // Connected means a round trip to NATS answered in time, not just an open socket.
  app.get("/healthz", async (c) => {
    const nats = await services.natsHealth();
    const ok = nats === "connected";
    return c.json(
      { status: ok ? "ok" : "degraded", version: services.version, nats },
      ok ? 200 : 503,
    );
  });
  // Prometheus scrapes (bearer token, not the session; off unless configured).
  app.get("/metrics", metricsHandler);
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

  app.route(
    "/",
    authRoutes(config.dashboard, signer, (session) => services.browsers.revoke(session)),
  );
  const pass: MiddlewareHandler<AppEnv> = async (_c, next) => await next();
  for (const r of ROUTES) {
    const audit = options.guards?.audit === false ? pass : auditWrites(r);
    const guard = options.guards?.authorize === false ? pass : authorize(r);
    app.on(r.method, r.path, audit, guard, provide(r.needs), ...r.handlers);
  }
  return app;
}
