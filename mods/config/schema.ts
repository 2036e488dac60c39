import { z } from "zod";

/** One environment variable: its name, how it parses, its default and what a user must give. */
export interface Variable<T> {
  /** Environment variable name, e.g. `NATS_PORT`. */
  readonly name: string;
  /** Parses the raw string (after the default is applied). */
  readonly schema: z.ZodType<T, string>;
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

function variable<T>(
  name: string,
  schema: z.ZodType<T, string>,
  expected: string,
  fallback?: string,
  secret?: boolean,
): Variable<T> {
  return { name, schema, expected, fallback, secret };
}

const portSchema = z.string().regex(/^-?\d+$/).transform(Number).pipe(
  z.number().int().min(-1).max(65535).refine((n) => n !== 0),
);
const PORT = "a port number 1-65535 (-1: any free port)";

function port(name: string, fallback: string): Variable<number> {
  return variable(name, portSchema, PORT, fallback);
}

function positiveInt(name: string, fallback: string, min = 1): Variable<number> {
  return variable(
    name,
    z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(min)),
    `a whole number >= ${min}`,
    fallback,
  );
}

function bool(name: string, fallback: string): Variable<boolean> {
  return variable(
    name,
    z.enum(["true", "false", "1", "0", "yes", "no"]).transform((v) =>
      ["true", "1", "yes"].includes(v)
    ),
    "true or false",
    fallback,
  );
}

function text(name: string, fallback: string, expected = "any text"): Variable<string> {
  return variable(name, z.string(), expected, fallback);
}

function list(name: string): Variable<readonly string[]> {
  return variable(
    name,
    z.string().transform((v) => v.split(",").map((s) => s.trim()).filter((s) => s.length > 0)),
    "a comma-separated list",
    "",
  );
}

const token = /^[A-Za-z0-9_-]{1,64}$/;
const password = z.string().min(12).regex(/^[A-Za-z0-9_-]+$/).regex(/[A-Za-z]/);

/** The user name and password variables of one NATS user, e.g. `NATS_SYS_USER`, `NATS_SYS_PASSWORD`. */
function user(prefix: string, fallbackUser: string) {
  return {
    user: variable(
      `${prefix}_USER`,
      z.string().regex(token),
      'a user name of letters, digits, "_" or "-"',
      fallbackUser,
    ),
    password: variable(
      `${prefix}_PASSWORD`,
      password,
      'a password of 12+ letters, digits, "_" or "-" with at least one letter',
      undefined,
      true,
    ),
  } as const;
}

const size = z.string().regex(/^\d+(K|KB|M|MB|G|GB|T|TB)?$/i);
const SIZE = "a size such as 256MB or 10GB";

/** Every section of the environment contract (see .env.example). */
export const sections = {
  /** The base server: listeners, JetStream, TLS. */
  server: {
    name: variable(
      "NATS_SERVER_NAME",
      z.string().regex(token),
      "a name of letters, digits, _ or -",
      "nunect",
    ),
    host: text("NATS_HOST", "0.0.0.0", "an IP address to listen on"),
    port: port("NATS_PORT", "4222"),
    httpPort: port("NATS_HTTP_PORT", "8222"),
    wsPort: port("NATS_WS_PORT", "8443"),
    leafPort: port("NATS_LEAF_PORT", "7422"),
    dataDir: text("NATS_DATA_DIR", "./.data/nats", "a directory path"),
    jsMaxMemory: variable("NATS_JS_MAX_MEMORY", size, SIZE, "256MB"),
    jsMaxFile: variable("NATS_JS_MAX_FILE", size, SIZE, "10GB"),
    tlsCert: text("NATS_TLS_CERT", "", "a PEM certificate path, or empty"),
    tlsKey: text("NATS_TLS_KEY", "", "a PEM key path, or empty"),
  },
  /** Where a module connects and who it is. */
  unit: {
    natsUrl: variable(
      "NATS_URL",
      z.string().regex(/^(nats|tls|ws|wss):\/\/[^\s]+$/),
      "a URL such as nats://127.0.0.1:4222",
      "nats://127.0.0.1:4222",
    ),
    unitId: variable(
      "UNIT_ID",
      z.string().regex(token),
      'an ID of 1-64 letters, digits, "_" or "-"',
      "nunect-hub",
    ),
  },
  sysUser: user("NATS_SYS", "sys"),
  opsUser: user("NATS_OPS", "ops"),
  guardianUser: user("NATS_GUARDIAN", "guardian"),
  uiUser: user("NATS_UI", "ui"),
  bridgeUser: user("NATS_BRIDGE", "bridge"),
  engineUser: user("NATS_ENGINE", "engine"),
  provisionUser: user("NATS_PROVISION", "provision"),
  /** The dashboard web server. */
  dashboard: {
    bind: text("DASHBOARD_BIND", "127.0.0.1", "an IP address to listen on"),
    port: port("DASHBOARD_PORT", "4280"),
    domain: text("DASHBOARD_DOMAIN", "localhost", "a host name"),
    corsOrigins: list("DASHBOARD_CORS_ORIGINS"),
    adminUser: variable("DASHBOARD_ADMIN_USER", z.string().regex(token), "a user name", "admin"),
    adminPassword: variable(
      "DASHBOARD_ADMIN_PASSWORD",
      z.string().min(12),
      "a password of 12+ characters",
      undefined,
      true,
    ),
    secret: variable(
      "DASHBOARD_SECRET",
      z.string().min(32),
      "a secret of 32+ characters",
      undefined,
      true,
    ),
    monitorUrl: text(
      "NATS_MONITOR_URL",
      "",
      "an http(s) URL, or empty for http://127.0.0.1:$NATS_HTTP_PORT",
    ),
    wsUrl: text("NATS_WS_URL", "", "a ws(s) URL, or empty for ws://<page host>:$NATS_WS_PORT"),
    /** Retention of the telemetry history stream (mods/monitor UnitRegistry). */
    historyMaxAgeH: positiveInt("TELEMETRY_HISTORY_MAX_AGE_H", "168"),
    historyMaxMb: positiveInt("TELEMETRY_HISTORY_MAX_MB", "256"),
  },
  /** guardian's intervals and role. */
  guardian: {
    heartbeatIntervalMs: positiveInt("HEARTBEAT_INTERVAL_MS", "5000", 100),
    rttIntervalMs: positiveInt("RTT_INTERVAL_MS", "10000", 100),
    timeIntervalMs: positiveInt("TIME_INTERVAL_MS", "10000", 100),
    timeMaster: bool("TIME_MASTER", "false"),
    rttTarget: variable(
      "RTT_TARGET",
      z.string().regex(/^([A-Za-z0-9_-]{1,64})?$/),
      "a unit ID to measure app RTT against, or empty for this unit's own echo",
      "",
    ),
  },
  /** Clock-sync sources and quality thresholds. */
  timesync: {
    mode: variable(
      "TIME_SYNC_MODE",
      z.enum(["ptp", "chrony", "auto"]),
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
