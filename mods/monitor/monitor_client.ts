import type { WireSchema } from "../protocol/wire_schema.ts";
import { featureInfo } from "./features.ts";
import { type Raftz, raftzSchema } from "./sys_schemas.ts";
import {
  FeatureUnavailableError,
  InvalidMonitorUrlError,
  MonitorResponseError,
  MonitorTimeoutError,
  MonitorUnreachableError,
} from "./errors.ts";
import {
  type Accountz,
  accountzSchema,
  type Accstatz,
  accstatzSchema,
  type Connz,
  connzSchema,
  type Gatewayz,
  gatewayzSchema,
  type Healthz,
  healthzSchema,
  type Ipqueuesz,
  ipqueueszSchema,
  type Jsz,
  jszSchema,
  type Leafz,
  leafzSchema,
  type Routez,
  routezSchema,
  type Subsz,
  subszSchema,
  type Varz,
  varzSchema,
} from "./schemas.ts";

/** Options of {@linkcode MonitorClient}. */
export interface MonitorClientOptions {
  /** Base URL of the monitoring listener, e.g. `http://127.0.0.1:8222`. */
  readonly url: string;
  /** Per-request timeout in milliseconds (default 5000). */
  readonly timeoutMs?: number;
  /**
   * The CA certificate (PEM text) an `https://` listener's certificate must chain to (NATS_TLS_CA);
   * without it the system's trusted CAs.
   */
  readonly ca?: string;
}

/** Sort orders `/connz` accepts (all but `cid` and `start` sort descending). */
export const CONNZ_SORTS = [
  "cid",
  "start",
  "subs",
  "pending",
  "msgs_to",
  "msgs_from",
  "bytes_to",
  "bytes_from",
  "last",
  "idle",
  "uptime",
  "stop",
  "reason",
  "rtt",
] as const;
/** A `/connz` sort order; `stop` and `reason` only with `state: "closed"`. */
export type ConnzSort = (typeof CONNZ_SORTS)[number];

/** Connection states `/connz` filters by. */
export const CONNZ_STATES = ["open", "closed", "any"] as const;
/** A `/connz` state filter. */
export type ConnzState = (typeof CONNZ_STATES)[number];

/** Query options of `/connz`. */
export interface ConnzOptions {
  /** Sort order (default `cid`). */
  readonly sort?: ConnzSort;
  /** Open (default), closed (the server keeps the last 10,000) or any. */
  readonly state?: ConnzState;
  /** Skip this many connections (paging). */
  readonly offset?: number;
  /** At most this many connections (server default 1024). */
  readonly limit?: number;
  /** Only the connection with this client ID. */
  readonly cid?: number;
  /** Only connections of this user (needs `auth` to show the user). */
  readonly user?: string;
  /** Only connections of this account. */
  readonly acc?: string;
  /** Include subscriptions: `true` subjects only, `"detail"` with counters. */
  readonly subs?: boolean | "detail";
  /** Include the authorized user and account of each connection. */
  readonly auth?: boolean;
  /** Only connections with a subscription matching this subject (needs `acc`). */
  readonly filterSubject?: string;
}

/** Query options of `/subsz`. */
export interface SubszOptions {
  /** Include the subscriptions themselves, not only statistics. */
  readonly subs?: boolean;
  /** Only subscriptions that would receive a message published on this subject. */
  readonly test?: string;
  /** Skip this many subscriptions (paging). */
  readonly offset?: number;
  /** At most this many subscriptions. */
  readonly limit?: number;
  /** Only subscriptions of this account. */
  readonly acc?: string;
}

/** Query options of `/accountz`. */
export interface AccountzOptions {
  /** One account's detail (imports, exports, counters) instead of the list of accounts. */
  readonly acc?: string;
}

/** Query options of `/accstatz`. */
export interface AccstatzOptions {
  /** Only these accounts (filtered here: the HTTP endpoint has no such filter). */
  readonly accounts?: readonly string[];
  /** Include accounts without connections. */
  readonly unused?: boolean;
}

