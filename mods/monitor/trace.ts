import { createInbox, headers } from "@nats-io/nats-core";
import type { NatsConnection } from "../client/nats_types.ts";
import { z } from "zod";
import type { Agrees } from "../protocol/wire_schema.ts";
import { requireFeature } from "./require_feature.ts";
import { type EventServer, eventServerSchema } from "./sys_schemas.ts";

const str = z.string();
const count = z.number().nonnegative();

/** One step inside a server's trace event: ingress, subject mapping, export, import, JetStream, egress. */
export const traceStepSchema = z.looseObject({
  /** `in` ingress, `sm` subject mapping, `se` stream export, `si` service import, `js` JetStream, `eg` egress. */
  type: str,
  ts: str,
  kind: count.optional(),
  cid: count.optional(),
  name: str.optional(),
  acc: str.optional(),
  subj: str.optional(),
  sub: str.optional(),
  queue: str.optional(),
  hop: str.optional(),
  to: str.optional(),
  from: str.optional(),
  stream: str.optional(),
  nointerest: z.boolean().optional(),
  error: str.optional(),
});

/** What one server reports about a traced message (nats-server 2.11+ `MsgTraceEvent`). */
export const traceEventSchema = z.looseObject({
  server: eventServerSchema,
  request: z.looseObject({
    header: z.record(str, z.array(str)).nullable().optional(),
    msgsize: count.optional(),
  }),
  hops: count.optional(),
  events: z.array(traceStepSchema),
});

/**
 * One step inside a server's trace event (nats-server's `MsgTrace*` entries); which fields are
 * there depends on `type`.
 */
export interface TraceStep {
  /** `in` ingress, `sm` subject mapping, `se` stream export, `si` service import, `js` JetStream, `eg` egress. */
  type: string;
  /** When the server took the step, RFC 3339. */
  ts: string;
  /** Ingress and egress: the connection kind (an index into {@linkcode TRACE_KINDS}). */
  kind?: number;
  /** Ingress and egress: the connection's ID on that server. */
  cid?: number;
  /** Ingress and egress: the connection's name (a route's, gateway's or leaf node's server). */
  name?: string;
  /** The account the step happened in. */
  acc?: string;
  /** Ingress: the subject as published; subject mapping: the subject it became. */
  subj?: string;
  /** Egress: the subscription's subject the message was delivered on. */
  sub?: string;
  /** Egress: the subscription's queue group. */
  queue?: string;
  /** Egress to a server: the hop ID the next server reports under. */
  hop?: string;
  /** Stream export and service import: the subject it was mapped to. */
  to?: string;
  /** Service import: the subject it was mapped from. */
  from?: string;
  /** JetStream: the stream that stored the message. */
  stream?: string;
  /** JetStream: nobody was interested in the stored message. */
  nointerest?: boolean;
  /** Why the step failed (e.g. a permission refused on egress). */
  error?: string;
}
true satisfies Agrees<z.output<typeof traceStepSchema>, TraceStep>;

/** What one server reports about a traced message (nats-server 2.11+ `MsgTraceEvent`). */
export interface TraceEvent {
  /** The server that reports. */
  server: EventServer;
  /** The traced message as it reached this server: its headers and size in bytes. */
  request: { header?: Record<string, string[]> | null; msgsize?: number };
  /** How many servers this one forwarded the message to. */
  hops?: number;
  /** What the server did with it, step by step. */
  events: TraceStep[];
}
true satisfies Agrees<z.output<typeof traceEventSchema>, TraceEvent>;

/** The connection kinds of ingress and egress steps (nats-server's client kinds). */
export const TRACE_KINDS: readonly string[] = [
  "client",
  "route",
  "gateway",
  "system",
  "leaf node",
  "JetStream",
  "account",
];

/** One server the message passed through, in the order of the path. */
export interface TraceHop {
  /** Hop ID: `""` where it was published, then `1`, `1.1`, `2`, … as servers forward it. */
  readonly hop: string;
  /** The server's name. */
  readonly server: string;
  /** The version it runs. */
  readonly version: string;
  /** Where the message came in: connection kind, name, account and subject. */
  readonly ingress?: {
    readonly kind: string;
    readonly name: string;
    readonly account: string;
    readonly subject: string;
    readonly error?: string;
  };
  /** Subject mappings, stream exports, service imports and JetStream stores on the way. */
  readonly steps: readonly string[];
  /** Where it went out: clients, routes, gateways, leaf nodes, with the next hop's ID. */
  readonly egress: readonly {
    readonly kind: string;
    readonly name: string;
    readonly account: string;
    readonly subscription: string;
    readonly queue: string;
    readonly hop: string;
    readonly error: string;
  }[];
}

/** The outcome of {@linkcode traceMessage}. */
export interface MessageTrace {
  /** The subject traced. */
  readonly subject: string;
  /** Whether the message was only traced, not delivered. */
  readonly traceOnly: boolean;
  /** The servers it passed, origin first (see {@linkcode traceHops}). */
  readonly hops: readonly TraceHop[];
  /** Forwarded hops no server reported within the window (e.g. an older server on the path). */
  readonly missing: readonly string[];
  /** Replies on the trace subject that did not parse (counted and dropped). */
  readonly malformed: number;
}

/** Options of {@linkcode traceMessage}. */
export interface TraceOptions {
  /** Headers to publish with (besides the tracing ones). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Trace without delivering to subscribers (default `true`: tracing has no side effects). */
  readonly traceOnly?: boolean;
  /** Longest wait for the servers' reports in milliseconds (default 2000). */
  readonly windowMs?: number;
  /** An account's name from the key the server reports (operator mode); default: as reported. */
  readonly accountName?: (key: string) => string;
}

