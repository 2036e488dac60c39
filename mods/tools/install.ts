import { cachedBinary, type CacheOptions, type GoTarget, hostTarget } from "./cache.ts";
import { ToolUnavailableError } from "./errors.ts";
import { GO_TOOLS, type ToolName } from "./pins.ts";

/** Options of {@linkcode toolPath}. */
export interface ToolOptions extends CacheOptions {
  /** Build when the cache lacks it (default `true`); `false` only looks. */
  readonly build?: boolean;
  /** Where progress lines go (default: stderr). */
  readonly log?: (line: string) => void;
}

/** The project root; `.tools/` in it holds links to the native builds (see {@linkcode toolPath}). */
const PROJECT_DIR = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** Seconds between progress lines while `go install` runs. */
const PROGRESS_EVERY_S = 15;

/**
 * The pinned build of a Go program, built with `go install <package>@<version>` into the
 * machine-wide cache the first time it is asked for (progress on `log`; one build at a time per
 * tool and target across processes, the others wait for it), reused afterwards. Builds are
 * static (`CGO_ENABLED=0`), so a cross-compiled variant is the same call with a `target`. A
 * build for this machine in the machine-wide cache is also linked as `<project>/.tools/<binary>`
 * (the stable path the runtime permission set may run).
 *
 * @param name which program (see {@linkcode GO_TOOLS})
 * @param options target (`"linux/arm64"`), cache directory, whether to build, progress output
 * @returns the absolute path of the executable
 * @throws {ToolUnavailableError} when it is not built and cannot be: Go is missing, `go install`
 *   failed, or `build` is false (the message says why in one line)
 * @example
 * ```ts
 * const toxiproxy = await toolPath("toxiproxy");
 * const arm64Server = await toolPath("nats-server", { target: "linux/arm64" });
 * ```
 */
