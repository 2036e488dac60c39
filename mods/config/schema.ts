import { isUnitId } from "../protocol/unit_id.ts";
import { PROTOCOL_LIMITS } from "../protocol/fields.ts";
import type { WireSchema } from "../protocol/wire_schema.ts";
import { displayHost } from "./server_env.ts";
import { INVALID, isCidr, isIpv4, isIpv6, textSchema } from "./text_schema.ts";

/** One environment variable: its name, how it parses, its default and what a user must give. */
export interface Variable<T> {
  /** Environment variable name, e.g. `NATS_PORT`. */
  readonly name: string;
  /** Parses the raw string (after the default is applied). */
  readonly schema: WireSchema<T>;
  /** Used when the variable is unset or empty; without one the variable is required. */
  readonly fallback?: string;
  /** What a valid value looks like, for the error message. */
  readonly expected: string;
  /** Never printed back in an error message. */
  readonly secret?: boolean;
}

/** A named group of variables; parsing it yields an object with the same keys. */
export type Section = Readonly<Record<string, Variable<unknown>>>;

/** The parsed value of a section. */
export type SectionValue<S extends Section> = {
  readonly [K in keyof S]: S[K] extends Variable<infer T> ? T : never;
};

const ANY_TEXT: WireSchema<string> = textSchema((v) => v);

function matching(pattern: RegExp): WireSchema<string> {
  return textSchema((v) => pattern.test(v) ? v : INVALID);
}

function atLeast(length: number): WireSchema<string> {
  return textSchema((v) => v.length >= length ? v : INVALID);
}

function emptyOr(schema: WireSchema<string>): WireSchema<string> {
  return textSchema((v) => v === "" || schema.safeParse(v).success ? v : INVALID);
}

function oneOf<const T extends readonly string[]>(values: T): WireSchema<T[number]> {
  return textSchema((v) => values.includes(v) ? v as T[number] : INVALID);
}

function splitList(text: string): string[] {
  return text.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
}

function variable<T>(
  name: string,
  schema: WireSchema<T>,
  expected: string,
  fallback?: string,
  secret?: boolean,
): Variable<T> {
  return { name, schema, expected, fallback, secret };
}

/** Digits within `min`..`max` (and a safe integer), as a number; `signed` allows a leading `-`. */
function wholeNumber(
  text: string,
  min: number,
  max: number,
  signed = false,
): number | typeof INVALID {
  if (!(signed ? /^-?\d+$/ : /^\d+$/).test(text)) return INVALID;
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : INVALID;
}

function portNumber(text: string): number | typeof INVALID {
  const n = wholeNumber(text, -1, 65535, true);
  return n === 0 ? INVALID : n;
}

const portSchema = textSchema(portNumber);
const PORT = "a port number 1-65535 (-1: any free port)";

function port(name: string, fallback: string): Variable<number> {
  return variable(name, portSchema, PORT, fallback);
}

function positiveInt(
  name: string,
  fallback: string,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): Variable<number> {
  return variable(
    name,
    textSchema((v) => wholeNumber(v, min, max)),
    max === Number.MAX_SAFE_INTEGER ? `a whole number >= ${min}` : `a whole number ${min}-${max}`,
    fallback,
  );
}

function bool(name: string, fallback: string): Variable<boolean> {
  return variable(
    name,
    textSchema((v) =>
      ["true", "1", "yes"].includes(v) ? true : ["false", "0", "no"].includes(v) ? false : INVALID
    ),
    "true or false",
    fallback,
  );
}

function text(name: string, fallback: string, expected = "any text"): Variable<string> {
  return variable(name, ANY_TEXT, expected, fallback);
}

/**
 * An optional absolute URL of one of `protocols`, normalised without a trailing slash; empty
 * gives null (the caller's documented default).
 */
function optionalUrl(
  name: string,
  protocols: readonly string[],
  expected: string,
): Variable<string | null> {
  return variable(
    name,
    textSchema((v) => {
      if (v === "") return null;
      const url = URL.parse(v);
      if (url === null || !protocols.includes(url.protocol) || url.hostname === "") return INVALID;
      return url.href.replace(/\/+$/, "");
    }),
    expected,
    "",
  );
}

function list(name: string): Variable<readonly string[]> {
  return variable(
    name,
    textSchema(splitList),
    "a comma-separated list",
    "",
  );
}

