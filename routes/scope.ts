import { inScope } from "../mods/access/mod.ts";
import { NotFoundError } from "../mods/dashboard/mod.ts";
import type { AppContext } from "./context.ts";

/**
 * Whether the asker may see something of an account (an unscoped user sees everything; an
 * account-scoped one only its accounts; something without an account only the unscoped).
 *
 * @param c the request context
 * @param account the thing's account, if known
 * @returns whether it is in the asker's scope
 */
export function sees(c: AppContext, account: string | undefined | null): boolean {
  const scope = c.var.principal.scope;
  return scope === null || (typeof account === "string" && inScope(scope, account));
}

/**
 * Keeps what the asker may see: the filter every account-scoped list applies where it reads its
 * data, before anything is rendered or answered.
 *
 * @param c the request context
 * @param items the items
 * @param accountOf each item's account
 * @returns the items in the asker's scope
 */
export function inAskersScope<T>(
  c: AppContext,
  items: readonly T[],
  accountOf: (item: T) => string | undefined | null,
): T[] {
  return c.var.principal.scope === null ? [...items] : items.filter((i) => sees(c, accountOf(i)));
}

/**
 * Refuses something of an account outside the asker's scope as if it did not exist (an
 * account-scoped user learns nothing of other accounts' connections, units or alerts).
 *
 * @param c the request context
 * @param account the thing's account
 * @param what how to name it, e.g. `connection "42"`
 * @throws {NotFoundError} outside the scope
 */
export function needInScope(c: AppContext, account: string | undefined | null, what: string): void {
  if (!sees(c, account)) throw new NotFoundError(`Unknown ${what}`);
}
