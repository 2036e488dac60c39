import { serverConfigFile, serverEnv } from "../config/mod.ts";
import { backoffDelay, type BackoffOptions, countCrash, DEFAULT_BACKOFF } from "./backoff.ts";
import { displayHost, type ModuleSpec, type RuntimeConfig } from "./modules.ts";
import { PrerequisiteError } from "./preflight.ts";
import type { RuntimeServer } from "./server_bin.ts";
import { formatTable, type TableRow } from "./table.ts";

/** How the supervisor runs. */
export interface SupervisorOptions {
  /** The whole, validated configuration. */
  readonly config: RuntimeConfig;
  /** The project root: config/ and module entry files are found here. */
  readonly projectDir: string;
  /** The modules to run, in start order (entry files that exist). */
  readonly modules: readonly ModuleSpec[];
  /** Restart policy for crashed modules. */
  readonly backoff?: BackoffOptions;
  /** The deno executable for modules (default `deno` on PATH, as the permission set names it). */
  readonly deno?: string;
  /** The nats-server to run (default `nats-server` on PATH), as `runtimeServer` picks it. */
  readonly server?: RuntimeServer;
  /** Where progress lines go (default `console.log`). */
  readonly log?: (line: string) => void;
}

const STOP_GRACE_MS = 5000;
const SERVER_STOP_GRACE_MS = 10_000;
const HEALTHY_TIMEOUT_MS = 15_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Starts nats-server and the modules, restarts crashed modules with backoff, and stops everything
 * in order (modules first, then the server). Children run in their own session so that a Ctrl-C
 * in the terminal reaches only the supervisor, which then stops them in order.
 */
export class Supervisor implements AsyncDisposable {
  readonly #options: SupervisorOptions;
  readonly #log: (line: string) => void;
  #server: Deno.ChildProcess | undefined;
  #serverStatus: Promise<Deno.CommandStatus> | undefined;
  #runners: ModuleRunner[] = [];
  #stopping = false;
  #stopped: Promise<void> | undefined;

  /** @param options configuration, project root and modules */
  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#log = options.log ?? ((line) => console.log(line));
  }

  /** Paths of nats-server's pid file and log (in NATS_DATA_DIR, shared with nats-server.sh). */
  get serverFiles(): { dataDir: string; pidFile: string; logFile: string } {
    const dataDir = serverEnv(this.#options.config, this.#options.projectDir).NATS_DATA_DIR!;
    return {
      dataDir,
      pidFile: `${dataDir}/nats-server.pid`,
      logFile: `${dataDir}/nats-server.log`,
    };
  }

  /** Resolves with nats-server's exit status when it exits (on its own or by {@linkcode stop}). */
  get serverExited(): Promise<Deno.CommandStatus> {
    return this.#serverStatus ?? new Promise(() => {});
  }

  /**
   * Starts nats-server, waits until /healthz answers, then starts every module.
   *
   * @throws {PrerequisiteError} when nats-server does not come up (its output is in the message)
   */
  async start(): Promise<void> {
    await this.#startServer();
    for (const spec of this.#options.modules) {
      if (this.#stopping) return;
      const runner = new ModuleRunner(spec, this.#options, this.#log);
      this.#runners.push(runner);
      await runner.start();
    }
  }

  async #startServer(): Promise<void> {
    const { config, projectDir } = this.#options;
    const env = serverEnv(config, projectDir);
    const { dataDir, pidFile, logFile } = this.serverFiles;
    try {
      await Deno.mkdir(dataDir, { recursive: true });
    } catch (e) {
      // Outside the runtime set's write paths: the directory must exist already (nats-server
      // says so below if it does not).
      if (!(e instanceof Deno.errors.NotCapable)) throw e;
    }
    const configFile = serverConfigFile(config, projectDir);
    const server = this.#options.server;
    if (server !== undefined) this.#log(`nats-server ${server.version} (${server.how})`);
    const child = new Deno.Command(server?.command ?? "nats-server", {
      args: ["-c", configFile, "-P", pidFile, "-l", logFile],
      env,
      clearEnv: true,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
      detached: true,
    }).spawn();
    this.#server = child;
    this.#serverStatus = child.status;
    let stderr = "";
    const pump = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stderr) {
        if (stderr.length < 64_000) stderr += decoder.decode(chunk, { stream: true });
      }
    })();
    let exited = false;
    child.status.then(() => exited = true);
    const monitor = `http://${displayHost(config.server.host)}:${config.server.httpPort}/healthz`;
    const deadline = Date.now() + HEALTHY_TIMEOUT_MS;
    while (!this.#stopping) {
      if (exited) {
        await pump;
        const logTail = await Deno.readTextFile(logFile)
          .then((t) => t.trimEnd().split("\n").slice(-15).join("\n"))
          .catch(() => "");
        throw new PrerequisiteError(
          `nats-server exited during start (config ${configFile}):\n${
            [stderr.trim(), logTail].filter((s) => s !== "").join("\n") || "(no output)"
          }`,
        );
      }
      try {
        const res = await fetch(monitor);
        await res.body?.cancel();
        if (res.ok) break;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) {
        throw new PrerequisiteError(
          `nats-server (pid ${child.pid}) did not answer ${monitor} within ${
            HEALTHY_TIMEOUT_MS / 1000
          } s; see ${logFile}`,
        );
      }
      await sleep(50);
    }
    if (this.#stopping) return;
    this.#log(`nats-server started (pid ${child.pid}), healthy at ${monitor}`);
  }

  /** The "what runs where" table. */
  table(): string {
    const { config } = this.#options;
    const s = config.server;
    const host = displayHost(s.host);
    const tls = s.tlsCert !== "" && s.tlsKey !== "";
    const rows: TableRow[] = [{
      name: "nats-server",
      pid: this.#server?.pid,
      lines: [
        ["clients", `${tls ? "tls" : "nats"}://${host}:${s.port}`],
        ["monitoring", `http://${host}:${s.httpPort}`],
        ["websocket", `${tls ? "wss" : "ws"}://${host}:${s.wsPort}`],
        ["leaf nodes", `nats-leaf://${host}:${s.leafPort}`],
        ["log", this.serverFiles.logFile],
        ...(this.#options.server ? [["version", this.#options.server.version] as const] : []),
      ],
    }];
    for (const r of this.#runners) {
      rows.push({ name: r.spec.name, pid: r.pid, lines: [["", r.spec.where]] });
    }
    return formatTable(rows);
  }

  /**
   * Stops the modules (last started first), then nats-server: SIGTERM, SIGKILL after a grace
   * period. Safe to call more than once and while {@linkcode start} is still running.
   */
  stop(): Promise<void> {
    this.#stopping = true;
    this.#stopped ??= (async () => {
      for (const runner of [...this.#runners].reverse()) await runner.stop();
      const server = this.#server;
      if (server !== undefined) {
        await terminate(server, SERVER_STOP_GRACE_MS);
        this.#log(`nats-server stopped (pid ${server.pid})`);
        await Deno.remove(this.serverFiles.pidFile).catch(() => {});
      }
    })();
    return this.#stopped;
  }

  /** Same as {@linkcode stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/** Sends SIGTERM, waits up to `graceMs`, then SIGKILL; resolves when the process has exited. */
async function terminate(child: Deno.ChildProcess, graceMs: number): Promise<Deno.CommandStatus> {
  try {
    child.kill("SIGTERM");
  } catch { /* already exited */ }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
  }, graceMs);
  const status = await child.status;
  clearTimeout(timer);
  return status;
}

