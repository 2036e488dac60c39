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

const builds = new Map<RouterArch, Promise<RouterArtefact>>();

/**
 * The router artefact of this checkout for `arch`, built once per test process with
 * `scripts/build_router.sh` into a directory of this checkout's own (the sources may have changed
 * since any earlier build, so every test run builds anew).
 *
 * @param arch the architecture
 * @returns the built artefact
 * @throws {Error} with the build's output when the build fails
 */
export function routerArtefact(arch: RouterArch): Promise<RouterArtefact> {
  let build = builds.get(arch);
  if (!build) {
    build = buildRouter(arch);
    builds.set(arch, build);
  }
  return build;
}

/** Where the tests' router builds go: per checkout, so worktrees never share one. */
function distDir(): string {
  const cache = Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`;
  const key = [...PROJECT_DIR].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7).toString(36);
  return `${cache}/nunect/test-dist-${key}`;
}

async function buildRouter(arch: RouterArch): Promise<RouterArtefact> {
  const dist = `${distDir()}/${arch}`;
  const out = await new Deno.Command("bash", {
    args: [`${PROJECT_DIR}/scripts/build_router.sh`, arch],
    env: { NUNECT_DIST: dist, DENO: Deno.execPath(), NO_COLOR: "1" },
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
