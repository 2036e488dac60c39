import {
  type Config,
  displayHost,
  monitorUrl,
  projectPath,
  type SectionName,
  unitCredsPath,
} from "../config/mod.ts";
import { channelHosts, configuredChannels } from "../alerts/notify/deliver.ts";
import { NunectError } from "../protocol/mod.ts";

export { displayHost };

/** The configuration the supervisor loads: every section. */
export type RuntimeConfig = Config<SectionName>;

/** One program the supervisor runs and restarts: `deno run -P=<permissionSet> <entry>`. */
export interface ModuleSpec {
  /** Short name used in messages, e.g. `dashboard`. */
  readonly name: string;
  /** Entry file relative to the project root. */
  readonly entry: string;
  /** The deno.json permission set it runs under. */
  readonly permissionSet: string;
  /** Deno flags after `-P=…`, e.g. `--allow-net=host:port` for values only known at run time. */
  readonly denoFlags: readonly string[];
  /** Arguments after the entry file (default none). */
  readonly args?: readonly string[];
  /** Variables set for the module on top of the supervisor's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** What to show in the "what runs where" table. */
  readonly where: string;
}

/** Thrown for a `--module` argument that does not parse. */
export class InvalidModuleSpecError extends NunectError {
  /**
   * Creates the error for a `--module` argument.
   *
   * @param spec the argument given
   */
  constructor(spec: string) {
    super(
      `Invalid module "${spec}": expected <name>=<entry file>@<permission set>, e.g. dashboard=main.ts@dashboard`,
    );
  }
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = {
  "ws:": "80",
  "http:": "80",
  "wss:": "443",
  "https:": "443",
};

/**
 * The `host:port` a NATS or monitoring URL connects to, for a `--allow-net` flag (deno.json
 * permission sets are static, the URL comes from .env).
 *
 * @param natsUrl e.g. `nats://127.0.0.1:4222`, `wss://hub.example:443`, `http://127.0.0.1:8222`
 * @returns e.g. `127.0.0.1:4222`; the scheme's default port (NATS: 4222) when the URL has none
 */
export function natsHostPort(natsUrl: string): string {
  const url = new URL(natsUrl);
  return `${url.hostname}:${url.port === "" ? (DEFAULT_PORTS[url.protocol] ?? "4222") : url.port}`;
}

/**
 * The dashboard's network grant: its listen address (and redirect port) and the NATS and
 * monitoring servers it reads,
 * whatever .env says (a flag replaces the set's static loopback list).
 *
 * @param config the whole configuration
 * @returns the value of `--allow-net`
 */
export function dashboardNet(config: RuntimeConfig): string {
  const d = config.dashboard;
  const bind = d.bind.includes(":") ? `[${d.bind}]` : d.bind;
  return [
    ...new Set([
      `${bind}:${d.port}`,
      ...(d.redirectPort === null ? [] : [`${bind}:${d.redirectPort}`]),
      natsHostPort(config.unit.natsUrl),
      natsHostPort(monitorUrl(config)),
    ]),
  ].join(",");
}

/** A path from .env made absolute (relative ones are the project's). */
function absolute(path: string, projectDir: string): string {
  return path.startsWith("/") ? path : `${projectDir}/${path.replace(/^\.\//, "")}`;
}

/** The directory of a file path. */
function dirOf(path: string): string {
  return path.slice(0, Math.max(1, path.lastIndexOf("/")));
}

/**
 * The TLS files a program reads, for its `--allow-read` grant (deno.json sets are static, the
 * paths come from .env): the CA it trusts for NATS and HTTPS monitoring and the client
 * certificate it presents (NATS_TLS_*), and for the dashboard the directories of its own
 * certificate and key, which it watches for renewals.
 *
 * @param config the whole configuration
 * @param projectDir the project root
 * @param dashboard whether the grant is the dashboard's
 * @returns absolute paths, without duplicates (empty when no TLS file is configured)
 */
export function tlsReadPaths(
  config: RuntimeConfig,
  projectDir: string,
  dashboard = false,
): string[] {
  const t = config.natsTls;
  const d = config.dashboard;
  const files = [t.ca, t.clientCert, t.clientKey].filter((f) => f !== "");
  const dirs = dashboard ? [d.tlsCert, d.tlsKey].filter((f) => f !== "") : [];
  return [
    ...new Set([
      ...files.map((f) => absolute(f, projectDir)),
      ...dirs.map((f) => dirOf(absolute(f, projectDir))),
    ]),
  ];
}

/**
 * `--allow-read` for what only .env knows (credentials, TLS files), besides the set's own `read`
 * entries (which the flag replaces).
 */
function readFlags(own: readonly string[], tls: readonly string[]): string[] {
  return own.length + tls.length === 0 ? [] : [`--allow-read=${[...own, ...tls].join(",")}`];
}

/**
 * The modules nunect ships, in start order; the supervisor starts those whose entry file exists.
 * Each gets its permission set plus flags for what only .env knows: the controller its NATS
 * server and its directories, the dashboard its listen address and servers and its credentials,
 * the guardian its NATS server and its credentials file.
 *
 * @param config the whole configuration
 * @param projectDir the project root (relative paths of .env resolve against it)
 * @returns controller, dashboard, history collector, subject registry, alerts and guardian
 */
export function defaultModules(config: RuntimeConfig, projectDir: string): ModuleSpec[] {
  const d = config.dashboard;
  const identity = projectPath(config.identity.dir, projectDir);
  const dataDir = projectPath(config.server.dataDir, projectDir);
  const guardianCreds = unitCredsPath(config.unitCreds.credsFile, config.unit.unitId, identity);
  const tls = tlsReadPaths(config, projectDir);
  const https = d.tlsCert !== "";
  return [
    {
      name: "controller",
      entry: "mods/controller/main.ts",
      permissionSet: "controller",
      denoFlags: [
        `--allow-net=${natsHostPort(config.unit.natsUrl)}`,
        `--allow-read=${[identity, dataDir, ...tls].join(",")}`,
        `--allow-write=${identity},${dataDir}`,
      ],
      args: ["serve"],
      where: `signing keys in ${identity}/controller; requests on nunect.controller.> (SYS)`,
    },
    {
      name: "dashboard",
      entry: "main.ts",
      permissionSet: "dashboard",
      denoFlags: [
        `--allow-net=${dashboardNet(config)}`,
        ...readFlags(
          [`${projectDir}/static`, `${identity}/creds/dashboard`],
          tlsReadPaths(config, projectDir, true),
        ),
      ],
      where: `${https ? "https" : "http"}://${
        https && d.domain !== "" ? d.domain : displayHost(d.bind)
      }:${d.port}  (log in as ${d.adminUser}; password: DASHBOARD_ADMIN_PASSWORD in .env)`,
    },
    {
      name: "history",
      entry: "mods/history/main.ts",
      permissionSet: "history",
      denoFlags: [
        `--allow-net=${natsHostPort(config.unit.natsUrl)}`,
        ...readFlags([`${identity}/creds/history`], tls),
      ],
      where: `metric history ${
        config.history.tiers.map((t) => `${t.name}:${t.keepS / 86_400}d`).join(" ")
      } -> ${config.unit.natsUrl}`,
    },
    {
      name: "registry",
      entry: "mods/registry/main.ts",
      permissionSet: "registry",
      denoFlags: [
        `--allow-net=${natsHostPort(config.unit.natsUrl)}`,
        ...readFlags([`${identity}/creds/registry`], tls),
      ],
      where:
        `subject registry: leaf nodes and units every ${config.registry.intervalMs} ms -> ${config.unit.natsUrl}`,
    },
    {
      name: "alerts",
      entry: "mods/alerts/main.ts",
      permissionSet: "alerts",
      denoFlags: [
        `--allow-net=${
          [natsHostPort(config.unit.natsUrl), ...channelHosts(config.alerts)].join(",")
        }`,
        ...readFlags([`${identity}/creds/alerts`], tls),
      ],
      where: `alert rules every ${config.alerts.evalIntervalS} s; notifies ${
        configuredChannels(config.alerts).join(", ") || "nothing yet (ALERT_* in .env)"
      }`,
    },
    {
      name: "guardian",
      entry: "mods/guardian/main.ts",
      permissionSet: "guardian",
      denoFlags: [
        `--allow-net=${natsHostPort(config.unit.natsUrl)}`,
        ...readFlags([guardianCreds], tls),
      ],
      env: { NATS_CREDS: guardianCreds },
      where: `unit ${config.unit.unitId} -> ${config.unit.natsUrl} (credentials ${guardianCreds})`,
    },
  ];
}

/**
 * Parses a `--module <name>=<entry>@<set>` argument (custom deployments and tests replace the
 * default module table with these).
 *
 * @param spec e.g. `worker=tests/foundation/probes/crash.ts@config`
 * @returns the module
 * @throws {InvalidModuleSpecError} when the text does not have that shape
 */
export function parseModuleSpec(spec: string): ModuleSpec {
  const m = /^([A-Za-z0-9_-]+)=([^@\s]+)@([A-Za-z0-9_-]+)$/.exec(spec);
  if (!m) throw new InvalidModuleSpecError(spec);
  return { name: m[1]!, entry: m[2]!, permissionSet: m[3]!, denoFlags: [], where: m[2]! };
}
