import type { Handler, MiddlewareHandler } from "hono";
import type { ComponentChildren } from "preact";
import type { z } from "zod";
import type { LiveTopic, ServiceName } from "../mods/dashboard/mod.ts";
import type { AppContext, AppEnv } from "./context.ts";
import { validQuery } from "./query.ts";
import { validBody } from "./console.ts";
import type { Role } from "../mods/access/mod.ts";

export type { Role };

/**
 * What a route shows of the accounts, and so who of the account-scoped users may use it:
 * - `global`: server-wide (servers, routes, every account at once): unscoped users only;
 * - `account`: one account's or several accounts' data, filtered at its source by the user's
 *   scope (an `:account` path parameter outside the scope is refused before the handler runs);
 * - `self`: only the asker's own things (its tokens, its password, the API's description).
 */
export type RouteScope = "global" | "account" | "self";

/** What the route table says about one route; navigation, `/api` and access control read it. */
export interface RouteInfo {
  /** HTTP method. */
  readonly method: "GET" | "POST";
  /** Path as Hono matches it, e.g. `/connections/:cid`. */
  readonly path: string;
  /** A page's title (also its navigation label), or what an API route answers. */
  readonly title: string;
  /** Whether the navigation lists it (in table order). */
  readonly nav: boolean;
  /** A page's JSON twin under `/api/`: the same data, from the same code path. */
  readonly api: string | null;
  /** The least role that may use it. */
  readonly role: Role;
  /** Which account-scoped users may use it (default `global`: none). */
  readonly scope: RouteScope;
  /** The audit trail's action name for a POST (default: from the path, e.g. `streams.purge`). */
  readonly action: string | null;
  /** Services it cannot do without; while one is down it answers 503. */
  readonly needs: readonly ServiceName[];
  /** The live topics a page follows (its islands update from `/api/events`). */
  readonly live: readonly LiveTopic[];
  /**
   * The zod schemas that validate the request and describe the answer: the same ones the
   * OpenAPI description (`/api/openapi.json`) is generated from.
   */
  readonly schemas: RouteSchemas;
}

/** What validates a route's request and describes its JSON answer. */
export interface RouteSchemas {
  /** The query string. */
  readonly query?: z.ZodType;
  /** The JSON body of a POST. */
  readonly body?: z.ZodType;
  /** The JSON answer (200). */
  readonly response?: z.ZodType;
}

/** A route: its table entry and its handlers. */
export interface Route extends RouteInfo {
  /** Middleware (validation) and the handler, in order. */
  readonly handlers: readonly (MiddlewareHandler<AppEnv> | Handler<AppEnv>)[];
}

/** Common fields of {@linkcode page} and {@linkcode endpoint}. */
interface RouteDef<Q> {
  /** Path as Hono matches it. */
  readonly path: string;
  /** Title (pages) or description (API). */
  readonly title: string;
  /** The least role (default `viewer`). */
  readonly role?: Role;
  /** Which account-scoped users may use it (default `global`). */
  readonly scope?: RouteScope;
  /** The audit action of a POST (default: from the path). */
  readonly action?: string;
  /** Services it cannot do without. */
  readonly needs?: readonly ServiceName[];
  /** Schema of the query string (zod); parsed once for the page and its twin. */
  readonly query?: z.ZodType<Q>;
  /** Schema of the JSON answer (the twin's, for a page): described in the OpenAPI document. */
  readonly response?: z.ZodType;
}

/** Definition of a page and its JSON twin, for {@linkcode page}. */
export interface PageDef<Q, D> extends RouteDef<Q> {
  /** Listed in the navigation (default false). */
  readonly nav?: boolean;
  /** Live topics its islands follow, from the moment `load` starts (nothing is missed). */
  readonly live?: readonly LiveTopic[];
  /** The twin's path (same path parameters, same query) and what it answers. */
  readonly twin: {
    readonly path: string;
    readonly title: string;
    /** Streams the answer instead of serialising `load`'s (a monitoring relay of the same data). */
    readonly relay?: (c: AppContext, query: Q) => Promise<Response>;
  };
  /** The page's data; the twin answers exactly this as JSON. */
  readonly load: (c: AppContext, query: Q) => D | Promise<D>;
  /** Draws the data. */
  readonly render: (data: D, c: AppContext, query: Q) => ComponentChildren;
  /** A title with the data in it, e.g. `Connection 42` (default: `title`). */
  readonly heading?: (data: D, c: AppContext) => string;
}

