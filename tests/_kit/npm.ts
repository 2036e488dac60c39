import { buildNpm } from "../../scripts/build_npm.ts";

/** Pinned versions of what a consumer project of @nunect/client installs besides the package. */
export const CONSUMER_PACKAGES: readonly string[] = [
  "ws@8.23.0",
  "esbuild@0.28.2",
  "vite@7.3.8",
  "typescript@5.9.3",
  "@types/node@20.19.43",
];

/**
 * Runs a command to its end.
 *
 * @param cmd the program
 * @param args its arguments
 * @param cwd where it runs
 * @param env extra environment
 * @returns what it wrote to stdout
 * @throws {Error} with its stdout and stderr when it fails
 */
export async function runCommand(
  cmd: string,
  args: readonly string[],
  cwd: string,
  env?: Record<string, string>,
): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args: [...args],
    cwd,
    ...(env ? { env } : {}),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed:\n${dec.decode(out.stdout)}\n${dec.decode(out.stderr)}`,
    );
  }
  return dec.decode(out.stdout);
}

/** A project that installed the packed @nunect/client as a user would. */
export interface NpmConsumer {
  /** The built package (`deno task build:npm`'s npm/). */
  readonly npmDir: string;
  /** The consumer project: package.json (`"type": "module"`) and node_modules. */
  readonly project: string;
}

/**
 * Builds @nunect/client, packs it and installs the tarball with `packages` into a fresh
 * project in `dir` (npm's cache makes repeated installs quick).
 *
 * @param dir an empty directory
 * @param packages further packages to install (default {@linkcode CONSUMER_PACKAGES})
 * @returns where the package and the project are
 * @throws {Error} when the build, `npm pack` or `npm install` fails
 */
export async function npmConsumer(
  dir: string,
  packages: readonly string[] = CONSUMER_PACKAGES,
): Promise<NpmConsumer> {
  const npmDir = await buildNpm();
  const packed = await runCommand(
    "npm",
    ["pack", "--pack-destination", dir, "--loglevel=error"],
    npmDir,
  );
  const tarball = `${dir}/${packed.trim().split("\n").pop()}`;
  const project = `${dir}/project`;
  await Deno.mkdir(project);
  await Deno.writeTextFile(
    `${project}/package.json`,
    JSON.stringify({ name: "nunect-client-consumer", private: true, type: "module" }),
  );
  await runCommand("npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
    tarball,
    ...packages,
  ], project);
  return { npmDir, project };
}
