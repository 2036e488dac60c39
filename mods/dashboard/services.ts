import {
  type Backoff,
  connect,
  type ConnectOptions,
  type NunectClient,
  retry,
} from "../client/mod.ts";
import { monitorUrl, natsTlsOptions } from "../config/mod.ts";
import { ControllerClient } from "../controller/mod.ts";
import {
  AccountNames,
  type MessageTrace,
  MonitorClient,
  ServerControl,
  SysMonitor,
  traceMessage,
  UnitKeyDirectory,
  UnitRegistry,
  type UnitRegistryOptions,
  type Varz,
} from "../monitor/mod.ts";
import { AlertStore } from "../alerts/mod.ts";
import { waitForJetStream } from "../runtime/mod.ts";
import { HistoryStore } from "../history/mod.ts";
import { PrometheusCollector } from "../prometheus/mod.ts";
import type { CertificateInfo } from "../tls/mod.ts";
import { type CertificatesView, certificatesView } from "./certificates.ts";
import type { AccountConnector, AccountContext, Requester } from "../jetstream/mod.ts";
import { type DashboardConfig, dashboardUnitId } from "./config.ts";
import { ServiceUnavailableError } from "./errors.ts";
import { BrowserUsers } from "./browser_users.ts";
import { ConsoleAccounts } from "./console_accounts.ts";
import {
  type LiveBacklog,
  type LiveFilter,
  type LiveFrame,
  LiveHub,
  type LiveTopic,
} from "./live_hub.ts";
import { ALERTS_UNAVAILABLE, AlertsFeed, type AlertsView } from "./alerts_feed.ts";
import { HISTORY_SUBJECT } from "../history/mod.ts";
import { readOverview } from "./overview.ts";
import { OverviewSampler } from "./overview_sampler.ts";
import { SessionStore, type SessionStoreOptions } from "./session_store.ts";
import { TokenStore, UserStore } from "../access/mod.ts";
import { AuditLog, type AuditRecord, ensureAuditStream } from "../audit/mod.ts";
import { UnitsFeed } from "./units_feed.ts";
import { ClusterSampler } from "./cluster_sampler.ts";
import { clusterServers } from "./cluster.ts";
import { TopologyFeed, type TopologyView } from "./topology_feed.ts";
import type { Interest } from "../registry/mod.ts";

/** Recent activity events a subscriber that cannot resume starts with. */
const ACTIVITY_SNAPSHOT = 200;

/**
 * A URL (or a message quoting URLs) without user and password, for logs.
 *
 * @param url e.g. `nats://user:secret@host:4222`
 * @returns e.g. `nats://host:4222`
 */
