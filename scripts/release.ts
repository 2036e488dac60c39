/**
 * `deno task release`: builds one release of nunect into `dist/<version>/` (`NUNECT_DIST` or
 * `--dist` move `dist/`):
 *
 * | file | what |
 * | --- | --- |
 * | `nunect-client-<version>.tgz` | the npm package @nunect/client (`npm pack`; `npm publish --dry-run` must list only its intended files) |
 * | `nunect-guardian-<version>-<arch>.run`, `nunect-guardian_<version>_<arch>.ipk` | the router artefacts for x86_64 and aarch64, with the leaf node (scripts/build_router.sh all --with-leaf) |
 * | `nats-server-<pin>-linux-<goarch>.tar.gz` | the static leaf nats-server for amd64 and arm64 with its LICENSE (mods/tools) |
 * | `nunect-<version>-src.tar.gz` | the source (`git archive`) |
 * | `nunect-<version>.cdx.json` | a CycloneDX 1.5 SBOM of the npm dependencies (scripts/sbom.ts, from deno.lock) |
 * | `SIZES.txt` | the size of every artefact |
 * | `SHA256SUMS` | `sha256sum -c SHA256SUMS` checks all of the above |
 *
 * The npm package and the router artefacts are cached in `~/.cache/nunect/release/` under a hash
 * of everything they are built from (the guardian's module graph, the launchers, the scripts,
 * deno.json and deno.lock, the Deno version and the nats-server pin), so a second release of the
 * same sources copies them instead of building again. A worktree with uncommitted changes is
 * refused unless `--allow-dirty` (the source tarball then holds the tracked files as they are,
 * through `git stash create`).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import { buildNpm, NPM_DIR } from "./build_npm.ts";
import { cycloneDx, type DenoLock } from "./sbom.ts";
import { GO_TOOLS, toolPath, toolsCacheDir } from "../mods/tools/mod.ts";
import { NunectError, versionLine } from "../mods/protocol/mod.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const ARCHS = [
  { arch: "x86_64", goarch: "amd64" },
  { arch: "aarch64", goarch: "arm64" },
] as const;
/** The only files the npm package may hold (npm always adds package.json, README and LICENSE). */
const NPM_FILES = /^(package\.json|README\.md|LICENSE|CHANGELOG\.md|esm\/.+\.(js|d\.ts|js\.map))$/;
/** npm names nunect's programs may import; anything else in deno.json is for tests and builds. */
const RUNTIME_DIRS = ["main.ts", "mods", "routes", "islands", "components"];

/** A release that cannot be built; the message says what to do. */
export class ReleaseError extends NunectError {
  /** The class name. */
  override readonly name: string = "ReleaseError";
}

/** One file of a release. */
export interface Artefact {
  /** File name inside `dist/<version>/`. */
  readonly name: string;
  /** Size in bytes. */
  readonly bytes: number;
  /** SHA-256, hex. */
  readonly sha256: string;
}

/** A built release. */
export interface Release {
  /** nunect's version. */
  readonly version: string;
  /** `dist/<version>` */
  readonly dir: string;
  /** Every file but SHA256SUMS, by name. */
  readonly artefacts: readonly Artefact[];
  /** What was built and what was taken from the cache, one line each. */
  readonly steps: readonly string[];
}

/** Options of {@linkcode release}. */
export interface ReleaseOptions {
  /** Where `<version>/` is written (default `$NUNECT_DIST`, else `<project>/dist`). */
  readonly dist?: string;
  /** Release from a worktree with uncommitted changes. */
  readonly allowDirty?: boolean;
  /** Progress lines (default: stderr). */
  readonly log?: (line: string) => void;
}

async function run(cmd: string, args: string[], opts: Deno.CommandOptions = {}): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(cmd, {
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
      ...opts,
      args,
    })
      .output();
  } catch (e) {
    throw new ReleaseError(`Cannot run ${cmd}: ${(e as Error).message}`, { cause: e });
  }
  const dec = new TextDecoder();
  if (!out.success) {
    throw new ReleaseError(
      `${cmd} ${args.join(" ")} failed (exit ${out.code}):\n${dec.decode(out.stdout)}${
        dec.decode(out.stderr)
      }`.trimEnd(),
    );
  }
  return dec.decode(out.stdout);
}

