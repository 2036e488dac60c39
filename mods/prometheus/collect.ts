import process from "node:process";
import {
  listenerCertificates,
  type PingKind,
  type ServerReply,
  type SysMonitor,
  type UnitState,
  type Varz,
} from "../monitor/mod.ts";
import { CLOCK_QUALITY } from "../history/mod.ts";
import { Exposition } from "./exposition.ts";
import {
  accstatzMetrics,
  connzMetrics,
  type ExporterNaming,
  gatewayzMetrics,
  genericMetrics,
  healthzMetrics,
  jszMetrics,
  leafzMetrics,
} from "./exporter.ts";

/** What `server_id` holds (the exporter's default, `-use_internal_server_id`, `-use_internal_server_name`). */
export type ServerIdMode = "url" | "id" | "name";

/** Options of {@linkcode PrometheusCollector}. */
export interface PrometheusOptions {
  /** `-prefix`: replaces `gnatsd` and `jetstream` ("" keeps them). */
  readonly prefix: string;
  /** What `server_id` holds (METRICS_SERVER_ID). */
  readonly serverId: ServerIdMode;
  /** The SYS monitor, or undefined while the dashboard is still connecting. */
  readonly sys: () => SysMonitor | undefined;
  /** The units table (nunect_unit_* series). */
  readonly units: () => readonly UnitState[];
  /** Firing alerts by severity (nunect_alerts_firing), or null when unknown. */
  readonly firing: () => Promise<Readonly<Record<string, number>> | null>;
  /** How long a scrape waits for servers that have not answered yet (default 2000 ms). */
  readonly windowMs?: number;
  /**
   * The monitoring URL the dashboard reads and how to learn its server's ID: in `url` mode that
   * server is labelled with this URL, as the exporter labels the URL it is given.
   */
  readonly local?: { readonly url: string; readonly serverId: () => Promise<string> };
  /** When the dashboard's own HTTPS certificate ends (ms since the epoch), or null without one. */
  readonly dashboardCertificateEnd?: () => number | null;
}

const CERT_HELP = "When the TLS certificate of a listener ends, seconds since the Unix epoch " +
  "(nunect warns 21 days ahead): the dashboard's, and each NATS listener's as varz reports it " +
  "(nats-server >= 2.12.4)";

const EXPORTER_KINDS = [
  "VARZ",
  "CONNZ",
  "ROUTEZ",
  "SUBSZ",
  "HEALTHZ",
  "ACCSTATZ",
  "LEAFZ",
  "GATEWAYZ",
  "JSZ",
] as const satisfies readonly PingKind[];

const REQUESTS: Partial<Record<PingKind, Readonly<Record<string, unknown>>>> = {
  ACCSTATZ: { include_unused: true },
  JSZ: { accounts: true, streams: true, consumer: true, config: true, raft: true, limit: 10_000 },
};

function wildcard(host: string): boolean {
  return host === "" || host === "0.0.0.0" || host === "::" || host === "[::]";
}

/**
 * Builds `/metrics`: every server of the cluster through one `$SYS` request per endpoint (varz,
 * connz, routez, subsz, healthz, accstatz, leafz, gatewayz, jsz) in prometheus-nats-exporter's
 * names and labels, then nunect's own series (units, alerts) and the process's. Concurrent scrapes
 * share one round, and a round stops waiting as soon as every known server has answered.
 */
export class PrometheusCollector {
  readonly #o: PrometheusOptions;
  #servers: number | undefined;
  #localId: string | undefined;
  #inflight: Promise<string> | undefined;
  #scrapes = 0;
  #lastDurationS = 0;

  /**
   * Creates the collector; nothing is scraped yet.
   *
   * @param options naming, data sources
   */
  constructor(options: PrometheusOptions) {
    this.#o = options;
  }

