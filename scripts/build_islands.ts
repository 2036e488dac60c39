/**
 * Bundles the islands for the browser with `deno bundle` into static/build/ (git-ignored):
 * `hydrate.js` (every island and its hydration). Run by `deno task build:islands`; main.ts and
 * the tests call {@linkcode buildIslands} when the bundle is missing or older than its sources.
 *
 * @module
 */

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const OUT_DIR = `${ROOT}/static/build`;
const ENTRY = `${ROOT}/islands/hydrate.ts`;

async function newestSource(): Promise<number> {
  let newest = 0;
  const dirs = ["islands", "components"];
  for (const d of dirs) {
    for await (const f of Deno.readDir(`${ROOT}/${d}`)) {
      const st = await Deno.stat(`${ROOT}/${d}/${f.name}`);
      newest = Math.max(newest, st.mtime?.getTime() ?? 0);
    }
  }
  return newest;
}

/**
 * Whether the bundle is missing or older than any island or component source.
 *
 * @returns true when a build is needed
 */
export async function bundleIsStale(): Promise<boolean> {
  try {
    const st = await Deno.stat(`${OUT_DIR}/hydrate.js`);
    return (st.mtime?.getTime() ?? 0) < await newestSource();
  } catch {
    return true;
  }
}

/**
 * Runs `deno bundle` for the browser.
 *
 * @param options `minify` for production (default true)
 * @throws {Error} with deno bundle's output when bundling fails
 */
export async function buildIslands(options: { minify?: boolean } = {}): Promise<void> {
  // Chunk names carry content hashes; start clean so stale chunks do not pile up.
  await Deno.remove(OUT_DIR, { recursive: true }).catch(() => {});
  await Deno.mkdir(OUT_DIR, { recursive: true });
  const args = [
    "bundle",
    "--quiet",
    "--platform=browser",
    "--format=esm",
    "--sourcemap=linked",
    "--code-splitting",
    ...(options.minify === false ? [] : ["--minify"]),
    "--outdir",
    OUT_DIR,
    ENTRY,
  ];
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (!out.success) {
    const dec = new TextDecoder();
    throw new Error(
      `deno bundle failed for "${ENTRY}":\n${dec.decode(out.stdout)}${dec.decode(out.stderr)}`,
    );
  }
}

if (import.meta.main) {
  const t0 = performance.now();
  await buildIslands({ minify: !Deno.args.includes("--dev") });
  const st = await Deno.stat(`${OUT_DIR}/hydrate.js`);
  console.log(
    `Bundled islands into static/build/hydrate.js (${(st.size / 1024).toFixed(1)} KiB) in ${
      (performance.now() - t0).toFixed(0)
    } ms`,
  );
}
