import {
  listenerCertificates,
  serverFeatures,
  type TlsListener,
  type Varz,
} from "../monitor/mod.ts";
import {
  type CertificateInfo,
  EXPIRY_WARNING_DAYS,
  expiryState,
  type ExpiryStatus,
} from "../tls/mod.ts";

/** Which TLS listener a certificate is served on: the dashboard's or a NATS server's. */
export type CertificateComponent = "dashboard" | TlsListener;

/** One certificate in use and how close it is to its end. */
export interface CertificateRow {
  /** The listener. */
  readonly component: CertificateComponent;
  /** The NATS server's name, or null for the dashboard's own certificate. */
  readonly server: string | null;
  /** End of validity, ms since the Unix epoch. */
  readonly notAfter: number;
  /** ok, expiring (within the warning window) or expired. */
  readonly status: ExpiryStatus;
  /** Whole days left, negative once expired. */
  readonly daysLeft: number;
  /** Subject, issuer and names, where nunect reads the certificate itself (the dashboard's). */
  readonly subject?: string;
  /** The issuer (the dashboard's certificate). */
  readonly issuer?: string;
  /** DNS names and addresses (the dashboard's certificate). */
  readonly names?: readonly string[];
}

/** A NATS server whose listeners use TLS but that does not report certificate expiry. */
export interface UnreportedServer {
  /** Its name. */
  readonly server: string;
  /** Its version. */
  readonly version: string;
  /** The first version that reports it. */
  readonly requires: string;
}

/** The Certificates page's data. */
export interface CertificatesView {
  /** When it was computed, ms since the Unix epoch. */
  readonly now: number;
  /** Days ahead of its end that a certificate counts as expiring. */
  readonly warnDays: number;
  /** Every certificate in use, soonest end first. */
  readonly rows: readonly CertificateRow[];
  /** Servers with TLS listeners that do not say when their certificates end. */
  readonly unreported: readonly UnreportedServer[];
  /** The worst status among the rows, or null when there are none. */
  readonly worst: ExpiryStatus | null;
  /** Why some servers could not be asked (no SYS connection), if so. */
  readonly note: string | null;
}

/** What {@linkcode certificatesView} is built from. */
export interface CertificateSources {
  /** The current time, ms since the Unix epoch. */
  readonly now: number;
  /** The dashboard's own certificate (DASHBOARD_TLS_CERT), or null over plain HTTP. */
  readonly dashboard: CertificateInfo | null;
  /** `/varz` of each NATS server (every server of the cluster, or the monitored one). */
  readonly varz: readonly Varz[];
  /** A note on where the servers' data came from. */
  readonly note?: string | null;
}

const RANK: Record<ExpiryStatus, number> = { expired: 2, expiring: 1, ok: 0 };

/** Whether any listener of the server uses TLS (from fields every version reports). */
function usesTls(varz: Varz): boolean {
  return varz.tls_required === true || varz.leaf?.tls_required === true ||
    (varz.https_port ?? 0) !== 0 || (varz.websocket?.port !== undefined &&
      (varz.websocket.port ?? 0) > 0 && varz.websocket.no_tls === false);
}

/**
 * Every certificate nunect can see in use, with its status ({@linkcode expiryState}, warned
 * {@linkcode EXPIRY_WARNING_DAYS} ahead): the dashboard's own, and each NATS listener's as
 * `/varz` reports it (`tls_cert_not_after`: the client port, which HTTPS monitoring shares,
 * WebSocket, leaf nodes, routes, gateways, MQTT). Servers older than 2.12.4 do not report it;
 * they are listed apart when they use TLS.
 *
 * @param sources the time, the dashboard's certificate and each server's varz
 * @returns the rows, soonest end first, and the servers that do not report
 */
export function certificatesView(sources: CertificateSources): CertificatesView {
  const rows: CertificateRow[] = [];
  const unreported: UnreportedServer[] = [];
  const row = (
    component: CertificateComponent,
    server: string | null,
    notAfter: number,
    extra: Partial<CertificateRow> = {},
  ): CertificateRow => ({
    component,
    server,
    notAfter,
    ...expiryState(notAfter, sources.now),
    ...extra,
  });
  if (sources.dashboard !== null) {
    const d = sources.dashboard;
    rows.push(row("dashboard", null, d.notAfter, {
      subject: d.subject,
      issuer: d.issuer,
      names: d.names,
    }));
  }
  for (const varz of sources.varz) {
    const ends = listenerCertificates(varz);
    for (const e of ends) rows.push(row(e.listener, varz.server_name, e.notAfter));
    const feature = serverFeatures(varz.version).find((f) => f.feature === "tls_cert_not_after")!;
    if (ends.length === 0 && usesTls(varz) && !feature.available) {
      unreported.push({
        server: varz.server_name,
        version: varz.version,
        requires: feature.requires,
      });
    }
  }
  rows.sort((a, b) => a.notAfter - b.notAfter);
  const worst = rows.reduce<ExpiryStatus | null>(
    (w, r) => w === null || RANK[r.status] > RANK[w] ? r.status : w,
    null,
  );
  return {
    now: sources.now,
    warnDays: EXPIRY_WARNING_DAYS,
    rows,
    unreported,
    worst,
    note: sources.note ?? null,
  };
}