/** Runs one module, restarting it with backoff whenever it exits until stopped. */
class ModuleRunner {
  readonly spec: ModuleSpec;
  readonly #options: SupervisorOptions;
  readonly #log: (line: string) => void;
  #child: Deno.ChildProcess | undefined;
  #pumps: Promise<unknown> = Promise.resolve();
  #stopping = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;

  constructor(spec: ModuleSpec, options: SupervisorOptions, log: (line: string) => void) {
    this.spec = spec;
    this.#options = options;
    this.#log = log;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Spawns the module the first time; the restart loop continues in the background. */
  start(): Promise<void> {
    try {
      this.#spawn();
    } catch (e) {
      // deno missing from PATH, or not allowed by the runtime set's run list.
      throw new PrerequisiteError(
        `Cannot start ${this.spec.name}: ${e instanceof Error ? e.message : e}`,
        { cause: e },
      );
    }
    this.#loop = this.#supervise();
    return Promise.resolve();
  }

  #spawn(): void {
    const { spec, projectDir } = { spec: this.spec, projectDir: this.#options.projectDir };
    const child = new Deno.Command(this.#options.deno ?? "deno", {
      args: [
        "run",
        "--quiet",
        "--no-prompt",
        `--config=${projectDir}/deno.json`,
        `-P=${spec.permissionSet}`,
        ...spec.denoFlags,
        spec.entry,
      ],
      cwd: projectDir,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      detached: true,
    }).spawn();
    this.#child = child;
    this.#pumps = Promise.all([
      prefixLines(child.stdout, `[${spec.name}] `, (l) => console.log(l)),
      prefixLines(child.stderr, `[${spec.name}] `, (l) => console.error(l)),
    ]);
    this.#log(
      `${spec.name} started (pid ${child.pid}): deno run -P=${spec.permissionSet} ${
        [...spec.denoFlags, spec.entry].join(" ")
      }`,
    );
  }

  async #supervise(): Promise<void> {
    const backoff = this.#options.backoff ?? DEFAULT_BACKOFF;
    let crashes = 0;
    while (!this.#stopping && this.#child !== undefined) {
      const startedAt = Date.now();
      const status = await this.#child.status;
      await this.#pumps;
      if (this.#stopping) return;
      crashes = countCrash(crashes, Date.now() - startedAt, backoff);
      const delay = backoffDelay(crashes, backoff);
      const how = status.signal
        ? `was killed by ${status.signal}`
        : `exited with code ${status.code}`;
      this.#log(
        `${this.spec.name} (pid ${this.#child.pid}) ${how}; restarting in ${delay / 1000} s (${
          crashes === 1 ? "first crash" : `crash ${crashes} in a row`
        })`,
      );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
      if (this.#stopping) return;
      try {
        this.#spawn();
      } catch (e) {
        this.#log(
          `${this.spec.name} could not be restarted (${
            e instanceof Error ? e.message : e
          }); giving up on it`,
        );
        this.#child = undefined;
        return;
      }
    }
  }

  /** Stops the module (SIGTERM, SIGKILL after 5 s) and its restart loop. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    const child = this.#child;
    if (child !== undefined) {
      const status = await terminate(child, STOP_GRACE_MS);
      await this.#pumps;
      this.#log(
        `${this.spec.name} stopped (pid ${child.pid}${
          status.signal ? `, ${status.signal}` : `, code ${status.code}`
        })`,
      );
    }
    await this.#loop;
  }
}

async function prefixLines(
  stream: ReadableStream<Uint8Array>,
  prefix: string,
  write: (line: string) => void,
): Promise<void> {
  let rest = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    const text = decoder.decode(chunk, { stream: true });
    const lines = (rest + text).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) write(prefix + line);
  }
  if (rest !== "") write(prefix + rest);
}
