/**
 * Builds the npm package @nunect/client into npm/ with tsc (the `typescript` npm package), as
 * nats.js does: mods/client and mods/protocol are copied to npm/src (build input, not shipped),
 * their npm dependencies are installed into npm/node_modules with `npm install`, and tsc writes
 * ESM, .d.ts and source maps with the sources inlined to npm/esm. package.json takes its version
 * from deno.json and its dependency versions from deno.json's imports, and picks the entry per
 * runtime with conditional exports. Run with `deno task build:npm`; `npm pack` or
 * `npm publish --provenance` in npm/ then makes or publishes the tarball.
 *
 * @module
 */
import ts from "typescript";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
/** Where the package is written. */
export const NPM_DIR = `${ROOT}/npm`;

const SOURCES = ["client", "protocol"] as const;
/** The modules tsc compiles (with everything they import): one per export of the package. */
const ENTRIES = ["client/mod", "client/node", "client/browser", "client/jetstream", "protocol/mod"];
/** Runtime dependencies of the package: the npm names in deno.json's imports. */
const DEPENDENCIES = [
  "@nats-io/nats-core",
  "@nats-io/transport-node",
  "@nats-io/jetstream",
  "zod",
];
/** Needed only to compile (node_runtime.ts uses node:tls); the oldest Node the package supports. */
const BUILD_DEPENDENCIES = ["@types/node@20.19.43"];
/** The repository named when nothing says otherwise (see {@linkcode repositoryUrl}). */
const REPOSITORY_URL = "git+https://github.com/nunect/nunect.git";

/** Where the repository URL of the package came from. */
export type RepositorySource =
  | "NUNECT_REPOSITORY_URL"
  | "GITHUB_REPOSITORY"
  | "git remote"
  | "default";

/**
 * The repository the package names, for npm's provenance check (it must be the repository that
 * publishes): `NUNECT_REPOSITORY_URL`, else the repository a GitHub Actions run belongs to
 * (`GITHUB_SERVER_URL`/`GITHUB_REPOSITORY`, set in every workflow step), else this clone's
 * `origin` remote, else the project's default.
 *
 * @param env the variables above (undefined when unset)
 * @param origin `git remote get-url origin`, if there is one
 * @returns the `git+https://…` URL and where it came from
 * @example
 * ```ts
 * repositoryUrl({}, "git@github.com:acme/nunect.git");
 * // { url: "git+https://github.com/acme/nunect.git", source: "git remote" }
 * ```
 */
export function repositoryUrl(
  env: Readonly<Record<string, string | undefined>>,
  origin?: string,
): { url: string; source: RepositorySource } {
  if (env.NUNECT_REPOSITORY_URL) {
    return { url: env.NUNECT_REPOSITORY_URL, source: "NUNECT_REPOSITORY_URL" };
  }
  if (env.GITHUB_REPOSITORY) {
    const server = (env.GITHUB_SERVER_URL || "https://github.com").replace(/\/$/, "");
    return { url: `git+${server}/${env.GITHUB_REPOSITORY}.git`, source: "GITHUB_REPOSITORY" };
  }
  const remote = origin?.trim() ?? "";
  const scp = /^(?:[^@/]+@)?([^:/]+):(.+?)(?:\.git)?$/.exec(remote);
  const web = /^(?:git\+)?(https?):\/\/(?:[^@/]+@)?([^/]+)\/(.+?)(?:\.git)?\/?$/.exec(remote);
  if (web) return { url: `git+${web[1]}://${web[2]}/${web[3]}.git`, source: "git remote" };
  if (scp && !remote.includes("://")) {
    return { url: `git+https://${scp[1]}/${scp[2]}.git`, source: "git remote" };
  }
  return { url: REPOSITORY_URL, source: "default" };
}

/** `git remote get-url origin` in the project, or undefined (no git, no remote). */
async function gitOrigin(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("git", {
      args: ["remote", "get-url", "origin"],
      cwd: ROOT,
      stdout: "piped",
      stderr: "null",
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : undefined;
  } catch {
    return undefined;
  }
}

interface DenoJson {
  version: string;
  imports: Record<string, string>;
}

function npmVersion(denoJson: DenoJson, name: string): string {
  const spec = denoJson.imports[name];
  const m = spec ? /^npm:(@?[^@]+)@([^/]+)$/.exec(spec) : null;
  if (!m) throw new Error(`deno.json imports has no pinned npm entry for "${name}"`);
  return m[2]!;
}

/**
 * The package.json of @nunect/client. The plain import picks the build for its runtime by
 * condition: `deno` and `default` the universal entry (Deno's own TCP where `Deno` exists),
 * `browser` the WebSocket-only one, `node` the one with transport-node; all export the same API
 * and the same types. Nothing has import side effects, so bundlers may drop unused modules.
 *
 * @param denoJson the project's deno.json (version, pinned npm imports)
 * @param repositoryUrl the git URL of the repository that publishes
 * @returns the manifest
 */
export function packageJson(
  denoJson: DenoJson,
  repositoryUrl: string = REPOSITORY_URL,
): Record<string, unknown> {
  const entry = (file: string) => ({
    types: `./esm/${file}.d.ts`,
    default: `./esm/${file}.js`,
  });
  return {
    name: "@nunect/client",
    version: denoJson.version,
    description: "NATS client for Deno, Node and browsers with nunect's headers, RTT, echo, " +
      "heartbeats, an outbox for disconnects and a logger that publishes to NATS",
    license: "MIT",
    repository: { type: "git", url: repositoryUrl, directory: "mods/client" },
    type: "module",
    main: "./esm/client/mod.js",
    types: "./esm/client/mod.d.ts",
    exports: {
      ".": {
        types: "./esm/client/mod.d.ts",
        deno: "./esm/client/mod.js",
        browser: "./esm/client/browser.js",
        node: "./esm/client/node.js",
        default: "./esm/client/mod.js",
      },
      "./node": entry("client/node"),
      "./browser": entry("client/browser"),
      "./jetstream": entry("client/jetstream"),
      "./protocol": entry("protocol/mod"),
      "./package.json": "./package.json",
    },
    files: ["esm/**/*.js", "esm/**/*.d.ts", "esm/**/*.js.map", "CHANGELOG.md"],
    sideEffects: false,
    engines: { node: ">=20" },
    publishConfig: { access: "public" },
    keywords: ["nats", "nunect", "messaging", "websocket", "telemetry", "deno", "browser"],
    dependencies: Object.fromEntries(DEPENDENCIES.map((d) => [d, npmVersion(denoJson, d)])),
    peerDependencies: { ws: ">=8" },
    peerDependenciesMeta: { ws: { optional: true } },
  };
}

async function run(cmd: string, args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    const dec = new TextDecoder();
    throw new Error(
      `${cmd} ${args.join(" ")} failed:\n${dec.decode(out.stdout)}${dec.decode(out.stderr)}`,
    );
  }
}

