import { NunectError } from "../protocol/mod.ts";
import { type Config, localMonitorUrl } from "./schema.ts";
import { displayHost } from "./server_env.ts";

/** What the nginx site (config/nginx/nunect.conf) is filled in with. */
export interface NginxSite {
  /** The public name (server_name), e.g. `ops.example.com`. */
  readonly domain: string;
  /** The HTTPS port nginx listens on (443). */
  readonly listen: number;
  /** A plain-HTTP port that redirects to HTTPS (80), or null for none. */
  readonly httpListen: number | null;
  /** nginx's certificate chain and key (PEM paths) for the public name. */
  readonly cert: string;
  /** Its key. */
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

/** A site that cannot be made: a placeholder without a value, or an upstream nginx cannot check. */
export class NginxSiteError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "NginxSiteError";
}

/**
 * Fills in the nginx site template: `${NUNECT_…}` placeholders, and the parts between
 * `# @name` and `# @end` kept only when asked for (`redirect`, `upstream_tls`, `monitoring`).
 *
 * @param template the text of config/nginx/nunect.conf
 * @param site the values
 * @returns the site file for /etc/nginx/sites-available/
 * @throws {NginxSiteError} when the template names a placeholder that has no value
 */
export function renderNginxSite(template: string, site: NginxSite): string {
  const url = (u: string) => new URL(u);
  const dashboard = url(site.dashboard);
  const tlsUpstream = [
    site.dashboard,
    site.natsWs,
    ...(site.monitorAllow.length ? [site.monitor] : []),
  ]
    .some((u) => u.startsWith("https:"));
  if (tlsUpstream && site.upstreamCa === null) {
    throw new NginxSiteError(
      "An upstream speaks TLS (NATS_TLS_CERT or DASHBOARD_TLS_CERT is set) but NATS_TLS_CA is " +
        "empty: nginx needs the CA to check it",
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
    NUNECT_UPSTREAM_CA: site.upstreamCa ?? "",
  };
  const parts = new Set([
    ...(site.httpListen !== null ? ["redirect"] : []),
    ...(tlsUpstream ? ["upstream_tls"] : []),
    ...(site.monitorAllow.length > 0 ? ["monitoring"] : []),
  ]);
  const out: string[] = [];
  let keep = true;
  for (const line of template.split("\n")) {
    if (line === "# @end") {
      keep = true;
      continue;
    }
    const start = /^# @([a-z_]+)$/.exec(line);
    if (start) {
      keep = parts.has(start[1]!);
      continue;
    }
    if (keep) out.push(line);
  }
  return out.join("\n").replace(/\n{3,}/g, "\n\n").replace(
    /\$\{(NUNECT_[A-Z_]+)\}/g,
    (_, name: string) => {
      const v = values[name];
      if (v === undefined) {
        throw new NginxSiteError(`Unknown placeholder \${${name}} in the template`);
      }
      return v;
    },
  );
}

/**
 * The nginx site's values for this host's configuration: the dashboard and NATS listeners of
 * .env, behind the public name DASHBOARD_DOMAIN.
 *
 * @param config the dashboard, server and natsTls sections
 * @param choices the HTTPS port, a redirect port, nginx's certificate and key, and who may read
 *   the monitoring API through it
 * @returns the values for {@linkcode renderNginxSite}
 */
export function nginxSiteFor(
  config: Config<"dashboard" | "server" | "natsTls">,
  choices: {
    readonly listen: number;
    readonly httpListen: number | null;
    readonly cert: string;
    readonly key: string;
    readonly monitorAllow: readonly string[];
  },
): NginxSite {
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
