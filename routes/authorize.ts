import type { MiddlewareHandler } from "hono";
import { inScope, isInternal, type Principal, roleAllows } from "../mods/access/mod.ts";
import type { AppEnv } from "./context.ts";
import { HttpError } from "./errors.ts";
import type { RouteInfo } from "./route.ts";

/**
 * Whether a principal may use a route at all: its role is at least the route's, and an
 * account-scoped principal only uses routes that filter by account (or concern only itself).
 * The navigation shows exactly the pages this allows.
 *
 * @param p who asks
 * @param route the route's table entry
 * @returns whether it may
 */
export function mayUse(p: Principal, route: Pick<RouteInfo, "role" | "scope">): boolean {
  return roleAllows(p.role, route.role) && (p.scope === null || route.scope !== "global");
}

/**
 * Enforces the route table's role and scope for one route, before its handler runs: a role
 * below the route's is refused (403), an account-scoped user is refused server-wide routes and
 * any `:account` outside its scope, and nobody reaches nunect's own state in OPS (users, tokens,
 * sessions, the audit trail) through the JetStream console's `:stream` or `:bucket` routes.
 *
 * @param route the route's table entry
 * @returns the middleware
 */
export function authorize(route: RouteInfo): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const p = c.get("principal");
    if (!roleAllows(p.role, route.role)) {
      throw new HttpError(
        403,
        `Forbidden: ${route.method} ${route.path} needs role ${route.role}; "${p.user}" acts as ${p.role}`,
      );
    }
    const account = c.req.param("account");
    if (p.scope !== null) {
      if (route.scope === "global") {
        throw new HttpError(
          403,
          `Forbidden: ${route.path} shows every account; "${p.user}" is limited to ${
            p.scope.join(", ")
          }`,
        );
      }
      if (account !== undefined && !inScope(p.scope, account)) {
        throw new HttpError(
          403,
          `Forbidden: account "${account}" is outside the scope of "${p.user}" (${
            p.scope.join(", ")
          })`,
        );
      }
    }
    if (account !== undefined) {
      const stream = c.req.param("stream");
      const bucket = c.req.param("bucket");
      if (isInternal(account, { stream, bucket })) {
        throw new HttpError(
          403,
          `Forbidden: "${stream ?? bucket}" in OPS is nunect's own (users, tokens, sessions or ` +
            "the audit trail); use the Users, Tokens, Sessions and Audit pages",
        );
      }
    }
    await next();
  };
}
