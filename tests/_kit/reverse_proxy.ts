import { spawnProcess } from "./program.ts";
import { until } from "./wait.ts";

/** A reverse proxy (nginx, Caddy) started by the test kit. Dispose to stop it and remove its files. */
export interface ReverseProxy extends AsyncDisposable {
  /** Its HTTPS origin, e.g. `https://127.0.0.1:43210`. */
  readonly url: string;
  /** What it logged so far. */
  log(): Promise<string>;
}

/** What {@linkcode runReverseProxy} runs. */
export interface ReverseProxyRun {
  /** Its name in errors, e.g. `nginx`. */
  readonly name: string;
  /** The command, with piped stdout and stderr. */
  readonly command: Deno.Command;
  /** Its directory of configuration, logs and state: removed when it stops. */
  readonly dir: string;
  /** The HTTPS port of the site (waited for). */
  readonly port: number;
  /** Its origin. */
  readonly url: string;
  /** Reads its log; given the process's stderr so far. */
  readonly log: (stderr: string) => Promise<string>;
}

/**
 * Starts a reverse proxy as this test's own process and waits until its HTTPS port accepts
 * connections (the part that nginx and Caddy share in the kit).
 *
 * @param run the command, its directory, port and log
 * @returns the running proxy
 * @throws {Error} when it exits during the start (with its output and log) or does not listen
 *   within 20 s
 */
export async function runReverseProxy(run: ReverseProxyRun): Promise<ReverseProxy> {
  const proc = spawnProcess(run.command);
  let exited = false;
  proc.child.status.then(() => exited = true);
  const log = () => run.log(proc.output().stderr);
  const stop = async () => {
    await proc.stop("SIGTERM");
    await Deno.remove(run.dir, { recursive: true }).catch(() => {});
  };
  try {
    await until(
      async () => {
        if (exited) {
          throw new Error(
            `${run.name} exited during start:\n${proc.output().stderr}\n${await log()}`,
          );
        }
        try {
          (await Deno.connect({ hostname: "127.0.0.1", port: run.port })).close();
          return true;
        } catch {
          return false;
        }
      },
      `${run.name} listening on ${run.port}`,
      20_000,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { url: run.url, log, [Symbol.asyncDispose]: stop };
}