const kindName = (k: number | undefined) => TRACE_KINDS[k ?? -1] ?? `kind ${k}`;

function describeStep(s: TraceStep, name: (key: string) => string): string {
  switch (s.type) {
    case "sm":
      return `subject mapped to ${s.to}`;
    case "se":
      return `stream export to account ${name(s.acc ?? "")} as ${s.to}`;
    case "si":
      return `service import into account ${name(s.acc ?? "")}: ${s.from} → ${s.to}`;
    case "js":
      return s.error
        ? `JetStream stream ${s.stream}: ${s.error}`
        : `stored in JetStream stream ${s.stream}${s.nointerest ? " (no interest)" : ""}`;
    default:
      return `${s.type}`;
  }
}

/**
 * Orders the servers' trace events into the message's path: the origin (no `Nats-Trace-Hop`)
 * first, then each forwarded hop by its ID. Pure: the dashboard and the tests use it.
 *
 * @param events the validated trace events
 * @param name an account's name from the key the server reports (operator mode)
 * @returns one entry per server report, in path order
 */
export function traceHops(
  events: readonly TraceEvent[],
  name: (key: string) => string = (key) => key,
): TraceHop[] {
  const hops = events.map((e): TraceHop => {
    const ingress = e.events.find((s) => s.type === "in");
    return {
      hop: e.request.header?.["Nats-Trace-Hop"]?.[0] ?? "",
      server: e.server.name,
      version: e.server.ver,
      ingress: ingress && {
        kind: kindName(ingress.kind),
        name: ingress.name ?? "",
        account: ingress.acc ? name(ingress.acc) : "",
        subject: ingress.subj ?? "",
        ...(ingress.error ? { error: ingress.error } : {}),
      },
      steps: e.events.filter((s) => s.type !== "in" && s.type !== "eg").map((s) =>
        describeStep(s, name)
      ),
      egress: e.events.filter((s) => s.type === "eg").map((s) => ({
        kind: kindName(s.kind),
        name: s.name ?? "",
        account: s.acc ? name(s.acc) : "",
        subscription: s.sub ?? "",
        queue: s.queue ?? "",
        hop: s.hop ?? "",
        error: s.error ?? "",
      })),
    };
  });
  const key = (h: string) => h.split(".").map((n) => n.padStart(6, "0")).join(".");
  return hops.sort((a, b) => key(a.hop).localeCompare(key(b.hop)));
}

/**
 * Publishes one message with `Nats-Trace-Dest` (nats-server 2.11+ message tracing) and collects
 * every server's report of it: where it came in, the subject mappings, exports, imports and
 * JetStream stores it met, and each connection it went out on (clients, routes, gateways, leaf
 * nodes), across the cluster. By default `Nats-Trace-Only` keeps it from being delivered.
 * Collection ends when every forwarded hop has reported, or after `windowMs`.
 *
 * @param nc the connection to publish with (its account is the one traced)
 * @param subject where to publish
 * @param payload the message body
 * @param options headers, trace-only, window
 * @returns the path, hop by hop
 * @throws {FeatureUnavailableError} when the connected server is older than 2.11 (an older
 *   server ignores the header and would deliver the message)
 * @example
 * ```ts
 * const trace = await traceMessage(nc, "ops.echo.router-1", "probe");
 * for (const h of trace.hops) console.log(h.hop || "origin", h.server, h.egress.map((e) => e.kind));
 * ```
 */
export async function traceMessage(
  nc: NatsConnection,
  subject: string,
  payload: string | Uint8Array,
  options: TraceOptions = {},
): Promise<MessageTrace> {
  requireFeature(nc.info?.version ?? "", "message_tracing", nc.info?.server_name ?? "connected");
  const traceOnly = options.traceOnly ?? true;
  // The connection's own inbox prefix: a unit may subscribe only below its own.
  const prefix = (nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix;
  const dest = createInbox(prefix);
  const sub = nc.subscribe(dest);
  const timer = setTimeout(() => sub.unsubscribe(), options.windowMs ?? 2000);
  const h = headers();
  for (const [k, v] of Object.entries(options.headers ?? {})) h.set(k, v);
  h.set("Nats-Trace-Dest", dest);
  if (traceOnly) h.set("Nats-Trace-Only", "true");
  const events: TraceEvent[] = [];
  let malformed = 0;
  const pending = () => {
    const reported = new Set(events.map((e) => e.request.header?.["Nats-Trace-Hop"]?.[0] ?? ""));
    const forwarded = events.flatMap((e) => e.events.flatMap((s) => s.hop ? [s.hop] : []));
    return reported.has("") ? forwarded.filter((hop) => !reported.has(hop)) : [""];
  };
  try {
    await nc.flush();
    nc.publish(subject, payload, { headers: h });
    for await (const m of sub) {
      let json: unknown;
      try {
        json = m.json();
      } catch {
        malformed++;
        continue;
      }
      const parsed = traceEventSchema.safeParse(json);
      if (!parsed.success) {
        malformed++;
        continue;
      }
      events.push(parsed.data);
      if (pending().length === 0) break;
    }
  } finally {
    clearTimeout(timer);
    if (!sub.isClosed()) sub.unsubscribe();
  }
  return {
    subject,
    traceOnly,
    hops: traceHops(events, options.accountName),
    missing: events.length === 0 ? [""] : pending(),
    malformed,
  };
}
