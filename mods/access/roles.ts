import { z } from "zod";

/** The roles, least first: each includes the rights of the ones before it. */
export const ROLES = ["viewer", "operator", "admin"] as const;

/**
 * Who may do what: `viewer` reads everything in scope; `operator` also publishes, purges, acks,
 * pauses, kicks, reloads and acknowledges alerts; `admin` also creates and deletes streams and
 * accounts, and manages credentials and users.
 */
export type Role = (typeof ROLES)[number];

/** zod schema of a role. */
export const roleSchema = z.enum(ROLES, { error: `expected one of ${ROLES.join(", ")}` });

/**
 * Whether a role includes another's rights.
 *
 * @param has the role a user or token has
 * @param needs the least role a route declares
 * @returns true when `has` is `needs` or above it
 */
export function roleAllows(has: Role, needs: Role): boolean {
  return ROLES.indexOf(has) >= ROLES.indexOf(needs);
}

/**
 * The lesser of two roles (a token never has more rights than its user has now).
 *
 * @param a one role
 * @param b another
 * @returns the one lower in {@linkcode ROLES}
 */
export function lesserRole(a: Role, b: Role): Role {
  return ROLES.indexOf(a) <= ROLES.indexOf(b) ? a : b;
}

/** An account name as the scope lists it (one NATS account; upper case by convention). */
export const accountNameSchema = z.string().regex(
  /^[A-Za-z0-9_-]{1,64}$/,
  "expected an account name: letters, digits, _ and -, up to 64",
);

/**
 * The accounts a user or token may see and change: `null` for every account (and the
 * server-wide pages), or a non-empty list (only those accounts' connections, streams, KV, units
 * and alerts; no server-wide page).
 */
export type Scope = readonly string[] | null;

/** zod schema of a scope: null (every account) or 1-32 account names. */
export const scopeSchema = z.array(accountNameSchema).min(1).max(32).nullable();

/**
 * Whether a scope includes an account.
 *
 * @param scope the scope
 * @param account the account's name
 * @returns true for an unscoped user or a listed account
 */
export function inScope(scope: Scope, account: string): boolean {
  return scope === null || scope.includes(account);
}

/**
 * The scope both of two scopes allow (a token's scope within its user's).
 *
 * @param a one scope
 * @param b another
 * @returns the intersection (an empty list allows nothing)
 */
export function narrowScope(a: Scope, b: Scope): Scope {
  if (a === null) return b;
  if (b === null) return a;
  return a.filter((x) => b.includes(x));
}

/** Who a request acts for, after login or token: what authorisation and audit read. */
export interface Principal {
  /** The dashboard user's name. */
  readonly user: string;
  /** The role in force (a token's, never above its user's). */
  readonly role: Role;
  /** The accounts in force. */
  readonly scope: Scope;
  /** How the request proved it: a login session or an API token (with its ID). */
  readonly via: { readonly kind: "session" } | { readonly kind: "token"; readonly id: string };
}

/**
 * The scope as shown in lists and the audit trail.
 *
 * @param scope the scope
 * @returns `*` for every account, else the names joined by commas
 */
export function scopeLabel(scope: Scope): string {
  return scope === null ? "*" : scope.join(",");
}