/** Query options of `/jsz`. */
export interface JszOptions {
  /** Include per-account details. */
  readonly accounts?: boolean;
  /** Include streams (implies accounts). */
  readonly streams?: boolean;
  /** Include consumers (implies streams). */
  readonly consumers?: boolean;
  /** Include stream and consumer configurations. */
  readonly config?: boolean;
  /** Only this account (implies accounts). */
  readonly acc?: string;
  /** Answer only if this server is the JetStream meta leader. */
  readonly leaderOnly?: boolean;
  /** Skip this many accounts (paging). */
  readonly offset?: number;
  /** At most this many accounts. */
  readonly limit?: number;
}

/** Query options of `/raftz`. */
export interface RaftzOptions {
  /** Only this account's groups. */
  readonly account?: string;
  /** Only this group (with `account`). */
  readonly group?: string;
}

/** Query options of `/routez` and `/leafz`. */
export interface SubsOptions {
  /** Include the subscriptions of each route or leaf node. */
  readonly subs?: boolean;
}

/** Query options of `/gatewayz`. */
export interface GatewayzOptions {
  /** Include account interest details. */
  readonly accs?: boolean;
  /** Only this gateway. */
  readonly gwName?: string;
  /** Only this account's interest. */
  readonly accName?: string;
}

/** Query options of `/healthz`. */
export interface HealthzOptions {
  /** Only check that JetStream is enabled, not that its assets are current. */
  readonly jsEnabledOnly?: boolean;
  /** Only check the server's JetStream, not its streams and consumers. */
  readonly jsServerOnly?: boolean;
  /** Only check the JetStream meta group (2.10+; an older server checks everything). */
  readonly jsMetaOnly?: boolean;
  /** One entry per failing check in `errors` (2.10+). */
  readonly details?: boolean;
  /** Only this account's streams and consumers (2.10+). */
  readonly account?: string;
  /** Only this stream (with `account`; 2.10+). */
  readonly stream?: string;
  /** Only this consumer (with `account` and `stream`; 2.10+). */
  readonly consumer?: string;
}

/** Query parameters of a monitoring request; `undefined`, `false` and `""` are left out. */
export type MonitorQuery = Readonly<Record<string, string | number | boolean | undefined>>;

/** A request on its way: the answer's head, the URL asked and the timeout's signal. */
interface Sent {
  readonly res: Response;
  readonly href: string;
  readonly signal: AbortSignal;
}

/** One monitoring endpoint: its path, schema, query mapping and the processing of its answer. */
interface Endpoint<O, T> {
  readonly path: string;
  readonly schema: WireSchema<T>;
  readonly query: (options: O) => MonitorQuery;
  /** Statuses besides 200 whose body is a valid answer. */
  readonly okStatuses?: readonly number[];
  /** Processing after validation; an endpoint with one is never relayed verbatim. */
  readonly refine?: (value: T, options: O) => T;
}

function endpoint<O, T>(e: Endpoint<O, T>): Endpoint<O, T> {
  return e;
}