/** Definition of a route without a page, for {@linkcode endpoint}. */
export interface EndpointDef<Q, D, B = undefined> extends RouteDef<Q> {
  /** HTTP method (default GET). */
  readonly method?: "GET" | "POST";
  /** Schema of the JSON body: parsed before `handle`, a bad one is a 400 naming the field. */
  readonly body?: z.ZodType<B>;
  /** Answers a value (sent as JSON) or a response. */
  readonly handle: (c: AppContext, query: Q, body: B) => D | Response | Promise<D | Response>;
}

function queryOf<Q>(c: AppContext): Q {
  return (c.req.valid as (target: "query") => Q)("query");
}

function handlers<Q>(
  def: RouteDef<Q>,
  handler: Handler<AppEnv>,
): (MiddlewareHandler<AppEnv> | Handler<AppEnv>)[] {
  return def.query ? [validQuery(def.query), handler] : [handler];
}

/**
 * A page and its JSON twin from one `load`: the twin answers what the page draws, so every JSON a
 * page shows is also under `/api/`.
 *
 * @param def path, title, twin, data and drawing
 * @returns the page's route and the twin's
 */
export function page<Q = Record<never, never>, D = unknown>(def: PageDef<Q, D>): Route[] {
  const common = {
    role: def.role ?? "viewer",
    scope: def.scope ?? scopeOf(def.path),
    action: null,
    needs: def.needs ?? [],
  } as const;
  // Every page follows `alerts`: the header's badge counts firing alerts live.
  const live: readonly LiveTopic[] = [...new Set([...(def.live ?? []), "alerts" as const])];
  const pageRoute: Route = {
    ...common,
    method: "GET",
    path: def.path,
    title: def.title,
    nav: def.nav ?? false,
    api: def.twin.path,
    live,
    schemas: { query: def.query },
    handlers: handlers(def, async (c) => {
      const q = queryOf<Q>(c);
      // The live stream resumes from before the data was read: nothing falls in between.
      const cursor = c.var.services.live.cursor();
      const data = await def.load(c, q);
      return c.render(def.render(data, c, q), {
        title: def.heading?.(data, c) ?? def.title,
        live: live.length > 0 ? { topics: live, after: cursor } : undefined,
      });
    }),
  };
  const twinRoute: Route = {
    ...common,
    method: "GET",
    path: def.twin.path,
    title: def.twin.title,
    nav: false,
    api: null,
    live: [],
    schemas: { query: def.query, response: def.response },
    handlers: handlers(def, async (c) => {
      const q = queryOf<Q>(c);
      if (def.twin.relay) return await def.twin.relay(c, q);
      return c.json(await def.load(c, q) as object);
    }),
  };
  return [pageRoute, twinRoute];
}

/**
 * A route without a page: JSON for scripts, a stream, or a state-changing POST (a form action
 * answers with a redirect).
 *
 * @param def method, path, description and handler
 * @returns the route
 */
export function endpoint<Q = Record<never, never>, D = unknown, B = undefined>(
  def: EndpointDef<Q, D, B>,
): Route {
  return {
    method: def.method ?? "GET",
    path: def.path,
    title: def.title,
    nav: false,
    api: null,
    role: def.role ?? "viewer",
    scope: def.scope ?? scopeOf(def.path),
    action: def.method === "POST" ? def.action ?? actionOf(def.path) : null,
    needs: def.needs ?? [],
    live: [],
    schemas: { query: def.query, body: def.body, response: def.response },
    handlers: handlers(def, async (c) => {
      const body = def.body ? await validBody(c, def.body) : undefined as B;
      const out = await def.handle(c, queryOf<Q>(c), body);
      return out instanceof Response ? out : c.json(out as object);
    }),
  };
}

/** A route naming an `:account` is account-scoped (authorisation checks the parameter). */
function scopeOf(path: string): RouteScope {
  return path.includes("/:account") ? "account" : "global";
}

/**
 * The audit action of a POST route from its path: the literal segments after `/api`, joined by
 * dots (`/api/streams/:account/:stream/purge` is `streams.purge`; the form twin
 * `/connections/:cid/kick` and `/api/connections/:cid/kick` are both `connections.kick`).
 *
 * @param path the route's path
 * @returns the action
 */
export function actionOf(path: string): string {
  const words = path.split("/").filter((s) => s !== "" && !s.startsWith(":"));
  if (words[0] === "api") words.shift();
  return words.slice(0, 4).join(".").toLowerCase() || "root";
}
