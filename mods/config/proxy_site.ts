import { NunectError } from "../protocol/core.ts";
import { type Config, localMonitorUrl } from "./schema.ts";
import { displayHost } from "./server_env.ts";

/**
 * What a reverse proxy's site template (config/nginx/nunect.conf, config/caddy/Caddyfile) is
 * filled in with.
 */
export interface ProxySite {
  /** The public name (server_name, the Caddy site's name), e.g. `ops.example.com`. */
  readonly domain: string;
  /** The HTTPS port the proxy listens on (443). */
  readonly listen: number;
  /** A plain-HTTP port that redirects to HTTPS (80), or null for none. */
  readonly httpListen: number | null;
  /**
   * The proxy's certificate chain (PEM path) for the public name, or empty: Caddy then obtains
   * one itself (ACME); nginx needs one.
   */
  readonly cert: string;
  /** Its key (PEM path), or empty with `cert`. */
  readonly key: string;
  /** The dashboard, e.g. `http://127.0.0.1:4280`. */
  readonly dashboard: string;
  /** NATS's WebSocket listener, e.g. `http://127.0.0.1:8443` (`https://` with NATS TLS). */
  readonly natsWs: string;
  /** The monitoring listener, e.g. `http://127.0.0.1:8222`. */
  readonly monitor: string;
  /** Addresses or ranges allowed to read /monitoring/, or empty for no /monitoring/ at all. */
  readonly monitorAllow: readonly string[];
  /** The CA that TLS upstreams are checked against (NATS_TLS_CA), or null. */
  readonly upstreamCa: string | null;
}

/** A site that cannot be made: a placeholder without a value, or an upstream the proxy cannot check. */
export class ProxySiteError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "ProxySiteError";
}

/**
 * Fills in a reverse proxy's site template: `${NUNECT_…}` placeholders, and the parts between
 * `# @name` and `# @end` (they may nest) kept only when they apply: `redirect` (a redirect port), `tls_files`
 * (a certificate given), `upstream_tls` (any upstream speaks TLS), `dashboard_tls`, `ws_tls`,
 * `monitor_tls` (that upstream does), `monitoring` (someone may read it).
 *
 * @param template the text of config/nginx/nunect.conf or config/caddy/Caddyfile
 * @param site the values
 * @returns the site file (for /etc/nginx/sites-available/, or /etc/caddy/Caddyfile)
 * @throws {ProxySiteError} when an upstream speaks TLS without a CA to check it, or the template
 *   names a placeholder that has no value
 */
export function renderProxySite(template: string, site: ProxySite): string {
  const url = (u: string) => new URL(u);
  const dashboard = url(site.dashboard);
  const monitoring = site.monitorAllow.length > 0;
  const tls = (u: string) => u.startsWith("https:");
  const tlsUpstream = tls(site.dashboard) || tls(site.natsWs) || (monitoring && tls(site.monitor));
  if (tlsUpstream && site.upstreamCa === null) {
    throw new ProxySiteError(
      "An upstream speaks TLS (NATS_TLS_CERT or DASHBOARD_TLS_CERT is set) but NATS_TLS_CA is " +
        "empty: the proxy needs the CA to check it",
    );
  }
  const values: Record<string, string> = {
    NUNECT_DOMAIN: site.domain,
    NUNECT_LISTEN: String(site.listen),
    NUNECT_HTTP_LISTEN: String(site.httpListen ?? ""),
    NUNECT_TLS_CERT: site.cert,
    NUNECT_TLS_KEY: site.key,
    NUNECT_DASHBOARD_SCHEME: dashboard.protocol.replace(":", ""),
    NUNECT_DASHBOARD_ADDRESS: dashboard.host,
    NUNECT_DASHBOARD_HOST: dashboard.hostname.replace(/^\[|\]$/g, ""),
    NUNECT_NATS_WS_URL: site.natsWs,
    NUNECT_MONITOR_URL: site.monitor,
    NUNECT_MONITOR_ALLOW: site.monitorAllow.map((a) => `    allow ${a};`).join("\n"),
    NUNECT_MONITOR_RANGES: site.monitorAllow.join(" "),
    NUNECT_UPSTREAM_CA: site.upstreamCa ?? "",
  };
  const applies: Record<string, boolean> = {
    redirect: site.httpListen !== null,
    tls_files: site.cert !== "",
    upstream_tls: tlsUpstream,
    dashboard_tls: tls(site.dashboard),
    ws_tls: tls(site.natsWs),
    monitor_tls: tls(site.monitor),
    monitoring,
  };
  const out: string[] = [];
  const open: boolean[] = []; // the parts the line is in (they nest), innermost last
  for (const line of template.split("\n")) {
    if (line === "# @end") {
      if (open.pop() === undefined) {
        throw new ProxySiteError(`"# @end" without a part in the template`);
      }
      continue;
    }
    const start = /^# @([a-z_]+)$/.exec(line);
    if (start) {
      const part = start[1]!;
      if (!(part in applies)) throw new ProxySiteError(`Unknown part "# @${part}" in the template`);
      open.push(applies[part]!);
      continue;
    }
    if (open.every(Boolean)) out.push(line);
  }
  if (open.length > 0) throw new ProxySiteError(`A part of the template has no "# @end"`);
  return out.join("\n").replace(/\n{3,}/g, "\n\n").replace(
    /\$\{(NUNECT_[A-Z_]+)\}/g,
    (_, name: string) => {
      const v = values[name];
      if (v === undefined) {
        throw new ProxySiteError(`Unknown placeholder \${${name}} in the template`);
      }
      return v;
    },
  );
}

/**
 * A proxy site's values for this host's configuration: the dashboard and NATS listeners of .env,
 * behind the public name DASHBOARD_DOMAIN.
 *
 * @param config the dashboard, server and natsTls sections
 * @param choices the HTTPS port, a redirect port, the proxy's certificate and key, and who may
 *   read the monitoring API through it
 * @returns the values for {@linkcode renderProxySite}
 */
export function proxySiteFor(
  config: Config<"dashboard" | "server" | "natsTls">,
  choices: {
    readonly listen: number;
    readonly httpListen: number | null;
    readonly cert: string;
    readonly key: string;
    readonly monitorAllow: readonly string[];
  },
): ProxySite {
  const d = config.dashboard;
  const s = config.server;
  const hostPort = (host: string, port: number) => {
    const h = displayHost(host);
    return `${h.includes(":") ? `[${h}]` : h}:${port}`;
  };
  const natsTls = s.tlsCert !== "";
  return {
    domain: d.domain,
    ...choices,
    dashboard: `${d.tlsCert !== "" ? "https" : "http"}://${hostPort(d.bind, d.port)}`,
    natsWs: `${natsTls ? "https" : "http"}://${hostPort(s.host, s.wsPort)}`,
    monitor: localMonitorUrl(s),
    upstreamCa: config.natsTls.ca === "" ? null : config.natsTls.ca,
  };
}
