import type { SSEStreamingApi } from "hono/streaming";
import type { z } from "zod";
import { streamSSE } from "hono/streaming";
import type { AccountContext, ScanCriteria } from "../mods/jetstream/mod.ts";
import { InvalidRequestError } from "../mods/dashboard/mod.ts";
import type { AppContext } from "./context.ts";
import { describeError, HttpError, isFault } from "./errors.ts";
import { inScope, isInternal } from "../mods/access/mod.ts";

/**
 * The accounts the JetStream console acts in, as far as the asker's scope reaches: every page
 * and list of the console starts from these, so an account-scoped user's lists never hold
 * another account's streams, buckets, object stores, services or dead letters.
 *
 * @param c the request context
 * @returns the account names
 */
export function consoleAccounts(c: AppContext): string[] {
  const scope = c.var.principal.scope;
  return c.var.services.accounts.accounts().filter((a) => inScope(scope, a));
}

/**
 * The console's connection inside a named account, acting for the logged-in user with the
 * rights of the role in force (a token's, never above its user's), refused outside the user's
 * scope.
 *
 * @param c the request context
 * @param name the account's name
 * @returns the account and its connection
 * @throws {HttpError} 403 for an account outside the user's scope
 * @throws {NotFoundError} for an account the console has no credentials for
 */
export function accountNamed(c: AppContext, name: string): Promise<AccountContext> {
  const p = c.var.principal;
  if (!inScope(p.scope, name)) {
    throw new HttpError(403, `Forbidden: account "${name}" is outside the scope of "${p.user}"`);
  }
  return c.var.services.account(name, { user: p.user, role: p.role });
}

/**
 * The JetStream console's connection inside the account named by the `:account` path parameter,
 * acting for the logged-in user (the account connector decides the credentials).
 *
 * @param c the request context
 * @returns the account and its connection
 * @throws {NotFoundError} for an account the console has no credentials for
 */
export function account(c: AppContext): Promise<AccountContext> {
  return accountNamed(c, c.req.param("account") ?? "");
}

/**
 * Connections inside every account the console can act in (for lists across accounts); an
 * account that cannot be reached is left out and reported.
 *
 * @param c the request context
 * @returns the contexts, and the accounts that failed with why
 */
export async function allAccounts(c: AppContext): Promise<{
  contexts: AccountContext[];
  errors: { account: string; message: string }[];
}> {
  const names = consoleAccounts(c);
  const results = await Promise.all(names.map(async (name) => {
    try {
      return { ctx: await accountNamed(c, name) };
    } catch (e) {
      return { error: { account: name, message: (e as Error).message } };
    }
  }));
  return {
    contexts: results.flatMap((r) => ("ctx" in r && r.ctx ? [r.ctx] : [])),
    errors: results.flatMap((r) => ("error" in r && r.error ? [r.error] : [])),
  };
}

/**
 * The JSON body of a request.
 *
 * @param c the request context
 * @returns the parsed body (an empty body is `{}`)
 * @throws {InvalidRequestError} for a body that is not JSON
 */
export async function jsonBody(c: AppContext): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InvalidRequestError("Invalid request body: expected JSON");
  }
  refuseInternalSubjects(c.req.param("account"), body);
  return body;
}

/**
 * Refuses a console body that would publish into nunect's own subjects in OPS (a forged audit
 * record): every publish, request, re-publish, replay and service call of the console names its
 * subject in `subject` or `to`, and every one reads its body through {@linkcode jsonBody}.
 */
function refuseInternalSubjects(account: string | undefined, body: unknown, depth = 0): void {
  if (account === undefined || typeof body !== "object" || body === null || depth > 3) return;
  for (const [field, v] of Object.entries(body)) {
    if (
      (field === "subject" || field === "to") && typeof v === "string" &&
      isInternal(account, { subject: v.trim() })
    ) {
      throw new HttpError(
        403,
        `Forbidden: subject "${v.slice(0, 120)}" in ${account} belongs to nunect's audit trail`,
      );
    }
    if (typeof v === "object") refuseInternalSubjects(account, v, depth + 1);
  }
}

/**
 * The JSON body of a request, validated.
 *
 * @param c the request context
 * @param schema the body's schema
 * @returns the parsed body
 * @throws {InvalidRequestError} naming the first bad field and what is expected
 */
export async function validBody<T>(c: AppContext, schema: z.ZodType<T>): Promise<T> {
  const r = schema.safeParse(await jsonBody(c));
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  throw new InvalidRequestError(`Invalid ${i.path.join(".") || "request body"}: ${i.message}`);
}

/** Query parameters of a search, an export or a replay, as one criteria object. */
export function criteriaOf(c: AppContext): ScanCriteria {
  const q = c.req.query();
  const num = (name: string) => {
    const v = q[name];
    if (v === undefined || v === "") return undefined;
    if (!/^\d+$/.test(v)) {
      throw new InvalidRequestError(`Invalid ${name} "${v}": expected a number`);
    }
    return Number(v);
  };
  const str = (name: string) => (q[name] === undefined || q[name] === "" ? undefined : q[name]);
  const header = str("header");
  return Object.fromEntries(
    Object.entries({
      subject: str("subject"),
      fromSeq: num("fromSeq"),
      toSeq: num("toSeq"),
      fromTime: str("fromTime"),
      toTime: str("toTime"),
      header: header === undefined ? undefined : { name: header, value: str("headerValue") },
      text: str("text"),
      limit: num("limit"),
    }).filter(([, v]) => v !== undefined),
  ) as ScanCriteria;
}

/**
 * Streams events of a long-running operation as Server-Sent Events (`event: <type>`, JSON data);
 * closing the stream (the browser's EventSource or a fetch abort) cancels the operation, and an
 * error ends it with an `error` event carrying the message.
 *
 * @param c the request context
 * @param run yields the events; gets the signal that the client went away
 * @returns the response
 */
export function sseOf(
  c: AppContext,
  run: (signal: AbortSignal) => AsyncIterable<{ type: string }>,
): Response {
  c.header("Cache-Control", "no-store");
  c.header("X-Accel-Buffering", "no");
  return streamSSE(c, async (stream: SSEStreamingApi) => {
    const ac = new AbortController();
    stream.onAbort(() => ac.abort(new Error("The client closed the stream")));
    try {
      for await (const e of run(ac.signal)) {
        if (ac.signal.aborted) break;
        await stream.writeSSE({ event: e.type, data: JSON.stringify(e) });
      }
    } catch (e) {
      if (!ac.signal.aborted) {
        // The same message the error renderer would give: known errors say what is wrong,
        // anything else stays in the server log.
        const { status, message } = describeError(e);
        if (isFault(status)) {
          console.error(`${c.req.method} ${c.req.path}:`, e);
        }
        await stream.writeSSE({ event: "error", data: JSON.stringify({ status, message }) });
      }
    }
  });
}
