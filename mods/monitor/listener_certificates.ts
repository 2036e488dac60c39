import type { Varz } from "./schemas.ts";

/** A NATS server's TLS listener. */
export type TlsListener =
  | "client"
  | "monitoring"
  | "websocket"
  | "leafnode"
  | "cluster"
  | "gateway"
  | "mqtt";

/** When a listener's certificate ends. */
export interface ListenerCertificate {
  /** The listener. */
  readonly listener: TlsListener;
  /** End of validity, ms since the Unix epoch. */
  readonly notAfter: number;
}

/**
 * When each TLS listener's certificate ends, as `/varz` (or the VARZ ping) reports it
 * (`tls_cert_not_after`, nats-server 2.12.4+): the client port, HTTPS monitoring (which nats-server
 * serves with the client port's certificate), WebSocket, leaf nodes, routes, gateways, MQTT.
 * Read tolerantly: the Prometheus scrape passes unvalidated VARZ data.
 *
 * @param varz a server's varz
 * @returns the listeners that report an end; none for an older server or one without TLS
 */
export function listenerCertificates(varz: Varz): ListenerCertificate[] {
  const v = varz as Partial<Varz>;
  const ends: [TlsListener, unknown][] = [
    ["client", v.tls_cert_not_after],
    ["monitoring", (v.https_port ?? 0) !== 0 ? v.tls_cert_not_after : undefined],
    ["websocket", v.websocket?.tls_cert_not_after],
    ["leafnode", v.leaf?.tls_cert_not_after],
    ["cluster", v.cluster?.tls_cert_not_after],
    ["gateway", v.gateway?.tls_cert_not_after],
    ["mqtt", v.mqtt?.tls_cert_not_after],
  ];
  return ends.flatMap(([listener, end]) => {
    const ms = typeof end === "string" ? Date.parse(end) : NaN;
    return Number.isFinite(ms) ? [{ listener, notAfter: ms }] : [];
  });
}