/**
 * SHA-256 of a file, read in pieces.
 *
 * @param path the file
 * @returns hex digest
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

async function hashInputs(files: readonly string[], extra: string): Promise<string> {
  const hash = createHash("sha256").update(extra);
  for (const f of [...new Set(files)].sort()) {
    hash.update(`\0${f.startsWith(ROOT) ? f.slice(ROOT.length) : f}\0`);
    hash.update(await Deno.readFile(f));
  }
  return hash.digest("hex").slice(0, 20);
}

async function filesUnder(dir: string, keep: (path: string) => boolean = () => true) {
  const out: string[] = [];
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else if (e.isFile && keep(p)) out.push(p);
    }
  };
  await walk(dir);
  return out;
}

/**
 * A directory built once per set of inputs: `<cache>/<name>-<hash>`, built through a temporary
 * directory (so a half-built one is never reused) and kept with the two newest of its name.
 */
async function cached(
  name: string,
  inputs: readonly string[],
  extra: string,
  build: (dir: string) => Promise<void>,
): Promise<{ dir: string; hit: boolean }> {
  const cache = `${toolsCacheDir()}/release`;
  const dir = `${cache}/${name}-${await hashInputs(inputs, extra)}`;
  if (await Deno.stat(`${dir}/.complete`).then(() => true, () => false)) return { dir, hit: true };
  await Deno.mkdir(cache, { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: cache, prefix: `.${name}-` });
  try {
    await build(tmp);
    await Deno.writeTextFile(`${tmp}/.complete`, new Date().toISOString());
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.rename(tmp, dir);
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw e;
  }
  const older = [];
  for await (const e of Deno.readDir(cache)) {
    const p = `${cache}/${e.name}`;
    if (e.name.startsWith(`${name}-`) && p !== dir) {
      older.push({ p, t: (await Deno.stat(p)).mtime });
    }
  }
  older.sort((a, b) => (b.t?.getTime() ?? 0) - (a.t?.getTime() ?? 0));
  for (const o of older.slice(1)) await Deno.remove(o.p, { recursive: true }).catch(() => {});
  return { dir, hit: false };
}

/** What `deno info --json` says about the machine and a module graph. */
async function denoInfo(
  entry?: string,
): Promise<{ npmCache?: string; modules?: { local?: string }[] }> {
  return JSON.parse(
    await run(Deno.execPath(), ["info", "--json", ...(entry ? [entry] : [])], {
      env: { NO_COLOR: "1" },
    }),
  );
}