/** An optional port: empty gives null (off). */
function optionalPort(name: string, expected: string): Variable<number | null> {
  return variable(
    name,
    textSchema((v) => v === "" ? null : portNumber(v)),
    expected,
    "",
  );
}

/** One of a few words. */
function choice<const T extends readonly [string, ...string[]]>(
  name: string,
  values: T,
  fallback: T[number],
  expected: string,
): Variable<T[number]> {
  return variable(name, oneOf(values), expected, fallback);
}

/** A comma-separated list of IP addresses and CIDR ranges. */
function addressList(name: string, expected: string): Variable<readonly string[]> {
  return variable(
    name,
    textSchema((v) => {
      const items = splitList(v);
      return items.every((a) => isIpv4(a) || isIpv6(a) || isCidr(a)) ? items : INVALID;
    }),
    expected,
    "",
  );
}

/**
 * Client-certificate checking on a NATS listener (nats-server's `verify`). `verify_and_map` is not
 * offered: in operator mode the login is always the user's credentials, never its certificate.
 */
export type TlsVerify = "off" | "verify";
const TLS_VERIFY = ["off", "verify"] as const;
const TLS_VERIFY_EXPECTED =
  "off or verify (a client certificate signed by NATS_TLS_CLIENT_CA is required besides the " +
  "user's credentials; verify_and_map is not offered: in operator mode a certificate never " +
  "replaces the credentials)";

/** A NATS user or server name: one subject-safe token. */
const token = /^[A-Za-z0-9_-]{1,64}$/;

const identityDir = text(
  "NATS_IDENTITY_DIR",
  "./.data/identity",
  "a directory path (keys and credentials; keep it private)",
);

const size = matching(/^\d+(K|KB|M|MB|G|GB|T|TB)?$/i);
const SIZE = "a size such as 256MB or 10GB";

const DURATION_UNITS: Readonly<Record<string, number>> = {
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
  y: 31_536_000,
};

/** One tier of metric history: a sample every `stepS` seconds, kept for `keepS` seconds. */
export interface HistoryTier {
  /** The tier's name, as written in HISTORY_TIERS (e.g. `10s`); a subject token. */
  readonly name: string;
  /** Seconds between two points. */
  readonly stepS: number;
  /** Seconds a point is kept. */
  readonly keepS: number;
}

function durationS(text: string): number | undefined {
  const m = /^(\d+)([smhdwy])$/.exec(text);
  return m ? Number(m[1]) * DURATION_UNITS[m[2]!]! : undefined;
}

/**
 * `10s:1d,1m:7d,1h:365d`: steps strictly increasing, each a multiple of the one before (so a
 * coarse point is built from whole finer points), each kept at least one step of the next tier.
 */
const tiersSchema: WireSchema<readonly HistoryTier[]> = textSchema((text) => {
  const tiers: HistoryTier[] = [];
  for (const part of text.split(",").map((p) => p.trim())) {
    const [step = "", keep = ""] = part.split(":");
    const stepS = durationS(step);
    const keepS = durationS(keep);
    if (stepS === undefined || keepS === undefined || keepS < stepS) return INVALID;
    tiers.push({ name: step, stepS, keepS });
  }
  const ordered = tiers.every((t, i) => {
    const prev = tiers[i - 1];
    return prev === undefined ||
      (t.stepS > prev.stepS && t.stepS % prev.stepS === 0 && prev.keepS >= t.stepS);
  });
  return tiers.length > 0 && ordered ? tiers : INVALID;
});

function url(name: string, schemes: readonly string[], expected: string): Variable<string> {
  return variable(
    name,
    textSchema((v) => {
      if (v === "") return v;
      const url = URL.parse(v);
      return url !== null && schemes.includes(url.protocol) ? v : INVALID;
    }),
    expected,
    "",
  );
}

