import type { z } from "zod";
import { MonitorResponseError, MonitorTimeoutError, MonitorUnreachableError } from "./errors.ts";
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
}

type Query = Record<string, string | number | boolean | undefined>;

/**
 * Typed client of nats-server's HTTP monitoring endpoints (2.9.10 and newer). Every answer is
 * validated by its zod schema: the fields nunect reads are checked, unknown fields are kept.
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

  /**
   * Creates a client for one server's monitoring listener; nothing is requested yet.
   *
   * @param options base URL and timeout
   * @throws {TypeError} when `url` is not an http(s) URL
   */
  constructor(options: MonitorClientOptions) {
    const parsed = URL.parse(options.url);
    if (parsed === null || !/^https?:$/.test(parsed.protocol)) {
      throw new TypeError(
        `Invalid monitoring URL "${options.url}": expected http(s)://host:port`,
      );
    }
    this.url = options.url.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  /**
   * `/varz`: server identity, version, uptime, memory, CPU, connections, traffic, JetStream.
   *
   * @returns the validated answer
   * @throws {MonitorUnreachableError} when the server does not answer (incl. timeout)
   * @throws {MonitorResponseError} on an HTTP error or an answer that does not parse
   */
  varz(): Promise<Varz> {
    return this.get("/varz", varzSchema);
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
    return this.get("/connz", connzSchema, {
      sort: options.sort,
      state: options.state,
      offset: options.offset,
      limit: options.limit,
      cid: options.cid,
      user: options.user,
      acc: options.acc,
      subs: options.subs === "detail" ? "detail" : options.subs,
      auth: options.auth,
      filter_subject: options.filterSubject,
    });
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
    return this.get("/routez", routezSchema, { subs: options.subs });
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
    return this.get("/gatewayz", gatewayzSchema, {
      accs: options.accs,
      gw_name: options.gwName,
      acc_name: options.accName,
    });
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
    return this.get("/leafz", leafzSchema, { subs: options.subs });
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
  async subsz(options: SubszOptions = {}): Promise<Subsz> {
    const res = await this.get("/subsz", subszSchema, {
      subs: options.subs,
      test: options.test,
      offset: options.offset,
      limit: options.limit,
      acc: options.acc,
    });
    const list = res.subscriptions_list;
    if (options.test === undefined || list === undefined) return res;
    // A subject test also matches the shadow copies that stream imports place in the exporting
    // accounts, so one client subscription is listed once per importing path: keep it once.
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
   * `/accountz`: the accounts, or one account's detail.
   *
   * @param options `acc` for one account's detail
   * @returns the validated answer
   * @throws {MonitorUnreachableError} when the server does not answer (incl. timeout)
   * @throws {MonitorResponseError} on an HTTP error or an answer that does not parse
   */
  accountz(options: AccountzOptions = {}): Promise<Accountz> {
    return this.get("/accountz", accountzSchema, { acc: options.acc });
  }

  /**
   * `/accstatz`: connections and traffic per account.
   *
   * @param options accounts and whether to include unused ones
   * @returns the validated answer
   * @throws {MonitorUnreachableError} when the server does not answer (incl. timeout)
   * @throws {MonitorResponseError} on an HTTP error or an answer that does not parse
   */
  async accstatz(options: AccstatzOptions = {}): Promise<Accstatz> {
    const all = await this.get("/accstatz", accstatzSchema, { unused: options.unused });
    // The HTTP endpoint of 2.9.10 has no account filter (only the $SYS request does): filter here.
    const only = options.accounts;
    if (only === undefined) return all;
    return { ...all, account_statz: all.account_statz.filter((a) => only.includes(a.acc)) };
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
    return this.get("/jsz", jszSchema, {
      accounts: options.accounts,
      streams: options.streams,
      consumers: options.consumers,
      config: options.config,
      acc: options.acc,
      "leader-only": options.leaderOnly,
      offset: options.offset,
      limit: options.limit,
    });
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
    return this.get("/healthz", healthzSchema, {
      "js-enabled-only": options.jsEnabledOnly,
      "js-server-only": options.jsServerOnly,
    }, [503]);
  }

  /**
   * `/ipqueuesz`: the server's internal queues (usually empty when idle).
   *
   * @returns the validated answer
   * @throws {MonitorUnreachableError} when the server does not answer (incl. timeout)
   * @throws {MonitorResponseError} on an HTTP error or an answer that does not parse
   */
  ipqueuesz(): Promise<Ipqueuesz> {
    return this.get("/ipqueuesz", ipqueueszSchema);
  }

  /**
   * Fetches any monitoring path and validates it with a schema; the typed fetchers use it, and
   * it serves endpoints of newer servers that have no fetcher here yet.
   *
   * @param path e.g. `/varz`
   * @param schema the zod schema of the answer
   * @param query query parameters; `undefined` and `false` are left out, `true` is sent as `true`
   * @param okStatuses statuses besides 200 whose body is a valid answer
   * @returns the validated answer
   * @throws {MonitorUnreachableError} when the server does not answer (incl. timeout)
   * @throws {MonitorResponseError} on another status, non-JSON or schema mismatch
   */
  async get<T>(
    path: string,
    schema: z.ZodType<T>,
    query: Query = {},
    okStatuses: readonly number[] = [],
  ): Promise<T> {
    const url = new URL(this.url + path);
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === false || v === "") continue;
      url.searchParams.set(k, String(v));
    }
    const href = url.href;
    let res: Response;
    let body: string;
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      res = await fetch(href, { signal, headers: { accept: "application/json" } });
      body = await res.text();
    } catch (e) {
      if (signal.aborted) throw new MonitorTimeoutError(href, this.timeoutMs, { cause: e });
      const why = e instanceof Error ? e.message : String(e);
      throw new MonitorUnreachableError(
        href,
        `${why}: check that nats-server is running with its monitoring port enabled ` +
          `(http_port, NATS_HTTP_PORT) and that NATS_MONITOR_URL points at it`,
        { cause: e },
      );
    }
    if (res.status !== 200 && !okStatuses.includes(res.status)) {
      throw new MonitorResponseError(href, res.status, body, "HTTP error");
    }
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
}