export async function toolPath(name: ToolName, options: ToolOptions = {}): Promise<string> {
  const path = cachedBinary(name, options);
  // Only builds in the machine-wide cache are linked: a private cache is a test's or a script's.
  const link = options.cacheDir === undefined && (options.target ?? hostTarget()) === hostTarget();
  if (!(await isFile(path))) {
    const tool = GO_TOOLS[name];
    if (options.build === false) {
      throw new ToolUnavailableError(
        name,
        `${name} ${tool.version} is not built yet: run \`bash scripts/tools.sh install ${name}\``,
      );
    }
    await build(name, path, options.target ?? hostTarget(), options.log ?? console.error);
  }
  if (link) await linkIntoProject(GO_TOOLS[name].binary, path);
  return path;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Points `<project>/.tools/<binary>` at `path` (replacing an older link in one rename). */
async function linkIntoProject(binary: string, path: string): Promise<void> {
  const link = `${PROJECT_DIR}/.tools/${binary}`;
  const current = await Deno.readLink(link).catch(() => undefined);
  if (current === path) return;
  await Deno.mkdir(`${PROJECT_DIR}/.tools`, { recursive: true });
  const temp = `${link}.${crypto.randomUUID().slice(0, 8)}`;
  await Deno.symlink(path, temp);
  await Deno.rename(temp, link);
}

/** Runs `go` with `args`; undefined when Go is not installed. */
async function go(args: string[]): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("go", { args, stdin: "null", stderr: "null" }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : undefined;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

async function build(
  name: ToolName,
  path: string,
  target: GoTarget,
  log: (line: string) => void,
): Promise<void> {
  const tool = GO_TOOLS[name];
  const spec = `${tool.package}@${tool.version}`;
  const modCache = await go(["env", "GOMODCACHE"]);
  if (modCache === undefined) {
    throw new ToolUnavailableError(
      name,
      `${name} ${tool.version} not built: Go is not installed (no \`go\` on PATH)`,
    );
  }
  const dir = path.slice(0, path.lastIndexOf("/"));
  await Deno.mkdir(dir, { recursive: true });
  using lock = await Deno.open(`${dir}/.lock`, { create: true, write: true });
  if (!(await lock.tryLock(true))) {
    log(`${name} ${tool.version} (${target}): waiting for another process building it`);
    await lock.lock(true);
  }
  if (await isFile(path)) return; // the other process built it

  const [goos, goarch] = target.split("/") as [string, string];
  const work = await Deno.makeTempDir({ dir, prefix: ".build-" });
  const logFile = `${dir}/build.log`;
  log(
    `Building ${name} ${tool.version} for ${target}: go install ${spec} (once; it is cached in ${dir})`,
  );
  const started = Date.now();
  const output: string[] = [];
  const timer = setInterval(() => {
    const s = Math.round((Date.now() - started) / 1000);
    const packages = output.join("").split("\n").filter(isPackage).length;
    log(`  ${name}: ${packages} packages compiled (${s} s)`);
  }, PROGRESS_EVERY_S * 1000);
  // Static builds; a private GOPATH holds only the result (a cross build lands in
  // bin/<goos>_<goarch>/), modules come from and go to the shared module cache.
  const env = { GOPATH: work, GOMODCACHE: modCache, GOBIN: "", GOOS: goos, GOARCH: goarch };
  const run = (args: string[], cwd = work) =>
    runGo(args, cwd, { ...env, CGO_ENABLED: "0" }, output);
  try {
    let result = await run(["install", "-v", "-trimpath", spec]);
    let built: string | undefined;
    if (result.success) built = await findBuilt(work, tool.package, goos, goarch);
    else if (/\/@v\/list: /.test(result.output)) {
      // `go install m@v` reads the module's version list for deprecations; a proxy that withholds
      // it (403, as for prometheus-nats-exporter) fails the install. A throw-away module that
      // requires exactly m@v builds the same program.
      log(
        `  ${name}: the module proxy withholds the version list go install reads; building ${spec} in a throw-away module instead`,
      );
      await Deno.writeTextFile(`${work}/go.mod`, "module nunect.local/build\n");
      result = await run(["get", spec]);
      built = `${work}/${tool.binary}`;
      if (result.success) {
        result = await run(["build", "-v", "-trimpath", "-o", built, tool.package]);
      }
    }
    await Deno.writeTextFile(logFile, output.join(""));
    if (!result.success || built === undefined) {
      const last = result.output.trim().split("\n").filter((l) => !isPackage(l)).pop();
      throw new ToolUnavailableError(
        name,
        `${name} ${tool.version} not built: go failed: ${
          last?.trim() ?? "(no output)"
        } (full output: ${logFile})`,
      );
    }
    await Deno.rename(built, path);
    const s = Math.round((Date.now() - started) / 1000);
    log(`Built ${name} ${tool.version} for ${target} in ${s} s: ${path}`);
  } finally {
    clearInterval(timer);
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

/** A line of `go -v` output naming a compiled package. */
const isPackage = (line: string) => /^[\w.-]+(\/[\w.~-]+)+$/.test(line);

/** Runs go, appending its output to `output`; the result carries this run's output. */
async function runGo(
  args: string[],
  cwd: string,
  env: Record<string, string>,
  output: string[],
): Promise<{ success: boolean; output: string }> {
  const child = new Deno.Command("go", {
    args,
    cwd,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  output.push(`$ go ${args.join(" ")}\n`);
  const first = output.length;
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) output.push(decoder.decode(chunk, { stream: true }));
  };
  const [status] = await Promise.all([child.status, collect(child.stdout), collect(child.stderr)]);
  return { success: status.success, output: output.slice(first).join("") };
}

/** Where `go install` put the binary: `bin/` for this machine, `bin/<goos>_<goarch>/` otherwise. */
async function findBuilt(
  gopath: string,
  pkg: string,
  goos: string,
  goarch: string,
): Promise<string> {
  const parts = pkg.split("/");
  const last = parts.at(-1)!;
  const command = /^v\d+$/.test(last) ? parts.at(-2)! : last; // …/nats-server/v2 -> nats-server
  for (
    const candidate of [`${gopath}/bin/${command}`, `${gopath}/bin/${goos}_${goarch}/${command}`]
  ) {
    if (await isFile(candidate)) return candidate;
  }
  throw new ToolUnavailableError(
    command,
    `go install of ${pkg} succeeded but left no ${command} in ${gopath}/bin`,
  );
}
