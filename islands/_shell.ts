/**
 * The dashboard as a single-page shell: links and filter forms inside the dashboard load the next
 * page with `fetch` and swap the navigation and the main content in place, so the header and its
 * browser unit — this browser's one NATS connection — live on across pages instead of
 * reconnecting on every navigation (each reconnect was a DISCONNECT/CONNECT pair in Activity).
 * Each page's islands are hydrated when it comes in and unmounted when it goes; the live stream
 * is reopened with the new page's topics and cursor. Anything else (logout and other POST forms,
 * /api and static files, other origins, new tabs, a failed fetch) is an ordinary navigation.
 *
 * @module
 */
import { hydrateIslands, type IslandRegistry } from "./_hydrate.ts";
import { closeEventStream, openEventStream } from "./_event_stream.ts";

/** Paths the shell never loads in place. */
const FULL_PAGE = /^\/(api|static|login|logout)(\/|$)/;

let unmountPage: () => void = () => {};
let loading: AbortController | undefined;

function inPlace(url: URL): boolean {
  return url.origin === location.origin && !FULL_PAGE.test(url.pathname);
}

async function navigate(url: URL, push: boolean, registry: IslandRegistry): Promise<void> {
  loading?.abort();
  const ctl = loading = new AbortController();
  let html: string;
  try {
    const res = await fetch(url, { headers: { accept: "text/html" }, signal: ctl.signal });
    const type = res.headers.get("content-type") ?? "";
    // A login redirect, a download or JSON: let the browser have it.
    if (!type.includes("text/html") || !inPlace(new URL(res.url))) {
      return location.assign(url);
    }
    html = await res.text();
  } catch (e) {
    if (ctl.signal.aborted) return;
    console.warn(`Loading ${url.pathname} in place failed (${e}); loading the whole page`);
    return location.assign(url);
  }
  if (ctl.signal.aborted) return;
  const next = new DOMParser().parseFromString(html, "text/html");
  const main = next.querySelector("main");
  const nav = next.querySelector("nav.side");
  if (!main || !nav) return location.assign(url);
  unmountPage();
  closeEventStream();
  document.title = next.title;
  document.querySelector("main")?.replaceWith(document.adoptNode(main));
  document.querySelector("nav.side")?.replaceWith(document.adoptNode(nav));
  for (const key of ["live", "liveAfter"] as const) {
    const value = next.body.dataset[key];
    if (value === undefined) delete document.body.dataset[key];
    else document.body.dataset[key] = value;
  }
  if (push) history.pushState(null, "", url);
  if (url.hash) document.getElementById(url.hash.slice(1))?.scrollIntoView();
  else if (push) scrollTo(0, 0);
  unmountPage = hydrateIslands(registry, document.querySelector("main")!);
  // Islands of the header (the alerts badge) follow the stream on every page, with or without
  // islands of its own.
  openEventStream();
}

/**
 * Hydrates the page and takes over navigation inside the dashboard.
 *
 * @param registry every island component by name
 */
export function startShell(registry: IslandRegistry): void {
  // The header (the browser unit) is hydrated once; the main content per page.
  hydrateIslands(registry, document.querySelector("header") ?? document.createElement("div"));
  unmountPage = hydrateIslands(registry, document.querySelector("main") ?? document);
  document.addEventListener("click", (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) {
      return;
    }
    const a = (e.target as Element | null)?.closest("a");
    if (!a || a.target || a.hasAttribute("download") || !a.href) return;
    const url = new URL(a.href);
    if (!inPlace(url)) return;
    // A link to another part of this very page stays the browser's.
    if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
    e.preventDefault();
    void navigate(url, true, registry);
  });
  document.addEventListener("submit", (e) => {
    const form = e.target as HTMLFormElement;
    if (e.defaultPrevented || form.method.toLowerCase() !== "get") return;
    const url = new URL(form.action, location.href);
    if (!inPlace(url)) return;
    e.preventDefault();
    const query = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (typeof v === "string") query.append(k, v);
    url.search = query.toString();
    void navigate(url, true, registry);
  });
  addEventListener("popstate", () => void navigate(new URL(location.href), false, registry));
}
