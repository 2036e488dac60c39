/**
 * `GET /metrics` for Prometheus: every server of the cluster in prometheus-nats-exporter's names
 * and labels (varz, connz, routez, subsz, healthz, accstatz, leafz, gatewayz, jsz; its
 * `server_id` choices and `-prefix`), gathered through `$SYS` in one round per scrape, plus
 * nunect's own series (`nunect_unit_up`, `nunect_unit_rtt_seconds{kind}`,
 * `nunect_unit_clock_offset_seconds`, `nunect_unit_clock_quality`, `nunect_alerts_firing`) and
 * the dashboard process's. The text format is written by {@linkcode Exposition}.
 *
 * @example
 * ```ts
 * const metrics = new PrometheusCollector({ prefix: "", serverId: "url", sys, units, firing });
 * const body = await metrics.scrape();
 * ```
 *
 * @module
 */
export { Exposition, EXPOSITION_CONTENT_TYPE } from "./exposition.ts";
export type { MetricType } from "./exposition.ts";
export {
  accstatzMetrics,
  connzMetrics,
  gatewayzMetrics,
  genericMetrics,
  goDurationS,
  healthzMetrics,
  jszMetrics,
  leafzMetrics,
} from "./exporter.ts";
export type { ExporterNaming } from "./exporter.ts";
export { PrometheusCollector } from "./collect.ts";
export type { PrometheusOptions, ServerIdMode } from "./collect.ts";
