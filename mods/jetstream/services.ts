import { type ServiceInfo, type ServiceStats, Svcm } from "@nats-io/services";
import { z } from "zod";
import type { Agrees } from "../protocol/wire_schema.ts";
import type { AccountContext } from "./accounts.ts";
import { InvalidInputError, NotFoundError } from "./errors.ts";
import { outgoing, outgoingMessageSchema, requestOutgoing, type RequestReply } from "./messages.ts";
import { parseInput } from "./_schema.ts";

/**
 * Whether a subject matches a filter with `*` and `>` wildcards.
 *
 * @param filter e.g. `orders.*.created` or `orders.>`
 * @param subject a subject without wildcards
 * @returns true when it matches
 */
export function subjectMatches(filter: string, subject: string): boolean {
  const f = filter.split(".");
  const t = subject.split(".");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === ">") return t.length > i;
    if (i >= t.length || (f[i] !== "*" && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

/** One endpoint of a service instance, with its counters. */
export interface EndpointRow {
  /** The endpoint's name. */
  readonly name: string;
  /** The subject it listens on. */
  readonly subject: string;
  /** Its queue group. */
  readonly queueGroup: string | null;
  /** Its metadata. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Requests handled. */
  readonly requests: number;
  /** Requests that failed. */
  readonly errors: number;
  /** The last error, or "". */
  readonly lastError: string;
  /** Average processing time, nanoseconds. */
  readonly averageNs: number;
}

/** One running instance of a NATS micro service, as `$SRV.INFO` and `$SRV.STATS` describe it. */
export interface ServiceRow {
  /** The account it runs in. */
  readonly account: string;
  /** The service's name. */
  readonly name: string;
  /** The instance's ID. */
  readonly id: string;
  /** Its version. */
  readonly version: string;
  /** Its description. */
  readonly description: string;
  /** Its metadata. */
  readonly metadata: Readonly<Record<string, string>>;
  /** When it started (RFC 3339), or null when it did not answer STATS. */
  readonly started: string | null;
  /** Its endpoints with counters. */
  readonly endpoints: readonly EndpointRow[];
  /** Round trip of its PING answer, milliseconds, or null when it did not answer. */
  readonly rttMs: number | null;
}

/** Services found across accounts, and the accounts that could not be asked. */
export interface ServiceList {
  /** Service instances, by account, name and ID. */
  readonly services: readonly ServiceRow[];
  /** Accounts that failed, and why. */
  readonly errors: readonly { readonly account: string; readonly message: string }[];
}

function client(ctx: AccountContext, maxWaitMs: number) {
  return new Svcm(ctx.nc as unknown as ConstructorParameters<typeof Svcm>[0]).client({
    strategy: "stall",
    maxWait: maxWaitMs,
  } as never);
}

/** Every answer; none when no service listens (the server's "no responders"). */
async function collect<T>(
  it: () => Promise<AsyncIterable<T>>,
  each?: (x: T) => void,
): Promise<T[]> {
  const out: T[] = [];
  try {
    for await (const x of await it()) {
      each?.(x);
      out.push(x);
    }
  } catch (e) {
    if (!/no responders/i.test((e as Error).message)) throw e;
  }
  return out;
}

/**
 * Every NATS micro service instance of an account (`$SRV.INFO`, `$SRV.STATS`, `$SRV.PING`).
 *
 * @param ctx a connection in the account
 * @param name only instances of this service
 * @param maxWaitMs how long to collect answers (default 1500)
 * @returns the instances
 */
export async function accountServices(
  ctx: AccountContext,
  name = "",
  maxWaitMs = 1500,
): Promise<ServiceRow[]> {
  const c = client(ctx, maxWaitMs);
  const t0 = performance.now();
  const rtt = new Map<string, number>();
  const [infos, stats] = await Promise.all([
    collect<ServiceInfo>(() => c.info(name) as never),
    collect<ServiceStats>(() => c.stats(name) as never),
    collect<{ id: string }>(
      () => c.ping(name) as never,
      (p) => rtt.set(p.id, performance.now() - t0),
    ),
  ]);
  const statsById = new Map(stats.map((s) => [s.id, s]));
  return infos.map((i) => {
    const s = statsById.get(i.id);
    const epStats = new Map((s?.endpoints ?? []).map((e) => [e.name, e]));
    return {
      account: ctx.account,
      name: i.name,
      id: i.id,
      version: i.version,
      description: i.description ?? "",
      metadata: i.metadata ?? {},
      started: s?.started ?? null,
      rttMs: rtt.has(i.id) ? Math.round(rtt.get(i.id)! * 100) / 100 : null,
      endpoints: (i.endpoints ?? []).map((e) => {
        const st = epStats.get(e.name);
        return {
          name: e.name,
          subject: e.subject,
          queueGroup: e.queue_group ?? null,
          metadata: e.metadata ?? {},
          requests: st?.num_requests ?? 0,
          errors: st?.num_errors ?? 0,
          lastError: st?.last_error ?? "",
          averageNs: st?.average_processing_time ?? 0,
        };
      }),
    };
  }).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/**
 * The micro services of several accounts, asked in parallel; an account that fails is reported.
 *
 * @param contexts a connection per account
 * @param name only this service
 * @returns the instances and the accounts that failed
 */
export async function listServices(
  contexts: readonly AccountContext[],
  name = "",
): Promise<ServiceList> {
  const results = await Promise.all(contexts.map(async (ctx) => {
    try {
      return { rows: await accountServices(ctx, name), error: null };
    } catch (e) {
      return { rows: [], error: { account: ctx.account, message: (e as Error).message } };
    }
  }));
  return {
    services: results.flatMap((r) => r.rows),
    errors: results.flatMap((r) => (r.error ? [r.error] : [])),
  };
}

/** zod schema of an endpoint call: which endpoint of which service, and the request. */
export const endpointCallSchema = z.object({
  service: z.string().min(1),
  endpoint: z.string().min(1),
  /** One instance (its ID); default: whichever answers (the endpoint's queue group decides). */
  id: z.string().optional(),
  /** For an endpoint listening on a wildcard subject: the concrete subject to call. */
  subject: z.string().optional(),
  headers: outgoingMessageSchema.shape.headers,
  payload: outgoingMessageSchema.shape.payload,
  encoding: outgoingMessageSchema.shape.encoding,
  timeoutMs: z.number().int().min(1).max(60_000).default(5000),
}).strict();

/** An endpoint call, as a form or the API sends it: which endpoint of which service, and the request. */
export interface EndpointCall {
  /** The service's name. */
  service: string;
  /** The endpoint's name. */
  endpoint: string;
  /** One instance (its ID); default: whichever answers (the endpoint's queue group decides). */
  id?: string;
  /** For an endpoint listening on a wildcard subject: the concrete subject to call. */
  subject?: string;
  /** Header lines as `[name, value]` (default none). */
  headers?: [string, string][];
  /** The request's payload, as `encoding` says (default empty). */
  payload?: string;
  /** How `payload` is written: `text` (the default) or `base64`. */
  encoding?: "text" | "base64";
  /** How long to wait for the answer, 1 to 60,000 ms (default 5000). */
  timeoutMs?: number;
}
true satisfies Agrees<z.input<typeof endpointCallSchema>, EndpointCall>;

/**
 * Calls a service endpoint with a payload. Only endpoints the service itself announces
 * (`$SRV.INFO`) can be called, so this never becomes a way to publish to arbitrary subjects.
 *
 * @param ctx a connection in the service's account
 * @param input service, endpoint, optional instance, headers, payload, timeout
 * @returns the reply
 * @throws {NotFoundError} when no running instance announces that endpoint
 */
export async function callEndpoint(ctx: AccountContext, input: unknown): Promise<RequestReply> {
  const c = parseInput(endpointCallSchema, input, "endpoint call");
  const instances = await accountServices(ctx, c.service, 1000);
  const candidates = instances.filter((s) => c.id === undefined || s.id === c.id);
  if (candidates.length === 0) {
    throw new NotFoundError(
      "service",
      c.id ? `${c.service}/${c.id}` : c.service,
      `in account "${ctx.account}"`,
    );
  }
  const ep = candidates.flatMap((s) => s.endpoints).find((e) => e.name === c.endpoint);
  if (ep === undefined) {
    throw new InvalidInputError("endpoint call", [{
      path: "endpoint",
      message: `service "${c.service}" has no endpoint "${c.endpoint}": it has ${
        [...new Set(candidates.flatMap((s) => s.endpoints.map((e) => e.name)))].join(", ") ||
        "none"
      }`,
    }]);
  }
  let subject = ep.subject;
  if (/(^|\.)[*>](\.|$)/.test(ep.subject)) {
    if (c.subject === undefined || !subjectMatches(ep.subject, c.subject)) {
      throw new InvalidInputError("endpoint call", [{
        path: "subject",
        message: `endpoint "${c.endpoint}" listens on "${ep.subject}": give a subject matching it`,
      }]);
    }
    subject = c.subject;
  }
  const m = outgoing(
    { subject, headers: c.headers, payload: c.payload, encoding: c.encoding },
    "endpoint call",
    true,
  );
  return await requestOutgoing(ctx, m, c.timeoutMs);
}
