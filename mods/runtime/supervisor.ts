import { localMonitorUrl, serverConfigFile, serverEnv } from "../config/mod.ts";
import { backoffDelay } from "../client/mod.ts";
import { countCrash, DEFAULT_RESTART, type RestartPolicy } from "./backoff.ts";
import { childCommand } from "./child.ts";
import { terminate } from "./terminate.ts";
import { displayHost, type ModuleSpec, type RuntimeConfig } from "./modules.ts";
import { PrerequisiteError } from "./preflight.ts";
import type { RuntimeServer } from "./server_bin.ts";
import type { RunFile } from "./run_file.ts";
import { formatTable, type TableRow } from "./table.ts";

/** How the supervisor runs. */
export interface SupervisorOptions {
  /** The whole, validated configuration. */
  readonly config: RuntimeConfig;
  /** The project root: config/ and module entry files are found here. */
  readonly projectDir: string;
  /** The modules to run, in start order (entry files that exist). */
  readonly modules: readonly ModuleSpec[];
  /** Restart policy for crashed programs (nats-server and modules). */
  readonly backoff?: RestartPolicy;
  /**
   * Consecutive fast crashes of nats-server (each within `backoff.resetAfterMs` of its start)
   * after which the supervisor gives up and stops everything (default 5).
   */
  readonly serverCrashLimit?: number;
  /** Consecutive fast crashes after which a module is shown as crashing (default 3). */
  readonly crashingAfter?: number;
  /** Tie children to the supervisor's life (`setpriv --pdeathsig`; see `canTieChildren`). */
  readonly tieChildren?: boolean;
  /** Where the pids of the children are recorded for the next start (optional). */
  readonly runFile?: RunFile;
  /** The deno executable for modules (default `deno` on PATH, as the permission set names it). */
  readonly deno?: string;
  /** The nats-server to run (default `nats-server` on PATH), as `runtimeServer` picks it. */
  readonly server?: RuntimeServer;
  /** The PATH children find their programs on (required with `tieChildren`). */
  readonly path?: string;
  /** Where progress lines go (default `console.log`). */
  readonly log?: (line: string) => void;
  /**
   * Runs once nats-server is healthy and before the first module starts (the data directory's
   * upgrade); a rejection stops the start, its message shown.
   */
  readonly beforeModules?: () => Promise<void>;
}

/** What a supervised program is doing. */
export type RunState = "running" | "restarting" | "crashing" | "failed" | "stopped";

const STOP_GRACE_MS = 5000;
const SERVER_STOP_GRACE_MS = 10_000;
const HEALTHY_TIMEOUT_MS = 15_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Starts nats-server and the modules, restarts what crashes with backoff, and stops everything
 * in order (modules first, then the server). A nats-server that crashes is restarted (modules
 * keep running and reconnect); after `serverCrashLimit` fast crashes in a row the supervisor
 * gives up ({@linkcode failed}). A module that keeps crashing is shown as crashing; one that
 * exits with code 2 (a configuration error) is not restarted. Children run in their own session
 * so that a Ctrl-C in the terminal reaches only the supervisor, which then stops them in order;
 * with `tieChildren` they also end when the supervisor is killed.
 */
export class Supervisor implements AsyncDisposable {
  readonly #options: SupervisorOptions;
  readonly #log: (line: string) => void;
  #server: Runner | undefined;
  #runners: Runner[] = [];
  #stopping = false;
  #stopped: Promise<void> | undefined;
  #fail: (reason: string) => void = () => {};
  /** Resolves with the reason when the supervisor gives up on nats-server. */
  readonly failed: Promise<string>;