export function redactUrl(url: string): string {
  return url.replace(/([a-z]+:\/\/)[^@/\s"]*@/gi, "$1");
}

/**
 * The dashboard's NATS users (`.creds` contents, issued by the controller: `deno task identity
 * init` writes them to NATS_IDENTITY_DIR/creds/dashboard/).
 */
export interface DashboardCredentials {
  /** System account: events, cluster pings, server actions, the controller's request API. */
  readonly sys: string;
  /** OPS: telemetry, units KV, history and alerts read sides, message tracing. Answers nothing. */
  readonly ops: string;
  /** The dashboard's own unit: echo responder and heartbeats, without any JetStream rights. */
  readonly unit: string;
}

/** Options of {@linkcode DashboardServices.start}. */
export interface DashboardServicesOptions {
  /** The dashboard's configuration. */
  readonly config: DashboardConfig;
  /** The dashboard's NATS users. */
  readonly credentials: DashboardCredentials;
  /** The dashboard's version (deno.json). */
  readonly version: string;
  /** Heartbeat and RTT interval of the dashboard's own unit and of browser units (5000 ms). */
  readonly unitIntervalMs?: number;
  /** Options passed to the unit registry (tests shorten timers). */
  readonly registry?: UnitRegistryOptions;
  /** Options passed to the session store (tests shorten the idle time). */
  readonly sessions?: Partial<SessionStoreOptions>;
  /**
   * Called with an audit record that could not be stored (default: the whole record to stderr
   * through `log`).
   */
  readonly onAuditLost?: (record: AuditRecord, error: Error) => void;
  /** Sampling interval of the Overview's endpoints and step of the rate history (2000 ms). */
  readonly sampleMs?: number;
  /** At most one `units` event per this many ms (default 1000). */
  readonly unitsIntervalMs?: number;
  /** Waits between attempts to connect and to open JetStream (default 0.5 s doubling to 10 s). */
  readonly backoff?: Backoff;
  /** At most one `topology` event per this many ms (default 1000). */
  readonly topologyIntervalMs?: number;
  /** Called with each problem worth an operator's attention (never with secrets). */
  readonly log?: (line: string) => void;
  /**
   * Who gives the JetStream console a connection inside each account (default:
   * {@linkcode ConsoleAccounts}, users the controller issues per account and dashboard user).
   */
  readonly accounts?: AccountConnector;
  /**
   * The CA certificate (PEM text) the HTTPS monitoring listener's certificate must chain to
   * (the contents of NATS_TLS_CA; main.ts reads it).
   */
  readonly monitorCa?: string;
}

/** What a round trip to NATS showed ({@linkcode DashboardServices.natsHealth}). */
export type NatsHealth = "connected" | "connecting" | "unresponsive";

/** How long a health round trip may take before NATS counts as unresponsive, in ms. */
export const NATS_HEALTH_BOUND_MS = 2000;

/** What {@linkcode DashboardServices.need} gives for each service name. */
export interface Needed {
  /** The SYS-account monitor. */
  sys: SysMonitor;
  /** The units registry. */
  units: UnitRegistry;
  /** The login sessions. */
  sessions: SessionStore;
  /** The dashboard's users. */
  users: UserStore;
  /** The users' API tokens. */
  tokens: TokenStore;
  /** The audit trail. */
  audit: AuditLog;
}

/** A service a request may need, provided or refused with a 503 by the web app. */
export type ServiceName = keyof Needed;

/**
 * The dashboard's server side: the monitoring client and the Overview's sampler, the SYS
 * connection with its {@linkcode SysMonitor} (cluster pings, connection events, account names)
 * and the controller's request API, the OPS connection with the {@linkcode UnitRegistry} and the
 * subject registry's view ({@linkcode TopologyFeed}), the dashboard's own unit (echo responder
 * and heartbeats, as a unit user that cannot touch JetStream), the browsers' users, and the
 * {@linkcode LiveHub} that pushes all of it to every open page as named events: `overview` and
 * `rates` from the sampler, `units` deltas from the registry, `activity` from the SYS events,
 * `topology` from the subject registry. The connections are made in the background and retried forever, so the
 * web app serves (and says "NATS unreachable") while NATS is down.
 */
export class DashboardServices implements AsyncDisposable {
  /** The configuration. */
  readonly config: DashboardConfig;
  /** The dashboard's version. */
  readonly version: string;
  /** The dashboard's own unit ID (echo target of browser units). */
  readonly unitId: string;
  /** Heartbeat and RTT interval of the dashboard's and browsers' units. */
  readonly unitIntervalMs: number;
  /** HTTP monitoring of the NATS server. */
  readonly monitor: MonitorClient;
  /** The one sampler of varz, healthz and jsz, with the rate history. */
  readonly overview: OverviewSampler;
  /** Live events for every open page. */
  readonly live: LiveHub;
  /** The one reader of the cluster's servers (SYS STATSZ ping). */
  readonly cluster: ClusterSampler;
  /** Resolves once both NATS connections are up and the registry has started. */
  readonly ready: Promise<void>;
  /** `/metrics`: every server in prometheus-nats-exporter's names, units, alerts, process. */
  readonly metrics: PrometheusCollector;
  /** Connections inside each account for the JetStream console, acting for a requester. */
  readonly accounts: AccountConnector;
  /** The browser users of dashboard sessions (issued by the controller, revoked at logout). */
  readonly browsers: BrowserUsers;
  readonly #credentials: DashboardCredentials;
  /**
   * The certificate the dashboard serves over HTTPS (main.ts sets it at start and at every
   * reload), or null over plain HTTP.
   */
  dashboardCertificate: CertificateInfo | null = null;
  #certificates: CertificatesView | undefined;
  #sys: SysMonitor | undefined;
  #controller: ControllerClient | undefined;
  #accountNames: AccountNames | undefined;
  #control: ServerControl | undefined;
  #history: HistoryStore | undefined;
  #alerts: AlertStore | undefined;
  #alertsOpening: Promise<AlertStore | undefined> | undefined;
  #alertsFeed: AlertsFeed | undefined;
  #historySub: { unsubscribe(): void } | undefined;
  #units: UnitRegistry | undefined;
  #unitKeys: UnitKeyDirectory | undefined;
  #sessions: SessionStore | undefined;
  #users: UserStore | undefined;
  #tokens: TokenStore | undefined;
  #audit: AuditLog | undefined;
  readonly #onAuditLost: ((record: AuditRecord, error: Error) => void) | undefined;
  #sysClient: NunectClient | undefined;
  #opsClient: NunectClient | undefined;
  #unitClient: NunectClient | undefined;
  readonly #unitsFeed: UnitsFeed;
  readonly #topology: TopologyFeed;
  #closed = false;
  readonly #stopped = new AbortController();
  readonly #backoff: Backoff;
  #version: { value: string; at: number } | undefined;
  #probe: { at: number; result: Promise<NatsHealth> } | undefined;
  readonly #log: (line: string) => void;

  private constructor(options: DashboardServicesOptions) {
    this.config = options.config;
    this.#credentials = options.credentials;
    this.version = options.version;
    this.unitId = dashboardUnitId(options.config);
    this.unitIntervalMs = options.unitIntervalMs ?? 5000;
    this.#backoff = options.backoff ?? { initialMs: 500, factor: 2, maxMs: 10_000, jitterMs: 500 };
    this.#log = options.log ?? ((line) => console.error(line));
    this.#onAuditLost = options.onAuditLost;
    this.monitor = new MonitorClient({
      url: monitorUrl(options.config),
      timeoutMs: 3000,
      ca: options.monitorCa,
    });
    this.live = new LiveHub({ snapshot: (topic) => this.#snapshot(topic) });
    this.overview = new OverviewSampler(() => readOverview(this.monitor), {
      intervalMs: options.sampleMs,
      onOverview: (state) => this.live.publish("overview", state),
      onRate: (point) => this.live.publish("rates", { point }),
    });
    this.cluster = new ClusterSampler(() => clusterServers(this.need("sys")), {
      intervalMs: options.sampleMs,
      onState: (state) => this.live.publish("cluster", state),
    });
    this.#unitsFeed = new UnitsFeed((delta) => this.live.publish("units", delta), {
      intervalMs: options.unitsIntervalMs,
    });
    this.#topology = new TopologyFeed((view) => this.live.publish("topology", view), {
      intervalMs: options.topologyIntervalMs,
    });
    this.metrics = new PrometheusCollector({
      prefix: options.config.metrics.prefix,
      serverId: options.config.metrics.serverId,
      sys: () => this.#sys,
      local: {
        url: this.monitor.url,
        serverId: () => this.monitor.varz().then((v) => v.server_id),
      },
      units: () => this.#units?.units() ?? [],
      dashboardCertificateEnd: () => this.dashboardCertificate?.notAfter ?? null,
      firing: async () => {
        const store = await this.alerts();
        if (store === undefined) return null;
        const bySeverity: Record<string, number> = {};
        for (const s of await store.states()) {
          if (s.status === "firing") bySeverity[s.severity] = (bySeverity[s.severity] ?? 0) + 1;
        }
        return bySeverity;
      },
    });
    this.browsers = new BrowserUsers(() => this.#controller);
    this.accounts = options.accounts ?? this.#consoleAccounts();
    this.ready = Promise.all([
      this.#startSys(),
      this.#startOps(options.registry, options.sessions),
      this.#startUnit(),
    ]).then(() => {});
    this.ready.catch((e) =>
      this.#log(`Dashboard NATS services failed to start: ${(e as Error).message}`)
    );
  }

  /**
   * Starts the services; the connections come up in the background (see `ready`).
   *
   * @param options configuration, version and timers
   * @returns the services
   */
  static start(options: DashboardServicesOptions): DashboardServices {
    return new DashboardServices(options);
  }

  /**
   * The SYS-account monitor, or undefined while there is no SYS connection yet.
   *
   * @returns the monitor
   */
  sys(): SysMonitor | undefined {
    return this.#sys;
  }

  /**
   * The controller's request API (accounts, users, credentials, router bundles) over the SYS
   * connection: the dashboard holds no signing key.
   *
   * @returns the client
   * @throws {ServiceUnavailableError} while there is no SYS connection
   */
  controller(): ControllerClient {
    this.need("sys");
    return this.#controller!;
  }

  /**
   * Account names by key (in operator mode the server names accounts by public key), or
   * undefined until the SYS connection is up.
   *
   * @returns the names
   */
  accountNames(): AccountNames | undefined {
    return this.#accountNames;
  }

  /**
   * The key the server knows an account by, from a name a user typed (`BRIDGE`) or a key:
   * unknown names pass through (the server answers for them).
   *
   * @param account a name or a key
   * @returns the key, or `account` unchanged
   */
  accountKey(account: string): string {
    return this.#accountNames?.key(account) ?? account;
  }

  /**
   * An account's name for display.
   *
   * @param key the key (or name) the server gave
   * @returns its name, or `key` while unknown
   */
  accountName(key: string): string {
    return this.#accountNames?.name(key) ?? key;
  }

  /**
   * The units registry, or undefined until the OPS connection is up.
   *
   * @returns the registry
   */
  units(): UnitRegistry | undefined {
    return this.#units;
  }

  /**
   * The ≥ 2.10 server actions over the SYS connection (KICK, LDM, RELOAD, PROFILEZ, IDZ).
   *
   * @returns the controller
   * @throws {ServiceUnavailableError} while there is no SYS connection
   */
  control(): ServerControl {
    this.need("sys");
    return this.#control!;
  }

  /**
   * Traces one publish from the dashboard's OPS connection (nats-server 2.11+ message tracing,
   * trace-only unless `deliver`): its path across servers, leaf nodes and accounts.
   *
   * @param subject where to publish (in the OPS account)
   * @param payload the body
   * @param deliver also deliver it to subscribers
   * @returns the hops
   * @throws {ServiceUnavailableError} while there is no OPS connection
   * @throws {FeatureUnavailableError} when the server is older than 2.11
   */
  trace(subject: string, payload: string, deliver = false): Promise<MessageTrace> {
    this.need("units");
    return traceMessage(this.#opsClient!.nc, subject, payload, {
      traceOnly: !deliver,
      accountName: (key) => this.accountName(key),
    });
  }

  /**
   * The login sessions, or undefined until the OPS connection is up.
   *
   * @returns the session store
   */
  sessions(): SessionStore | undefined {
    return this.#sessions;
  }

  /**
   * The subject registry's view: hub, leaf nodes, units per leaf node, link RTTs (see
   * mods/registry; `available` is false until the registry program has created its bucket).
   *
   * @returns the view now
   */
  topology(): TopologyView {
    return this.#topology.view();
  }

  /**
   * Which leaf nodes need messages of `subject`, from the subject registry.
   *
   * @param subject a subject, wildcards allowed (`bridge.audio.>`)
   * @returns per leaf node and account: the overlapping subscriptions and the units there
   */
  whoNeeds(subject: string): Interest[] {
    return this.#topology.whoNeeds(subject);
  }

  /**
   * The audit trail, or undefined until its stream is there.
   *
   * @returns the audit log
   */
  audit(): AuditLog | undefined {
    return this.#audit;
  }

  /**
   * A service a request cannot do without.
   *
   * @param name `sys`, `units`, `sessions`, `users`, `tokens` or `audit`
   * @returns the service
   * @throws {ServiceUnavailableError} while it is not up
   */
  need<N extends ServiceName>(name: N): Needed[N] {
    const services: { [K in ServiceName]: Needed[K] | undefined } = {
      sys: this.#sys,
      units: this.#units,
      sessions: this.#sessions,
      users: this.#users,
      tokens: this.#tokens,
      audit: this.#audit,
    };
    const service = services[name];
    if (service === undefined) {
      const what = {
        sys: "",
        units: "The units registry is",
        sessions: "Login sessions are",
        users: "Dashboard users are",
        tokens: "API tokens are",
        audit: "The audit trail is",
      }[name];
      throw new ServiceUnavailableError(
        name === "sys"
          ? "No connection to the NATS system account yet: check that nats-server is running " +
            "and that the dashboard's credentials are current (`deno task identity init`)"
          : `${what} not available yet: the dashboard has no OPS connection; check that ` +
            "nats-server is running and that the dashboard's credentials are current " +
            "(`deno task identity init`)",
      );
    }
    return service as Needed[N];
  }

  /**
   * The version of the watched nats-server, for "requires nats-server ≥ X" notices: read from
   * `/varz` at most once a minute.
   *
   * @returns e.g. `2.9.10`
   * @throws {MonitorUnreachableError} when the server does not answer
   */
  async serverVersion(): Promise<string> {
    const now = Date.now();
    if (this.#version === undefined || now - this.#version.at > 60_000) {
      this.#version = { value: (await this.monitor.varz()).version, at: now };
    }
    return this.#version.value;
  }

  /**
   * Metric history (read side), or undefined until the OPS connection is up.
   *
   * @returns the history store
   */
  history(): HistoryStore | undefined {
    return this.#history;
  }

  /**
   * Alert rules, states, silences and history, or undefined until the alerts program has created
   * its buckets (the dashboard opens them, never creates them, so it cannot change the retention
   * the alerts program set).
   *
   * @returns the alert store
   */
  alerts(): Promise<AlertStore | undefined> {
    const client = this.#opsClient;
    if (this.#alerts !== undefined || client === undefined || this.#closed) {
      return Promise.resolve(this.#alerts);
    }
    this.#alertsOpening ??= AlertStore.open(client.nc, { ensure: false })
      .then((s) => this.#alerts = s, () => undefined)
      .finally(() => this.#alertsOpening = undefined);
    return this.#alertsOpening;
  }

  /**
   * Subscribes a page to live topics from where it stands (see {@linkcode LiveHub.subscribe});
   * the Overview's sampler runs while anyone watches `overview` or `rates`.
   *
   * @param topics the topics
   * @param after the last event ID the page has, if any
   * @param fn receives each live frame
   * @param filter what this subscriber may see of each event (an account-scoped user's part)
   * @returns the backlog and a function that ends the subscription
   */
  subscribe(
    topics: readonly LiveTopic[],
    after: string | undefined,
    fn: (frame: LiveFrame) => void,
    filter?: LiveFilter,
  ): { backlog: LiveBacklog; close: () => void } {
    const release = topics.includes("overview") || topics.includes("rates")
      ? this.overview.watch()
      : undefined;
    const releaseCluster = topics.includes("cluster") ? this.cluster.watch() : undefined;
    const sub = this.live.subscribe(topics, after, fn, filter);
    return {
      backlog: sub.backlog,
      close: () => {
        sub.close();
        release?.();
        releaseCluster?.();
      },
    };
  }

  /**
   * A connection inside an account for the JetStream console, acting for the logged-in user
   * with the rights of the role in force.
   *
   * @param account the account's name
   * @param requester the dashboard user and its role
   * @returns the account and its connection
   * @throws {AccountUnavailableError} for an unknown account or refused credentials
   */
  account(account: string, requester: Requester): Promise<AccountContext> {
    return this.accounts.connect(account, requester);
  }

  /**
   * Closes the console connections kept for a dashboard user whose role, scope or state changed:
   * none of its console users issued before stays in use (its next request is issued one for
   * what it is now).
   *
   * @param user the dashboard user's name
   */
  async forgetConsoleUser(user: string): Promise<void> {
    if (this.accounts instanceof ConsoleAccounts) await this.accounts.forget(user);
  }

  /**
   * The console's default connector: a user per account and dashboard user, issued by the
   * controller, so an action in BRIDGE has BRIDGE's rights and nothing more.
   */
  #consoleAccounts(): ConsoleAccounts {
    return new ConsoleAccounts(
      () => this.#controller,
      async (account, creds, inboxPrefix) =>
        (await connect({
          servers: this.config.unit.natsUrl,
          tls: natsTlsOptions(this.config.natsTls),
          unitId: `${this.unitId}-js-${account}`.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64),
          name: `nunect-dashboard-jetstream-${account}`,
          creds,
          maxReconnectAttempts: -1,
          // The inbox the console user was issued with: a viewer's or an operator's may
          // subscribe to no other.
          natsOptions: { inboxPrefix },
        })).nc,
    );
  }

  /**
   * Whether NATS answers, for /healthz: `connected` when both connections are up and a round
   * trip (PING/PONG on the OPS connection) is answered within {@linkcode NATS_HEALTH_BOUND_MS};
   * `connecting` while a connection is not up; `unresponsive` when the round trip takes longer
   * (a frozen server keeps its sockets open). One probe at a time, its answer reused for a
   * second: /healthz is public and must not turn into a PING flood.
   *
   * @returns what the round trip showed
   */
  natsHealth(): Promise<NatsHealth> {
    const now = Date.now();
    if (this.#probe !== undefined && now - this.#probe.at < 1000) return this.#probe.result;
    const client = this.#opsClient;
    const result = this.#sys === undefined || this.#units === undefined ||
        client === undefined || client.state !== "connected"
      ? Promise.resolve<NatsHealth>("connecting")
      : new Promise<NatsHealth>((resolve) => {
        const timer = setTimeout(() => resolve("unresponsive"), NATS_HEALTH_BOUND_MS);
        client.rtt().then(() => resolve("connected"), () => resolve("connecting"))
          .finally(() => clearTimeout(timer));
      });
    this.#probe = { at: now, result };
    return result;
  }

  /**
   * Every certificate in use and how close it is to its end: the dashboard's own and each NATS
   * listener's of every server of the cluster (over SYS; the monitored server alone while there
   * is no SYS connection).
   *
   * @param options `maxAgeMs`: an answer this recent may be reused (default 0: ask now)
   * @returns the Certificates page's data
   * @throws {MonitorUnreachableError} when neither SYS nor the monitoring listener answers
   */
  async certificates(options: { readonly maxAgeMs?: number } = {}): Promise<CertificatesView> {
    const cached = this.#certificates;
    if (cached !== undefined && Date.now() - cached.now <= (options.maxAgeMs ?? 0)) {
      return cached;
    }
    return this.#certificates = await this.#readCertificates();
  }

  async #readCertificates(): Promise<CertificatesView> {
    const sys = this.#sys;
    let varz: Varz[] = [];
    let note: string | null = null;
    if (sys !== undefined) {
      const expected = this.cluster.state()?.servers.length || undefined;
      const replies = await sys.ping("VARZ", { windowMs: 1000, expected });
      varz = replies.flatMap((r) => r.ok ? [r.data] : []);
    }
    if (varz.length === 0) {
      varz = [await this.monitor.varz()];
      if (sys === undefined) note = "No SYS connection yet: only the monitored server is listed";
    }
    return certificatesView({ now: Date.now(), dashboard: this.dashboardCertificate, varz, note });
  }

  /** Stops sampling, the monitors and both connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopped.abort();
    this.overview.stop();
    this.cluster.stop();
    this.#unitsFeed.close();
    await this.accounts.close();
    this.#alertsFeed?.close();
    this.#historySub?.unsubscribe();
    this.#topology.close();
    await this.#sys?.close();
    await this.#units?.close();
    await this.#unitKeys?.close();
    await this.#sessions?.close();
    this.#users?.close();
    this.#tokens?.close();
    await this.#audit?.flush();
    await this.#sysClient?.close();
    await this.#opsClient?.close();
    await this.#unitClient?.close();
    this.monitor.close();
  }

  /** Same as {@linkcode DashboardServices.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // Logins need users and sessions first; JetStream may be off (the start waited for it a while
  // in #startOps): keep them in this process only (one instance, ended by a restart) and say
  // so. The audit trail has no such fallback: without JetStream, changes are refused (503) rather
  // than made unrecorded.
  async #openAccess(
    client: NunectClient,
    options: Partial<SessionStoreOptions>,
  ): Promise<void> {
    const d = this.config.dashboard;
    const settings: SessionStoreOptions = {
      idleMs: d.sessionIdleMin * 60_000,
      maxAgeMs: d.sessionMaxH * 3600_000,
      // A session that ends by idle time or age takes its browsers' NATS users with it, as at
      // logout (the controller records the revocation).
      onExpired: async (record) => {
        if (this.#controller === undefined) {
          // Tried again by the next sweep, until the session's users would have expired anyway.
          throw new ServiceUnavailableError(
            "No connection to the NATS system account: the expired session's browser users are revoked once it is back",
          );
        }
        await this.browsers.revokeRef(record.ref, "nunect (session expired)");
      },
      ...options,
    };
    const users = { secret: d.secret, issuer: `nunect ${d.domain}` };
    try {
      this.#sessions = await SessionStore.open(client.nc, settings);
      this.#users = await UserStore.open(client.nc, users);
      this.#tokens = await TokenStore.open(client.nc);
    } catch (e) {
      await this.#sessions?.close();
      if (this.#closed) return;
      this.#log(`Users and sessions could not use JetStream: ${(e as Error).message}`);
      this.#sessions = await SessionStore.open(null, { ...settings, bucket: null });
      this.#users = await UserStore.open(null, { ...users, bucket: null });
      this.#tokens = await TokenStore.open(null, { bucket: null });
      this.#log(
        "Users, sessions and tokens are kept in this process only (no JetStream KV bucket): other dashboard instances do not share them, a restart forgets them",
      );
    }
    if (this.#users === undefined) return;
    if (await this.#users.bootstrap(d.adminUser, d.adminPassword)) {
      this.#log(
        `Created the first dashboard user "${d.adminUser}" (admin) from DASHBOARD_ADMIN_USER`,
      );
    }
    // The first attempt before `ready`; more in the background while JetStream is not there.
    if (!await this.#openAudit(client, 1)) this.#openAudit(client).catch(() => {});
  }

  async #openAudit(client: NunectClient, attempts?: number): Promise<boolean> {
    const a = this.config.audit;
    try {
      await retry(() =>
        ensureAuditStream(client.nc, {
          maxAgeMs: a.maxAgeDays * 86_400_000,
          replicas: a.replicas,
        }), {
        backoff: this.#backoff,
        attempts,
        signal: this.#stopped.signal,
        onError: (e, attempt, waitMs) =>
          this.#log(
            `Audit stream could not start (attempt ${attempt}): ${
              (e as Error).message
            }; retrying in ${waitMs / 1000} s`,
          ),
      });
    } catch (e) {
      if (!this.#closed) this.#log(`Audit stream could not start: ${(e as Error).message}`);
      return false;
    }
    if (this.#closed) return false;
    this.#audit = new AuditLog(client.nc, {
      onLost: this.#onAuditLost ??
        ((record, error) =>
          this.#log(`Audit record not stored (${error.message}): ${JSON.stringify(record)}`)),
    });
    return true;
  }

  // waitOnFirstConnect keeps dialling while the server is down; the retry covers what it does not
  // (e.g. refused credentials while the server is being reconfigured).
  #dial(o: Omit<ConnectOptions, "servers">): Promise<NunectClient> {
    return retry(
      () =>
        connect({
          servers: this.config.unit.natsUrl,
          tls: natsTlsOptions(this.config.natsTls),
          waitOnFirstConnect: true,
          maxReconnectAttempts: -1,
          ...o,
        }),
      {
        backoff: this.#backoff,
        signal: this.#stopped.signal,
        onError: (e, attempt, waitMs) =>
          this.#log(
            `NATS connection "${o.name}" failed (attempt ${attempt}): ${
              redactUrl((e as Error).message)
            }; retrying in ${waitMs / 1000} s`,
          ),
      },
    );
  }

  async #startSys(): Promise<void> {
    const client = this.#sysClient = await this.#dial({
      unitId: `${this.unitId}-sys`.slice(0, 64),
      name: "nunect-dashboard-sys",
      creds: this.#credentials.sys,
    });
    if (this.#closed) return void await client.close();
    this.#controller = new ControllerClient(client.nc);
    const accountNames = this.#accountNames = new AccountNames(client.nc);
    await accountNames.refresh();
    if (this.accounts instanceof ConsoleAccounts) void this.accounts.refresh();
    // A burst of connects (a site powering up) must reach every open SSE stream: deep queues.
    const sys = new SysMonitor(client.nc, { bufferSize: 1000, accountNames });
    await sys.ready();
    sys.onEvent((e) => {
      this.live.publish("activity", e);
      // A connect or disconnect changes the Overview's figures: read them again soon.
      this.overview.poke();
      // A server leaving changes the cluster table.
      if (e.kind === "lame_duck" || e.kind === "shutdown") this.cluster.poke();
    });
    this.#control = new ServerControl(client.nc);
    this.#sys = sys;
  }

  async #startOps(
    registry: UnitRegistryOptions = {},
    sessions: Partial<SessionStoreOptions> = {},
  ): Promise<void> {
    const client = this.#opsClient = await this.#dial({
      unitId: `${this.unitId}-ops`.slice(0, 64),
      name: "nunect-dashboard",
      creds: this.#credentials.ops,
    });
    if (this.#closed) return void await client.close();
    // The one start-up wait for OPS's JetStream (2.9 turns it on a moment after the account
    // loads); without it after a few questions, the stores below fall back to memory.
    await waitForJetStream(client, {
      what: "the dashboard's OPS account",
      log: this.#log,
      backoff: this.#backoff,
      attempts: 3,
      signal: this.#stopped.signal,
    }).catch(() => {});
    if (this.#closed) return;
    await this.#openAccess(client, sessions);
    this.#history = new HistoryStore(client.nc, {
      tiers: this.config.history.tiers,
      maxBytes: 0,
      cacheBytes: this.config.dashboard.historyCacheMb * 1024 * 1024,
    });
    this.#alertsFeed = new AlertsFeed(
      client.nc,
      () => this.alerts(),
      (view) => this.live.publish("alerts", view),
    );
    // A new point of history, from its message ID (`<tier>.<kind>.<t>.<chunk>`): the store's
    // cache reads it (every chunk) before charts refetch.
    const history = this.#history;
    this.#historySub = client.nc.subscribe(`${HISTORY_SUBJECT}.*.*`, {
      callback: (err, msg) => {
        if (err) return;
        const [, , tier = "", kind = ""] = msg.subject.split(".");
        history.notePoint(tier, kind);
        const id = msg.headers?.get("Nats-Msg-Id");
        const [, , t, chunk] = id?.split(".") ?? [];
        if (chunk === "0") this.live.publish("history", { tier, kind, t: Number(t) });
      },
    });
    this.#topology.attach(client.nc);
    // The controller's unit key directory: OPS units' telemetry is verified against it, so a
    // router cannot speak for the units behind it.
    const unitKeys = await UnitKeyDirectory.open(client.nc);
    if (this.#closed) return void await unitKeys.close();
    this.#unitKeys = unitKeys;
    const options = {
      unitKeys,
      defaultHeartbeatIntervalMs: this.unitIntervalMs,
      historyMaxAgeMs: this.config.dashboard.historyMaxAgeH * 3600_000,
      historyMaxBytes: this.config.dashboard.historyMaxMb * 1024 * 1024,
      historyPerUnit: this.config.dashboard.historyPerUnit,
      maxUnits: this.config.dashboard.maxUnits,
      ...registry,
    };
    // JetStream may be off: serve units from memory and move them into JetStream (KV and
    // history) as soon as it answers.
    const start = (attempts?: number) =>
      retry(() => UnitRegistry.start(client.nc, options), {
        backoff: this.#backoff,
        attempts,
        signal: this.#stopped.signal,
        onError: (e, attempt, waitMs) =>
          this.#log(
            `Units registry could not use JetStream (attempt ${attempt}): ${
              (e as Error).message
            }; retrying in ${waitMs / 1000} s`,
          ),
      });
    try {
      this.#setUnits(await start(1));
      return;
    } catch (e) {
      if (this.#closed) throw e;
    }
    this.#setUnits(
      await UnitRegistry.start(client.nc, { ...options, bucket: null, historyStream: null }),
    );
    this.#log("Units are kept in memory until JetStream answers");
    start().then(async (stored) => {
      const memory = this.#units;
      if (this.#closed) return void await stored.close();
      this.#setUnits(stored);
      await memory?.close();
      this.#log("Units are now kept in JetStream (KV bucket and history stream)");
    }, () => {/* closed before JetStream answered */});
  }

  /** Serves and follows a (new) units registry; open pages get its whole table. */
  #setUnits(registry: UnitRegistry): void {
    const first = this.#units === undefined;
    this.#units = registry;
    this.#unitsFeed.attach(registry);
    if (!first) this.live.publish("units", this.#unitsFeed.reset());
  }

  /**
   * The latest alerts view (states, silences, rules), as the `alerts` topic last carried it.
   *
   * @returns the view
   */
  alertsView(): AlertsView {
    return this.#alertsFeed?.current() ?? ALERTS_UNAVAILABLE;
  }

  // The dashboard's own unit answers echo and sends heartbeats as a unit user: a responder never
  // runs with the OPS user's JetStream rights (a caller could point its reply at $JS or $KV).
  async #startUnit(): Promise<void> {
    const client = this.#unitClient = await this.#dial({
      unitId: this.unitId,
      name: "nunect-dashboard-unit",
      creds: this.#credentials.unit,
    });
    if (this.#closed) return void await client.close();
    client.serveEcho();
    client.startHeartbeat({
      kind: "dashboard",
      intervalMs: this.unitIntervalMs,
      version: this.version,
    });
  }

  #snapshot(topic: LiveTopic): readonly unknown[] {
    switch (topic) {
      case "alerts":
        return [this.alertsView()];
      case "history":
        return [];
      case "overview": {
        const state = this.overview.state();
        return state ? [state] : [];
      }
      case "rates":
        return [{ reset: true, series: this.overview.series() }];
      case "units":
        return [this.#unitsFeed.reset()];
      case "activity":
        return this.#sys?.recent(ACTIVITY_SNAPSHOT) ?? [];
      case "cluster": {
        const state = this.cluster.state();
        return state ? [state] : [];
      }
      case "topology":
        return [this.#topology.view()];
    }
  }
}
