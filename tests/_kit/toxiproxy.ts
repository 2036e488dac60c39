import { toolPath } from "../../mods/tools/mod.ts";
import { freePorts } from "./ports.ts";
import { type RunningProgram, spawnProcess } from "./program.ts";
import { until } from "./wait.ts";
import { tiedCommand } from "./tied.ts";

/** One proxied link: a listener that forwards to an upstream, with faults added on demand. */
export interface ToxicLink {
  /** The proxy's name. */
  readonly name: string;
  /** `host:port` it listens on. */
  readonly listen: string;
  /** `host:port` it forwards to. */
  readonly upstream: string;
  /**
   * Adds latency in each direction (toxiproxy's `latency` toxic on both streams): a round trip
   * through the link takes `2 * ms` longer.
   *
   * @param ms milliseconds each way
   * @param jitterMs random variation each way (default 0)
   */
  delay(ms: number, jitterMs?: number): Promise<void>;
  /** Cuts the link: closes its connections and refuses new ones until {@linkcode ToxicLink.restore}. */
  cut(): Promise<void>;
  /** Accepts connections again and removes every fault. */
  restore(): Promise<void>;
}

/** A running toxiproxy-server, driven over its HTTP API. Dispose it to stop it. */
export interface Toxiproxy extends AsyncDisposable {
  /** Its HTTP API, `http://127.0.0.1:<port>`. */
  readonly apiUrl: string;
  /**
   * Creates a link.
   *
   * @param name unique within this toxiproxy
   * @param listen `host:port` to listen on (port 0: a free one, then see `listen` of the result)
   * @param upstream `host:port` to forward to
   */
  link(name: string, listen: string, upstream: string): Promise<ToxicLink>;
}

/**
 * Starts the pinned toxiproxy (mods/tools, `toolPath("toxiproxy")`) with its API on a free
 * loopback port, and waits until the API answers. Links it creates listen where they are told,
 * e.g. on a network namespace's host address ({@linkcode startNetns}), so a leaf node in the
 * namespace reaches the hub only through them.
 *
 * @returns the running toxiproxy
 * @throws {Error} when the binary cannot be had or the API does not answer within 30 s
 * @example
 * ```ts
 * await using toxi = await startToxiproxy();
 * const link = await toxi.link("leaf-1", `${ns.hostAddress}:0`, `127.0.0.1:${hub.leafPort}`);
 * await link.delay(5); // +10 ms round trip
 * await link.cut();
 * ```
 */
export async function startToxiproxy(): Promise<Toxiproxy> {
  const bin = await toolPath("toxiproxy");
  const [port] = freePorts(1);
  const apiUrl = `http://127.0.0.1:${port}`;
  const server: RunningProgram = spawnProcess(
    tiedCommand(bin, {
      args: ["-host", "127.0.0.1", "-port", String(port)],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }),
  );
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`toxiproxy ${method} ${path}: ${res.status} ${text}`);
    return res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text;
  };
  try {
    await until(() => api("GET", "/version").then(() => true, () => false), "toxiproxy's API");
  } catch (e) {
    await server.stop();
    throw new Error(`${(e as Error).message}\n${server.output().stderr}`);
  }
  return {
    apiUrl,
    async link(name, listen, upstream) {
      const created = await api("POST", "/proxies", { name, listen, upstream, enabled: true });
      const path = `/proxies/${encodeURIComponent(name)}`;
      const clear = async () => {
        const toxics = await api("GET", `${path}/toxics`) as { name: string }[];
        for (const t of toxics) await api("DELETE", `${path}/toxics/${t.name}`);
      };
      return {
        name,
        listen: created.listen,
        upstream,
        async delay(ms, jitterMs = 0) {
          for (const stream of ["upstream", "downstream"]) {
            await api("POST", `${path}/toxics`, {
              name: `latency_${stream}`,
              type: "latency",
              stream,
              toxicity: 1,
              attributes: { latency: ms, jitter: jitterMs },
            });
          }
        },
        async cut() {
          await api("POST", path, { enabled: false });
        },
        async restore() {
          await clear();
          await api("POST", path, { enabled: true });
        },
      };
    },
    async [Symbol.asyncDispose]() {
      await server.stop();
    },
  };
}
