import { toolPath } from "../../mods/tools/mod.ts";
import { freePorts } from "./ports.ts";
import { spawnProcess } from "./program.ts";
import { until } from "./wait.ts";
import { tiedCommand } from "./tied.ts";
import { unpackedBin } from "./unpacked.ts";

/** Options of {@linkcode startPrometheus}. */
export interface StartPrometheusOptions {
  /** What to scrape, e.g. `http://127.0.0.1:4280/metrics`. */
  readonly target: string;
  /** Bearer token for the scrape (Prometheus' `authorization.credentials`). */
  readonly token?: string;
  /** Scrape interval (default 1s). */
  readonly interval?: string;
}

/** A running Prometheus started by the test kit. Dispose to stop it and remove its data. */
export interface Prometheus extends AsyncDisposable {
  /** Its HTTP API, e.g. `http://127.0.0.1:9090`. */
  readonly url: string;
  /**
   * Runs an instant query through `/api/v1/query`.
   *
   * @param promql the query
   * @returns the result vector: labels and value of each series
   */
  query(promql: string): Promise<{ metric: Record<string, string>; value: number }[]>;
  /** The state of the scrape target (`up`, `down`, `unknown`) and its last error. */
  target(): Promise<{ health: string; lastError: string }>;
}

/**
 * The prometheus binary: PROMETHEUS_BIN, else Debian's package unpacked by
 * `scripts/setup.sh test` into `~/.cache/nunect/prometheus`, else `prometheus` on PATH.
 */
export function prometheusBin(): string {
  return unpackedBin("PROMETHEUS_BIN", "prometheus/usr/bin/prometheus", "prometheus");
}

/**
 * Starts a real Prometheus (as this test's own process, on a free port, with its data in a
 * temporary directory) that scrapes one target, and waits until it is ready.
 *
 * @param options the target, token and interval
 * @returns the running Prometheus
 */
export async function startPrometheus(options: StartPrometheusOptions): Promise<Prometheus> {
  const dir = await Deno.makeTempDir({ prefix: "nunect-prometheus-" });
  const target = new URL(options.target);
  const config = [
    "global:",
    `  scrape_interval: ${options.interval ?? "1s"}`,
    "scrape_configs:",
    "  - job_name: nunect",
    `    metrics_path: ${target.pathname}`,
    `    scheme: ${target.protocol.replace(":", "")}`,
    ...(options.token ? ["    authorization:", `      credentials: ${options.token}`] : []),
    "    static_configs:",
    `      - targets: ["${target.host}"]`,
  ].join("\n");
  await Deno.writeTextFile(`${dir}/prometheus.yml`, config + "\n");
  const [port] = freePorts(1);
  const url = `http://127.0.0.1:${port}`;
  const child = tiedCommand(prometheusBin(), {
    args: [
      `--config.file=${dir}/prometheus.yml`,
      `--storage.tsdb.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let log = "";
  const pump = (async () => {
    for await (const chunk of child.stderr) log += new TextDecoder().decode(chunk);
  })();
  let exited = false;
  child.status.then(() => exited = true);
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await child.status;
    await pump;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    await until(
      async () => {
        if (exited) throw new Error(`prometheus exited during start:\n${log}`);
        try {
          const res = await fetch(`${url}/-/ready`);
          await res.body?.cancel();
          return res.ok;
        } catch {
          return false;
        }
      },
      `prometheus ready at ${url}`,
      20_000,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    url,
    async query(promql) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = await res.json() as {
        status: string;
        error?: string;
        data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== "success") throw new Error(`PromQL ${promql}: ${body.error}`);
      return (body.data?.result ?? []).map((r) => ({
        metric: r.metric,
        value: Number(r.value[1]),
      }));
    },
    async target() {
      const res = await fetch(`${url}/api/v1/targets`);
      const body = await res.json() as {
        data: { activeTargets: { health: string; lastError: string }[] };
      };
      const t = body.data.activeTargets[0];
      return { health: t?.health ?? "unknown", lastError: t?.lastError ?? "" };
    },
    [Symbol.asyncDispose]: stop,
  };
}

/** A running prometheus-nats-exporter started by {@linkcode startExporter}. */
export interface Exporter extends AsyncDisposable {
  /** Its scrape URL, e.g. `http://127.0.0.1:7777/metrics`. */
  readonly url: string;
}

/**
 * Starts the pinned prometheus-nats-exporter (mods/tools) for one server's monitoring URL with
 * every collector nunect's /metrics mirrors (`-varz -connz -routez -subz -healthz -accstatz
 * -leafz -gatewayz -jsz=all`) and waits until it answers a scrape.
 *
 * @param monitorUrl the server's monitoring URL (it becomes the `server_id` label)
 * @returns the running exporter; dispose to stop it
 */
export async function startExporter(monitorUrl: string): Promise<Exporter> {
  const [port] = freePorts(1);
  const url = `http://127.0.0.1:${port}/metrics`;
  const exporter = spawnProcess(
    tiedCommand(await toolPath("prometheus-nats-exporter"), {
      args: [
        "-varz",
        "-connz",
        "-routez",
        "-subz",
        "-healthz",
        "-accstatz",
        "-leafz",
        "-gatewayz",
        "-jsz=all",
        "-a=127.0.0.1",
        `-p=${port}`,
        monitorUrl,
      ],
      stdout: "piped",
      stderr: "piped",
    }),
  );
  try {
    await until(
      async () => {
        try {
          const res = await fetch(url);
          await res.body?.cancel();
          return res.ok;
        } catch {
          return false;
        }
      },
      `prometheus-nats-exporter at ${url}`,
      20_000,
    );
  } catch (e) {
    await exporter.stop();
    throw e;
  }
  return { url, [Symbol.asyncDispose]: async () => void await exporter.stop() };
}
