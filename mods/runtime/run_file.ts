/** One process the supervisor started, as its run file records it. */
export interface RunRecord {
  /** Program name, e.g. `nats-server`, `dashboard`, or `supervisor` for itself. */
  readonly name: string;
  /** Process ID. */
  readonly pid: number;
  /** Start time as `ps -o lstart=` prints it: with the pid, it names one process, not a reused pid. */
  readonly started: string;
}

/** What {@linkcode RunFile} runs: `ps` and `kill` (injectable for tests). */
export interface ProcessTools {
  /** Start time and state of a process, or undefined when it is gone (a zombie is gone). */
  started(pid: number): Promise<string | undefined>;
  /** Sends a signal to a process; false when it is already gone. */
  signal(pid: number, signal: "TERM" | "KILL"): Promise<boolean>;
}

/** `ps` and `kill` from procps, the tools every Debian host has (the runtime set may run them). */
export const procps: ProcessTools = {
  async started(pid) {
    const out = await new Deno.Command("ps", {
      args: ["-o", "stat=,lstart=", "-p", String(pid)],
      stdout: "piped",
      stderr: "null",
    }).output();
    const line = new TextDecoder().decode(out.stdout).trim();
    if (!out.success || line === "" || line.startsWith("Z") || line.startsWith("X")) {
      return undefined;
    }
    return line.replace(/^\S+\s+/, "").replace(/\s+/g, " ");
  },
  async signal(pid, signal) {
    const out = await new Deno.Command("kill", {
      args: [`-${signal}`, String(pid)],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  },
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The supervisor's pid file: every process it started (and itself) with its start time, in
 * `<NATS_DATA_DIR>/supervisor.json`. A supervisor killed with SIGKILL cannot stop its children;
 * the next start reads this file and ends the ones still running, and refuses to start beside a
 * supervisor that is still alive. A pid alone could name a new, unrelated process; pid plus start
 * time cannot.
 */
export class RunFile {
  /** The file's path. */
  readonly path: string;
  readonly #tools: ProcessTools;
  #records = new Map<string, RunRecord>();
  #writing: Promise<void> = Promise.resolve();
  #writable = true;

  /**
   * Creates the records' handle; nothing is read yet.
   *
   * @param path where the records live, e.g. `.data/nats/supervisor.json`
   * @param tools how processes are inspected and signalled (default `ps` and `kill`)
   */
  constructor(path: string, tools: ProcessTools = procps) {
    this.path = path;
    this.#tools = tools;
  }

  /**
   * The recorded processes that still run (same pid, same start time), from the file as a
   * previous start left it.
   *
   * @returns the live ones, the supervisor's own record included
   */
  async live(): Promise<RunRecord[]> {
    let records: RunRecord[];
    try {
      records = parseRecords(await Deno.readTextFile(this.path));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotCapable) return [];
      throw e;
    }
    const alive = await Promise.all(
      records.map(async (r) => (await this.#tools.started(r.pid)) === r.started),
    );
    return records.filter((_, i) => alive[i]);
  }

  /**
   * Ends leftover children: SIGTERM, then SIGKILL for those still running after `graceMs`.
   *
   * @param leftovers what {@linkcode live} found, without the supervisor's own record
   * @param graceMs how long SIGTERM has to work
   * @returns the ones that needed SIGKILL
   */
  async end(leftovers: readonly RunRecord[], graceMs = 5000): Promise<RunRecord[]> {
    await Promise.all(leftovers.map((l) => this.#tools.signal(l.pid, "TERM")));
    const deadline = Date.now() + graceMs;
    let running = [...leftovers];
    while (running.length > 0 && Date.now() < deadline) {
      await sleep(100);
      const still = await Promise.all(
        running.map(async (l) => (await this.#tools.started(l.pid)) === l.started),
      );
      running = running.filter((_, i) => still[i]);
    }
    await Promise.all(running.map((l) => this.#tools.signal(l.pid, "KILL")));
    return running;
  }

  /**
   * Records a process (replacing an earlier one of the same name) and rewrites the file.
   *
   * @param name program name
   * @param pid its process ID
   * @returns false when the file cannot be written (outside the runtime set's write paths)
   */
  async record(name: string, pid: number): Promise<boolean> {
    const started = await this.#tools.started(pid);
    if (started === undefined) this.#records.delete(name);
    else this.#records.set(name, { name, pid, started });
    return await this.#write();
  }

  /**
   * Forgets a process that was stopped.
   *
   * @param name program name
   */
  async forget(name: string): Promise<void> {
    this.#records.delete(name);
    await this.#write();
  }

  /** Removes the file: everything was stopped. */
  async remove(): Promise<void> {
    this.#records.clear();
    await this.#writing;
    await Deno.remove(this.path).catch(() => {});
  }

  #write(): Promise<boolean> {
    const text = JSON.stringify([...this.#records.values()], null, 2) + "\n";
    const write = this.#writing.then(async () => {
      if (!this.#writable) return;
      const tmp = `${this.path}.tmp`;
      try {
        // The data directory does not exist before nats-server's first start.
        await Deno.mkdir(this.path.slice(0, this.path.lastIndexOf("/")), { recursive: true });
        await Deno.writeTextFile(tmp, text, { mode: 0o600 });
        await Deno.rename(tmp, this.path);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.NotFound)) throw e;
        this.#writable = false;
      }
    });
    this.#writing = write.catch(() => {});
    return write.then(() => this.#writable);
  }
}

function parseRecords(text: string): RunRecord[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(json)) return [];
  return json.filter((r): r is RunRecord =>
    typeof r?.name === "string" && Number.isInteger(r?.pid) && r.pid > 1 &&
    typeof r?.started === "string"
  );
}
