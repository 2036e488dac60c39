import type { CertificateRow, CertificatesView } from "../../mods/dashboard/mod.ts";
import { formatTime } from "../../components/format.ts";
import { Badge, Card, DataTable, RequiresNotice } from "../../components/ui.tsx";
import { page, type Route } from "../route.ts";

const LISTENERS: Record<CertificateRow["component"], string> = {
  dashboard: "Dashboard (HTTPS)",
  monitoring: "Monitoring (HTTPS)",
  client: "Clients (tls://)",
  websocket: "WebSocket (wss://)",
  leafnode: "Leaf nodes",
  cluster: "Routes (cluster)",
  gateway: "Gateways",
  mqtt: "MQTT",
};

/**
 * How a certificate's end reads: `in 12 days`, `today`, `3 days ago`.
 *
 * @param row the certificate
 * @returns the text
 */
export function daysText(row: Pick<CertificateRow, "daysLeft" | "status">): string {
  if (row.status === "expired") {
    return row.daysLeft === -1 ? "expired today" : `expired ${-row.daysLeft - 1} days ago`;
  }
  return row.daysLeft === 0 ? "today" : `in ${row.daysLeft} day${row.daysLeft === 1 ? "" : "s"}`;
}

/**
 * The warning the Overview shows while a certificate is expiring or expired (nothing otherwise).
 *
 * @param p the certificates
 * @returns the notice, or null
 */
export function CertificateWarning(p: { view: CertificatesView }) {
  const due = p.view.rows.filter((r) => r.status !== "ok");
  if (due.length === 0) return null;
  const first = due[0]!;
  return (
    <div
      class={`notice ${p.view.worst === "expired" ? "bad" : "warn"}`}
      id="certificate-warning"
      role="alert"
    >
      <strong>
        {due.length === 1 ? "A TLS certificate" : `${due.length} TLS certificates`}{" "}
        {first.status === "expired" ? "expired" : "expire soon"}
      </strong>: {LISTENERS[first.component]}
      {first.server === null ? "" : ` on ${first.server}`} {daysText(first)} (
      {formatTime(first.notAfter)} UTC). <a href="/certificates">Certificates</a>
    </div>
  );
}

/**
 * Certificates: every TLS certificate in use (the dashboard's, and each NATS listener's on every
 * server of the cluster) with its end and status, warned 21 days ahead; `/api/certificates` is
 * the same as JSON. Servers older than 2.12.4 do not report their certificates' ends.
 */
export const certificatesRoutes: readonly Route[] = [
  ...page({
    path: "/certificates",
    title: "Certificates",
    nav: true,
    twin: { path: "/api/certificates", title: "TLS certificates in use and when they end" },
    load: (c) => c.var.services.certificates(),
    render: (v) => (
      <Card title="TLS certificates">
        <p class="muted">
          Renew a certificate before it ends: nunect warns {v.warnDays}{" "}
          days ahead. The dashboard picks up renewed files at once; nats-server with{" "}
          <code>deno task nats reload</code>.
        </p>
        {v.note && <p class="muted">{v.note}</p>}
        <DataTable
          id="certificates"
          empty="No TLS certificate in use: the dashboard and NATS run without TLS."
          rows={v.rows}
          rowClass={(r) => `cert-${r.status}`}
          columns={[
            { label: "Listener", cell: (r) => LISTENERS[r.component] },
            { label: "Server", cell: (r) => r.server ?? "this dashboard" },
            {
              label: "Status",
              cell: (r) => (
                <Badge
                  level={r.status === "ok" ? "good" : r.status === "expiring" ? "warn" : "bad"}
                >
                  {r.status}
                </Badge>
              ),
            },
            { label: "Ends", cell: (r) => `${formatTime(r.notAfter)} UTC` },
            { label: "", cell: (r) => daysText(r) },
            {
              label: "Certificate",
              wrap: true,
              cell: (r) =>
                r.subject === undefined
                  ? ""
                  : `${r.subject} (${r.names?.join(", ") ?? ""}), issued by ${r.issuer}`,
            },
          ]}
        />
        {v.unreported.map((u) => (
          <RequiresNotice
            feature={`Certificate expiry of ${u.server}'s listeners`}
            version={u.requires}
            running={u.version}
          />
        ))}
      </Card>
    ),
  }),
];
