import { PROJECT_DIR } from "./project.ts";

/** A CPU architecture the router artefact is built for. */
export type RouterArch = "x86_64" | "aarch64";

/** The outputs of `scripts/build_router.sh` for one architecture. */
export interface RouterArtefact {
  /** The architecture. */
  readonly arch: RouterArch;
  /** The artefact directory (run `nunect-guardian` in it). */
  readonly dir: string;
  /** The self-extracting file. */
  readonly runFile: string;
  /** The OpenWRT package. */
  readonly ipk: string;
}

/** Options of {@linkcode routerArtefact}. */
export interface RouterArtefactOptions {
  /** Build with the leaf node (static nats-server, leaf.conf, nunect-leaf): `--with-leaf`. */
  readonly withLeaf?: boolean;
}

const builds = new Map<string, Promise<RouterArtefact>>();

/**
 * The router artefact of this checkout for `arch`, built once per test process with
 * `scripts/build_router.sh` into a directory of this checkout's own (the sources may have changed
 * since any earlier build, so every test run builds anew).
 *
 * @param arch the architecture
 * @param options with the leaf node or without
 * @returns the built artefact
 * @throws {Error} with the build's output when the build fails
 */
export function routerArtefact(
  arch: RouterArch,
  options: RouterArtefactOptions = {},
): Promise<RouterArtefact> {
  const key = options.withLeaf ? `${arch}-leaf` : arch;
  let build = builds.get(key);
  if (!build) {
    build = buildRouter(arch, key, options.withLeaf === true);
    builds.set(key, build);
  }
  return build;
}

/** Where the tests' router builds go: per checkout, so worktrees never share one. */
function distDir(): string {
  const cache = Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`;
  const key = [...PROJECT_DIR].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7).toString(36);
  return `${cache}/nunect/test-dist-${key}`;
}

async function buildRouter(
  arch: RouterArch,
  key: string,
  withLeaf: boolean,
): Promise<RouterArtefact> {
  const dist = `${distDir()}/${key}`;
  const out = await new Deno.Command("bash", {
    args: [`${PROJECT_DIR}/scripts/build_router.sh`, arch, ...(withLeaf ? ["--with-leaf"] : [])],
    env: {
      NUNECT_DIST: dist,
      DENO: Deno.execPath(),
      NO_COLOR: "1",
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? "/root",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const dec = new TextDecoder();
    throw new Error(
      `scripts/build_router.sh ${arch} failed (${out.code}):\n${dec.decode(out.stdout)}\n${
        dec.decode(out.stderr)
      }`,
    );
  }
  const version = JSON.parse(await Deno.readTextFile(`${PROJECT_DIR}/deno.json`)).version;
  return {
    arch,
    dir: `${dist}/router/nunect-guardian-${arch}`,
    runFile: `${dist}/router/nunect-guardian-${arch}.run`,
    ipk: `${dist}/router/nunect-guardian_${version}_${arch}.ipk`,
  };
}