  /**
   * One scrape body (concurrent callers get the same one).
   *
   * @returns text in the exposition format
   */
  scrape(): Promise<string> {
    this.#inflight ??= this.#scrape().finally(() => this.#inflight = undefined);
    return this.#inflight;
  }

  async #scrape(): Promise<string> {
    const started = performance.now();
    const out = new Exposition();
    const naming: ExporterNaming = { prefix: this.#o.prefix };
    const sys = this.#o.sys();
    let up = 0;
    if (sys !== undefined) {
      const o = { windowMs: this.#o.windowMs ?? 2000, expected: this.#servers };
      const answers = await Promise.all(
        EXPORTER_KINDS.map((k) =>
          // Read tolerantly by the exporter's collectors: no schema validation per scrape.
          sys.pingUnchecked(k, { ...o, request: REQUESTS[k] }).catch(() =>
            [] as ServerReply<unknown>[]
          )
        ),
      );
      const byKind = Object.fromEntries(EXPORTER_KINDS.map((k, i) => [k, answers[i]!])) as Record<
        (typeof EXPORTER_KINDS)[number],
        ServerReply<unknown>[]
      >;
      const ids = new Map<string, string>(); // server ID -> label value
      if (this.#o.serverId === "url" && this.#localId === undefined && this.#o.local) {
        this.#localId = await this.#o.local.serverId().catch(() => undefined);
      }
      for (const r of byKind.VARZ) {
        if (!r.server) continue;
        const v = r.ok ? r.data as Record<string, unknown> : {};
        const host = String(v.http_host ?? "");
        const label = this.#o.serverId === "id"
          ? r.server.id
          : this.#o.serverId === "name"
          ? r.server.name
          : r.server.id === this.#localId && this.#o.local
          ? new URL(this.#o.local.url).origin
          : `http://${wildcard(host) ? "localhost" : host}:${v.http_port ?? ""}`;
        ids.set(r.server.id, label);
      }
      const idOf = (r: ServerReply<unknown>) =>
        r.server
          ? ids.get(r.server.id) ?? (this.#o.serverId === "name" ? r.server.name : r.server.id)
          : "";
      this.#servers = Math.max(byKind.VARZ.length, byKind.HEALTHZ.length) || undefined;
      up = this.#servers ?? 0;
      for (const r of byKind.VARZ) if (r.ok) genericMetrics(out, naming, "varz", idOf(r), r.data);
      for (const r of byKind.VARZ) {
        if (!r.ok) continue;
        for (const c of listenerCertificates(r.data as Varz)) {
          out.add(
            "nunect_tls_cert_expiry_timestamp_seconds",
            CERT_HELP,
            "gauge",
            { server_id: idOf(r), listener: c.listener },
            c.notAfter / 1000,
          );
        }
      }
      for (const r of byKind.CONNZ) if (r.ok) connzMetrics(out, naming, idOf(r), r.data);
      for (const r of byKind.ROUTEZ) {
        if (r.ok) genericMetrics(out, naming, "routez", idOf(r), r.data);
      }
      for (const r of byKind.SUBSZ) if (r.ok) genericMetrics(out, naming, "subsz", idOf(r), r.data);
      const healthy = new Set<string>();
      for (const r of byKind.HEALTHZ) {
        if (!r.server) continue;
        healthy.add(r.server.id);
        healthzMetrics(
          out,
          naming,
          idOf(r),
          r.ok ? String((r.data as { status?: unknown }).status) : "error",
        );
      }
      // A server that answered varz but not healthz within the window is reported unreachable.
      for (const [id, label] of ids) if (!healthy.has(id)) healthzMetrics(out, naming, label, null);
      for (const r of byKind.ACCSTATZ) if (r.ok) accstatzMetrics(out, naming, idOf(r), r.data);
      for (const r of byKind.LEAFZ) if (r.ok) leafzMetrics(out, naming, idOf(r), r.data);
      for (const r of byKind.GATEWAYZ) if (r.ok) gatewayzMetrics(out, naming, idOf(r), r.data);
      for (const r of byKind.JSZ) {
        if (r.ok && r.server) jszMetrics(out, naming, idOf(r), r.server.name, r.data);
      }
    }
    const dashboardEnd = this.#o.dashboardCertificateEnd?.() ?? null;
    if (dashboardEnd !== null) {
      out.add(
        "nunect_tls_cert_expiry_timestamp_seconds",
        CERT_HELP,
        "gauge",
        { server_id: "", listener: "dashboard" },
        dashboardEnd / 1000,
      );
    }
    this.#units(out);
    const firing = await this.#o.firing().catch(() => null);
    if (firing !== null) {
      for (const severity of ["info", "warning", "critical"]) {
        out.add(
          "nunect_alerts_firing",
          "Alerts firing now, by severity",
          "gauge",
          { severity },
          firing[severity] ?? 0,
        );
      }
    }
    this.#scrapes++;
    this.#lastDurationS = (performance.now() - started) / 1000;
    this.#process(out, up);
    return out.text();
  }

  #units(out: Exposition): void {
    for (const u of this.#o.units()) {
      const l = { unit: u.unitId, kind: u.heartbeat?.kind ?? "" };
      out.add(
        "nunect_unit_up",
        "1 while the unit's heartbeats arrive, 0 once it is stale",
        "gauge",
        l,
        u.stale ? 0 : 1,
      );
      if (u.rtt !== null) {
        out.add(
          "nunect_unit_rtt_seconds",
          "The unit's round trip to the server: native (PING/PONG) or app (echo)",
          "gauge",
          {
            unit: u.unitId,
            kind: "native",
          },
          u.rtt.nativeRttUs / 1e6,
        );
        if (u.rtt.appRttUs !== null) {
          out.add(
            "nunect_unit_rtt_seconds",
            "",
            "gauge",
            { unit: u.unitId, kind: "app" },
            u.rtt.appRttUs / 1e6,
          );
        }
      }
      const quality = u.time?.quality ?? u.heartbeat?.clock.quality;
      if (u.time?.offsetNs !== undefined && u.time.offsetNs !== null) {
        out.add(
          "nunect_unit_clock_offset_seconds",
          "The unit's clock minus its reference (positive: ahead)",
          "gauge",
          {
            unit: u.unitId,
          },
          u.time.offsetNs / 1e9,
        );
      }
      if (quality !== undefined) {
        out.add(
          "nunect_unit_clock_quality",
          "Clock quality: 3 locked, 2 tracking, 1 acquiring, 0 freerun",
          "gauge",
          {
            unit: u.unitId,
            source: u.time?.source ?? u.heartbeat?.clock.source ?? "none",
          },
          CLOCK_QUALITY[quality],
        );
      }
    }
  }

  #process(out: Exposition, servers: number): void {
    const cpu = process.cpuUsage();
    const mem = Deno.memoryUsage();
    out.add(
      "process_cpu_seconds_total",
      "Total user and system CPU time spent in seconds",
      "counter",
      {},
      (cpu.user + cpu.system) / 1e6,
    );
    out.add("process_resident_memory_bytes", "Resident memory size in bytes", "gauge", {}, mem.rss);
    out.add("process_heap_bytes", "JavaScript heap in use, bytes", "gauge", {}, mem.heapUsed);
    out.add(
      "process_start_time_seconds",
      "Start time of the process since unix epoch in seconds",
      "gauge",
      {},
      Math.floor(performance.timeOrigin / 1000),
    );
    out.add("nunect_scrapes_total", "Scrapes of /metrics served", "counter", {}, this.#scrapes);
    out.add(
      "nunect_scrape_duration_seconds",
      "How long the scrape took to gather",
      "gauge",
      {},
      this.#lastDurationS,
    );
    out.add("nunect_scrape_servers", "Servers that answered this scrape", "gauge", {}, servers);
  }
}
