import { PROJECT_DIR } from "./project.ts";
import { routerBuild } from "../../scripts/release.ts";

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

/**
 * The router artefact of this checkout for `arch`: both architectures are built with the leaf
 * node by `scripts/build_router.sh all --with-leaf` into the release cache, keyed by a hash of
 * everything they are built from (scripts/release.ts's `routerBuild`), so the router tests and the
 * release test share one build, and a run whose sources did not change builds nothing.
 *
 * @param arch the architecture
 * @returns the built artefact
 * @throws {Error} with the build's output when the build fails
 */
export async function routerArtefact(arch: RouterArch): Promise<RouterArtefact> {
  const { dir } = await (build ??= routerBuild());
  const version = JSON.parse(await Deno.readTextFile(`${PROJECT_DIR}/deno.json`)).version;
  return {
    arch,
    dir: `${dir}/router/nunect-guardian-${arch}`,
    runFile: `${dir}/router/nunect-guardian-${arch}.run`,
    ipk: `${dir}/router/nunect-guardian_${version}_${arch}.ipk`,
  };
}

let build: ReturnType<typeof routerBuild> | undefined;