async function copyTs(from: string, to: string): Promise<string[]> {
  await Deno.mkdir(to, { recursive: true });
  const files: string[] = [];
  for await (const f of Deno.readDir(from)) {
    if (!f.isFile || !f.name.endsWith(".ts")) continue;
    await Deno.copyFile(`${from}/${f.name}`, `${to}/${f.name}`);
    files.push(`${to}/${f.name}`);
  }
  return files;
}

function compile(files: string[]): void {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts", "lib.esnext.disposable.d.ts"],
    types: ["node"],
    typeRoots: [`${NPM_DIR}/node_modules/@types`],
    declaration: true,
    sourceMap: true,
    inlineSources: true,
    strict: true,
    noUncheckedIndexedAccess: true,
    useUnknownInCatchVariables: true,
    noImplicitOverride: true,
    skipLibCheck: true,
    rewriteRelativeImportExtensions: true,
    rootDir: `${NPM_DIR}/src`,
    outDir: `${NPM_DIR}/esm`,
    newLine: ts.NewLineKind.LineFeed,
  };
  const program = ts.createProgram(files, options);
  const result = program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (diagnostics.length > 0) {
    const host: ts.FormatDiagnosticsHost = {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => NPM_DIR,
      getNewLine: () => "\n",
    };
    throw new Error(`tsc failed:\n${ts.formatDiagnostics(diagnostics, host)}`);
  }
}

/**
 * Builds npm/: sources, package.json, README, LICENSE, dependencies, then ESM + .d.ts.
 *
 * @returns the package directory
 */
export async function buildNpm(): Promise<string> {
  const denoJson = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)) as DenoJson;
  for (const d of ["src", "esm"]) {
    await Deno.remove(`${NPM_DIR}/${d}`, { recursive: true }).catch(() => {});
  }
  await Deno.mkdir(NPM_DIR, { recursive: true });
  const files: string[] = [];
  for (const s of SOURCES) files.push(...await copyTs(`${ROOT}/mods/${s}`, `${NPM_DIR}/src/${s}`));
  const repository = repositoryUrl({
    NUNECT_REPOSITORY_URL: Deno.env.get("NUNECT_REPOSITORY_URL"),
    GITHUB_REPOSITORY: Deno.env.get("GITHUB_REPOSITORY"),
    GITHUB_SERVER_URL: Deno.env.get("GITHUB_SERVER_URL"),
  }, await gitOrigin());
  if (repository.source === "default") {
    console.error(
      `Note: the package names ${repository.url} as its repository (no NUNECT_REPOSITORY_URL, ` +
        'no GitHub Actions run, no git remote "origin"); npm publish --provenance needs the ' +
        "repository that publishes",
    );
  }
  const pkg = packageJson(denoJson, repository.url);
  await Deno.writeTextFile(`${NPM_DIR}/package.json`, JSON.stringify(pkg, null, 2) + "\n");
  await Deno.copyFile(`${ROOT}/mods/client/README.md`, `${NPM_DIR}/README.md`);
  await Deno.copyFile(`${ROOT}/mods/client/CHANGELOG.md`, `${NPM_DIR}/CHANGELOG.md`);
  await Deno.copyFile(`${ROOT}/LICENSE`, `${NPM_DIR}/LICENSE`);
  await run("npm", [
    "install",
    "--ignore-scripts",
    "--no-audit",
    "--no-fund",
    "--no-package-lock",
    "--no-save",
    "--loglevel=error",
    ...BUILD_DEPENDENCIES,
  ], NPM_DIR);
  compile(ENTRIES.map((e) => `${NPM_DIR}/src/${e}.ts`));
  return NPM_DIR;
}

if (import.meta.main) {
  const dir = await buildNpm();
  console.log(`Built @nunect/client in ${dir} (cd npm && npm pack to make the tarball)`);
}