async function npmPackage(version: string, out: string, log: (l: string) => void) {
  const inputs = [
    ...await filesUnder(`${ROOT}/mods/client`),
    ...await filesUnder(`${ROOT}/mods/protocol`),
    `${ROOT}/LICENSE`,
    `${ROOT}/deno.json`,
    `${ROOT}/deno.lock`,
    `${ROOT}/scripts/build_npm.ts`,
  ];
  const repo = Deno.env.get("NUNECT_REPOSITORY_URL") ?? Deno.env.get("GITHUB_REPOSITORY") ?? "";
  const built = await cached("npm", inputs, `${Deno.version.deno}\0${repo}`, async (dir) => {
    log("npm package: building (tsc)");
    await buildNpm();
    await run("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: NPM_DIR });
    const dry = await run("npm", ["publish", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: NPM_DIR,
    });
    await Deno.writeTextFile(`${dir}/publish-dry-run.json`, dry);
  });
  const tgz = `nunect-client-${version}.tgz`;
  const dry = JSON.parse(await Deno.readTextFile(`${built.dir}/publish-dry-run.json`));
  const files: string[] = (dry.files ?? dry["@nunect/client"]?.files ?? []).map((
    f: { path: string },
  ) => f.path);
  const stray = files.filter((f) => !NPM_FILES.test(f));
  if (files.length === 0 || stray.length > 0) {
    throw new ReleaseError(
      `npm publish --dry-run lists ${
        files.length === 0 ? "no files" : `files the package must not hold: ${stray.join(", ")}`
      }: fix "files" in scripts/build_npm.ts`,
    );
  }
  for (const needed of ["package.json", "LICENSE", "README.md", "esm/client/mod.js"]) {
    if (!files.includes(needed)) {
      throw new ReleaseError(
        `npm publish --dry-run does not list ${needed}: the package is incomplete`,
      );
    }
  }
  await Deno.copyFile(`${built.dir}/${tgz}`, `${out}/${tgz}`);
  return { step: `npm package ${tgz}: ${files.length} files${built.hit ? " (cached)" : ""}` };
}

/**
 * The router artefacts of these sources, x86_64 and aarch64 with the leaf node
 * (`scripts/build_router.sh all --with-leaf`), built once per set of inputs (the guardian's module
 * graph, the launchers, the build scripts, deno.json, deno.lock, Deno's version, the nats-server
 * pin) into the release cache. The release copies its files from here, and the test kit's
 * `routerArtefact` runs them, so a test run builds them at most once, and not at all when nothing
 * they are built from changed.
 *
 * @param log progress lines
 * @returns the cache directory (`router/` in it as build_router.sh writes it) and whether it was
 *   there already
 * @throws {ReleaseError} with the build's output when it fails
 */
export async function routerBuild(
  log: (line: string) => void = () => {},
): Promise<{ dir: string; hit: boolean }> {
  const graph = await denoInfo("mods/guardian/main.ts");
  const modules = (graph.modules ?? []).map((m) => m.local).filter((p): p is string =>
    p !== undefined && p.startsWith(`${ROOT}/`)
  );
  const inputs = [
    ...modules,
    ...await filesUnder(`${ROOT}/config/router`),
    ...await filesUnder(`${ROOT}/config/openwrt`),
    `${ROOT}/config/guardian_memory.env`,
    `${ROOT}/scripts/build_router.sh`,
    `${ROOT}/scripts/build_ipk.sh`,
    `${ROOT}/scripts/debian_root.sh`,
    `${ROOT}/deno.json`,
    `${ROOT}/deno.lock`,
  ];
  const extra = `${Deno.version.deno}\0${GO_TOOLS["nats-server"].version}`;
  return await cached("routers", inputs, extra, async (dir) => {
    log(
      "router artefacts: building x86_64 and aarch64 with the leaf node (scripts/build_router.sh)",
    );
    await run("bash", [`${ROOT}/scripts/build_router.sh`, "all", "--with-leaf"], {
      env: { NUNECT_DIST: dir, DENO: Deno.execPath(), NO_COLOR: "1" },
    });
  });
}

async function routerArtefacts(version: string, out: string, log: (l: string) => void) {
  const built = await routerBuild(log);
  const names = [];
  for (const { arch } of ARCHS) {
    const run = `nunect-guardian-${version}-${arch}.run`;
    const ipk = `nunect-guardian_${version}_${arch}.ipk`;
    await Deno.copyFile(`${built.dir}/router/nunect-guardian-${arch}.run`, `${out}/${run}`);
    await Deno.chmod(`${out}/${run}`, 0o755);
    await Deno.copyFile(`${built.dir}/router/${ipk}`, `${out}/${ipk}`);
    names.push(run, ipk);
  }
  return { step: `router artefacts ${names.join(", ")}${built.hit ? " (cached)" : ""}` };
}

async function leafServers(out: string, log: (l: string) => void) {
  const { version: pin } = GO_TOOLS["nats-server"];
  const modCache = (await run("go", ["env", "GOMODCACHE"])).trim();
  const license = `${modCache}/github.com/nats-io/nats-server/v2@${pin}/LICENSE`;
  if (!await Deno.stat(license).then((s) => s.isFile, () => false)) {
    throw new ReleaseError(
      `nats-server's LICENSE is not in the Go module cache (${license}): run \`go mod download github.com/nats-io/nats-server/v2@${pin}\``,
    );
  }
  const names = [];
  for (const { goarch } of ARCHS) {
    const bin = await toolPath("nats-server", { target: `linux/${goarch}`, log });
    const top = `nats-server-${pin}-linux-${goarch}`;
    const stage = await Deno.makeTempDir({ prefix: "nunect-release-" });
    try {
      await Deno.mkdir(`${stage}/${top}`);
      await Deno.copyFile(bin, `${stage}/${top}/nats-server`);
      await Deno.chmod(`${stage}/${top}/nats-server`, 0o755);
      await Deno.copyFile(license, `${stage}/${top}/LICENSE`);
      await Deno.writeTextFile(
        `${stage}/${top}/README.txt`,
        `nats-server ${pin} for linux/${goarch}, built static (CGO_ENABLED=0) by nunect's mods/tools\n` +
          `from github.com/nats-io/nats-server/v2@${pin} (Apache License 2.0, see LICENSE).\n` +
          "It runs on glibc and musl systems alike; nunect's router artefact runs it as the leaf node.\n",
      );
      await run("tar", [
        "--sort=name",
        "--mtime=@0",
        "--owner=0",
        "--group=0",
        "--numeric-owner",
        "-C",
        stage,
        "-cf",
        `${stage}/${top}.tar`,
        top,
      ]);
      await run("gzip", ["-n", "-9", `${stage}/${top}.tar`]);
      await Deno.copyFile(`${stage}/${top}.tar.gz`, `${out}/${top}.tar.gz`);
      names.push(`${top}.tar.gz`);
    } finally {
      await Deno.remove(stage, { recursive: true });
    }
  }
  return { step: `leaf nats-server ${names.join(", ")}` };
}

async function sourceTarball(version: string, out: string, dirty: boolean) {
  const ref = dirty ? ((await run("git", ["stash", "create"])).trim() || "HEAD") : "HEAD";
  const name = `nunect-${version}-src.tar.gz`;
  await run("git", [
    "archive",
    "--format=tar.gz",
    `--prefix=nunect-${version}/`,
    "-o",
    `${out}/${name}`,
    ref,
  ]);
  return { step: `source ${name} (${dirty ? "tracked files as they are now" : "HEAD"})` };
}

/**
 * The npm names of deno.json's imports that nunect's programs import (the rest are for tests and
 * builds).
 *
 * @param imports deno.json's import map
 * @returns npm package names
 */
async function runtimeImports(imports: Readonly<Record<string, string>>): Promise<string[]> {
  const sources: string[] = [];
  for (const p of RUNTIME_DIRS) {
    const path = `${ROOT}/${p}`;
    if ((await Deno.stat(path)).isFile) sources.push(await Deno.readTextFile(path));
    else {
      for (const f of await filesUnder(path, (f) => /\.tsx?$/.test(f))) {
        sources.push(await Deno.readTextFile(f));
      }
    }
  }
  const text = sources.join("\n");
  const names = new Set<string>();
  for (const [key, target] of Object.entries(imports)) {
    const m = /^npm:\/?(@?[^@/]+(?:\/[^@/]+)?)@/.exec(target);
    if (m === null) continue;
    const spec = key.replace(/\/$/, "");
    if (text.includes(`from "${spec}"`) || text.includes(`from "${spec}/`)) names.add(m[1]!);
  }
  return [...names];
}

async function sbom(version: string, out: string) {
  const lock = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.lock`)) as DenoLock;
  const denoJson = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  const npmCache = (await denoInfo()).npmCache;
  const licenses = new Map<string, string>();
  for (const key of Object.keys(lock.npm ?? {})) {
    const at = key.indexOf("@", 1);
    const [name, v] = [key.slice(0, at), key.slice(at + 1).split("_")[0]];
    try {
      const pkg = JSON.parse(
        await Deno.readTextFile(`${npmCache}/registry.npmjs.org/${name}/${v}/package.json`),
      );
      if (typeof pkg.license === "string") licenses.set(`${name}@${v}`, pkg.license);
    } catch { /* not in this machine's cache: the bill names no licence for it */ }
  }
  const bom = cycloneDx(lock, {
    name: "nunect",
    version,
    license: "MIT",
    runtimeImports: await runtimeImports(denoJson.imports),
    licenses,
    timestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    serial: crypto.randomUUID(),
  });
  const name = `nunect-${version}.cdx.json`;
  await Deno.writeTextFile(`${out}/${name}`, JSON.stringify(bom, null, 2) + "\n");
  return { step: `SBOM ${name}: ${(bom.components as unknown[]).length} npm packages` };
}

function size(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MiB`
    : `${(bytes / 1024).toFixed(1)} KiB`;
}

/**
 * Builds the release.
 *
 * @param options where, whether a dirty worktree is accepted, progress
 * @returns what was written
 * @throws {ReleaseError} when a part cannot be built, with what to do
 */
export async function release(options: ReleaseOptions = {}): Promise<Release> {
  const log = options.log ?? ((l: string) => console.error(l));
  const version = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)).version as string;
  const dist = options.dist ?? Deno.env.get("NUNECT_DIST") ?? `${ROOT}/dist`;
  const dir = `${dist}/${version}`;
  const dirty = (await run("git", ["status", "--porcelain", "--untracked-files=no"])).trim() !== "";
  if (dirty && !options.allowDirty) {
    throw new ReleaseError(
      "The worktree has uncommitted changes: commit them first (a release is built from what is committed), or pass --allow-dirty",
    );
  }
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  log(`${versionLine("release")}: building into ${dir}`);
  const steps = [];
  for (
    const part of [
      () => sourceTarball(version, dir, dirty),
      () => npmPackage(version, dir, log),
      () => leafServers(dir, log),
      () => routerArtefacts(version, dir, log),
      () => sbom(version, dir),
    ]
  ) {
    const { step } = await part();
    steps.push(step);
    log(`  ${step}`);
  }
  const artefacts: Artefact[] = [];
  for (const e of [...Deno.readDirSync(dir)].map((e) => e.name).sort()) {
    const path = `${dir}/${e}`;
    artefacts.push({
      name: e,
      bytes: (await Deno.stat(path)).size,
      sha256: await sha256File(path),
    });
  }
  const width = Math.max(...artefacts.map((a) => a.name.length));
  const sizes = [
    `nunect ${version}: ${artefacts.length} artefacts, ${
      size(artefacts.reduce((s, a) => s + a.bytes, 0))
    } in all`,
    ...artefacts.map((a) => `${a.name.padEnd(width)}  ${size(a.bytes).padStart(10)}`),
  ].join("\n") + "\n";
  await Deno.writeTextFile(`${dir}/SIZES.txt`, sizes);
  const sizesFile = `${dir}/SIZES.txt`;
  artefacts.push({
    name: "SIZES.txt",
    bytes: (await Deno.stat(sizesFile)).size,
    sha256: await sha256File(sizesFile),
  });
  artefacts.sort((a, b) => a.name.localeCompare(b.name));
  await Deno.writeTextFile(
    `${dir}/SHA256SUMS`,
    artefacts.map((a) => `${a.sha256}  ${a.name}\n`).join(""),
  );
  return { version, dir, artefacts, steps };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      "allow-dirty": { type: "boolean" },
      dist: { type: "string" },
      version: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.version) {
    console.log(versionLine("release"));
    Deno.exit(0);
  }
  if (values.help) {
    console.log(
      "Usage: deno task release [--dist DIR] [--allow-dirty]\n\n" +
        "Builds dist/<version>/: the npm package, the router artefacts (x86_64, aarch64, with the\n" +
        "leaf node), the static leaf nats-server of both, the source tarball, a CycloneDX SBOM,\n" +
        "SIZES.txt and SHA256SUMS (check with: cd dist/<version> && sha256sum -c SHA256SUMS).",
    );
    Deno.exit(0);
  }
  try {
    const r = await release({ dist: values.dist, allowDirty: values["allow-dirty"] });
    console.log(await Deno.readTextFile(`${r.dir}/SIZES.txt`));
    console.log(`Checksums: ${r.dir}/SHA256SUMS (cd ${r.dir} && sha256sum -c SHA256SUMS)`);
  } catch (e) {
    if (!(e instanceof ReleaseError)) throw e;
    console.error(e.message);
    Deno.exit(1);
  }
}