// A subject test also matches the shadow copies that stream imports place in the exporting
// accounts, so one client subscription is listed once per importing path: keep it once.
function uniqueSubscriptions(res: Subsz, options: SubszOptions): Subsz {
  const list = res.subscriptions_list;
  if (options.test === undefined || list === undefined) return res;
  const seen = new Set<string>();
  const unique = list.filter((s) => {
    const key = `${s.account}\u0000${s.cid}\u0000${s.sid}\u0000${s.subject}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { ...res, subscriptions_list: unique };
}

/**
 * Every monitoring endpoint nunect reads, by name: the one definition of its path, answer schema,
 * query parameters and processing, used by the typed fetchers and by
 * {@linkcode MonitorClient.relay} alike.
 */
export const MONITOR_ENDPOINTS = {
  varz: endpoint({ path: "/varz", schema: varzSchema, query: (_: Record<never, never>) => ({}) }),
  connz: endpoint({
    path: "/connz",
    schema: connzSchema,
    query: (o: ConnzOptions) => ({
      sort: o.sort,
      state: o.state,
      offset: o.offset,
      limit: o.limit,
      cid: o.cid,
      user: o.user,
      acc: o.acc,
      subs: o.subs === "detail" ? "detail" : o.subs,
      auth: o.auth,
      filter_subject: o.filterSubject,
    }),
  }),
  routez: endpoint({
    path: "/routez",
    schema: routezSchema,
    query: (o: SubsOptions) => ({ subs: o.subs }),
  }),
  gatewayz: endpoint({
    path: "/gatewayz",
    schema: gatewayzSchema,
    query: (o: GatewayzOptions) => ({ accs: o.accs, gw_name: o.gwName, acc_name: o.accName }),
  }),
  leafz: endpoint({
    path: "/leafz",
    schema: leafzSchema,
    query: (o: SubsOptions) => ({ subs: o.subs }),
  }),
  subsz: endpoint({
    path: "/subsz",
    schema: subszSchema,
    query: (o: SubszOptions) => ({
      subs: o.subs,
      test: o.test,
      offset: o.offset,
      limit: o.limit,
      acc: o.acc,
    }),
    refine: uniqueSubscriptions,
  }),
  accountz: endpoint({
    path: "/accountz",
    schema: accountzSchema,
    query: (o: AccountzOptions) => ({ acc: o.acc }),
  }),
  accstatz: endpoint({
    path: "/accstatz",
    schema: accstatzSchema,
    query: (o: AccstatzOptions) => ({ unused: o.unused }),
    // The HTTP endpoint of 2.9.10 has no account filter (only the $SYS request does): filter here.
    refine: (all: Accstatz, o: AccstatzOptions) =>
      o.accounts === undefined
        ? all
        : { ...all, account_statz: all.account_statz.filter((a) => o.accounts!.includes(a.acc)) },
  }),
  jsz: endpoint({
    path: "/jsz",
    schema: jszSchema,
    query: (o: JszOptions) => ({
      accounts: o.accounts,
      streams: o.streams,
      consumers: o.consumers,
      config: o.config,
      acc: o.acc,
      "leader-only": o.leaderOnly,
      offset: o.offset,
      limit: o.limit,
    }),
  }),
  healthz: endpoint({
    path: "/healthz",
    schema: healthzSchema,
    query: (o: HealthzOptions) => ({
      "js-enabled-only": o.jsEnabledOnly,
      "js-server-only": o.jsServerOnly,
      "js-meta-only": o.jsMetaOnly,
      details: o.details,
      account: o.account,
      stream: o.stream,
      consumer: o.consumer,
    }),
    // An unhealthy server answers 503 with `status: "unavailable"` and an `error`, and a check of
    // an unknown account or stream 404 with `status: "error"` and `errors`: answers, not failures.
    okStatuses: [503, 404],
  }),
  ipqueuesz: endpoint({
    path: "/ipqueuesz",
    schema: ipqueueszSchema,
    query: (_: Record<never, never>) => ({}),
  }),
} as const;

/** The name of a monitoring endpoint, e.g. `"connz"`. */
export type MonitorEndpointName = keyof typeof MONITOR_ENDPOINTS;

/** The options of a monitoring endpoint, by name. */
export type MonitorEndpointOptions<N extends MonitorEndpointName> = Parameters<
  (typeof MONITOR_ENDPOINTS)[N]["query"]
>[0];

/** The validated answer of a monitoring endpoint, by name. */
export type MonitorEndpointAnswer<N extends MonitorEndpointName> =
  (typeof MONITOR_ENDPOINTS)[N]["schema"] extends WireSchema<infer T> ? T : never;

/**
 * Typed client of nats-server's HTTP monitoring endpoints (2.9.10 and newer). Every answer is
 * validated by its zod schema: the fields nunect reads are checked, unknown fields are kept.
 * {@linkcode MonitorClient.relay} hands an answer on unchanged, through the same request, query
 * mapping, errors and processing.
 *
 * @example
 * ```ts
 * const mon = new MonitorClient({ url: "http://127.0.0.1:8222", timeoutMs: 2000 });
 * const varz = await mon.varz();
 * const page = await mon.connz({ sort: "bytes_to", offset: 0, limit: 50, auth: true });
 * ```
 */
export class MonitorClient {
  /** Base URL without a trailing slash. */
  readonly url: string;
  /** Per-request timeout in milliseconds. */
  readonly timeoutMs: number;
  readonly #client: Deno.HttpClient | undefined;

  /**
   * Creates a client for one server's monitoring listener; nothing is requested yet.
   *
   * @param options base URL and timeout
   * @throws {InvalidMonitorUrlError} when `url` is not an http(s) URL
   */
  constructor(options: MonitorClientOptions) {
    const parsed = URL.parse(options.url);
    if (parsed === null || !/^https?:$/.test(parsed.protocol)) {
      throw new InvalidMonitorUrlError(
        `Invalid monitoring URL "${options.url}": expected http(s)://host:port`,
      );
    }
    this.url = options.url.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.#client = options.ca === undefined
      ? undefined
      : Deno.createHttpClient({ caCerts: [options.ca] });
  }

  /** Releases the HTTPS client of a configured CA (nothing to do otherwise). */
  close(): void {
    this.#client?.close();
  }

  /**
   * `/varz`: server identity, version, uptime, memory, CPU, connections, traffic, JetStream.
   *
   * @returns the validated answer
   * @throws {MonitorUnreachableError} when the server does not answer (incl. timeout)
   * @throws {MonitorResponseError} on an HTTP error or an answer that does not parse
   */
  varz(): Promise<Varz> {
    return this.fetch("varz", {});
  }

  /**
   * `/connz`: a page of client connections.
   *
   * @param options sort, state, paging, filters and detail flags
   * @returns the validated answer
   * @throws {MonitorUnreachableError} when the server does not answer (incl. timeout)
   * @throws {MonitorResponseError} on an HTTP error (e.g. an invalid sort) or a bad answer
   */
  connz(options: ConnzOptions = {}): Promise<Connz> {
    return this.fetch("connz", options);
  }

  /**
   * `/routez`: this server's cluster routes.
   *
   * @param options whether to include subscriptions
   * @returns the validated answer
   * @throws {MonitorUnreachableError} when the server does not answer (incl. timeout)
   * @throws {MonitorResponseError} on an HTTP error or an answer that does not parse
   */
  routez(options: SubsOptions = {}): Promise<Routez> {
    return this.fetch("routez", options);
  }

  /**
   * `/gatewayz`: super-cluster gateways.
   *
   * @param options account details and filters
   * @returns the validated answer
   * @throws {MonitorUnreachableError} when the server does not answer (incl. timeout)
   * @throws {MonitorResponseError} on an HTTP error or an answer that does not parse
   */
  gatewayz(options: GatewayzOptions = {}): Promise<Gatewayz> {
    return this.fetch("gatewayz", options);
  }

  /**
   * `/leafz`: leaf node connections.
   *
   * @param options whether to include subscriptions
   * @returns the validated answer
   * @throws {MonitorUnreachableError} when the server does not answer (incl. timeout)
   * @throws {MonitorResponseError} on an HTTP error or an answer that does not parse
   */
  leafz(options: SubsOptions = {}): Promise<Leafz> {
    return this.fetch("leafz", options);
  }

  /**
   * `/subsz`: subscription statistics and, with `subs`, the subscriptions. With `test`, each
   * matching client subscription is listed once (the server repeats it per stream import).
   *
   * @param options subscriptions, subject test, paging, account
   * @returns the validated answer
   * @throws {MonitorUnreachableError} when the server does not answer (incl. timeout)
   * @throws {MonitorResponseError} on an HTTP error or an answer that does not parse
   */
  subsz(options: SubszOptions = {}): Promise<Subsz> {
    return this.fetch("subsz", options);
  }

  /**
   * `/accountz`: the accounts, or one account's detail.
   *
   * @param options `acc` for one account's detail
   * @returns the validated answer
   * @throws {MonitorUnreachableError} when the server does not answer (incl. timeout)
   * @throws {MonitorResponseError} on an HTTP error or an answer that does not parse
   */
  accountz(options: AccountzOptions = {}): Promise<Accountz> {
    return this.fetch("accountz", options);
  }

  /**
   * `/accstatz`: connections and traffic per account.
   *
   * @param options accounts and whether to include unused ones
   * @returns the validated answer
   * @throws {MonitorUnreachableError} when the server does not answer (incl. timeout)
   * @throws {MonitorResponseError} on an HTTP error or an answer that does not parse
   */
  accstatz(options: AccstatzOptions = {}): Promise<Accstatz> {
    return this.fetch("accstatz", options);
  }

  /**
   * `/jsz`: JetStream usage, optionally per account, stream and consumer.
   *
   * @param options detail levels, account, paging
   * @returns the validated answer
   * @throws {MonitorUnreachableError} when the server does not answer (incl. timeout)
   * @throws {MonitorResponseError} on an HTTP error or an answer that does not parse
   */
  jsz(options: JszOptions = {}): Promise<Jsz> {
    return this.fetch("jsz", options);
  }

  /**
   * `/healthz`. An unhealthy server answers HTTP 503 with `status: "unavailable"` and an `error`;
   * that is returned, not thrown, so a page can show it.
   *
   * @param options narrower JetStream checks
   * @returns the validated answer
   * @throws {MonitorUnreachableError} when the server does not answer (incl. timeout)
   * @throws {MonitorResponseError} on another HTTP status or an answer that does not parse
   */
  healthz(options: HealthzOptions = {}): Promise<Healthz> {
    return this.fetch("healthz", options);
  }

  /**
   * `/ipqueuesz`: the server's internal queues (usually empty when idle).
   *
   * @returns the validated answer
   * @throws {MonitorUnreachableError} when the server does not answer (incl. timeout)
   * @throws {MonitorResponseError} on an HTTP error or an answer that does not parse
   */
  ipqueuesz(): Promise<Ipqueuesz> {
    return this.fetch("ipqueuesz", {});
  }

  /**
   * `/raftz` (2.11+): the server's Raft groups (JetStream meta group, replicated streams and
   * consumers) by account and group name; empty on a server without any (standalone).
   *
   * @param options only this account's or group's
   * @returns the validated answer
   * @throws {FeatureUnavailableError} when the server has no /raftz (older than 2.11)
   * @throws {MonitorUnreachableError} when the server does not answer (incl. timeout)
   * @throws {MonitorResponseError} on another HTTP error or an answer that does not parse
   */
  async raftz(options: RaftzOptions = {}): Promise<Raftz> {
    try {
      return await this.get(
        "/raftz",
        raftzSchema,
        { acc: options.account, group: options.group },
      );
    } catch (e) {
      if (!(e instanceof MonitorResponseError) || e.status !== 404) throw e;
      if (e.body.startsWith("404 page not found")) {
        throw new FeatureUnavailableError(featureInfo("raftz"), "an older release", this.url);
      }
      return {}; // "No Raft nodes registered"
    }
  }

  /**
   * Fetches a named endpoint, validates and processes its answer.
   *
   * @param name e.g. `"connz"`
   * @param options the endpoint's options
   * @returns the validated answer
   * @throws {MonitorUnreachableError} when the server does not answer (incl. timeout)
   * @throws {MonitorResponseError} on an HTTP error or an answer that does not parse
   */
  async fetch<N extends MonitorEndpointName>(
    name: N,
    options: MonitorEndpointOptions<N>,
  ): Promise<MonitorEndpointAnswer<N>> {
    const e = MONITOR_ENDPOINTS[name] as unknown as Endpoint<
      MonitorEndpointOptions<N>,
      MonitorEndpointAnswer<N>
    >;
    const value = await this.get(e.path, e.schema, e.query(options), e.okStatuses);
    return e.refine ? e.refine(value, options) : value;
  }

  /**
   * A named endpoint's answer as an HTTP response for `/api/*`: the JSON nats-server sent,
   * streamed without a second parse and serialisation (that keeps `/api/connz` with thousands
   * of connections close to `/connz` itself); an endpoint whose answer is processed (e.g.
   * `subsz` with a subject test) is fetched, processed and serialised, so a page and its JSON
   * always show the same.
   *
   * @param name e.g. `"connz"`
   * @param options the endpoint's options
   * @returns a 200 response with a JSON body
   * @throws {MonitorUnreachableError} when the server does not answer (incl. timeout)
   * @throws {MonitorResponseError} on an HTTP error or (processed endpoints) a bad answer
   */
  async relay<N extends MonitorEndpointName>(
    name: N,
    options: MonitorEndpointOptions<N>,
  ): Promise<Response> {
    const e = MONITOR_ENDPOINTS[name] as unknown as Endpoint<
      MonitorEndpointOptions<N>,
      MonitorEndpointAnswer<N>
    >;
    const headers = { "content-type": "application/json; charset=utf-8" };
    if (e.refine) {
      return new Response(JSON.stringify(await this.fetch(name, options)), { headers });
    }
    const { res } = await this.#request(e.path, e.query(options), e.okStatuses);
    return new Response(res.body, { headers });
  }

  /**
   * Fetches any monitoring path and validates it with a schema; the typed fetchers use it, and
   * it serves endpoints of newer servers that have no fetcher here yet.
   *
   * @param path e.g. `/varz`
   * @param schema the schema of the answer (a zod schema)
   * @param query query parameters; `undefined` and `false` are left out, `true` is sent as `true`
   * @param okStatuses statuses besides 200 whose body is a valid answer
   * @returns the validated answer
   * @throws {MonitorUnreachableError} when the server does not answer (incl. timeout)
   * @throws {MonitorResponseError} on another status, non-JSON or schema mismatch
   */
  async get<T>(
    path: string,
    schema: WireSchema<T>,
    query: MonitorQuery = {},
    okStatuses: readonly number[] = [],
  ): Promise<T> {
    const sent = await this.#request(path, query, okStatuses);
    const { res, href } = sent;
    const body = await this.#text(sent);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (e) {
      throw new MonitorResponseError(href, res.status, body, "not JSON", { cause: e });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new MonitorResponseError(
        href,
        res.status,
        body,
        `schema mismatch at ${issue?.path.join(".") || "(root)"}: ${issue?.message}`,
        { cause: parsed.error },
      );
    }
    return parsed.data;
  }

  /** Sends the request; an answer with a status not in `okStatuses` (or 200) is an error. */
  async #request(
    path: string,
    query: MonitorQuery,
    okStatuses: readonly number[] = [],
  ): Promise<Sent> {
    const url = new URL(this.url + path);
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === false || v === "") continue;
      url.searchParams.set(k, String(v));
    }
    const href = url.href;
    const signal = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    try {
      const init = { signal, headers: { accept: "application/json" }, client: this.#client };
      res = await fetch(href, init as RequestInit);
    } catch (e) {
      throw this.#unreachable(href, signal, e);
    }
    const sent = { res, href, signal };
    if (res.status !== 200 && !okStatuses.includes(res.status)) {
      throw new MonitorResponseError(href, res.status, await this.#text(sent), "HTTP error");
    }
    return sent;
  }

  async #text({ res, href, signal }: Sent): Promise<string> {
    try {
      return await res.text();
    } catch (e) {
      throw this.#unreachable(href, signal, e);
    }
  }

  #unreachable(href: string, signal: AbortSignal, e: unknown): MonitorUnreachableError {
    if (signal.aborted) {
      return new MonitorTimeoutError(href, this.timeoutMs, { cause: e });
    }
    const why = [e, (e as { cause?: unknown })?.cause].filter((x) => x !== undefined).map((x) =>
      x instanceof Error ? x.message : String(x)
    ).join(": ");
    const certificate = /certificate|UnknownIssuer|NotValidForName|Expired/i.test(why);
    return new MonitorUnreachableError(
      href,
      certificate
        ? `${why}: the monitoring listener's certificate is not trusted: set NATS_TLS_CA to the ` +
          "CA that signed NATS_TLS_CERT, and make sure the certificate names the host in the URL"
        : `${why}: check that nats-server is running with its monitoring port enabled ` +
          `(NATS_HTTP_PORT, or NATS_HTTPS_PORT for HTTPS) and that NATS_MONITOR_URL points at it`,
      { cause: e },
    );
  }
}