  /**
   * Creates a supervisor; nothing starts before `start()`.
   *
   * @param options configuration, project root and modules
   */
  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#log = options.log ?? ((line) => console.log(line));
    this.failed = new Promise((resolve) => this.#fail = resolve);
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

  /**
   * Starts nats-server, waits until /healthz answers, then starts every module.
   *
   * @throws {PrerequisiteError} when nats-server does not come up (its output is in the message)
   */
  async start(): Promise<void> {
    const { dataDir } = this.serverFiles;
    try {
      await Deno.mkdir(dataDir, { recursive: true });
    } catch (e) {
      // Outside the runtime set's write paths: the directory must exist already (nats-server
      // says so below if it does not).
      if (!(e instanceof Deno.errors.NotCapable)) throw e;
    }
    const bin = this.#options.server;
    if (bin !== undefined) this.#log(`nats-server ${bin.version} (${bin.how})`);
    const server = this.#serverRunner();
    this.#server = server;
    await server.start();
    if (this.#stopping) return;
    await this.#options.beforeModules?.();
    for (const spec of this.#options.modules) {
      if (this.#stopping) return;
      const runner = this.#moduleRunner(spec);
      this.#runners.push(runner);
      await runner.start();
    }
  }

  #runnerBase() {
    const o = this.#options;
    return {
      backoff: o.backoff ?? DEFAULT_RESTART,
      crashingAfter: o.crashingAfter ?? 3,
      log: this.#log,
      runFile: o.runFile,
      onState: (runner: Runner, state: RunState) => {
        if (state === "crashing" || state === "failed") this.#log(`\n${this.table()}\n`);
        if (runner === this.#server && state === "failed") {
          this.#fail(`nats-server ${runner.failure}`);
        }
      },
    };
  }

  #serverRunner(): Runner {
    const { config, projectDir } = this.#options;
    const { pidFile, logFile } = this.serverFiles;
    const configFile = serverConfigFile(config, projectDir);
    const monitor = `${localMonitorUrl(config.server)}/healthz`;
    // HTTPS monitoring (NATS_HTTPS_PORT) is checked against NATS_TLS_CA, as the dashboard does.
    let client: Deno.HttpClient | undefined;
    if (monitor.startsWith("https:") && config.natsTls.ca !== "") {
      try {
        client = Deno.createHttpClient({ caCerts: [Deno.readTextFileSync(config.natsTls.ca)] });
      } catch (e) {
        throw new PrerequisiteError(
          `Cannot read NATS_TLS_CA=${config.natsTls.ca} to check HTTPS monitoring: ${
            (e as Error).message
          }`,
          { cause: e },
        );
      }
    }
    const env = { ...serverEnv(config, projectDir), PATH: this.#options.path ?? "" };
    let stderr = "";
    return new Runner({
      ...this.#runnerBase(),
      name: "nats-server",
      crashLimit: this.#options.serverCrashLimit ?? 5,
      stopGraceMs: SERVER_STOP_GRACE_MS,
      spawn: () => {
        stderr = "";
        const child = childCommand(
          this.#options.server?.command ?? "nats-server",
          ["-c", configFile, "-P", pidFile, "-l", logFile],
          {
            env,
            clearEnv: true,
            stdin: "null",
            stdout: "null",
            stderr: "piped",
            detached: true,
          },
          this.#options.tieChildren ?? false,
        ).spawn();
        const pump = (async () => {
          const decoder = new TextDecoder();
          for await (const chunk of child.stderr) {
            if (stderr.length < 64_000) stderr += decoder.decode(chunk, { stream: true });
          }
        })();
        return { child, pumps: pump };
      },
      ready: async (child, exited, first) => {
        const deadline = Date.now() + HEALTHY_TIMEOUT_MS;
        while (!this.#stopping) {
          if (exited()) {
            if (!first) return; // a crash during a restart: the restart loop counts it
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
            const res = await fetch(monitor, { client } as RequestInit);
            await res.body?.cancel();
            if (res.ok) break;
          } catch { /* not listening yet */ }
          if (Date.now() > deadline) {
            const message = `nats-server (pid ${child.pid}) did not answer ${monitor} within ${
              HEALTHY_TIMEOUT_MS / 1000
            } s; see ${logFile}`;
            if (first) throw new PrerequisiteError(message);
            this.#log(message);
            return;
          }
          await sleep(50);
        }
        if (!this.#stopping) {
          this.#log(`nats-server started (pid ${child.pid}), healthy at ${monitor}`);
        }
      },
      afterStop: () => Deno.remove(pidFile).catch(() => {}),
    });
  }

  #moduleRunner(spec: ModuleSpec): Runner {
    const { projectDir } = this.#options;
    const deno = this.#options.deno ?? "deno";
    return new Runner({
      ...this.#runnerBase(),
      name: spec.name,
      crashLimit: null,
      configErrorExit: true,
      stopGraceMs: STOP_GRACE_MS,
      spawn: () => {
        const args = [
          "run",
          "--quiet",
          "--no-prompt",
          `--config=${projectDir}/deno.json`,
          `-P=${spec.permissionSet}`,
          ...spec.denoFlags,
          spec.entry,
          ...(spec.args ?? []),
        ];
        let child: Deno.ChildProcess;
        try {
          child = childCommand(deno, args, {
            cwd: projectDir,
            ...(spec.env ? { env: { ...spec.env } } : {}),
            stdin: "null",
            stdout: "piped",
            stderr: "piped",
            detached: true,
          }, this.#options.tieChildren ?? false).spawn();
        } catch (e) {
          // deno missing from PATH, or not allowed by the runtime set's run list.
          throw new PrerequisiteError(
            `Cannot start ${spec.name}: ${e instanceof Error ? e.message : e}`,
            { cause: e },
          );
        }
        const pumps = Promise.all([
          prefixLines(child.stdout, `[${spec.name}] `, (l) => console.log(l)),
          prefixLines(child.stderr, `[${spec.name}] `, (l) => console.error(l)),
        ]);
        this.#log(
          `${spec.name} started (pid ${child.pid}): deno run -P=${spec.permissionSet} ${
            [...spec.denoFlags, spec.entry, ...(spec.args ?? [])].join(" ")
          }`,
        );
        return { child, pumps };
      },
      where: spec.where,
    });
  }

  /** The "what runs where" table, with each program's state when it is not simply running. */
  table(): string {
    const { config } = this.#options;
    const s = config.server;
    const host = displayHost(s.host);
    const tls = s.tlsCert !== "" && s.tlsKey !== "";
    const rows: TableRow[] = [{
      name: "nats-server",
      pid: this.#server?.pid,
      state: this.#server?.stateText,
      lines: [
        ["clients", `${tls ? "tls" : "nats"}://${host}:${s.port}`],
        ["monitoring", localMonitorUrl(s)],
        ["websocket", `${tls ? "wss" : "ws"}://${host}:${s.wsPort}`],
        ["leaf nodes", `nats-leaf://${host}:${s.leafPort}`],
        ["log", this.serverFiles.logFile],
        ...(this.#options.server ? [["version", this.#options.server.version] as const] : []),
      ],
    }];
    for (const r of this.#runners) {
      rows.push({ name: r.name, pid: r.pid, state: r.stateText, lines: [["", r.where ?? ""]] });
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
      await this.#server?.stop();
    })();
    return this.#stopped;
  }

  /** Same as {@linkcode stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

interface RunnerSpec {
  readonly name: string;
  /** Shown in the table. */
  readonly where?: string;
  readonly backoff: RestartPolicy;
  /** Consecutive fast crashes after which the state says crashing. */
  readonly crashingAfter: number;
  /** Consecutive fast crashes after which the program is given up (null: never). */
  readonly crashLimit: number | null;
  /** Exit code 2 means a configuration error: give up at once, restarting cannot help. */
  readonly configErrorExit?: boolean;
  readonly stopGraceMs: number;
  readonly log: (line: string) => void;
  readonly runFile?: RunFile;
  readonly spawn: () => { child: Deno.ChildProcess; pumps: Promise<unknown> };
  /** Resolves when the program serves; `first` is the initial start, where failing throws. */
  readonly ready?: (
    child: Deno.ChildProcess,
    exited: () => boolean,
    first: boolean,
  ) => Promise<void>;
  readonly afterStop?: () => Promise<void>;
  readonly onState: (runner: Runner, state: RunState) => void;
}

/** Runs one program, restarting it with backoff whenever it exits until stopped or given up. */
class Runner {
  readonly #spec: RunnerSpec;
  #child: Deno.ChildProcess | undefined;
  #exited = false;
  #spawnedAt = 0;
  #pumps: Promise<unknown> = Promise.resolve();
  #stopping = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #state: RunState = "running";
  #crashes = 0;
  /** Why the program was given up, once it was. */
  failure = "";

