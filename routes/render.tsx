import type { MiddlewareHandler } from "hono";
import { renderToString } from "preact-render-to-string";
import { Layout, type NavItem } from "../components/Layout.tsx";
import type { AppContext, AppEnv, PageProps } from "./context.ts";
import type { RenderedError } from "./errors.ts";
import type { RouteInfo } from "./route.ts";
import { mayUse } from "./authorize.ts";
import { alertsInScope } from "../mods/dashboard/mod.ts";

/**
 * The page renderer (`c.render(body, { title })`): the layout around the content. A logged-in
 * user gets the navigation (the pages its role and scope allow), the logout form with its CSRF
 * token, and the browser-unit island.
 *
 * @param nav the navigation, from the route table
 * @returns the middleware that sets the renderer
 */
export function pageRenderer(
  nav: readonly (NavItem & Pick<RouteInfo, "role" | "scope">)[],
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.setRenderer((body, props: PageProps) => {
      const session = c.get("session");
      const principal = session ? c.get("principal") : undefined;
      const services = c.get("services");
      const { config } = services;
      // The badge counts what the user may see (an account-scoped user: its accounts' alerts).
      const badge = alertsInScope(services.alertsView(), principal?.scope ?? null);
      const html = renderToString(
        <Layout
          title={props.title}
          path={c.req.path}
          nav={principal ? nav.filter((n) => mayUse(principal, n)) : []}
          domain={config.dashboard.domain}
          serverName={config.server.name}
          user={principal
            ? { name: principal.user, role: principal.role, scope: principal.scope }
            : undefined}
          csrf={session ? c.get("csrf") : undefined}
          version={services.version}
          alertsFiring={badge.available ? badge.firing : null}
          live={props.live}
          browserUnit={session
            ? {
              credentialsUrl: "/api/browser/credentials",
              echoTarget: services.unitId,
              heartbeatMs: services.unitIntervalMs,
              rttMs: services.unitIntervalMs,
            }
            : undefined}
        >
          {body}
        </Layout>,
      );
      return c.html(`<!doctype html>${html}`, (props.status ?? 200) as 200);
    });
    await next();
  };
}

/**
 * The HTML side of the one error renderer.
 *
 * @param c the request context (with the page renderer set)
 * @param e the error as described
 * @returns the error page
 */
export function errorPage(c: AppContext, e: RenderedError): Response | Promise<Response> {
  return c.render(
    <section class={`card error-card status-${e.status}`}>
      <h2>{e.status} · {e.title}</h2>
      <p>{e.message}</p>
      {e.status === 503 && (
        <p class="muted">
          The dashboard keeps running and retries on every request. Check that nats-server is
          running (<code>deno task nats</code> or{" "}
          <code>deno task start</code>) and that its monitoring port is reachable from the
          dashboard.
        </p>
      )}
      {e.status === 401 && (
        <p>
          <a href="/login">Log in</a>
        </p>
      )}
      <p>
        <a href="/">Overview</a>
      </p>
    </section>,
    { title: e.title, status: e.status },
  );
}
