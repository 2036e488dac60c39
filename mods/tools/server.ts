import { type EnvSource, loadConfig, processEnv } from "../config/mod.ts";
import { ToolUnavailableError } from "./errors.ts";
import { toolPath } from "./install.ts";
import { GO_TOOLS } from "./pins.ts";

/** Debian's nats-server (package `nats-server`, 2.9.10 in Debian 12 and 13). */
export const DEBIAN_NATS_SERVER = "/usr/sbin/nats-server";

/** The project-relative link to the nunect-managed server, which the runtime set may run. */
export const MANAGED_SERVER_LINK = ".tools/nats-server";

/** Which step of the rule picked the server. */
export type ServerSource = "NATS_SERVER_BIN" | "managed" | "PATH" | "Debian";

/** The nats-server binary that nunect runs. */
export interface ResolvedServer {
  /** Absolute path of the executable. */
  readonly path: string;
  /** Which step of the rule picked it. */
  readonly source: ServerSource;
  /** Its version as `/varz` reports it, e.g. `2.15.3`. */
  readonly version: string;
  /** Why the managed server was not used, when a later step picked the server. */
  readonly fallback?: string;
}

/** Options of {@linkcode natsServerBin}. */
export interface NatsServerBinOptions {
  /** NATS_SERVER_BIN's value; default: read through mods/config (empty: not set). */
  readonly serverBin?: string;
  /** Build the managed server when the cache lacks it (default `true`). */
  readonly build?: boolean;
  /** Where progress and the one-line fallback reason go (default: stderr). */
  readonly log?: (line: string) => void;
  /** The cache directory (default: see `toolsCacheDir`). */
  readonly cacheDir?: string;
  /** Where PATH comes from (default: the process environment). */
  readonly env?: EnvSource;
}

/**
 * Picks the nats-server binary by nunect's one rule: `NATS_SERVER_BIN` when set; else the
 * nunect-managed current server (the pin in {@linkcode GO_TOOLS}, built with `go install` the
 * first time, see {@linkcode toolPath}); else `nats-server` on PATH; else Debian's package
 * ({@linkcode DEBIAN_NATS_SERVER}). When the managed server cannot be had, says why in one line
 * on `log` and falls back. scripts/setup.sh, scripts/nats-server.sh (through
 * scripts/tools.sh), the test kit and the benchmarks all use it; the supervisor applies the same
 * rule through {@linkcode MANAGED_SERVER_LINK}.
 *
 * @param options NATS_SERVER_BIN, whether to build, where progress goes
 * @returns the binary, which step picked it, and its version
 * @throws {ToolUnavailableError} when NATS_SERVER_BIN names no executable, or no server exists
 * @example
 * ```ts
 * const server = await natsServerBin();
 * console.log(describeServer(server)); // nats-server 2.15.3 (nunect-managed: /root/.cache/…)
 * ```
 */
export async function natsServerBin(options: NatsServerBinOptions = {}): Promise<ResolvedServer> {
  const log = options.log ?? console.error;
  const serverBin = options.serverBin ?? loadConfig(["serverBinary"]).serverBinary.path;
  if (serverBin !== "") {
    const version = await serverVersion(serverBin).catch((e) => {
      throw new ToolUnavailableError(
        "nats-server",
        `NATS_SERVER_BIN=${serverBin} is not a nats-server executable (${
          e instanceof Error ? e.message : e
        }): fix the path or leave it empty`,
        { cause: e },
      );
    });
    return { path: serverBin, source: "NATS_SERVER_BIN", version };
  }
  let fallback: string;
  try {
    const path = await toolPath("nats-server", {
      build: options.build ?? true,
      log,
      cacheDir: options.cacheDir,
    });
    return { path, source: "managed", version: await serverVersion(path) };
  } catch (e) {
    if (!(e instanceof ToolUnavailableError)) throw e;
    fallback = e.message;
  }
  const onPath = await findOnPath("nats-server", options.env ?? processEnv);
  const path = onPath ?? (await isExecutable(DEBIAN_NATS_SERVER) ? DEBIAN_NATS_SERVER : undefined);
  if (path === undefined) {
    throw new ToolUnavailableError(
      "nats-server",
      `No nats-server: ${fallback}; none on PATH and no Debian package. Run \`bash scripts/setup.sh run\` (installs Debian's with apt as root) or set NATS_SERVER_BIN`,
    );
  }
  const version = await serverVersion(path);
  log(`Using nats-server ${version} (${path}): ${fallback}`);
  return {
    path,
    source: path === DEBIAN_NATS_SERVER ? "Debian" : "PATH",
    version,
    fallback,
  };
}

/**
 * One line naming a resolved server, its version and how it was picked.
 *
 * @param server from {@linkcode natsServerBin}
 * @returns e.g. `nats-server 2.15.3 (nunect-managed v2.15.3: /root/.cache/nunect/go/…)`
 */
export function describeServer(server: ResolvedServer): string {
  const how = {
    NATS_SERVER_BIN: "NATS_SERVER_BIN",
    managed: `nunect-managed ${GO_TOOLS["nats-server"].version}`,
    PATH: "nats-server on PATH",
    Debian: "Debian's package",
  }[server.source];
  return `nats-server ${server.version} (${how}: ${server.path})`;
}

/**
 * The version a nats-server binary reports (`nats-server --version`).
 *
 * @param path the executable
 * @returns e.g. `2.9.10`
 * @throws {Error} when it cannot be run or prints no version
 */
export async function serverVersion(path: string): Promise<string> {
  const out = await new Deno.Command(path, { args: ["--version"], stdin: "null" }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  const m = /v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)/.exec(text);
  if (!out.success || m === null) {
    throw new Error(`${path} --version printed no version: ${text.trim().slice(0, 200)}`);
  }
  return m[1]!;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    const st = await Deno.stat(path);
    return st.isFile && ((st.mode ?? 0) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/**
 * A program's absolute path, found as a shell finds it: the first executable file of that name in
 * the `PATH` directories.
 *
 * @param command the program's name
 * @param env where `PATH` is read (default: this process's environment)
 * @returns its path, or undefined when no `PATH` directory has it
 * @example
 * ```ts
 * await findOnPath("setpriv"); // "/usr/bin/setpriv"
 * ```
 */
export async function findOnPath(
  command: string,
  env: EnvSource = processEnv,
): Promise<string | undefined> {
  for (const dir of (env("PATH") ?? "").split(":")) {
    if (dir === "") continue;
    if (await isExecutable(`${dir}/${command}`)) return `${dir}/${command}`;
  }
  return undefined;
}