  constructor(spec: RunnerSpec) {
    this.#spec = spec;
  }

  get name(): string {
    return this.#spec.name;
  }

  get where(): string | undefined {
    return this.#spec.where;
  }

  get pid(): number | undefined {
    return this.#state === "failed" || this.#state === "stopped" ? undefined : this.#child?.pid;
  }

  /** The state for the table: undefined while simply running. */
  get stateText(): string | undefined {
    if (this.#state === "running") return undefined;
    if (this.#state === "crashing") return `crashing (${this.#crashes} crashes in a row)`;
    if (this.#state === "failed") return "failed";
    return this.#state;
  }

  #setState(state: RunState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#spec.onState(this, state);
  }

  #spawn(): Deno.ChildProcess {
    const { child, pumps } = this.#spec.spawn();
    this.#child = child;
    this.#spawnedAt = Date.now();
    this.#exited = false;
    child.status.then(() => this.#exited = true);
    this.#pumps = pumps;
    return child;
  }

  /** Spawns and records the pid before anything else can happen (a SIGKILL, say). */
  async #spawnRecorded(): Promise<Deno.ChildProcess> {
    const child = this.#spawn();
    await this.#spec.runFile?.record(this.#spec.name, child.pid).catch(() => false);
    return child;
  }

  /**
   * Spawns the program the first time and waits until it is ready; the restart loop continues
   * in the background.
   */
  async start(): Promise<void> {
    const child = await this.#spawnRecorded();
    await this.#spec.ready?.(child, () => this.#exited, true);
    this.#loop = this.#supervise();
  }

  async #supervise(): Promise<void> {
    const { backoff, log, name } = this.#spec;
    while (!this.#stopping && this.#child !== undefined) {
      const child = this.#child;
      const healthy = setTimeout(() => {
        // Ran long enough to count as healthy again.
        if (this.#state === "crashing") this.#setState("running");
      }, backoff.resetAfterMs);
      const status = await child.status;
      clearTimeout(healthy);
      await this.#pumps;
      if (this.#stopping) return;
      this.#crashes = countCrash(this.#crashes, Date.now() - this.#spawnedAt, backoff);
      const how = status.signal
        ? `was killed by ${status.signal}`
        : `exited with code ${status.code}`;
      if (this.#spec.configErrorExit && status.code === 2) {
        this.failure = "configuration error (exit code 2)";
        log(
          `${name} (pid ${child.pid}) exited with code 2, a configuration error: not restarting it (its message is above; fix .env and start again)`,
        );
        this.#setState("failed");
        return;
      }
      const limit = this.#spec.crashLimit;
      if (limit !== null && this.#crashes >= limit) {
        this.failure = `crashed ${this.#crashes} times in a row, each within ${
          backoff.resetAfterMs / 1000
        } s of its start (last: ${how})`;
        log(`${name} (pid ${child.pid}) ${how}. GIVING UP: ${name} ${this.failure}`);
        this.#setState("failed");
        return;
      }
      const delay = backoffDelay(this.#crashes, backoff);
      log(
        `${name} (pid ${child.pid}) ${how}; restarting in ${delay / 1000} s (${
          this.#crashes === 1 ? "first crash" : `crash ${this.#crashes} in a row`
        })`,
      );
      if (this.#crashes >= this.#spec.crashingAfter) {
        log(
          `${name} keeps crashing: ${this.#crashes} crashes in a row, each within ${
            backoff.resetAfterMs / 1000
          } s of its start`,
        );
        this.#setState("crashing");
      } else this.#setState("restarting");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
      if (this.#stopping) return;
      let next: Deno.ChildProcess;
      try {
        next = await this.#spawnRecorded();
      } catch (e) {
        this.failure = `could not be restarted (${e instanceof Error ? e.message : e})`;
        log(`${name} ${this.failure}; giving up on it`);
        this.#child = undefined;
        this.#setState("failed");
        return;
      }
      if (this.#state === "restarting") this.#setState("running");
      await this.#spec.ready?.(next, () => this.#exited, false);
    }
  }

  /** Stops the program (SIGTERM, SIGKILL after the grace period) and its restart loop. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    const child = this.#child;
    if (child !== undefined && this.#state !== "failed") {
      const status = await terminate(child, { graceMs: this.#spec.stopGraceMs });
      await this.#pumps;
      this.#spec.log(
        `${this.#spec.name} stopped (pid ${child.pid}${
          status.signal ? `, ${status.signal}` : `, code ${status.code}`
        })`,
      );
    }
    await this.#loop;
    this.#state = "stopped";
    await this.#spec.runFile?.forget(this.#spec.name);
    await this.#spec.afterStop?.();
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
