import type { ComponentChildren } from "preact";
import { renderToString } from "preact-render-to-string";
import { Layout } from "../components/Layout.tsx";
import type { RenderedError } from "./errors.ts";
import type { AppContext, DashboardSettings } from "./context.ts";

/** Options of {@linkcode renderPage}. */
export interface PageOptions {
  readonly title: string;
  readonly settings: DashboardSettings;
  readonly version: string;
  readonly status?: number;
}

/**
 * Renders a page inside the layout. A logged-in user gets the navigation, the logout form with
 * its CSRF token, and the browser-unit island.
 *
 * @param c the request context
 * @param options title, settings, version and HTTP status
 * @param body the page content
 * @returns the HTML response
 */
export function renderPage(
  c: AppContext,
  options: PageOptions,
  body: ComponentChildren,
): Response {
  const session = c.get("session");
  const s = options.settings;
  const html = renderToString(
    <Layout
      title={options.title}
      path={c.req.path}
      domain={s.domain}
      serverName={s.serverName}
      user={session?.user}
      csrf={session ? c.get("csrf") : undefined}
      version={options.version}
      browserUnit={session
        ? {
          wsUrl: s.wsUrl ? s.wsUrl : null,
          wsPort: s.wsPort,
          credentialsUrl: "/api/browser/credentials",
          echoTarget: s.echoUnit,
          heartbeatMs: s.heartbeatMs,
          rttMs: s.rttMs,
        }
        : undefined}
    >
      {body}
    </Layout>,
  );
  return c.html(`<!doctype html>${html}`, (options.status ?? 200) as 200);
}

/**
 * The HTML side of the one error renderer.
 *
 * @param settings for the layout
 * @param version for the footer
 * @returns a renderer for {@linkcode renderError}
 */
export function errorPage(settings: DashboardSettings, version: string) {
  return (c: AppContext, e: RenderedError): Response =>
    renderPage(
      c,
      { title: e.title, settings, version, status: e.status },
      (
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
        </section>
      ),
    );
}