/** Every section of the environment contract (see .env.example). */
export const sections = {
  /** The base server: listeners, JetStream, TLS. */
  server: {
    name: variable(
      "NATS_SERVER_NAME",
      matching(token),
      "a name of letters, digits, _ or -",
      "nunect",
    ),
    host: text("NATS_HOST", "0.0.0.0", "an IP address to listen on"),
    port: port("NATS_PORT", "4222"),
    httpPort: port("NATS_HTTP_PORT", "8222"),
    // Unauthenticated (/connz?auth=true lists users): loopback unless exposed on purpose.
    httpHost: text("NATS_HTTP_HOST", "127.0.0.1", "an IP address for the monitoring listener"),
    wsPort: port("NATS_WS_PORT", "8443"),
    leafPort: port("NATS_LEAF_PORT", "7422"),
    dataDir: text("NATS_DATA_DIR", "./.data/nats", "a directory path"),
    jsMaxMemory: variable("NATS_JS_MAX_MEMORY", size, SIZE, "256MB"),
    jsMaxFile: variable("NATS_JS_MAX_FILE", size, SIZE, "10GB"),
    jsDomain: variable(
      "NATS_JS_DOMAIN",
      matching(token),
      "a JetStream domain name of letters, digits, _ or -",
      "hub",
    ),
    tlsCert: text("NATS_TLS_CERT", "", "a PEM certificate path, or empty"),
    tlsKey: text("NATS_TLS_KEY", "", "a PEM key path, or empty"),
    /** Monitoring over HTTPS with NATS_TLS_CERT (nats-server's https_port); plain http is off. */
    httpsPort: optionalPort(
      "NATS_HTTPS_PORT",
      "a port for HTTPS monitoring (-1: any free port), or empty for plain HTTP on NATS_HTTP_PORT",
    ),
    /** The CA that client certificates must be signed by (with a NATS_*TLS_VERIFY on). */
    tlsClientCa: text(
      "NATS_TLS_CLIENT_CA",
      "",
      "a PEM CA certificate path that client certificates must chain to, or empty",
    ),
    tlsVerify: choice("NATS_TLS_VERIFY", TLS_VERIFY, "off", TLS_VERIFY_EXPECTED),
    wsTlsVerify: choice("NATS_WS_TLS_VERIFY", TLS_VERIFY, "off", TLS_VERIFY_EXPECTED),
    leafTlsVerify: choice("NATS_LEAF_TLS_VERIFY", TLS_VERIFY, "off", TLS_VERIFY_EXPECTED),
  },
  /**
   * How nunect's programs reach NATS over TLS (tls://, wss://, HTTPS monitoring): whom they trust
   * and the certificate they present when the server verifies clients.
   */
  natsTls: {
    ca: text(
      "NATS_TLS_CA",
      "",
      "a PEM CA certificate path that signed the NATS server's certificate, or empty for the " +
        "system's trusted CAs",
    ),
    clientCert: text(
      "NATS_TLS_CLIENT_CERT",
      "",
      "a PEM certificate path presented to a server that verifies clients, or empty",
    ),
    clientKey: text("NATS_TLS_CLIENT_KEY", "", "the PEM key of NATS_TLS_CLIENT_CERT, or empty"),
    /**
     * TLS before the server's INFO on the client port (nats-server >= 2.10.4). Deno can present a
     * client certificate on tls:// only this way. `auto`: the server waits 50 ms for it and falls
     * back to the usual order, so other clients keep working.
     */
    handshakeFirst: choice(
      "NATS_TLS_HANDSHAKE_FIRST",
      ["false", "true", "auto"],
      "false",
      "false, true (every client must start with TLS) or auto (the server accepts both; " +
        "nats-server >= 2.10.4)",
    ),
  },
  /** Which nats-server executable runs (mods/tools resolves it; empty: nunect's choice). */
  serverBinary: {
    path: variable(
      "NATS_SERVER_BIN",
      matching(/^(\/.*)?$/),
      "an absolute path to a nats-server executable, or empty to let nunect pick one",
      "",
    ),
  },
  /** Where a module connects and who it is. */
  unit: {
    natsUrl: variable(
      "NATS_URL",
      matching(/^(nats|tls|ws|wss):\/\/[^\s]+$/),
      "a URL such as nats://127.0.0.1:4222",
      "nats://127.0.0.1:4222",
    ),
    unitId: variable(
      "UNIT_ID",
      textSchema((v) => isUnitId(v) ? v : INVALID),
      'an ID of 1-64 letters, digits, "_" or "-"',
      "nunect-hub",
    ),
  },
  /** Identity (operator mode): where the controller keeps keys and this host's credentials. */
  identity: {
    dir: identityDir,
  },
  /** Router bundles: where routers reach this hub. */
  provisioning: {
    leafPublicUrl: variable(
      "NATS_LEAF_PUBLIC_URL",
      matching(/^((nats-leaf|nats|tls):\/\/[^\s@]+)?$/),
      "a URL such as nats-leaf://hub.example:7422 (no user in it), or empty for nats-leaf://$DASHBOARD_DOMAIN:$NATS_LEAF_PORT",
      "",
    ),
    /**
     * Seconds between the controller's resends of every account JWT while a router's claims link
     * is connected (a link coming up gets them at once; this is for anything missed).
     */
    claimsResendS: positiveInt("NATS_CLAIMS_RESEND_S", "300", 10),
  },
  /** A unit's own credentials: the .creds file the controller issued for UNIT_ID. */
  unitCreds: {
    credsFile: text(
      "NATS_CREDS",
      "",
      "the path of this unit's .creds file, or empty for $NATS_IDENTITY_DIR/creds/units/$UNIT_ID.creds",
    ),
  },
  /** The dashboard web server. */
  dashboard: {
    bind: variable(
      "DASHBOARD_BIND",
      textSchema((v) => isIpv4(v) || isIpv6(v) || v === "localhost" ? v : INVALID),
      "an IP address to listen on (127.0.0.1, 0.0.0.0, ::, an address of this host)",
      "127.0.0.1",
    ),
    port: port("DASHBOARD_PORT", "4280"),
    domain: text("DASHBOARD_DOMAIN", "localhost", "a host name"),
    /** HTTPS (HTTP/2) with this certificate chain and key, re-read when the files change. */
    tlsCert: text("DASHBOARD_TLS_CERT", "", "a PEM certificate chain path, or empty for HTTP"),
    tlsKey: text("DASHBOARD_TLS_KEY", "", "the PEM key of DASHBOARD_TLS_CERT, or empty"),
    /** A plain-HTTP listener on DASHBOARD_BIND that only redirects to HTTPS (with TLS only). */
    redirectPort: optionalPort(
      "DASHBOARD_REDIRECT_PORT",
      "a port for a plain-HTTP listener that redirects to HTTPS (e.g. 80), or empty for none",
    ),
    /** Strict-Transport-Security max-age on HTTPS answers (0: no header). */
    hstsMaxAgeS: positiveInt("DASHBOARD_HSTS_MAX_AGE_S", "31536000", 0),
    /** Peers whose X-Forwarded-For/-Proto/-Host headers are believed (reverse proxies). */
    trustedProxies: addressList(
      "DASHBOARD_TRUSTED_PROXIES",
      "a comma-separated list of the reverse proxies' IP addresses or ranges (e.g. 127.0.0.1 or " +
        "10.0.0.0/8), or empty to trust no forwarded headers",
    ),
    corsOrigins: list("DASHBOARD_CORS_ORIGINS"),
    adminUser: variable("DASHBOARD_ADMIN_USER", matching(token), "a user name", "admin"),
    adminPassword: variable(
      "DASHBOARD_ADMIN_PASSWORD",
      atLeast(12),
      "a password of 12+ characters",
      undefined,
      true,
    ),
    secret: variable(
      "DASHBOARD_SECRET",
      atLeast(32),
      "a secret of 32+ characters",
      undefined,
      true,
    ),
    /** Null: http://$NATS_HTTP_HOST:$NATS_HTTP_PORT, resolved by {@linkcode monitorUrl} only. */
    monitorUrl: optionalUrl(
      "NATS_MONITOR_URL",
      ["http:", "https:"],
      "an http(s) URL such as http://127.0.0.1:8222, or empty for http://$NATS_HTTP_HOST:$NATS_HTTP_PORT",
    ),
    /** Null: ws(s)://<host of the page>:$NATS_WS_PORT, resolved per request by the dashboard. */
    wsUrl: optionalUrl(
      "NATS_WS_URL",
      ["ws:", "wss:"],
      "a ws(s) URL such as wss://nats.example:8443, or empty for ws://<page host>:$NATS_WS_PORT",
    ),
    /** Retention of the telemetry history stream (mods/monitor UnitRegistry). */
    historyMaxAgeH: positiveInt("TELEMETRY_HISTORY_MAX_AGE_H", "168"),
    historyMaxMb: positiveInt("TELEMETRY_HISTORY_MAX_MB", "256"),
    /** A login session unused this long ends (minutes). */
    sessionIdleMin: positiveInt("DASHBOARD_SESSION_IDLE_MIN", "30"),
    /** A login session ends this long after login at the latest (hours). */
    sessionMaxH: positiveInt("DASHBOARD_SESSION_MAX_H", "12"),
    /** Records of each kind (RTT, time, logs) the history keeps per unit. */
    historyPerUnit: positiveInt("TELEMETRY_HISTORY_PER_UNIT", "10000"),
    /** The most units the units table holds; stale ones make room for new ones. */
    maxUnits: positiveInt("TELEMETRY_MAX_UNITS", "10000"),
    /**
     * Memory for decoded metric-history points in MB (0: off): charts read recent points from
     * memory, the oldest go first.
     */
    historyCacheMb: positiveInt("DASHBOARD_HISTORY_CACHE_MB", "64", 0),
  },
  /** The audit trail (mods/audit): its own retention, apart from every other stream's. */
  audit: {
    /** Records older than this many days age out of the stream `nunect_audit`. */
    maxAgeDays: positiveInt("AUDIT_MAX_AGE_DAYS", "365"),
    /** Replicas of the stream. */
    replicas: positiveInt("AUDIT_REPLICAS", "1"),
  },
  /** Metric history (mods/history): tiers and retention of the history streams. */
  history: {
    tiers: variable(
      "HISTORY_TIERS",
      tiersSchema,
      "tiers <step>:<keep> from fine to coarse, e.g. 10s:1d,1m:7d,1h:365d (units s m h d w y; " +
        "each step a multiple of the one before, each kept at least the next step)",
      "10s:1d,1m:7d,1h:365d",
    ),
    maxMb: positiveInt("HISTORY_MAX_MB", "1024"),
    replicas: positiveInt("HISTORY_REPLICAS", "1"),
  },
  /** The subject registry (mods/registry) and the inbox stream it keeps. */
  registry: {
    intervalMs: positiveInt("REGISTRY_INTERVAL_MS", "1000", 100),
    inboxMaxAgeH: positiveInt("REGISTRY_INBOX_MAX_AGE_H", "24"),
    inboxMaxPerUnit: positiveInt("REGISTRY_INBOX_MAX_PER_UNIT", "1000"),
    replicas: positiveInt("REGISTRY_REPLICAS", "1"),
  },
  /** Alert evaluation (mods/alerts) and where notifications go. */
  alerts: {
    evalIntervalS: positiveInt("ALERT_EVAL_INTERVAL_S", "5"),
    historyDays: positiveInt("ALERT_HISTORY_DAYS", "90"),
    webhookUrl: url("ALERT_WEBHOOK_URL", ["http:", "https:"], "an http(s) URL, or empty"),
    webhookSecret: variable(
      "ALERT_WEBHOOK_SECRET",
      emptyOr(atLeast(16)),
      "a secret of 16+ characters to sign webhooks with, or empty",
      "",
      true,
    ),
    slackUrl: url("ALERT_SLACK_URL", ["http:", "https:"], "an http(s) URL, or empty"),
    pagerdutyUrl: url(
      "ALERT_PAGERDUTY_URL",
      ["http:", "https:"],
      "PagerDuty's Events v2 URL (https://events.pagerduty.com/v2/enqueue), or empty",
    ),
    pagerdutyRoutingKey: variable(
      "ALERT_PAGERDUTY_ROUTING_KEY",
      ANY_TEXT,
      "the integration's routing key",
      "",
      true,
    ),
    smtpUrl: url(
      "ALERT_SMTP_URL",
      ["smtp:", "smtps:"],
      "smtp://host:port (STARTTLS when offered) or smtps://host:port (TLS), or empty",
    ),
    smtpUser: text("ALERT_SMTP_USER", "", "the SMTP user name, or empty for no login"),
    smtpPassword: variable("ALERT_SMTP_PASSWORD", ANY_TEXT, "the SMTP password", "", true),
    emailFrom: text("ALERT_EMAIL_FROM", "nunect@localhost", "a sender address"),
    emailTo: list("ALERT_EMAIL_TO"),
    natsSubject: variable(
      "ALERT_NATS_SUBJECT",
      matching(/^([A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*)?$/),
      "a subject such as ops.alerts (no wildcards), or empty",
      "",
    ),
  },
  /** The dashboard's Prometheus endpoint `/metrics`. */
  metrics: {
    token: variable(
      "METRICS_TOKEN",
      emptyOr(atLeast(16)),
      "a bearer token of 16+ characters, or empty (then /metrics is off unless METRICS_OPEN)",
      "",
      true,
    ),
    open: bool("METRICS_OPEN", "false"),
    prefix: variable(
      "METRICS_PREFIX",
      matching(/^([a-zA-Z_][a-zA-Z0-9_]*)?$/),
      "a metric name prefix of letters, digits and _ (prometheus-nats-exporter's -prefix), or empty",
      "",
    ),
    serverId: variable(
      "METRICS_SERVER_ID",
      oneOf(["url", "id", "name"] as const),
      "url (the exporter's default: http://host:port), id (-use_internal_server_id) or name " +
        "(-use_internal_server_name)",
      "url",
    ),
  },
  /** guardian's intervals and role. */
  guardian: {
    heartbeatIntervalMs: positiveInt(
      "HEARTBEAT_INTERVAL_MS",
      "5000",
      100,
      PROTOCOL_LIMITS.maxHeartbeatIntervalMs,
    ),
    rttIntervalMs: positiveInt("RTT_INTERVAL_MS", "10000", 100),
    timeIntervalMs: positiveInt("TIME_INTERVAL_MS", "10000", 100),
    timeMaster: bool("TIME_MASTER", "false"),
    rttTarget: variable(
      "RTT_TARGET",
      textSchema((v) => v === "" || isUnitId(v) ? v : INVALID),
      "a unit ID to measure app RTT against, or empty for this unit's own echo",
      "",
    ),
  },
  /** Clock-sync sources and quality thresholds. */
  timesync: {
    mode: variable(
      "TIME_SYNC_MODE",
      oneOf(["ptp", "chrony", "auto"] as const),
      "ptp, chrony or auto",
      "auto",
    ),
    ptpMasterAddress: text("PTP_MASTER_ADDRESS", ""),
    ptpDomain: positiveInt("PTP_DOMAIN", "0", 0),
    ptpHwTimestamp: bool("PTP_HW_TIMESTAMP", "false"),
    ptpUdsPath: text("PTP_UDS_PATH", "/var/run/ptp4l", "a path to ptp4l's UNIX socket"),
    ptpLockThresholdNs: positiveInt("PTP_LOCK_THRESHOLD_NS", "1000"),
    ntpServers: list("NTP_SERVERS"),
    chronySocket: text("CHRONY_SOCKET", "", "chronyc's socket path or host, or empty"),
    ntpLockThresholdNs: positiveInt("NTP_LOCK_THRESHOLD_NS", "1000000"),
  },
} as const satisfies Record<string, Section>;

/** Names of the sections. */
export type SectionName = keyof typeof sections;

/** The parsed configuration of the named sections. */
export type Config<N extends SectionName> = {
  readonly [K in N]: SectionValue<(typeof sections)[K]>;
};

/**
 * The monitoring URL the dashboard reads: NATS_MONITOR_URL, or the local server's monitoring
 * listener: `https://` on NATS_HTTPS_PORT when it is set, else `http://` on NATS_HTTP_PORT, at
 * NATS_HTTP_HOST (a wildcard reached on 127.0.0.1). The one place this default is resolved (the
 * dashboard and the supervisor's network grant both use it).
 *
 * @param config the dashboard and server sections
 * @returns e.g. `http://127.0.0.1:8222` or `https://127.0.0.1:8444`
 */
export function monitorUrl(config: Config<"dashboard" | "server">): string {
  return config.dashboard.monitorUrl ?? localMonitorUrl(config.server);
}

/**
 * The local nats-server's monitoring listener: `https://` on NATS_HTTPS_PORT when it is set, else
 * `http://` on NATS_HTTP_PORT, at NATS_HTTP_HOST (a wildcard reached on 127.0.0.1).
 *
 * @param server the server section
 * @returns e.g. `http://127.0.0.1:8222`
 */
export function localMonitorUrl(server: Config<"server">["server"]): string {
  const host = displayHost(server.httpHost);
  const hostPort = (port: number) => `${host.includes(":") ? `[${host}]` : host}:${port}`;
  return server.httpsPort !== null
    ? `https://${hostPort(server.httpsPort)}`
    : `http://${hostPort(server.httpPort)}`;
}
