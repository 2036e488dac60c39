import type { ComponentChildren } from "preact";
import { AlertBadge } from "../islands/AlertBadge.tsx";
import { BrowserUnit, type BrowserUnitProps } from "../islands/BrowserUnit.tsx";
import { Island } from "./Island.tsx";

/** One entry of the navigation (from the route table). */
export interface NavItem {
  readonly href: string;
  readonly label: string;
}

/** A user as the header shows it. */
export interface LayoutUser {
  readonly name: string;
  readonly role: string;
  /** Accounts the user is limited to (null: every account). */
  readonly scope: readonly string[] | null;
}

/** What every page's frame shows. */
export interface LayoutProps {
  /** Page title (also the `<title>`). */
  readonly title: string;
  /** The path of the current page, to highlight the navigation. */
  readonly path: string;
  /** The navigation, in order. */
  readonly nav: readonly NavItem[];
  /** DASHBOARD_DOMAIN. */
  readonly domain: string;
  /** The server the dashboard watches. */
  readonly serverName?: string;
  /** Logged-in user, or undefined on the login page. */
  readonly user?: LayoutUser;
  /** CSRF token for the logout form. */
  readonly csrf?: string;
  /** Props of the browser-unit island (omitted on the login and error pages). */
  readonly browserUnit?: BrowserUnitProps;
  /** Alerts firing now (the header badge's first value), null while alerts are unavailable. */
  readonly alertsFiring?: number | null;
  /** Dashboard version. */
  readonly version: string;
  /** Live topics of the page and the cursor it was rendered at (read by `useEventStream`). */
  readonly live?: { readonly topics: readonly string[]; readonly after: string };
  readonly children: ComponentChildren;
}

/** The frame of every page: header with domain, navigation, user, browser-unit status. */
export function Layout(p: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${p.title} · nunect · ${p.domain}`}</title>
        <link rel="stylesheet" href="/static/app.css" />
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
        {p.user !== undefined && <script type="module" src="/static/build/hydrate.js"></script>}
      </head>
      <body data-live={p.live?.topics.join(",")} data-live-after={p.live?.after}>
        <header class="top">
          <a class="brand" href="/">
            <span class="logo" aria-hidden="true">◆</span>
            <span>nunect</span>
          </a>
          <span class="domain" title="DASHBOARD_DOMAIN">{p.domain}</span>
          {p.serverName && p.user !== undefined && (
            <span class="server-chip" title="NATS server">{p.serverName}</span>
          )}
          <span class="spacer" />
          {p.user !== undefined && (
            <Island component={AlertBadge} props={{ initial: p.alertsFiring ?? null }} />
          )}
          {p.browserUnit && <Island component={BrowserUnit} props={p.browserUnit} />}
          {p.user !== undefined && (
            <form method="post" action="/logout" class="logout">
              <input type="hidden" name="_csrf" value={p.csrf} />
              <a class="user" href="/me" title="Your password, second factor and API tokens">
                {p.user.name}
              </a>
              <span class="role-chip" title="Your role and accounts">
                {p.user.role}
                {p.user.scope !== null && ` · ${p.user.scope.join(", ")}`}
              </span>
              <button type="submit" class="link">Log out</button>
            </form>
          )}
        </header>
        {p.user !== undefined && (
          <nav class="side">
            {p.nav.map((n) => (
              <a
                href={n.href}
                class={(n.href === "/" ? p.path === "/" : p.path.startsWith(n.href))
                  ? "active"
                  : undefined}
              >
                {n.label}
              </a>
            ))}
          </nav>
        )}
        <main class={p.user !== undefined ? "with-nav" : "bare"}>
          {p.user !== undefined && <h1>{p.title}</h1>}
          {p.children}
        </main>
        <footer class={p.user !== undefined ? undefined : "bare"}>
          {p.user !== undefined ? `nunect ${p.version}` : "nunect"}
        </footer>
      </body>
    </html>
  );
}
