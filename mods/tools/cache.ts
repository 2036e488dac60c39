import { type EnvSource, processEnv } from "../config/mod.ts";
import { GO_TOOLS, type ToolName } from "./pins.ts";

/** A Go build target, `GOOS/GOARCH` as `go tool dist list` prints it, e.g. `linux/arm64`. */
export type GoTarget = `${string}/${string}`;

/** Where the tool is built for, and where the cache is. */
export interface CacheOptions {
  /** Build target; default: this machine ({@linkcode hostTarget}). */
  readonly target?: GoTarget;
  /** The cache directory; default {@linkcode toolsCacheDir}. */
  readonly cacheDir?: string;
}

/**
 * The machine-wide cache of built programs: `$NUNECT_CACHE_DIR`, else `$XDG_CACHE_HOME/nunect`,
 * else `$HOME/.cache/nunect`. Every checkout of nunect on the machine shares it, so a pinned
 * program is built once.
 *
 * @param env where variables come from (default: the process environment)
 * @returns an absolute directory path (it may not exist yet)
 */
export function toolsCacheDir(env: EnvSource = processEnv): string {
  const explicit = env("NUNECT_CACHE_DIR");
  if (explicit) return explicit;
  const xdg = env("XDG_CACHE_HOME");
  if (xdg) return `${xdg}/nunect`;
  return `${env("HOME") || "/tmp"}/.cache/nunect`;
}

const GOARCH: Readonly<Record<string, string>> = { x86_64: "amd64", aarch64: "arm64" };

/**
 * This machine as a Go target.
 *
 * @returns e.g. `linux/amd64`
 */
export function hostTarget(): GoTarget {
  return `${Deno.build.os}/${GOARCH[Deno.build.arch] ?? Deno.build.arch}`;
}

/**
 * Where the pinned build of `name` for `target` lives in the cache (it may not exist yet):
 * `<cache>/go/<name>@<version>/<goos>-<goarch>/<binary>`.
 *
 * @param name the tool
 * @param options target and cache directory
 * @returns an absolute path
 * @example
 * ```ts
 * cachedBinary("nats-server", { target: "linux/arm64" });
 * // "/root/.cache/nunect/go/nats-server@v2.15.3/linux-arm64/nats-server"
 * ```
 */
export function cachedBinary(name: ToolName, options: CacheOptions = {}): string {
  const tool = GO_TOOLS[name];
  const target = (options.target ?? hostTarget()).replace("/", "-");
  const cache = options.cacheDir ?? toolsCacheDir();
  return `${cache}/go/${name}@${tool.version}/${target}/${tool.binary}`;
}
