import type { SSEStreamingApi } from "hono/streaming";
import type { z } from "zod";
import { streamSSE } from "hono/streaming";
import type { AccountContext, ScanCriteria } from "../mods/jetstream/mod.ts";
import { InvalidRequestError } from "../mods/dashboard/mod.ts";
import type { AppContext } from "./context.ts";
import { describeError, isFault } from "./errors.ts";

/**
 * The JetStream console's connection inside the account named by the `:account` path parameter,
 * acting for the logged-in user (the account connector decides the credentials).
 *
 * @param c the request context
 * @returns the account and its connection
 * @throws {NotFoundError} for an account the console has no credentials for
 */
export function account(c: AppContext): Promise<AccountContext> {
  return c.var.services.account(c.req.param("account") ?? "", { user: c.var.session.user });
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
  const names = c.var.services.accounts.accounts();
  const results = await Promise.all(names.map(async (name) => {
    try {
      return { ctx: await c.var.services.account(name, { user: c.var.session.user }) };
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
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidRequestError("Invalid request body: expected JSON");
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
